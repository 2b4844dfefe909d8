// match/builder: builds a fingerprint pack from a dataset directory and record
// exports (`leakwatch fingerprint build`).
//
// Threads: `hashing_threads` workers read and hash files (streamed in 1 MiB blocks:
// XXH3-128, SHA-256, FastCDC chunks, optional image hook); the calling thread is the
// single SQLite writer, committing in batches. Record exports are then streamed on the
// calling thread; their keyed hashes go through an external merge sort (sorted runs
// spilled to `<output>.tmp-<pid>.singles|.pairs`, removed afterwards) and are written
// in ascending blob batches (pack format 3), so the matcher loads without sorting.
// Memory: the file list (paths), a bounded queue of per-file chunk lists (12 bytes
// per chunk), two sort runs of 24 MiB and, while merging, 192 KiB per run.
// Unreadable files are counted with their reason and the build continues.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "match/chunker.h"
#include "match/hooks.h"
#include "match/key.h"
#include "match/normalize.h"
#include "match/pack.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::match {

struct BuildProgress {
  enum class Phase { kListing, kFiles, kRecords, kDone };
  Phase phase = Phase::kListing;
  uint64_t files_done = 0;
  uint64_t files_total = 0;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  uint64_t records_done = 0;
  double elapsed_seconds = 0;
};

// Called on the calling thread of BuildPack, at most every 200 ms and once per phase end.
using BuildProgressCallback = std::function<void(const BuildProgress&)>;

struct BuildOptions {
  // Walked recursively (symlinked directories are not followed). May be empty when
  // only record exports are given.
  std::filesystem::path dataset_dir;
  // Record exports (CSV/TSV with header, JSON Lines); each is also fingerprinted as a file.
  std::vector<std::filesystem::path> record_files;
  std::vector<ColumnSpec> identifiers;    // identify a record on their own (weakly)
  std::vector<ColumnSpec> corroborating;  // confirm an identifier found nearby
  std::filesystem::path output;           // written atomically (temp file + rename)
  ChunkParams chunk_params;
  int hashing_threads = 2;
  // Store a keyed hash of each file's dataset-relative path, so the owner can map a
  // finding's file id back to a path by rebuilding the hashes with the key.
  bool store_path_hashes = true;
  std::string tool_version = "unknown";
  BuildProgressCallback progress;
  // Hook for perceptual image hashing (issue 7); not owned, must outlive BuildPack.
  const ImageFingerprinter* image_fingerprinter = nullptr;
  const util::Clock* clock = nullptr;  // built_at; nullptr = system clock
};

struct SkippedFile {
  std::string path;    // for the owner's console only; never written to the pack
  std::string reason;  // "permission denied", "vanished", "read error", ...
};

struct BuildSummary {
  PackInfo info;
  std::map<std::string, uint64_t> skipped_by_reason;
  std::vector<SkippedFile> skipped_examples;  // the first kMaxSkippedExamples
  uint64_t records_without_identifier = 0;
  uint64_t malformed_records = 0;
  uint64_t images_skipped = 0;
  double seconds = 0;
};

inline constexpr size_t kMaxSkippedExamples = 100;

// Builds the pack. Errors: InvalidArgument (no input, bad columns, bad chunk params),
// IOError (output not writable, a record export unreadable). Per-file read errors are
// not errors: they are counted in the summary.
Result<BuildSummary> BuildPack(const BuildOptions& options, const DatasetKey& key);

}  // namespace leakwatch::match
