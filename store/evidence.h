// store/evidence: the one home of the crawl's WARC evidence, from the run's file to the
// analyst's export. `crawl` writes through EvidenceWriter; `sightings export --format
// warc` reads back through ExportEvidence. The WARC format itself is written by
// store::WarcWriter (warc_writer.h) and read by store/internal/warc_format; nothing
// outside `store` reads or writes WARC bytes.
//
// Layout: one file per crawl run, "<evidence_dir>/run-<run id>.warc" (mode 0600; the
// directory is created 0700 when missing). A file left by an earlier database with the
// same run id is never overwritten: the next free "run-<id>.<n>.warc" (n = 2..10) is
// used instead. Sightings name the file by its absolute path and the byte offset of
// their `response` record (Sighting::evidence_warc, evidence_warc_offset).
//
// Durability: a record is durable only after Sync(). The crawler syncs before the store
// transaction that commits the rows pointing at the records, so no committed sighting
// cites bytes a crash could lose (a crash between the two only leaves records that no
// row cites; the next run fetches those URLs again).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "store/sightings.h"
#include "store/warc_writer.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::store {

// The `software` named in the warcinfo record of every run's evidence file.
inline constexpr std::string_view kEvidenceSoftware = "leakwatch crawl";

// Writes one crawl run's evidence. Thread safety: none; the crawl's store-writer thread
// only. Copying makes no sense (one open file).
class EvidenceWriter {
 public:
  // `dir` empty: evidence is off (enabled() is false, Append must not be called).
  // Nothing is created on disk before the first Append.
  EvidenceWriter(std::filesystem::path dir, int64_t run_id);
  EvidenceWriter(const EvidenceWriter&) = delete;
  EvidenceWriter& operator=(const EvidenceWriter&) = delete;

  bool enabled() const { return !dir_.empty(); }

  // Appends the exchange's request, response and metadata records to the run's file,
  // creating the directory and the file (see Layout) on the first call. Not durable
  // until Sync(). Errors: IOError when the directory or file cannot be created (every
  // later call then fails at once with the same cause: the run's file is not retried
  // per object) or a write fails (disk full: nothing of this exchange remains in the
  // file and the next exchange is tried again); Corruption when a streamed payload
  // changed between its two reads (WarcWriter::Append).
  // REQUIRES: enabled().
  Result<WarcLocation> Append(const WarcExchange& exchange);

  // Makes every record appended so far durable (fdatasync); Ok at once when nothing was
  // appended since the last Sync. IOError when the sync fails.
  Status Sync();

  // The run's file once created; empty before.
  std::filesystem::path file() const;

  // Test hook (STYLE rule 17): the run's file can grow to at most `bytes` bytes (its
  // warcinfo record included); appends past that fail as on a full volume (see
  // WarcWriter::SetMaxSizeForTesting). 0: no limit.
  void SetMaxFileSizeForTesting(uint64_t bytes);

 private:
  Status Open();

  std::filesystem::path dir_;
  int64_t run_id_;
  std::optional<WarcWriter> warc_;  // opened on the first Append
  Status open_error_;               // why the file could not be created (sticky)
  bool unsynced_ = false;           // records appended since the last Sync
  uint64_t max_file_size_for_testing_ = 0;
};

// What an export did, for the caller to report.
struct EvidenceExportReport {
  int64_t exported = 0;          // distinct response records copied (with request, metadata)
  int64_t without_evidence = 0;  // selected sightings with no evidence recorded
  // Sighting id and why its records could not be copied (file missing, corrupt, ...),
  // once per distinct evidence location.
  std::vector<std::pair<int64_t, Status>> failures;

  // True when every selected sighting's evidence is in the export.
  bool complete() const { return without_evidence == 0 && failures.empty(); }
};

// Writes one WARC/1.1 stream to `out`: a warcinfo record describing the export (made at
// `now`), then, for each distinct evidence location of `sightings` in order, the request
// record (when it names that response), the response record and the metadata record
// after it, copied byte for byte from the run's file. A location that cannot be read
// (missing file, no response record there, file cut short) is reported and skipped
// without writing any of its bytes, so the stream stays valid WARC (a read error in the
// middle of a copy aside). Any thread (reads files only).
EvidenceExportReport ExportEvidence(const std::vector<Sighting>& sightings, util::TimePoint now,
                                    std::ostream& out);

// Copies the evidence of one sighting: the response record at `offset` of `file` with
// its request and metadata records, as ExportEvidence does. Errors: NotFound when the
// file is missing or unreadable; Corruption when no response record starts at `offset`
// or the file ends inside a record (checked before anything is written); TooLarge for a
// record over 4 GiB.
Status CopyEvidence(const std::filesystem::path& file, int64_t offset, std::ostream& out);

}  // namespace leakwatch::store
