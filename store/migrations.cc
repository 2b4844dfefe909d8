// store/migrations: the leakwatch database schema and its versioned migrations.
//
// SCHEMA (version 1). Times are INTEGER Unix seconds (from the injected Clock); hashes
// are lowercase hex; JSON columns hold UTF-8 JSON text. PRAGMA application_id is
// 0x4C574442 ("LWDB"); PRAGMA user_version is the schema version.
//
//   runs         one row per crawl run
//     id PK, started_at, finished_at?, status ('running'|'ok'|'interrupted'|'failed'),
//     pid, pages, bytes, errors, errors_by_class (JSON object class -> count), note?
//   sources      configured sources and their health
//     id PK, name UNIQUE, profile, state ('ok'|'failing'|'profile_broken'|
//     'session_expired'|'tor_down'|'disabled'; open set, not CHECKed), last_success_at?,
//     last_failure_at?, consecutive_failures, last_error?, last_error_class?,
//     created_at, updated_at
//   source_yields  items found per listing fetch (last 50 per source), for profile health
//     id PK, source_id FK sources CASCADE, run_id? FK runs SET NULL, at, url, items
//   frontier     one row per (source, normalised URL)
//     id PK, source_id FK sources CASCADE, url, kind ('listing'|'item'|'file'), depth,
//     discovered_from?, discovered_at, state ('pending'|'in_flight'|'done'|
//     'failed_permanent'), next_due_at, attempts, last_status?, last_attempt_at?,
//     etag?, last_modified?, content_hash?, lease_run_id? FK runs SET NULL (set while
//     in_flight), last_run_id? (the last run that took it; at most once per run)
//     UNIQUE (source_id, url); INDEX (state, kind rank, discovered_at DESC, id DESC)
//   fetches      log row per fetch attempt (aged out by retention)
//     id PK, run_id? FK runs SET NULL, source_id? FK sources SET NULL, url, fetched_at,
//     http_status?, error_class?, bytes, duration_ms, content_sha256?
//   blobs        hash and metadata of every object seen, never its content
//     sha256 PK, size, mime?, first_seen, last_seen
//   sightings    dataset content found at a URL (kept until deleted explicitly)
//     id PK, source (name), url, member_path ('' = the object itself), sha256,
//     kind ('exact'|'partial'|'records'|'image'|'mention'), score, dataset_refs (JSON),
//     linked_from?, snippet?, evidence_warc?, evidence_warc_offset?, run_id? FK runs
//     SET NULL, first_seen, last_seen, acked_at?, acked_by?, ack_note?
//     UNIQUE (url, member_path, sha256, kind): seeing it again moves last_seen only
//   outbox       notifications per (sighting, channel)
//     id PK, sighting_id FK sightings CASCADE, channel, payload (JSON), state
//     ('pending'|'sent'|'failed'), attempts, created_at, next_attempt_at, last_error?,
//     sent_at?   UNIQUE (sighting_id, channel); INDEX (state, next_attempt_at)
//   coverage     dataset files / records sighted at least once
//     kind ('file'|'record'), ref, first_sighting_id? FK sightings SET NULL, first_seen,
//     last_seen, times_seen   PRIMARY KEY (kind, ref)
//
// SCHEMA version 2 adds:
//   meta         small store-wide facts, one row per key (e.g. 'retention.last_prune_at',
//     the Unix time of the last retention pass, so the crawl prunes at most daily)
//     key PK, value (TEXT), updated_at
//
// SCHEMA version 3 adds (see store/anomalies.h for the bounds):
//   anomalies       hostile or damaged input met in a run, at most
//     kMaxAnomalyRowsPerRun rows per run
//     id PK, run_id FK runs CASCADE, source_id? FK sources SET NULL, at, url,
//     member_path ('' = the fetched object itself), kind, detail
//     INDEX (run_id, id)
//   anomaly_counts  every anomaly counted, stored as a row or not
//     run_id FK runs CASCADE, source_id FK sources CASCADE, kind, counted, stored
//     PRIMARY KEY (run_id, source_id, kind)
//   and INDEX fetches (source_id, run_id), for a source's latest run.
//
// SCHEMA version 4 adds (partial downloads, see FrontierEntry::resume_offset and
// NewSighting::part):
//   frontier.resume_offset (0 = nothing to resume), resume_validator?, object_size?
//   sightings.part_offset?, part_length?, object_size?  (part_* NULL: the whole object)
//
// ADDING A MIGRATION: append {N, "what", "SQL"} to kMigrations, bump
// kLatestSchemaVersion in store.h, and add the version to the migration test's
// list of earlier versions (tests/unit/store/migrations_test.cc). Never edit a
// migration that has shipped.
#include "store/internal/migrations.h"

