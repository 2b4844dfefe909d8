// match/internal/hash_index: a compact read-only multimap from 64-bit fingerprints
// to small payloads: one sorted array of packed fixed-width entries plus a prefix
// table over the top bits of the hash (about one 4-byte slot per 4 entries), so a
// lookup is one table read and a short scan of a few adjacent entries.
//
// Memory: sizeof(Entry) + ~1 byte per entry. Thread safety: immutable after Build(),
// then any number of threads may call Find().
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace leakwatch::match::detail {

template <typename Entry>
class HashIndex {
 public:
  // Takes the entries (any order; duplicates allowed) and sorts them.
  void Build(std::vector<Entry> entries) {
    entries_ = std::move(entries);
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.hash < b.hash; });
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
  }

  // The entries with exactly this hash (empty span when none).
  std::span<const Entry> Find(uint64_t hash) const {
    if (entries_.empty()) return {};
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
    return entries_.capacity() * sizeof(Entry) + table_.capacity() * sizeof(uint32_t);
  }

 private:
  size_t Prefix(uint64_t hash) const { return static_cast<size_t>(hash >> (64 - bits_)); }

  std::vector<Entry> entries_;
  std::vector<uint32_t> table_;
  int bits_ = 1;
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
