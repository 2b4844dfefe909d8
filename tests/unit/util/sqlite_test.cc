#include "util/sqlite.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/temp_dir.h"

namespace leakwatch::util {
namespace {

TEST_CASE("Database round-trips typed values through prepared statements", "[unit]") {
  testing::TempDir dir;
  auto db = Database::Open(dir / "t.db", Database::Mode::kReadWriteCreate);
  REQUIRE(db.has_value());
  REQUIRE(db->Exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n INTEGER)").ok());
  auto insert = db->Prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
  REQUIRE(insert.has_value());
  REQUIRE(insert
              ->BindAll(int64_t{42}, std::string_view("héllo"), Blob{std::string_view("\0x", 2)},
                        std::nullopt)
              .Run()
              .ok());
  auto select = db->Prepare("SELECT i, s, b, n FROM t");
  REQUIRE(select.has_value());
  REQUIRE(select->Step().value());
  CHECK(select->ColumnInt(0) == 42);
  CHECK(select->ColumnText(1) == "héllo");
  CHECK(select->ColumnBlob(2) == std::string("\0x", 2));
  CHECK_FALSE(select->ColumnOptionalInt(3).has_value());
  CHECK_FALSE(select->Step().value());
}

TEST_CASE("a transaction not committed is rolled back", "[unit]") {
  testing::TempDir dir;
  auto db = Database::Open(dir / "t.db", Database::Mode::kReadWriteCreate);
  REQUIRE(db->Exec("CREATE TABLE t (i INTEGER)").ok());
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.has_value());
    REQUIRE(db->Exec("INSERT INTO t VALUES (1)").ok());
  }
  CHECK(db->QueryInt("SELECT count(*) FROM t").value() == 0);
}

TEST_CASE("a garbage file is reported as corruption, not a crash", "[unit]") {
  testing::TempDir dir;
  const auto p = dir.Write("garbage.db", std::string(8192, '\x5a'));
  auto db = Database::Open(p, Database::Mode::kReadWriteCreate);
  REQUIRE_FALSE(db.has_value());
  CHECK(db.error().code() == StatusCode::kCorruption);
  CHECK(db.error().message().find("garbage.db") != std::string::npos);
}

TEST_CASE("an immutable open reads a file whatever its name and leaves no WAL files", "[unit]") {
  testing::TempDir dir;
  const std::filesystem::path path = dir / "odd name?x=1#frag%41.db";
  {
    auto db = Database::Open(path, Database::Mode::kReadWriteCreate);  // WAL mode
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (7)").ok());
  }
  REQUIRE_FALSE(std::filesystem::exists(path.string() + "-wal"));
  auto db = Database::Open(path, Database::Mode::kImmutable, /*wal=*/false);
  REQUIRE(db.has_value());
  CHECK(db->QueryInt("SELECT i FROM t").value() == 7);
  CHECK(db->path() == path);
  CHECK_FALSE(db->Exec("INSERT INTO t VALUES (8)").ok());
  CHECK_FALSE(std::filesystem::exists(path.string() + "-wal"));
  CHECK_FALSE(std::filesystem::exists(path.string() + "-shm"));
  // The name is a name: the URI query it contains is not read as one.
  CHECK_FALSE(std::filesystem::exists(dir / "odd name"));
}

}  // namespace
}  // namespace leakwatch::util