#include <iterator>
#include <sstream>
#include <string>

#include "store/store.h"

namespace leakwatch::store::detail {
namespace {

struct Migration {
  int64_t version;
  const char* description;
  const char* sql;
};

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'interrupted', 'failed')),
  pid INTEGER NOT NULL,
  pages INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  errors_by_class TEXT NOT NULL DEFAULT '{}',
  note TEXT
);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  profile TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'ok',
  last_success_at INTEGER,
  last_failure_at INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  last_error_class TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE source_yields (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  at INTEGER NOT NULL,
  url TEXT NOT NULL,
  items INTEGER NOT NULL
);
CREATE INDEX source_yields_by_source ON source_yields (source_id, id);

CREATE TABLE frontier (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('listing', 'item', 'file')),
  depth INTEGER NOT NULL DEFAULT 0,
  discovered_from TEXT,
  discovered_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'in_flight', 'done', 'failed_permanent')),
  next_due_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status TEXT,
  last_attempt_at INTEGER,
  etag TEXT,
  last_modified TEXT,
  content_hash TEXT,
  lease_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  last_run_id INTEGER,
  UNIQUE (source_id, url)
);
-- TakeDue walks this index in its ORDER BY order and stops after `limit` rows, so
-- leasing stays cheap with a frontier of millions (a (state, next_due_at) index
-- would make SQLite sort every pending row on each call).
CREATE INDEX frontier_take ON frontier (
  state, (CASE kind WHEN 'listing' THEN 0 WHEN 'item' THEN 1 ELSE 2 END),
  discovered_at DESC, id DESC);
CREATE INDEX frontier_lease ON frontier (lease_run_id) WHERE lease_run_id IS NOT NULL;

CREATE TABLE fetches (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  source_id INTEGER REFERENCES sources (id) ON DELETE SET NULL,
  url TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  http_status INTEGER,
  error_class TEXT,
  bytes INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  content_sha256 TEXT
);
CREATE INDEX fetches_by_time ON fetches (fetched_at);
CREATE INDEX fetches_by_run ON fetches (run_id);

CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mime TEXT,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX blobs_by_last_seen ON blobs (last_seen);

CREATE TABLE sightings (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  member_path TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('exact', 'partial', 'records', 'image', 'mention')),
  score REAL NOT NULL,
  dataset_refs TEXT NOT NULL DEFAULT '[]',
  linked_from TEXT,
  snippet TEXT,
  evidence_warc TEXT,
  evidence_warc_offset INTEGER,
  run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  acked_at INTEGER,
  acked_by TEXT,
  ack_note TEXT,
  UNIQUE (url, member_path, sha256, kind)
);
CREATE INDEX sightings_by_first_seen ON sightings (first_seen);
CREATE INDEX sightings_by_sha256 ON sightings (sha256);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  sighting_id INTEGER NOT NULL REFERENCES sightings (id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  sent_at INTEGER,
  UNIQUE (sighting_id, channel)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE coverage (
  kind TEXT NOT NULL CHECK (kind IN ('file', 'record')),
  ref TEXT NOT NULL,
  first_sighting_id INTEGER REFERENCES sightings (id) ON DELETE SET NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  times_seen INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (kind, ref)
) WITHOUT ROWID;

PRAGMA application_id = 1280787522;
)sql";

constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE anomalies (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  source_id INTEGER REFERENCES sources (id) ON DELETE SET NULL,
  at INTEGER NOT NULL,
  url TEXT NOT NULL,
  member_path TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX anomalies_by_run ON anomalies (run_id, id);

CREATE TABLE anomaly_counts (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  counted INTEGER NOT NULL DEFAULT 0,
  stored INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, source_id, kind)
) WITHOUT ROWID;

CREATE INDEX fetches_by_source ON fetches (source_id, run_id);
)sql";

constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE frontier ADD COLUMN resume_offset INTEGER NOT NULL DEFAULT 0;
ALTER TABLE frontier ADD COLUMN resume_validator TEXT;
ALTER TABLE frontier ADD COLUMN object_size INTEGER;
ALTER TABLE sightings ADD COLUMN part_offset INTEGER;
ALTER TABLE sightings ADD COLUMN part_length INTEGER;
ALTER TABLE sightings ADD COLUMN object_size INTEGER;
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial schema", kSchemaV1},
    {2, "meta table (retention's last prune time)", kSchemaV2},
    {3, "anomalies and their counts per run", kSchemaV3},
    {4, "partial downloads: resume offsets and matched parts", kSchemaV4},
};
static_assert(std::size(kMigrations) == kLatestSchemaVersion,
              "one migration per schema version: update kLatestSchemaVersion in store.h");
