#include "match/matcher.h"

#include <catch2/catch.hpp>
#include <thread>

#include "tests/unit/match/match_test_data.h"

namespace leakwatch::match {
namespace {

using testdata::FindKind;
using testdata::Fixture;
using testdata::RandomBytes;

MatchResult Streamed(const Matcher& m, std::string_view bytes, size_t piece) {
  auto s = m.NewStream("obj");
  for (size_t i = 0; i < bytes.size(); i += piece) s->Feed(bytes.substr(i, piece));
  return s->Finish();
}

TEST_CASE("an exact copy is found with its dataset ref, sha256 and size", "[unit]") {
  Fixture fx({1500, 40 * 1024, 200 * 1024});
  const auto m = fx.Load();
  const std::string copy = Fixture::Read(fx.files[1]);
  const MatchResult r = Streamed(*m, copy, 1000);
  const Finding* f = FindKind(r, FindingKind::kExact);
  REQUIRE(f != nullptr);
  CHECK(f->score == 1.0);
  CHECK(f->dataset_refs == std::vector<std::string>{fx.RefOf(fx.files[1])});
  CHECK(f->path == "obj");
  CHECK(f->size == copy.size());
  CHECK(f->sha256 == util::Sha256Hex(copy));
  CHECK(FindKind(r, FindingKind::kPartial) == nullptr);
  // A file smaller than one chunk is found exactly too.
  CHECK(FindKind(m->MatchBytes("small", Fixture::Read(fx.files[0])), FindingKind::kExact));
}

TEST_CASE("the first 30% of a file is a partial finding scored by coverage", "[unit]") {
  Fixture fx({1 << 20});
  const auto m = fx.Load();
  const std::string data = Fixture::Read(fx.files[0]);
  const MatchResult r =
      m->MatchBytes("head", std::string_view(data).substr(0, data.size() * 3 / 10));
  const Finding* f = FindKind(r, FindingKind::kPartial);
  REQUIRE(f != nullptr);
  CHECK(FindKind(r, FindingKind::kExact) == nullptr);
  CHECK(f->score > 0.22);
  CHECK(f->score < 0.31);
  CHECK(f->dataset_refs == std::vector<std::string>{fx.RefOf(fx.files[0])});
}

TEST_CASE("a file embedded at an unaligned offset inside a 50 MB blob is found", "[unit]") {
  Fixture fx({3 << 20});
  const auto m = fx.Load();
  std::mt19937_64 rng(77);
  const std::string inner = Fixture::Read(fx.files[0]);
  std::string blob = RandomBytes(rng, 20'000'003);
  blob += inner;
  blob += RandomBytes(rng, 50'000'000 - blob.size());
  const MatchResult r = Streamed(*m, blob, 1 << 20);
  const Finding* f = FindKind(r, FindingKind::kPartial);
  REQUIRE(f != nullptr);
  CHECK(f->score > 0.95);
  CHECK(f->size == 50'000'000);
}

TEST_CASE("a 10 MB file with one byte changed covers more than 95%", "[unit]") {
  Fixture fx({10 << 20}, 5);
  const auto m = fx.Load();
  std::string data = Fixture::Read(fx.files[0]);
  data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x5A);
  const MatchResult r = Streamed(*m, data, 65536);
  const Finding* f = FindKind(r, FindingKind::kPartial);
  REQUIRE(f != nullptr);
  CHECK(f->score > 0.95);
  CHECK(f->score < 1.0);
  CHECK(FindKind(r, FindingKind::kExact) == nullptr);
}

TEST_CASE("unrelated random data gives no findings", "[unit]") {
  Fixture fx({100 * 1024, 1 << 20});
  const auto m = fx.Load();
  std::mt19937_64 rng(5);
  const MatchResult r = Streamed(*m, RandomBytes(rng, 20 << 20), 1 << 20);
  CHECK(r.findings.empty());
  CHECK(r.size == 20u << 20);
}

TEST_CASE("one matcher serves concurrent streams", "[unit]") {
  Fixture fx({64 * 1024, 256 * 1024});
  const auto m = fx.Load();
  const std::string a = Fixture::Read(fx.files[0]);
  const std::string b = Fixture::Read(fx.files[1]);
  std::vector<int> found(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const auto r = m->MatchBytes("x", t % 2 == 0 ? a : b);
        if (FindKind(r, FindingKind::kExact) != nullptr) ++found[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(found == std::vector<int>{5, 5, 5, 5});
  const IndexStats stats = m->stats();
  CHECK(stats.chunk_fingerprints >= 30);
  CHECK(stats.record_fingerprints == 200 * 2 + 200 * 2 * 3);
}

TEST_CASE("the loaded index costs at most 24 bytes per fingerprint", "[unit]") {
  Fixture fx({4 << 20}, 5000);
  const auto m = fx.Load();
  const IndexStats s = m->stats();
  REQUIRE(s.record_fingerprints > 30000);
  CHECK(static_cast<double>(s.record_index_bytes) / static_cast<double>(s.record_fingerprints) <=
        24.0);
  CHECK(static_cast<double>(s.chunk_index_bytes) / static_cast<double>(s.chunk_fingerprints) <=
        24.0);
}

TEST_CASE("1 GB of unrelated random data gives zero findings", "[.slow]") {
  Fixture fx({1 << 20, 4 << 20}, 1000);
  const auto m = fx.Load();
  std::mt19937_64 rng(1234);
  auto s = m->NewStream("random.bin");
  const std::string block = RandomBytes(rng, 1 << 20);
  std::string piece = block;
  for (int i = 0; i < 1024; ++i) {
    // Vary the content cheaply so no two blocks are equal.
    for (size_t k = 0; k < piece.size(); k += 4096) piece[k] = static_cast<char>(rng());
    s->Feed(piece);
  }
  const MatchResult r = s->Finish();
  CHECK(r.findings.empty());
  CHECK(r.size == 1ull << 30);
}

}  // namespace
}  // namespace leakwatch::match
