#include "match/chunker.h"

#include <xxhash.h>

#include <catch2/catch.hpp>
#include <random>

#include "tests/unit/match/match_test_data.h"

namespace leakwatch::match {
namespace {

std::vector<ChunkRef> ChunkAll(std::string_view data, size_t piece) {
  Chunker c{ChunkParams{}};
  std::vector<ChunkRef> out;
  for (size_t i = 0; i < data.size(); i += piece) c.Feed(data.substr(i, piece), out);
  c.Finish(out);
  return out;
}

TEST_CASE("FastCDC chunks respect the size bounds and cover the stream", "[unit]") {
  std::mt19937_64 rng(1);
  const std::string data = testdata::RandomBytes(rng, 3 << 20);
  const auto chunks = ChunkAll(data, data.size());
  uint64_t total = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].offset == total);
    CHECK(chunks[i].length <= 64 * 1024);
    if (i + 1 < chunks.size()) CHECK(chunks[i].length >= 2 * 1024);
    CHECK(chunks[i].hash == XXH3_64bits(data.data() + chunks[i].offset, chunks[i].length));
    total += chunks[i].length;
  }
  CHECK(total == data.size());
  const double avg = static_cast<double>(data.size()) / static_cast<double>(chunks.size());
  CHECK(avg > 4 * 1024);
  CHECK(avg < 16 * 1024);
}

TEST_CASE("chunk boundaries do not depend on how the stream is split", "[unit]") {
  std::mt19937_64 rng(2);
  const std::string data = testdata::RandomBytes(rng, 1 << 20);
  const auto whole = ChunkAll(data, data.size());
  for (size_t piece : {1u, 7u, 4096u, 65537u}) {
    const auto split = ChunkAll(data, piece);
    REQUIRE(split.size() == whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
      CHECK(split[i].hash == whole[i].hash);
      CHECK(split[i].length == whole[i].length);
    }
  }
}

TEST_CASE("boundaries resynchronise after an unaligned prefix", "[unit]") {
  std::mt19937_64 rng(3);
  const std::string data = testdata::RandomBytes(rng, 1 << 20);
  const std::string shifted = testdata::RandomBytes(rng, 12345) + data;
  const auto a = ChunkAll(data, data.size());
  const auto b = ChunkAll(shifted, shifted.size());
  size_t common = 0;
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (x.hash == y.hash) {
        ++common;
        break;
      }
    }
  }
  CHECK(common + 3 >= a.size());
}

TEST_CASE("chunk parameters are validated", "[unit]") {
  CHECK(ChunkParams{}.Validate().ok());
  CHECK_FALSE((ChunkParams{2048, 6000, 65536}).Validate().ok());
  CHECK_FALSE((ChunkParams{8192, 8192, 65536}).Validate().ok());
  CHECK_FALSE((ChunkParams{2048, 8192, 8192}).Validate().ok());
}

TEST_CASE("content digests are stable across piece sizes", "[unit]") {
  std::mt19937_64 rng(4);
  const std::string data = testdata::RandomBytes(rng, 100000);
  ContentHasher a, b;
  a.Update(data);
  for (size_t i = 0; i < data.size(); i += 333) b.Update(std::string_view(data).substr(i, 333));
  const auto da = a.Finish();
  const auto db = b.Finish();
  CHECK(da.xxh128_high == db.xxh128_high);
  CHECK(da.xxh128_low == db.xxh128_low);
  CHECK(da.sha256 == db.sha256);
  CHECK(da.size == data.size());
  CHECK(util::HexEncode(da.sha256.data(), 32) == util::Sha256Hex(data));
}

}  // namespace
}  // namespace leakwatch::match
