// store/retention: ageing out what a monitor should not keep forever.
//
// Fetch log rows, blob metadata and the WARC evidence files of content that matched
// nothing age out after a configured time ([retention] days, default 90). Sightings,
// and every fetch row, blob row and WARC file a sighting refers to, are kept until
// deleted explicitly. `leakwatch db prune` runs a pass; `leakwatch crawl` runs one at
// most once a day (PruneIfDue, which records the pass time in the `meta` table).
//
// What "refers to" means:
//   fetch row  kept when a sighting has its URL or its content_sha256;
//   blob row   kept when a sighting has its sha256;
//   WARC file  kept when a sighting's evidence_warc names it (same path after
//              canonicalisation, or the same inode).
//
// Files: the store never deletes files. Prune lists the WARC files under the
// evidence directory it is given that no sighting refers to and whose modification
// time is before the cutoff; the caller (app/) deletes them. Only regular files named
// *.warc or *.warc.gz are considered; symlinks are never followed or listed. A WARC
// file still being written by a running crawl has a recent modification time and is
// therefore never listed (the cutoff is at least a day in the past in practice).
//
// Thread safety: as the owning Store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

// The crawl prunes at most this often.
inline constexpr int64_t kPruneIntervalSeconds = 24 * 60 * 60;
// At most this many directory entries are examined under the evidence directory in
// one pass (a bound on a hostile or runaway directory); the rest wait for the next.
inline constexpr int64_t kMaxEvidenceEntriesScanned = 1'000'000;

struct RetentionRequest {
  // Unix seconds: fetch rows fetched, blobs last seen and WARC files modified before
  // this go (unless a sighting refers to them).
  int64_t cutoff = 0;
  // Where the WARC evidence files live; empty: no files are listed. A missing
  // directory lists nothing.
  std::filesystem::path evidence_dir;
  // Count only: nothing is deleted and the pass time is not recorded.
  bool dry_run = false;
};

struct EvidenceFile {
  std::filesystem::path path;
  int64_t bytes = 0;
  int64_t modified_at = 0;  // Unix seconds
};

struct RetentionReport {
  bool dry_run = false;
  int64_t fetches = 0;  // fetch log rows deleted (dry run: that would be)
  int64_t blobs = 0;    // blob rows deleted (dry run: that would be)
  // WARC files no sighting refers to, modified before the cutoff, by path. The
  // caller deletes them (or, for a dry run, reports them).
  std::vector<EvidenceFile> unreferenced_evidence;
  // True when the evidence directory held more than kMaxEvidenceEntriesScanned
  // entries and the listing stopped there.
  bool evidence_scan_truncated = false;

  int64_t evidence_bytes() const;
};

// True when a daily pass is due: never ran, ran at least `interval_seconds` ago, or
// the recorded time lies in the future (the clock was set back).
bool PruneIsDue(std::optional<int64_t> last_prune_at, int64_t now, int64_t interval_seconds);

class RetentionRepository {
 public:
  explicit RetentionRepository(detail::StoreCore& core) : core_(core) {}
  RetentionRepository(const RetentionRepository&) = delete;
  RetentionRepository& operator=(const RetentionRepository&) = delete;

  // One retention pass (see the file comment). Row deletions and, unless dry_run,
  // recording now as the last pass time happen in one transaction; the evidence
  // listing follows it. Errors: the database's; IOError naming the directory when the
  // evidence directory exists but cannot be listed (the row deletions stand).
  Result<RetentionReport> Prune(const RetentionRequest& request);

  // The daily rule: in one transaction, when PruneIsDue(LastPruneAt(), now,
  // interval_seconds) holds, records now as the pass time and prunes; otherwise
  // changes nothing and returns std::nullopt. Two processes racing here prune once.
  // REQUIRES: !request.dry_run.
  Result<std::optional<RetentionReport>> PruneIfDue(
      const RetentionRequest& request, int64_t interval_seconds = kPruneIntervalSeconds);

  // When the last non-dry pass ran (Unix seconds); std::nullopt when never.
  Result<std::optional<int64_t>> LastPruneAt();

 private:
  Status PruneRows(const RetentionRequest& request, RetentionReport& report);

  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
