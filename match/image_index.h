// match/image_index: nearest-neighbour search over PDQ hashes by Hamming distance.
//
// Small sets are scanned linearly (four popcounts per entry, using the POPCNT
// instruction when the CPU has it). From `Options::multi_index_min_entries` on,
// the index also builds multi-index hashing tables (Norouzi et al.): the 256 bits
// are split into 16 bands of 16 bits (PDQ's own 16-bit words), one bucket table
// per band. By pigeonhole, a hash within distance t of the query agrees with it to
// within floor(t / 16) bits on at least one band, so probing every band value that
// close finds every candidate, which is then checked in full: exact results, not
// approximate. At the default threshold 31 that is 17 probes per band; candidate
// hashes are prefetched a band at a time, since at 1M entries each is a cache miss.
//
// Memory: 40 bytes per entry, plus about 64 bytes per entry and 4 MiB of bucket
// offsets once the multi-index tables exist.
//
// Thread safety: immutable after construction; queries from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "match/pdq.h"

namespace leakwatch::match {

struct PdqEntry {
  PdqHash hash;
  int64_t id = 0;  // the caller's reference, e.g. a pack's file id
};

struct PdqMatch {
  int64_t id = 0;
  int distance = 0;  // Hamming distance 0..256
  int variant = 0;   // which query variant matched (a Dihedral value), 0 for plain queries
  size_t entry = 0;  // position of the matched entry in the index
};

class PdqIndex {
 public:
  struct Options {
    // Build multi-index tables from this many entries on. Below it a linear scan
    // is faster (measured crossover; see bench/README.md).
    size_t multi_index_min_entries = 8'192;
  };

  PdqIndex() = default;
  explicit PdqIndex(std::vector<PdqEntry> entries) : PdqIndex(std::move(entries), Options{}) {}
  PdqIndex(std::vector<PdqEntry> entries, const Options& options);

  PdqIndex(PdqIndex&&) noexcept = default;
  PdqIndex& operator=(PdqIndex&&) noexcept = default;
  PdqIndex(const PdqIndex&) = delete;
  PdqIndex& operator=(const PdqIndex&) = delete;

  // The entry nearest to `query` with distance <= threshold (ties: the earliest
  // entry), or nullopt. A threshold outside 0..256 is clamped.
  std::optional<PdqMatch> Nearest(const PdqHash& query, int threshold = kPdqDefaultThreshold) const;

  // The best match over all of `query`'s variants (1 or 8, see PdqHashes).
  std::optional<PdqMatch> NearestOfVariants(const PdqHashes& query,
                                            int threshold = kPdqDefaultThreshold) const;

  size_t size() const { return hashes_.size(); }
  bool uses_multi_index() const { return !band_offsets_.empty(); }

 private:
  std::optional<PdqMatch> ScanLinear(const PdqHash& query, int threshold) const;
  std::optional<PdqMatch> ProbeBands(const PdqHash& query, int threshold, int radius) const;

  std::vector<PdqHash> hashes_;
  std::vector<int64_t> ids_;
  // Per band: CSR bucket table. band_offsets_[b * 65537 + v] .. [+1] delimit the
  // entries whose band b equals v in band_members_[b * size()].
  std::vector<uint32_t> band_offsets_;
  std::vector<uint32_t> band_members_;
};

}  // namespace leakwatch::match
