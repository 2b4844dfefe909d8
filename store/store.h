// store/store: the leakwatch database (one SQLite file, WAL mode).
//
// The store owns the schema, its versioned migrations and one typed repository per
// table (runs, sources, frontier, fetches, blobs, sightings, outbox, coverage,
// anomalies) plus retention (ageing out fetch logs, blobs and unreferenced evidence).
// No SQL lives outside store/. The schema is documented at the top of store/migrations.cc.
//
// Threads: a Store (and every repository reached through it) belongs to one thread
// at a time; the crawler's single writer thread owns its Store. Other processes
// (CLI queries) open their own Store on the same file: WAL lets them read while the
// crawler writes; writers wait up to the busy timeout (5 s) and then fail with Busy.
//
// Transactions: every repository write is atomic on its own. InTransaction() groups
// several calls into one transaction (one fsync); calls made inside it join it.
//
// Times are int64 Unix seconds. "Now" always comes from the injected Clock.
//
// Limits: busy timeout 5 s (util/sqlite); kYieldHistoryPerSource yield samples per
// source; kMaxCheckProblems lines per check report; outbox leases default to
// kDefaultOutboxLeaseSeconds; anomaly rows per run and per object, and the lengths of
// their hostile strings (store/anomalies.h). Content is never stored: only hashes,
// URLs, metadata.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/anomalies.h"
#include "store/blobs.h"
#include "store/coverage.h"
#include "store/fetches.h"
#include "store/frontier.h"
#include "store/outbox.h"
#include "store/retention.h"
#include "store/runs.h"
#include "store/sightings.h"
#include "store/sources.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::store {

// The newest schema this build knows. A database with a higher user_version was
// written by a newer leakwatch and is refused, never altered.
inline constexpr int64_t kLatestSchemaVersion = 4;

// How a Store reads and writes its file.
enum class Access {
  kReadWrite,  // Store::Open
  // Store::OpenForReading: SQLite read-only, beside writers (WAL): a crawl running
  // meanwhile is seen as it commits; a write fails with PermissionDenied.
  kReadOnly,
  // Store::OpenForReading where the directory cannot hold SQLite's -wal and -shm files
  // (a read-only volume or directory) and none exist: the file is read as it is,
  // without locks (SQLite's immutable mode). Nothing can be writing it, since a writer
  // would need that directory too.
  kSnapshot,
};

// What a SQLite file is, told by its application_id, schema version and tables.
enum class FileKind {
  kLeakwatchDatabase,
  kEmpty,             // no tables yet: Open makes it a leakwatch database
  kFingerprintPack,   // a pack built by `leakwatch fingerprint` (match/)
  kOtherApplication,  // Open refuses it and leaves it untouched
};

// What `leakwatch db check` and `doctor` report.
struct CheckReport {
  std::filesystem::path path;
  FileKind kind = FileKind::kLeakwatchDatabase;
  // One line on what the file is, e.g. "a leakwatch fingerprint pack (...)".
  std::string kind_description;
  int64_t schema_version = 0;                        // PRAGMA user_version of the file
  int64_t supported_version = kLatestSchemaVersion;  // what this build knows
  bool integrity_ok = false;                         // PRAGMA integrity_check said "ok"
  bool foreign_keys_ok = false;                      // PRAGMA foreign_key_check found nothing
  // Up to kMaxCheckProblems lines from integrity_check / foreign_key_check.
  std::vector<std::string> problems;

  // True when the file is a leakwatch database, sound, with the schema this build writes.
  bool ok() const {
    return kind == FileKind::kLeakwatchDatabase && integrity_ok && foreign_keys_ok &&
           schema_version == supported_version;
  }
};
inline constexpr size_t kMaxCheckProblems = 20;

// One sighting to record together with its notifications and coverage refs, in
// one transaction (Store::RecordSighting).
struct RecordSightingRequest {
  NewSighting sighting;
  // One outbox message per channel (e.g. "email:0", "webhook:1"). Enqueued only when
  // the sighting is new: seeing the same object at the same URL again notifies nobody.
  std::vector<NotificationRequest> notifications;
  // Dataset files / records this sighting shows (for coverage). Marked even when the
  // sighting is not new (last_seen moves). Empty: derived from sighting.dataset_refs
  // (CoverageRefsFromDatasetRefs).
  std::vector<CoverageRef> coverage;
};

