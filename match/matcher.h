// match/matcher: recognises the dataset in scanned bytes, from a fingerprint pack.
//
// A Matcher is loaded once from a pack and the dataset key, then is immutable: any
// number of threads may open MatchStreams on it concurrently. A MatchStream takes one
// object's bytes in pieces (a 2 GiB download is never held whole) and, at Finish,
// reports:
//   exact   — XXH3-128 + size equal to a dataset file;
//   partial — content-defined chunks of dataset files (score = fraction of the
//             dataset file's bytes covered), for truncated, embedded or edited copies;
//   records — keyed record fingerprints found in text (score = distinct corroborated
//             records; identifier-only hits give at most a low-confidence finding);
//   image   — through the image index hook (match/hooks.h), when installed.
// An object that is an exact copy gets only the exact finding: the partial and
// image findings of the same file would repeat it, weaker, as separate alerts.
// Index memory: 16 bytes per chunk fingerprint, 12 per record fingerprint, plus
// about 1 byte per entry of prefix table and, for records, a prefilter of 10 bits per
// identifier fingerprint and 8 per pair (IndexStats reports it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "match/finding.h"
#include "match/hooks.h"
#include "match/key.h"
#include "match/pack.h"
#include "util/status.h"

namespace leakwatch::match {

struct MatchOptions {
  // SHA-256 of every scanned object, for evidence. Costs most of the per-byte time on
  // non-matching data; turn off only where the caller hashes the object itself.
  bool compute_sha256 = true;
  // With compute_sha256: hash only objects that end with a finding (MatchResult::sha256
  // stays empty for the others). The stream keeps up to `sha256_deferred_max_bytes`
  // of the object to hash them at Finish; from the first byte beyond, it hashes as it
  // streams (the cost of compute_sha256 alone, for that object only).
  bool sha256_only_with_findings = false;
  uint64_t sha256_deferred_max_bytes = 32ull << 20;
  bool match_records = true;
  // Record proximity: identifier and corroborating value within this many lines of
  // the same paragraph, and on long lines within this many tokens.
  size_t record_window_lines = 8;
  size_t record_window_tokens = 32;
  // Identifier-only hits (no corroborating value near them) give a low-confidence
  // records finding once this many distinct identifier values are seen; fewer give none.
  uint64_t min_single_hits_for_low_confidence = 3;
  // A partial finding needs at least this fraction of the dataset file covered.
  double min_partial_coverage = 0.0;
};

struct MatcherOptions {
  // Optional perceptual image index (issue 7), built from the pack at load.
  ImageIndexLoader image_index_loader;
};

struct IndexStats {
  uint64_t files = 0;
  uint64_t chunk_fingerprints = 0;
  uint64_t record_fingerprints = 0;  // singles + pairs
  uint64_t chunk_index_bytes = 0;
  uint64_t record_index_bytes = 0;
  uint64_t file_table_bytes = 0;
};

struct MatchResult {
  std::vector<Finding> findings;
  std::vector<Anomaly> anomalies;
  uint64_t size = 0;
  // Hex; empty when MatchOptions::compute_sha256 is off, and with
  // sha256_only_with_findings when there is no finding.
  std::string sha256;
};

class Matcher;

// One scanned object. Not thread safe; the Matcher must outlive it.
class MatchStream {
 public:
  ~MatchStream();
  MatchStream(const MatchStream&) = delete;
  MatchStream& operator=(const MatchStream&) = delete;

  void Feed(std::string_view bytes);
  // REQUIRES: called once; Feed may not be called afterwards.
  MatchResult Finish();
  uint64_t bytes_fed() const;

 private:
  friend class Matcher;
  struct State;
  explicit MatchStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class Matcher {
 public:
  // Loads the pack at `path` for `key`. Errors: those of ReadPackInfo; InvalidArgument
  // when the pack was built with another key (both key ids in the message);
  // Corruption when a table is damaged.
  static Result<std::unique_ptr<Matcher>> Load(const std::filesystem::path& path, DatasetKey key,
                                               MatcherOptions options = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Opens a stream for one object; `path` is copied into its findings. Any thread.
  std::unique_ptr<MatchStream> NewStream(std::string path, const MatchOptions& options = {}) const;

  // One-shot convenience over NewStream.
  MatchResult MatchBytes(std::string path, std::string_view bytes,
                         const MatchOptions& options = {}) const;

  const PackInfo& info() const;
  IndexStats stats() const;

 private:
  friend class MatchStream;
  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::match