static_assert(kApplicationId == 1280787522, "the application_id literal in kSchemaV1");

Result<int64_t> UserVersion(util::Database& db) { return db.QueryInt("PRAGMA user_version"); }

}  // namespace

Status RunInPlainTransaction(util::Database& db, const std::function<Status()>& body) {
  LW_ASSIGN_OR_RETURN(util::Transaction tx, util::Transaction::Begin(db));
  LW_RETURN_IF_ERROR(body());
  return tx.Commit();
}

Result<FileIdentity> IdentifyFile(util::Database& db) {
  FileIdentity id;
  LW_ASSIGN_OR_RETURN(id.application_id, db.QueryInt("PRAGMA application_id"));
  LW_ASSIGN_OR_RETURN(id.user_version, UserVersion(db));
  LW_ASSIGN_OR_RETURN(id.objects, db.QueryInt("SELECT count(*) FROM sqlite_master "
                                              "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"));
  if (id.application_id == kApplicationId) {
    id.kind = FileKind::kLeakwatchDatabase;
  } else if (id.application_id == util::kPackApplicationId) {
    id.kind = FileKind::kFingerprintPack;
  } else if (id.application_id == 0 && id.user_version == 0 && id.objects == 0) {
    id.kind = FileKind::kEmpty;
  } else {
    id.kind = FileKind::kOtherApplication;
  }
  return id;
}

std::string DescribeFile(const FileIdentity& id) {
  switch (id.kind) {
    case FileKind::kLeakwatchDatabase:
      return "a leakwatch database (schema " + std::to_string(id.user_version) + ")";
    case FileKind::kEmpty:
      return "an empty SQLite file";
    case FileKind::kFingerprintPack:
      return "a leakwatch fingerprint pack (what [match].pack names), not the database";
    case FileKind::kOtherApplication:
      break;
  }
  if (id.application_id != 0) {
    std::ostringstream hex;
    hex << std::hex << std::uppercase << id.application_id;
    return "another application's SQLite database (application_id 0x" + hex.str() + ")";
  }
  return "another application's SQLite database (schema version " +
         std::to_string(id.user_version) + ", " + std::to_string(id.objects) +
         " tables or indexes, without the leakwatch application id)";
}

Status CheckOpenable(util::Database& db) {
  LW_ASSIGN_OR_RETURN(FileIdentity id, IdentifyFile(db));
  const std::string name = db.path().string();
  if (id.kind == FileKind::kFingerprintPack || id.kind == FileKind::kOtherApplication) {
    return Status::InvalidArgument(name + ": not a leakwatch database: it is " + DescribeFile(id) +
                                   "; refusing to modify it");
  }
  if (id.user_version > kLatestSchemaVersion) {
    return Status::Unsupported(name + ": written by a newer leakwatch (schema " +
                               std::to_string(id.user_version) + ", this build knows up to " +
                               std::to_string(kLatestSchemaVersion) + "); upgrade leakwatch");
  }
  return Status::Ok();
}

Status MigrateTo(util::Database& db, int64_t target_version, const TransactionRunner& run) {
  if (target_version > kLatestSchemaVersion) {
    return Status::Internal("MigrateTo: unknown target schema " + std::to_string(target_version));
  }
  for (const Migration& migration : kMigrations) {
    LW_ASSIGN_OR_RETURN(int64_t current, UserVersion(db));
    if (migration.version <= current) continue;
    if (migration.version > target_version) break;
    Status st = run([&]() -> Status {
      // Re-read inside the transaction: another process may have migrated meanwhile.
      LW_ASSIGN_OR_RETURN(int64_t now_version, UserVersion(db));
      if (now_version >= migration.version) return Status::Ok();
      LW_RETURN_IF_ERROR(db.Exec(migration.sql));
      return db.Exec("PRAGMA user_version = " + std::to_string(migration.version));
    });
    if (!st.ok()) {
      return st.WithContext("migrating " + db.path().string() + " to schema " +
                            std::to_string(migration.version) + " (" + migration.description + ")");
    }
  }
  return Status::Ok();
}

}  // namespace leakwatch::store::detail