struct RecordSightingResult {
  SightingUpsert sighting;
  int64_t notifications_enqueued = 0;
  int64_t coverage_newly_seen = 0;
};

class Store {
 public:
  // Opens or creates the database at `path` (its parent directory is created with
  // mode 0700, a new file gets mode 0600), migrates it to kLatestSchemaVersion (each
  // migration in one transaction) and switches it to WAL.
  // Errors: Corruption naming the file when it is not a SQLite database;
  // Unsupported when it was written by a newer leakwatch (the file is not touched);
  // InvalidArgument when it is some other application's database (not touched);
  // Busy when another process holds the write lock past the busy timeout;
  // PermissionDenied naming the cause when the file system would not let it write
  // (read-only file system, file or directory), before anything is changed.
  // `clock` must outlive the Store.
  static Result<Store> Open(const std::filesystem::path& path, const util::Clock& clock);

  // Opens an existing database for a caller that only reads (the query commands):
  // never creates the file, and reads it read-only (Access::kReadOnly), or as an
  // immutable snapshot (kSnapshot) when it sits on a read-only volume or in a
  // directory this user cannot write. A database with an older schema is migrated
  // first, as Open would, when it can be written; otherwise it is refused.
  // Errors: NotFound (no such file); InvalidArgument (a directory, another
  // application's database); Unsupported (newer schema, or an older one that cannot be
  // migrated here); PermissionDenied (unreadable, or a -wal it cannot read);
  // Corruption (not a SQLite database). `clock` must outlive the Store.
  static Result<Store> OpenForReading(const std::filesystem::path& path, const util::Clock& clock);

  // Integrity check of a file WITHOUT opening it as a Store: read-only (as
  // OpenForReading reads it), never migrates, works for older and newer schemas (for
  // `db check` and `doctor`).
  // Errors: NotFound when the file does not exist; Corruption when it is not a
  // database at all; PermissionDenied as OpenForReading. A damaged-but-readable
  // database is a report with !ok().
  static Result<CheckReport> CheckFile(const std::filesystem::path& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  const std::filesystem::path& path() const;
  Access access() const { return access_; }
  // PRAGMA user_version; kLatestSchemaVersion after a successful Open.
  Result<int64_t> SchemaVersion();
  // PRAGMA integrity_check + foreign_key_check + schema version of this open store.
  Result<CheckReport> Check();

  // Runs `body` in one transaction (BEGIN IMMEDIATE ... COMMIT). Repository calls
  // made inside join it. A non-OK Status from `body` (which must propagate the
  // errors of the calls it makes) rolls everything back and is returned.
  // Nested calls join the outer transaction.
  Status InTransaction(const std::function<Status()>& body);

  // Records a sighting (upsert rule in sightings.h), enqueues its notifications when
  // it is new and marks its coverage refs, all in ONE transaction: either the
  // sighting and its outbox rows exist, or neither does.
  Result<RecordSightingResult> RecordSighting(const RecordSightingRequest& request);

  RunRepository& runs();
  SourceRepository& sources();
  FrontierRepository& frontier();
  FetchRepository& fetches();
  BlobRepository& blobs();
  SightingRepository& sightings();
  OutboxRepository& outbox();
  CoverageRepository& coverage();
  RetentionRepository& retention();
  AnomalyRepository& anomalies();

  // Test hook (STYLE rule 17): the k-th transaction commit counted from this call
  // (k >= 1) fails with IOError and is rolled back, as if the process died just
  // before COMMIT reached the disk. Later commits succeed. k <= 0 disables.
  void SetCommitFaultForTesting(int k);
  // Commits attempted since the last SetCommitFaultForTesting (or since Open,
  // migrations included), so a test can learn how many steps a scenario has and loop
  // k over all of them. Every repository write outside InTransaction is one commit;
  // an InTransaction (or RecordSighting) is one commit however many writes it holds.
  int CommitCountForTesting() const;

 private:
  Store(std::unique_ptr<detail::StoreCore> core, Access access);
  std::unique_ptr<detail::StoreCore> core_;
  Access access_;
};

}  // namespace leakwatch::store
