// match/internal/record_sorter: sorts the builder's stream of keyed record hashes
// (tens of millions of 12-byte entries) by hash without holding them all in memory,
// so a version 3 pack stores them pre-sorted and the matcher loads them by copying.
//
// Entries are buffered up to `run_entries`; a full buffer is sorted and spilled as a
// run to one temporary file; Drain merges the runs (or sorts the buffer alone when
// nothing was spilled) and hands out ascending batches. Ties are ordered by record id,
// so the output is deterministic. Memory: run_entries * 12 bytes, plus at Drain a
// read buffer of kMergeReadEntries entries per run.
//
// Thread safety: one thread. Errors: IOError when the spill file cannot be written or
// read back.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <span>
#include <vector>

#include "match/internal/hash_index.h"
#include "util/status.h"

namespace leakwatch::match::detail {

class RecordSorter {
 public:
  static constexpr size_t kMergeReadEntries = 16 * 1024;

  // `spill_path` is created on the first spill and removed by the destructor.
  // REQUIRES: run_entries > 0.
  RecordSorter(std::filesystem::path spill_path, size_t run_entries);
  ~RecordSorter();
  RecordSorter(const RecordSorter&) = delete;
  RecordSorter& operator=(const RecordSorter&) = delete;

  Status Add(uint64_t hash, uint32_t record_id);

  // Calls `emit` with every entry in ascending (hash, record id) order, in batches of
  // at most `batch_entries` (> 0); stops at and returns `emit`'s first error.
  // REQUIRES: called once, after the last Add.
  Status Drain(size_t batch_entries,
               const std::function<Status(std::span<const RecordEntry>)>& emit);

  uint64_t total() const { return total_; }
  size_t runs_spilled() const { return runs_.size(); }

 private:
  struct Run {
    uint64_t first;  // entry offset in the spill file
    uint64_t count;
  };
  Status Spill();

  std::filesystem::path spill_path_;
  size_t run_entries_;
  std::vector<RecordEntry> buffer_;
  std::vector<Run> runs_;
  std::FILE* spill_ = nullptr;
  uint64_t spilled_ = 0;
  uint64_t total_ = 0;
};

}  // namespace leakwatch::match::detail
