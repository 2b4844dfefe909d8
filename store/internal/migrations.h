// store/internal/migrations: the ordered list of schema migrations (see the schema
// documentation at the top of migrations.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "store/store.h"
#include "util/sqlite.h"
#include "util/status.h"

namespace leakwatch::store::detail {

// "LWDB": PRAGMA application_id of every leakwatch database.
inline constexpr int64_t kApplicationId = util::kDatabaseApplicationId;

// Runs one migration's transaction: BEGIN, `body`, COMMIT. Injected so that the
// store's commit fault hook also covers migrations.
using TransactionRunner = std::function<Status(const std::function<Status()>& body)>;

// Brings `db` from its current user_version up to `target_version`, one transaction
// per version (schema change + user_version bump commit together). Never downgrades.
// REQUIRES: current user_version <= target_version <= kLatestSchemaVersion.
Status MigrateTo(util::Database& db, int64_t target_version, const TransactionRunner& run);

// What an open SQLite file is (reads only).
struct FileIdentity {
  FileKind kind = FileKind::kOtherApplication;
  int64_t application_id = 0;
  int64_t user_version = 0;
  int64_t objects = 0;  // tables and indexes besides SQLite's own
};
Result<FileIdentity> IdentifyFile(util::Database& db);
// "a leakwatch fingerprint pack", "another application's SQLite database (application_id
// 0x12345678)", ... for messages.
std::string DescribeFile(const FileIdentity& identity);

// Refuses a file that leakwatch must not touch: a fingerprint pack or another
// application's database (foreign application_id, or user_version 0 with tables of
// its own) or one written by a newer leakwatch. Reads only.
Status CheckOpenable(util::Database& db);

// A runner with plain BEGIN IMMEDIATE / COMMIT, for tests and CheckFile.
Status RunInPlainTransaction(util::Database& db, const std::function<Status()>& body);

}  // namespace leakwatch::store::detail
