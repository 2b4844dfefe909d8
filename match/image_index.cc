#include "match/image_index.h"

#include <algorithm>
#include <bit>

namespace leakwatch::match {
namespace {

constexpr int kBands = 16;
constexpr int kBandBits = 16;
constexpr size_t kBandValues = size_t{1} << kBandBits;
constexpr size_t kOffsetsPerBand = kBandValues + 1;
// Probing radius r costs sum_{k<=r} C(16, k) lookups per band (1, 17, 137, 697):
// beyond 2 a linear scan is cheaper for any realistic index size.
constexpr int kMaxProbeRadius = 2;

// Best-so-far during a search: smallest distance, then smallest entry position.
struct Best {
  int distance;
  size_t entry;
  bool found = false;

  void Offer(int candidate_distance, size_t candidate_entry) {
    if (candidate_distance > distance) return;
    if (found && candidate_distance == distance && candidate_entry >= entry) return;
    distance = candidate_distance;
    entry = candidate_entry;
    found = true;
  }
};

template <typename Popcount>
void ScanRange(const PdqHash* hashes, size_t count, const PdqHash& query, Best& best,
               Popcount popcount) {
  const uint64_t q0 = query.words[0], q1 = query.words[1], q2 = query.words[2], q3 = query.words[3];
  for (size_t i = 0; i < count; ++i) {
    const auto& w = hashes[i].words;
    const int distance =
        popcount(w[0] ^ q0) + popcount(w[1] ^ q1) + popcount(w[2] ^ q2) + popcount(w[3] ^ q3);
    if (distance < best.distance || (distance == best.distance && !best.found)) {
      best.Offer(distance, i);
    }
  }
}

// x86-64's baseline has no POPCNT instruction: compile the hot loop twice and pick
// at run time (std::popcount in a "popcnt" target function becomes one instruction).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LW_HAVE_POPCNT_DISPATCH 1
__attribute__((target("popcnt"))) void ScanWithPopcnt(const PdqHash* hashes, size_t count,
                                                      const PdqHash& query, Best& best) {
  ScanRange(hashes, count, query, best, [](uint64_t x) { return __builtin_popcountll(x); });
}
bool CpuHasPopcnt() {
  static const bool has = __builtin_cpu_supports("popcnt") != 0;
  return has;
}
#endif

void Scan(const PdqHash* hashes, size_t count, const PdqHash& query, Best& best) {
#ifdef LW_HAVE_POPCNT_DISPATCH
  if (CpuHasPopcnt()) {
    ScanWithPopcnt(hashes, count, query, best);
    return;
  }
#endif
  ScanRange(hashes, count, query, best, [](uint64_t x) { return std::popcount(x); });
}

// Calls visit(v) for every 16-bit v within Hamming distance `radius` of `center`.
template <typename Visit>
void ForEachNeighbour(uint16_t center, int radius, Visit visit) {
  visit(center);
  if (radius < 1) return;
  for (int a = 0; a < kBandBits; ++a) {
    const auto flipped_a = static_cast<uint16_t>(center ^ (1u << a));
    visit(flipped_a);
    if (radius < 2) continue;
    for (int b = a + 1; b < kBandBits; ++b) visit(static_cast<uint16_t>(flipped_a ^ (1u << b)));
  }
}

}  // namespace

PdqIndex::PdqIndex(std::vector<PdqEntry> entries, const Options& options) {
  hashes_.reserve(entries.size());
  ids_.reserve(entries.size());
  for (const PdqEntry& entry : entries) {
    hashes_.push_back(entry.hash);
    ids_.push_back(entry.id);
  }
  const size_t n = hashes_.size();
  if (n < options.multi_index_min_entries || n == 0 || n > UINT32_MAX) return;
  band_offsets_.assign(kBands * kOffsetsPerBand, 0);
  band_members_.assign(kBands * n, 0);
  for (int band = 0; band < kBands; ++band) {
    uint32_t* offsets = band_offsets_.data() + static_cast<size_t>(band) * kOffsetsPerBand;
    uint32_t* members = band_members_.data() + static_cast<size_t>(band) * n;
    for (const PdqHash& hash : hashes_) ++offsets[size_t{hash.Word16(band)} + 1];
    for (size_t v = 1; v < kOffsetsPerBand; ++v) offsets[v] += offsets[v - 1];
    std::vector<uint32_t> cursor(offsets, offsets + kBandValues);
    for (size_t i = 0; i < n; ++i) {
      members[cursor[hashes_[i].Word16(band)]++] = static_cast<uint32_t>(i);
    }
  }
}

std::optional<PdqMatch> PdqIndex::Nearest(const PdqHash& query, int threshold) const {
  threshold = std::clamp(threshold, 0, kPdqBits);
  const int radius = threshold / kBands;
  if (uses_multi_index() && radius <= kMaxProbeRadius) {
    return ProbeBands(query, threshold, radius);
  }
  return ScanLinear(query, threshold);
}

std::optional<PdqMatch> PdqIndex::NearestOfVariants(const PdqHashes& query, int threshold) const {
  std::optional<PdqMatch> best;
  for (int v = 0; v < query.count; ++v) {
    auto match = Nearest(query.variants[static_cast<size_t>(v)], threshold);
    if (match && (!best || match->distance < best->distance)) {
      match->variant = v;
      best = match;
      if (best->distance == 0) break;
    }
  }
  return best;
}

std::optional<PdqMatch> PdqIndex::ScanLinear(const PdqHash& query, int threshold) const {
  Best best{threshold, 0};
  Scan(hashes_.data(), hashes_.size(), query, best);
  if (!best.found) return std::nullopt;
  return PdqMatch{ids_[best.entry], best.distance, 0, best.entry};
}

std::optional<PdqMatch> PdqIndex::ProbeBands(const PdqHash& query, int threshold,
                                             int radius) const {
  const size_t n = hashes_.size();
  Best best{threshold, 0};
  // At 1M entries the cost is one cache miss per candidate hash (about 4,000 per
  // lookup at threshold 31): gather a band's candidates, prefetch them all, then
  // compare, so the misses overlap instead of queueing.
  std::vector<uint32_t> candidates;
  candidates.reserve(256);
  for (int band = 0; band < kBands; ++band) {
    const uint32_t* offsets = band_offsets_.data() + static_cast<size_t>(band) * kOffsetsPerBand;
    const uint32_t* members = band_members_.data() + static_cast<size_t>(band) * n;
    candidates.clear();
    ForEachNeighbour(query.Word16(band), radius, [&](uint16_t value) {
      for (uint32_t k = offsets[value]; k < offsets[size_t{value} + 1]; ++k) {
        const uint32_t entry = members[k];
        __builtin_prefetch(&hashes_[entry]);
        candidates.push_back(entry);
      }
    });
    for (const uint32_t entry : candidates) {
      best.Offer(HammingDistance(hashes_[entry], query), entry);
    }
  }
  if (!best.found) return std::nullopt;
  return PdqMatch{ids_[best.entry], best.distance, 0, best.entry};
}

}  // namespace leakwatch::match
