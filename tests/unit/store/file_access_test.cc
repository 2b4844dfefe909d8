// How the store reads and writes a file the file system restricts (issue 14: a
// database on a read-only volume could not be read at all). The decisions are pure
// functions of FileFacts, so every case is checked here with injected facts, since a
// test running as root cannot make a directory read-only with permission bits; the real
// thing (another user, chmod 0555) is tests/unit/app/read_only_db_test.cc.
#include "store/internal/file_access.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <string>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace leakwatch::store::detail {
namespace {

namespace fs = std::filesystem;
const fs::path kPath = "/srv/copy/leakwatch.db";

// An existing, readable and writable database file in a writable directory.
FileFacts Writable() {
  FileFacts f;
  f.exists = true;
  f.mode = 0600;
  f.dir_mode = 0700;
  f.owner = f.dir_owner = f.user = 1000;
  return f;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("a writable database is read read-only beside writers", "[unit]") {
  CHECK(ChooseReadAccess(Writable(), kPath).value() == Access::kReadOnly);
  CHECK(WriteObstacle(Writable(), kPath).empty());
  FileFacts read_only_file = Writable();  // a read-only file in a writable directory
  read_only_file.write_errno = EACCES;
  read_only_file.mode = 0444;
  CHECK(ChooseReadAccess(read_only_file, kPath).value() == Access::kReadOnly);
}

TEST_CASE("a read-only volume or directory is read as an immutable snapshot", "[unit]") {
  FileFacts volume = Writable();
  volume.write_errno = volume.dir_write_errno = EROFS;
  CHECK(ChooseReadAccess(volume, kPath).value() == Access::kSnapshot);
  FileFacts directory = Writable();
  directory.dir_write_errno = EACCES;
  directory.dir_mode = 0555;
  CHECK(ChooseReadAccess(directory, kPath).value() == Access::kSnapshot);
  // With -wal and -shm already there SQLite reads the WAL read-only: nothing is missed.
  directory.wal_exists = directory.shm_exists = true;
  CHECK(ChooseReadAccess(directory, kPath).value() == Access::kReadOnly);
}

TEST_CASE("a -wal that a read-only directory makes unreadable is refused, not ignored", "[unit]") {
  FileFacts f = Writable();
  f.write_errno = f.dir_write_errno = EROFS;
  f.wal_exists = true;  // commits not yet in the file; no -shm, and none can be created
  const Result<Access> access = ChooseReadAccess(f, kPath);
  REQUIRE_FALSE(access.has_value());
  CHECK(access.error().code() == StatusCode::kPermissionDenied);
  CHECK(Has(access.error().message(), "/srv/copy/leakwatch.db-wal holds changes"));
  CHECK(Has(access.error().message(), "is on a read-only file system"));
  CHECK(Has(access.error().message(), "copy the database together with its -wal"));
}

TEST_CASE("read errors: missing, a directory, unreadable", "[unit]") {
  CHECK(ChooseReadAccess(FileFacts{}, kPath).error().code() == StatusCode::kNotFound);
  FileFacts dir = Writable();
  dir.is_directory = true;
  CHECK(ChooseReadAccess(dir, kPath).error().code() == StatusCode::kInvalidArgument);
  FileFacts unreadable = Writable();
  unreadable.read_errno = EACCES;
  unreadable.owner = 0;
  const Result<Access> access = ChooseReadAccess(unreadable, kPath);
  REQUIRE_FALSE(access.has_value());
  CHECK(access.error().code() == StatusCode::kPermissionDenied);
  CHECK(access.error().message() ==
        "/srv/copy/leakwatch.db: is not readable by uid 1000 (mode 0600, owner uid 0)");
}

TEST_CASE("a writer is told what stops it: volume, file or directory", "[unit]") {
  FileFacts volume = Writable();
  volume.write_errno = volume.dir_write_errno = EROFS;
  CHECK(WriteObstacle(volume, kPath) == "/srv/copy/leakwatch.db is on a read-only file system");

  FileFacts file = Writable();
  file.write_errno = EACCES;
  file.mode = 0444;
  CHECK(WriteObstacle(file, kPath) ==
        "the database file /srv/copy/leakwatch.db is not writable by uid 1000 (mode 0444, owner "
        "uid 1000)");
  file.write_errno = EPERM;  // chattr +i
  CHECK(Has(WriteObstacle(file, kPath), "or an immutable attribute"));

  FileFacts dir = Writable();
  dir.dir_write_errno = EACCES;
  dir.dir_mode = 0555;
  dir.dir_owner = 0;
  CHECK(WriteObstacle(dir, kPath) ==
        "the directory /srv/copy is not writable by uid 1000 (mode 0555, owner uid 0), and "
        "SQLite must create leakwatch.db-wal and -shm beside the database");
  dir.wal_exists = dir.shm_exists = true;  // SQLite needs the directory no more
  CHECK(WriteObstacle(dir, kPath).empty());
  CHECK(WriteObstacle(FileFacts{}, kPath).empty());  // a new file: creating it says why
}

TEST_CASE("InspectFile sees the file, its directory and the WAL files", "[unit]") {
  leakwatch::testing::TempDir dir;
  const fs::path path = dir / "leakwatch.db";
  CHECK_FALSE(InspectFile(path).exists);
  util::FakeClock clock = testing_util::MakeClock();
  {
    Result<Store> store = Store::Open(path, clock);
    REQUIRE(store.has_value());
    REQUIRE(store->runs().Start(1).has_value());
    const FileFacts open = InspectFile(path);  // a connection holds the WAL files
    CHECK(open.wal_exists);
    CHECK(open.shm_exists);
  }
  const FileFacts f = InspectFile(path);
  CHECK(f.exists);
  CHECK_FALSE(f.is_directory);
  CHECK(f.mode == 0600);
  CHECK(f.user == ::geteuid());
  CHECK(f.read_errno == 0);
  CHECK(f.write_errno == 0);
  CHECK(f.dir_write_errno == 0);
  CHECK_FALSE(f.wal_exists);  // the last connection checkpointed and removed it
  CHECK(InspectFile(dir.path()).is_directory);
}

}  // namespace
}  // namespace leakwatch::store::detail
