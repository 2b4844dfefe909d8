// The record index prefilter (split-block Bloom filter), the inline SipHash behind
// record fingerprints, and the builder's external sort of record hashes.
#include "match/internal/prefilter.h"

#include <sodium.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <set>

#include "match/internal/hash_index.h"
#include "match/internal/record_sorter.h"
#include "match/internal/siphash.h"
#include "match/key.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::match::detail {
namespace {

std::vector<uint64_t> RandomHashes(std::mt19937_64& rng, size_t n) {
  std::vector<uint64_t> v(n);
  for (auto& h : v) h = rng();
  return v;
}

double FalsePositiveRate(const SplitBlockBloomFilter& f, std::mt19937_64& rng, size_t probes) {
  size_t positives = 0;
  for (size_t i = 0; i < probes; ++i) positives += f.MayContain(rng()) ? 1u : 0u;
  return static_cast<double>(positives) / static_cast<double>(probes);
}

TEST_CASE("prefilter: every inserted key is found (no false negatives)", "[unit]") {
  std::mt19937_64 rng(11);
  for (const size_t n : {size_t{1}, size_t{7}, size_t{1000}, size_t{200'000}}) {
    for (const int bits : {4, 8, 10, 16}) {
      const auto keys = RandomHashes(rng, n);
      SplitBlockBloomFilter f(n, bits);
      for (const uint64_t k : keys) f.Insert(k);
      size_t missing = 0;
      for (const uint64_t k : keys) missing += f.MayContain(k) ? 0u : 1u;
      INFO("n=" << n << " bits=" << bits);
      CHECK(missing == 0);
      CHECK(f.MemoryBytes() >= n * static_cast<size_t>(bits) / 8);
      CHECK(f.MemoryBytes() <= n * static_cast<size_t>(bits) / 8 + 32);
    }
  }
}

TEST_CASE("prefilter: false-positive rate on random keys stays within its bound", "[unit]") {
  // Bounds: the split-block filter's rates (about 3.3%, 1.3%, 0.13% at 8,
  // 10 and 16 bits per key) with a margin for sampling noise.
  std::mt19937_64 rng(12);
  const size_t n = 500'000;
  const auto keys = RandomHashes(rng, n);
  struct Case {
    int bits;
    double max_rate;
  };
  for (const Case c : {Case{8, 0.04}, Case{10, 0.016}, Case{16, 0.0017}}) {
    SplitBlockBloomFilter f(n, c.bits);
    for (const uint64_t k : keys) f.Insert(k);
    const double rate = FalsePositiveRate(f, rng, 1'000'000);
    INFO("bits=" << c.bits << " rate=" << rate);
    CHECK(rate <= c.max_rate);
    CHECK(rate > 0.0);  // a filter that says "no" to everything would pass the bound
  }
  SplitBlockBloomFilter empty;
  CHECK(empty.MayContain(rng()));  // no filter: everything may be present
}

TEST_CASE("hash index with prefilter: finds every entry, rejects absent hashes", "[unit]") {
  std::mt19937_64 rng(13);
  std::vector<RecordEntry> entries;
  for (uint32_t i = 0; i < 100'000; ++i) entries.push_back({rng(), i});
  entries.push_back({entries[5].hash, 777'777});  // a hash shared by two records
  HashIndex<RecordEntry> index;
  index.Build(entries, 10);
  for (const RecordEntry& e : entries) {
    const auto found = index.Find(e.hash);
    REQUIRE(!found.empty());
    CHECK(std::any_of(found.begin(), found.end(),
                      [&](const RecordEntry& f) { return f.record_id == e.record_id; }));
  }
  CHECK(index.Find(entries[5].hash).size() == 2);
  std::set<uint64_t> present;
  for (const auto& e : entries) present.insert(e.hash);
  size_t wrong = 0, passed_filter = 0;
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t h = rng();
    if (present.count(h) != 0) continue;
    wrong += index.Find(h).empty() ? 0u : 1u;
    passed_filter += index.MayContain(h) ? 1u : 0u;
  }
  CHECK(wrong == 0);
  CHECK(passed_filter < 2'000);  // ~1.3% at 10 bits per key
  // 12-byte entries + prefix table + 10-bit filter: well under the 18-byte target.
  CHECK(static_cast<double>(index.MemoryBytes()) / static_cast<double>(entries.size()) < 15.0);
}

TEST_CASE("hash index: BuildSorted takes sorted entries as they are and refuses unsorted",
          "[unit]") {
  std::mt19937_64 rng(14);
  std::vector<RecordEntry> entries;
  for (uint32_t i = 0; i < 10'000; ++i) entries.push_back({rng(), i});
  std::sort(entries.begin(), entries.end(),
            [](const RecordEntry& a, const RecordEntry& b) { return a.hash < b.hash; });
  HashIndex<RecordEntry> index;
  REQUIRE(index.BuildSorted(entries, 8));
  for (const auto& e : entries) CHECK(index.Find(e.hash).size() == 1);
  std::swap(entries[100], entries[200]);
  HashIndex<RecordEntry> broken;
  CHECK_FALSE(broken.BuildSorted(entries, 8));
  CHECK(broken.size() == 0);
  CHECK(broken.Find(entries[0].hash).empty());
}

TEST_CASE("inline SipHash-x-2-4 equals libsodium's first 8 output bytes", "[unit]") {
  REQUIRE(sodium_init() >= 0);
  std::mt19937_64 rng(15);
  for (int trial = 0; trial < 2000; ++trial) {
    unsigned char key[16];
    for (auto& b : key) b = static_cast<unsigned char>(rng());
    std::string input(static_cast<size_t>(trial % 90), '\0');
    for (auto& c : input) c = static_cast<char>(rng());
    unsigned char out[16];
    crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size(), key);
    uint64_t expected = 0;
    for (int i = 7; i >= 0; --i) expected = (expected << 8) | out[i];
    // Any split of the input into pieces hashes the same.
    const size_t a = input.empty() ? 0 : rng() % (input.size() + 1);
    const size_t b = a + (input.size() == a ? 0 : rng() % (input.size() - a + 1));
    const std::string_view v(input);
    const SipHashX24First64 prf(key);
    INFO("length " << input.size() << " split " << a << "," << b);
    CHECK(prf.Hash({v}) == expected);
    CHECK(prf.Hash({v.substr(0, a), v.substr(a, b - a), v.substr(b)}) == expected);
    CHECK(prf.Hash(reinterpret_cast<const unsigned char*>(input.data()), input.size()) == expected);
  }
}

TEST_CASE("record fingerprints are unchanged by the inline PRF (packs stay valid)", "[unit]") {
  // Values computed by the libsodium-based implementation before the change.
  auto key = DatasetKey::FromBytes(std::string(32, '\x05'));
  REQUIRE(key.has_value());
  CHECK(key->HashSingle("AB123CD") == 0x7f1db57fb8cb2b6bULL);
  CHECK(key->HashPair("AB123CD", "jose muller") == 0x38d77324b324d720ULL);
  CHECK(key->HashSingle(std::string(300, 'Z')) == 0xeb42ad55d41619b6ULL);
  // Values on both sides of Prf64's contiguous / piecewise cut-over (192 bytes of
  // input) equal libsodium's SipHash-x-2-4 of the documented layout under the record
  // subkey (key.cc: domain byte, value, 0x00, value).
  const std::string master(32, '\x05');
  unsigned char subkey[16];
  crypto_kdf_derive_from_key(subkey, sizeof subkey, 1, "lwrecord",
                             reinterpret_cast<const unsigned char*>(master.data()));
  auto sodium64 = [&](const std::string& input) {
    unsigned char out[16];
    crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size(), subkey);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | out[i];
    return v;
  };
  for (size_t n = 1; n <= 200; ++n) {
    std::string a(n, 'Q');
    a[n / 2] = 'r';
    CHECK(key->HashSingle(a) == sodium64("S" + a));
    const std::string left = a.substr(0, n / 2 + 1), right = a.substr(n / 2 + 1);
    if (!right.empty()) {
      CHECK(key->HashPair(left, right) == sodium64("P" + left + std::string(1, '\0') + right));
    }
  }
}

std::vector<RecordEntry> Drained(RecordSorter& sorter, size_t batch, size_t* batches) {
  std::vector<RecordEntry> out;
  *batches = 0;
  const Status st = sorter.Drain(batch, [&](std::span<const RecordEntry> b) {
    CHECK(b.size() <= batch);
    ++*batches;
    out.insert(out.end(), b.begin(), b.end());
    return Status::Ok();
  });
  CHECK(st.ok());
  return out;
}

TEST_CASE("record sorter: spilled runs merge into one ascending sequence", "[unit]") {
  testing::TempDir dir;
  const auto spill = dir / "runs.tmp";
  std::mt19937_64 rng(16);
  std::vector<RecordEntry> input;
  {
    RecordSorter sorter(spill, 1000);
    for (uint32_t i = 0; i < 25'500; ++i) {
      // Few distinct hashes in part of the input, so ties are exercised.
      const uint64_t h = i % 3 == 0 ? rng() % 50 : rng();
      input.push_back({h, i});
      REQUIRE(sorter.Add(h, i).ok());
    }
    CHECK(sorter.runs_spilled() == 25);
    CHECK(std::filesystem::exists(spill));
    size_t batches = 0;
    const auto out = Drained(sorter, 4096, &batches);
    CHECK(batches == 7);
    std::sort(input.begin(), input.end(), [](const RecordEntry& a, const RecordEntry& b) {
      return a.hash != b.hash ? a.hash < b.hash : a.record_id < b.record_id;
    });
    REQUIRE(out.size() == input.size());
    for (size_t i = 0; i < out.size(); ++i) {
      REQUIRE(out[i].hash == input[i].hash);
      REQUIRE(out[i].record_id == input[i].record_id);
    }
    CHECK(sorter.total() == input.size());
  }
  CHECK_FALSE(std::filesystem::exists(spill));  // the destructor removes the spill file
}

TEST_CASE("record sorter: a stream that fits in memory is sorted without a spill file", "[unit]") {
  testing::TempDir dir;
  RecordSorter sorter(dir / "never.tmp", 1 << 20);
  std::mt19937_64 rng(17);
  for (uint32_t i = 0; i < 5000; ++i) REQUIRE(sorter.Add(rng(), i).ok());
  size_t batches = 0;
  const auto out = Drained(sorter, 1000, &batches);
  CHECK(batches == 5);
  CHECK(out.size() == 5000);
  CHECK(std::is_sorted(out.begin(), out.end(),
                       [](const RecordEntry& a, const RecordEntry& b) { return a.hash < b.hash; }));
  CHECK(sorter.runs_spilled() == 0);
  CHECK_FALSE(std::filesystem::exists(dir / "never.tmp"));
}

TEST_CASE("record sorter: an unwritable spill location is an IOError", "[unit]") {
  testing::TempDir dir;
  RecordSorter sorter(dir / "no-such-dir" / "runs.tmp", 10);
  Status st;
  for (uint32_t i = 0; i < 10 && st.ok(); ++i) st = sorter.Add(i, i);
  CHECK(st.code() == StatusCode::kIOError);
}

}  // namespace
}  // namespace leakwatch::match::detail
