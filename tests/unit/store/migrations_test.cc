#include "store/internal/migrations.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"
#include "util/sqlite.h"

namespace leakwatch::store {
namespace {

using testing_util::MakeClock;
using testing_util::ReadBytes;
namespace fs = std::filesystem;

// Every schema version a user's database may still be at. Adding migration N means
// appending N-1 here: the "from each earlier version" test then covers it.
const std::vector<int64_t> kEarlierVersions = {0, 1, 2, 3};

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::vector<std::string> TableNames(util::Database& db) {
  auto st = db.Prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
      "ESCAPE '\\' ORDER BY name");
  REQUIRE(st.has_value());
  std::vector<std::string> names;
  while (st->Step().value()) names.push_back(st->ColumnText(0));
  return names;
}

TEST_CASE("Open creates a private directory and file and migrates an empty DB to the latest",
          "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  const fs::path path = dir / "data/leakwatch/leakwatch.db";
  {
    auto store = Store::Open(path, clock);
    REQUIRE(store.has_value());
    CHECK(store->SchemaVersion().value() == kLatestSchemaVersion);
    CHECK(store->path() == path);
    auto report = store->Check();
    REQUIRE(report.has_value());
    CHECK(report->ok());
    CHECK(report->integrity_ok);
    CHECK(report->foreign_keys_ok);
    CHECK(report->problems.empty());
  }
  CHECK(ModeOf(path.parent_path()) == 0700);
  CHECK(ModeOf(path) == 0600);

  auto db = util::Database::Open(path, util::Database::Mode::kReadOnly, false);
  REQUIRE(db.has_value());
  CHECK(db->QueryInt("PRAGMA application_id").value() == detail::kApplicationId);
  CHECK(db->QueryInt("PRAGMA user_version").value() == kLatestSchemaVersion);
  auto stmt = db->Prepare("PRAGMA journal_mode");
  REQUIRE(stmt->Step().value());
  CHECK(stmt->ColumnText(0) == "wal");
  CHECK(TableNames(*db) == std::vector<std::string>{"anomalies", "anomaly_counts", "blobs",
                                                    "coverage", "fetches", "frontier", "meta",
                                                    "outbox", "runs", "sightings", "source_yields",
                                                    "sources"});
}

TEST_CASE("Open migrates a database from each earlier schema version", "[unit]") {
  for (int64_t version : kEarlierVersions) {
    DYNAMIC_SECTION("from schema " << version) {
      testing::TempDir dir;
      const fs::path path = dir / "old.db";
      {
        auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, false);
        REQUIRE(db.has_value());
        REQUIRE(detail::MigrateTo(*db, version, [&](const std::function<Status()>& body) {
                  return detail::RunInPlainTransaction(*db, body);
                }).ok());
        REQUIRE(db->QueryInt("PRAGMA user_version").value() == version);
      }
      auto clock = MakeClock();
      auto store = Store::Open(path, clock);
      REQUIRE(store.has_value());
      CHECK(store->SchemaVersion().value() == kLatestSchemaVersion);
      CHECK(store->Check()->ok());
    }
  }
}

TEST_CASE("reopening a current database changes nothing and keeps its data", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  const fs::path path = dir / "lw.db";
  int64_t run_id = 0;
  {
    auto store = Store::Open(path, clock);
    REQUIRE(store.has_value());
    run_id = store->runs().Start(42).value();
  }
  auto store = Store::Open(path, clock);
  REQUIRE(store.has_value());
  CHECK(store->SchemaVersion().value() == kLatestSchemaVersion);
  CHECK(store->runs().Get(run_id)->pid == 42);
}

TEST_CASE("a migration whose commit fails leaves the database at its old version", "[unit]") {
  testing::TempDir dir;
  const fs::path path = dir / "lw.db";
  {
    auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db.has_value());
    Status failed = detail::MigrateTo(*db, kLatestSchemaVersion,
                                      [&](const std::function<Status()>& body) -> Status {
                                        auto tx = util::Transaction::Begin(*db);
                                        REQUIRE(tx.has_value());
                                        REQUIRE(body().ok());
                                        return Status::IOError("disk full (simulated)");
                                      });
    CHECK(failed.code() == StatusCode::kIOError);
    CHECK(failed.message().find("migrating") != std::string::npos);
    CHECK(db->QueryInt("PRAGMA user_version").value() == 0);
    CHECK(TableNames(*db).empty());
  }
  auto clock = MakeClock();
  auto store = Store::Open(path, clock);
  REQUIRE(store.has_value());
  CHECK(store->SchemaVersion().value() == kLatestSchemaVersion);
}

void MakeNewerDatabase(const fs::path& path) {
  auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, false);
  REQUIRE(db.has_value());
  REQUIRE(db->Exec("CREATE TABLE future_things (id INTEGER PRIMARY KEY, x TEXT);"
                   "INSERT INTO future_things (x) VALUES ('from the future');"
                   "PRAGMA application_id = " +
                   std::to_string(detail::kApplicationId) +
                   "; PRAGMA user_version = " + std::to_string(kLatestSchemaVersion + 1) + ";")
              .ok());
}

