// PdqIndex: the linear scan and the multi-index tables must give the same, exact
// answers as a brute-force search, at every threshold.
#include "match/image_index.h"

#include <catch2/catch.hpp>
#include <random>

namespace leakwatch::match {
namespace {

PdqHash RandomHash(std::mt19937_64& rng) {
  PdqHash hash;
  for (auto& word : hash.words) word = rng();
  return hash;
}

PdqHash FlipBits(PdqHash hash, int count, std::mt19937_64& rng) {
  std::vector<int> bits(kPdqBits);
  for (int i = 0; i < kPdqBits; ++i) bits[static_cast<size_t>(i)] = i;
  std::shuffle(bits.begin(), bits.end(), rng);
  for (int i = 0; i < count; ++i) {
    const int bit = bits[static_cast<size_t>(i)];
    hash.words[static_cast<size_t>(bit >> 6)] ^= uint64_t{1} << (bit & 63);
  }
  return hash;
}

std::optional<PdqMatch> BruteForce(const std::vector<PdqEntry>& entries, const PdqHash& query,
                                   int threshold) {
  std::optional<PdqMatch> best;
  for (size_t i = 0; i < entries.size(); ++i) {
    const int d = HammingDistance(entries[i].hash, query);
    if (d <= threshold && (!best || d < best->distance)) best = PdqMatch{entries[i].id, d, 0, i};
  }
  return best;
}

TEST_CASE("linear and multi-index search agree with brute force", "[unit]") {
  std::mt19937_64 rng(42);
  std::vector<PdqEntry> entries;
  for (int i = 0; i < 3000; ++i) entries.push_back({RandomHash(rng), 1000 + i});
  const PdqIndex linear(entries, {.multi_index_min_entries = SIZE_MAX});
  const PdqIndex multi(entries, {.multi_index_min_entries = 1});
  CHECK_FALSE(linear.uses_multi_index());
  CHECK(multi.uses_multi_index());
  CHECK(multi.size() == 3000);
  for (int trial = 0; trial < 400; ++trial) {
    const size_t target = static_cast<size_t>(rng() % entries.size());
    const int flips = static_cast<int>(rng() % 48);
    const PdqHash query = FlipBits(entries[target].hash, flips, rng);
    for (const int threshold : {0, 8, 15, 16, 31, 32, 47, 60}) {
      INFO("flips " << flips << " threshold " << threshold);
      const auto expected = BruteForce(entries, query, threshold);
      const auto a = linear.Nearest(query, threshold);
      const auto b = multi.Nearest(query, threshold);
      REQUIRE(a.has_value() == expected.has_value());
      REQUIRE(b.has_value() == expected.has_value());
      if (expected) {
        CHECK(a->distance == expected->distance);
        CHECK(b->distance == expected->distance);
        CHECK(a->id == expected->id);
        CHECK(b->id == expected->id);
      }
    }
  }
}

TEST_CASE("unrelated random hashes do not match at the default threshold", "[unit]") {
  std::mt19937_64 rng(7);
  std::vector<PdqEntry> entries;
  for (int i = 0; i < 20000; ++i) entries.push_back({RandomHash(rng), i});
  const PdqIndex index(std::move(entries));
  CHECK(index.uses_multi_index());
  for (int i = 0; i < 200; ++i) CHECK_FALSE(index.Nearest(RandomHash(rng)).has_value());
}

TEST_CASE("the best variant wins and reports which one matched", "[unit]") {
  std::mt19937_64 rng(9);
  PdqHashes query;
  query.count = kDihedralCount;
  for (auto& v : query.variants) v = RandomHash(rng);
  std::vector<PdqEntry> entries = {{FlipBits(query.variants[3], 20, rng), 1},
                                   {FlipBits(query.variants[5], 4, rng), 2},
                                   {RandomHash(rng), 3}};
  const PdqIndex index(std::move(entries));
  auto match = index.NearestOfVariants(query);
  REQUIRE(match.has_value());
  CHECK(match->id == 2);
  CHECK(match->distance == 4);
  CHECK(match->variant == 5);
  // Without variants only the original is asked.
  query.count = 1;
  CHECK_FALSE(index.NearestOfVariants(query).has_value());
}

TEST_CASE("an empty index matches nothing, thresholds are clamped", "[unit]") {
  const PdqIndex empty;
  CHECK_FALSE(empty.Nearest(PdqHash{}, 256).has_value());
  const PdqIndex one(std::vector<PdqEntry>{{PdqHash{}, 5}});
  CHECK(one.Nearest(PdqHash{}, -3).has_value());
  PdqHash all_ones;
  all_ones.words.fill(~uint64_t{0});
  CHECK(one.Nearest(all_ones, 1000)->distance == 256);
}

}  // namespace
}  // namespace leakwatch::match
