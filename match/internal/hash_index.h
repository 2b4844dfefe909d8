// match/internal/hash_index: a compact read-only multimap from 64-bit fingerprints
// to small payloads: one sorted array of packed fixed-width entries plus a prefix
// table over the top bits of the hash (about one 4-byte slot per 4 entries), so a
// lookup is one table read and a short scan of a few adjacent entries. An optional
// split-block Bloom filter (prefilter.h) in front answers most lookups of absent
// hashes from one cache line, without touching the table or the entries.
//
// Memory: sizeof(Entry) + ~1 byte per entry, plus filter_bits_per_key / 8 bytes per
// entry when the filter is on. Thread safety: immutable after Build() / BuildSorted(),
// then any number of threads may call Find().
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "match/internal/prefilter.h"

namespace leakwatch::match::detail {

template <typename Entry>
class HashIndex {
 public:
  // Takes the entries (any order; duplicates allowed) and sorts them. With
  // `filter_bits_per_key` > 0, also builds the prefilter.
  void Build(std::vector<Entry> entries, int filter_bits_per_key = 0) {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.hash < b.hash; });
    Index(std::move(entries), filter_bits_per_key);
  }

  // Takes entries already in ascending hash order (a version 3 pack stores them so)
  // without sorting. Returns false, leaving the index empty, when they are not sorted.
  [[nodiscard]] bool BuildSorted(std::vector<Entry> entries, int filter_bits_per_key = 0) {
    for (size_t i = 1; i < entries.size(); ++i) {
      if (entries[i].hash < entries[i - 1].hash) {
        *this = HashIndex();
        return false;
      }
    }
    Index(std::move(entries), filter_bits_per_key);
    return true;
  }

  // False only when no entry has this hash; one cache line when the filter is on.
  bool MayContain(uint64_t hash) const { return !entries_.empty() && filter_.MayContain(hash); }

  // Starts loading the prefilter block of `hash` (no-op without a filter).
  void Prefetch(uint64_t hash) const { filter_.Prefetch(hash); }

  // Lookups in stages, so the cache misses of many lookups overlap: after Prefetch,
  // MayContain; for the hashes it lets through, PrefetchSlot, then PrefetchEntries,
  // then Find. Each stage only starts loads; results are those of Find alone.
  void PrefetchSlot(uint64_t hash) const { __builtin_prefetch(table_.data() + Prefix(hash)); }
  // REQUIRES: the index is not empty.
  void PrefetchEntries(uint64_t hash) const {
    __builtin_prefetch(entries_.data() + table_[Prefix(hash)]);
  }

  // The entries with exactly this hash (empty span when none).
  std::span<const Entry> Find(uint64_t hash) const {
    if (!MayContain(hash)) return {};
    const size_t s = Prefix(hash);
    const Entry* b = entries_.data() + table_[s];
    const Entry* e = entries_.data() + table_[s + 1];
    while (b < e && b->hash < hash) ++b;
    const Entry* f = b;
    while (f < e && f->hash == hash) ++f;
    return {b, static_cast<size_t>(f - b)};
  }

  size_t size() const { return entries_.size(); }
  size_t MemoryBytes() const {
    return entries_.capacity() * sizeof(Entry) + table_.capacity() * sizeof(uint32_t) +
           filter_.MemoryBytes();
  }

 private:
  // REQUIRES: `entries` sorted by hash.
  void Index(std::vector<Entry> entries, int filter_bits_per_key) {
    entries_ = std::move(entries);
    entries_.shrink_to_fit();
    const size_t n = entries_.size();
    bits_ = n < 16 ? 1 : std::min(28, static_cast<int>(std::bit_width(n)) - 2);
    const size_t slots = (size_t{1} << bits_) + 1;
    table_.assign(slots, 0);
    size_t e = 0;
    for (size_t s = 0; s + 1 < slots; ++s) {
      table_[s] = static_cast<uint32_t>(e);
      while (e < n && Prefix(entries_[e].hash) == s) ++e;
    }
    table_[slots - 1] = static_cast<uint32_t>(n);
    table_.shrink_to_fit();
    filter_ = SplitBlockBloomFilter();
    if (filter_bits_per_key > 0 && n > 0) {
      filter_ = SplitBlockBloomFilter(n, filter_bits_per_key);
      // Sorted entries fill the filter's blocks in order (prefilter.h).
      for (const Entry& entry : entries_) filter_.Insert(entry.hash);
    }
  }

  size_t Prefix(uint64_t hash) const { return static_cast<size_t>(hash >> (64 - bits_)); }

  std::vector<Entry> entries_;
  std::vector<uint32_t> table_;
  int bits_ = 1;
  SplitBlockBloomFilter filter_;
};

// 12 bytes: a keyed record hash and the record it belongs to.
struct __attribute__((packed, aligned(4))) RecordEntry {
  uint64_t hash;
  uint32_t record_id;
};
static_assert(sizeof(RecordEntry) == 12);

// 16 bytes: a chunk hash, the index of its dataset file in the matcher's file table
// and the chunk's length.
struct ChunkEntry {
  uint64_t hash;
  uint32_t file_index;
  uint32_t length;
};
static_assert(sizeof(ChunkEntry) == 16);

}  // namespace leakwatch::match::detail