TEST_CASE("a database written by a newer leakwatch is refused and left byte-for-byte unchanged",
          "[unit]") {
  testing::TempDir dir;
  const fs::path path = dir / "newer.db";
  MakeNewerDatabase(path);
  const std::string before = ReadBytes(path);
  REQUIRE(!before.empty());

  auto clock = MakeClock();
  auto store = Store::Open(path, clock);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code() == StatusCode::kUnsupported);
  const std::string expected =
      "written by a newer leakwatch (schema " + std::to_string(kLatestSchemaVersion + 1) +
      ", this build knows up to " + std::to_string(kLatestSchemaVersion) + "); upgrade leakwatch";
  CHECK_THAT(store.error().message(), Catch::Contains(expected));
  CHECK_THAT(store.error().message(), Catch::Contains(path.string()));
  CHECK(ReadBytes(path) == before);
  CHECK_FALSE(fs::exists(path.string() + "-wal"));

  // db check still reports on it, read-only.
  auto report = Store::CheckFile(path);
  REQUIRE(report.has_value());
  CHECK(report->schema_version == kLatestSchemaVersion + 1);
  CHECK(report->integrity_ok);
  CHECK_FALSE(report->ok());
  CHECK(ReadBytes(path) == before);
}

TEST_CASE("a file of garbage bytes is a Corruption error naming the file, never a crash",
          "[unit]") {
  testing::TempDir dir;
  std::string garbage;
  for (int i = 0; i < 8192; ++i) garbage.push_back(static_cast<char>((i * 7919 + 13) % 251));
  const fs::path path = dir.Write("garbage.db", garbage);

  auto clock = MakeClock();
  auto store = Store::Open(path, clock);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code() == StatusCode::kCorruption);
  CHECK_THAT(store.error().message(), Catch::Contains(path.string()));
  CHECK_THAT(store.error().message(), Catch::Contains("not a SQLite database"));
  CHECK(ReadBytes(path) == garbage);

  auto report = Store::CheckFile(path);
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().code() == StatusCode::kCorruption);
  CHECK_THAT(report.error().message(), Catch::Contains(path.string()));
}

TEST_CASE("a damaged but readable database opens or fails cleanly and Check reports the damage",
          "[unit]") {
  testing::TempDir dir;
  const fs::path path = dir / "damaged.db";
  auto clock = MakeClock();
  {
    auto store = Store::Open(path, clock);
    REQUIRE(store.has_value());
    auto source = store->sources().Upsert("paste", "generic");
    REQUIRE(source.has_value());
    for (int i = 0; i < 300; ++i) {
      NewFrontierUrl url;
      url.source_id = *source;
      url.url = "http://example.onion/item/" + std::to_string(i);
      REQUIRE(store->frontier().AddIfNew(url).has_value());
    }
  }
  // Checkpoint the WAL into the main file and go back to a single file.
  {
    auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db->Exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;").ok());
  }
  std::string bytes = ReadBytes(path);
  REQUIRE(bytes.size() > 6 * 4096);
  // Scribble over pages 4 and 5, leaving the header and schema page intact.
  for (size_t i = 3 * 4096; i < 5 * 4096; ++i) bytes[i] = static_cast<char>(0xA5 ^ (i & 0xff));
  fs::remove(path);
  dir.Write("damaged.db", bytes);

  auto report = Store::CheckFile(path);
  if (report.has_value()) {
    CHECK_FALSE(report->ok());
    CHECK_FALSE(report->problems.empty());
  } else {
    CHECK(report.error().code() == StatusCode::kCorruption);
  }
  auto store = Store::Open(path, clock);
  if (store.has_value()) {
    auto check = store->Check();
    REQUIRE(check.has_value());
    CHECK_FALSE(check->integrity_ok);
  } else {
    CHECK(store.error().code() == StatusCode::kCorruption);
  }
}

TEST_CASE("a schema-0 database holding another application's tables is refused untouched",
          "[unit]") {
  testing::TempDir dir;
  const fs::path path = dir / "other.db";
  {
    auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db->Exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');").ok());
  }
  const std::string before = ReadBytes(path);
  auto clock = MakeClock();
  auto store = Store::Open(path, clock);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(store.error().message(), Catch::Contains("not a leakwatch database"));
  CHECK(ReadBytes(path) == before);
}

TEST_CASE("a database with another application id is refused untouched", "[unit]") {
  testing::TempDir dir;
  const fs::path path = dir / "other.db";
  {
    auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db->Exec("PRAGMA application_id = 1234; PRAGMA user_version = 1;").ok());
  }
  const std::string before = ReadBytes(path);
  auto clock = MakeClock();
  auto store = Store::Open(path, clock);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code() == StatusCode::kInvalidArgument);
  CHECK(ReadBytes(path) == before);
}

TEST_CASE("Open and CheckFile name the path for a directory or a missing file", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir.path(), clock);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code() == StatusCode::kInvalidArgument);

  auto missing = Store::CheckFile(dir / "nope.db");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.error().message(), Catch::Contains("nope.db"));
}

}  // namespace
}  // namespace leakwatch::store

namespace leakwatch::store {
namespace {

TEST_CASE("CheckFile reports on a live WAL database while a Store has it open", "[unit]") {
  testing::TempDir dir;
  auto clock = testing_util::MakeClock();
  const fs::path path = dir / "lw.db";
  auto store = Store::Open(path, clock);
  REQUIRE(store.has_value());
  REQUIRE(store->sources().Upsert("s", "generic").has_value());
  auto report = Store::CheckFile(path);
  REQUIRE(report.has_value());
  CHECK(report->ok());
  CHECK(report->schema_version == kLatestSchemaVersion);
  CHECK(report->path == path);
}

}  // namespace
}  // namespace leakwatch::store
