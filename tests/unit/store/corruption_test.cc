// A damaged database file is hostile input too: whatever bytes the file holds,
// CheckFile, Open and the repositories return errors or reports, never crash
// (run under ASan/UBSan in Debug).
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"
#include "util/sqlite.h"

namespace leakwatch::store {
namespace {

namespace fs = std::filesystem;
using testing_util::MakeClock;
using testing_util::ReadBytes;

// A small but complete database: a row in every table, in one single file.
std::string MakeSampleDatabase(const testing::TempDir& dir) {
  const fs::path path = dir / "sample.db";
  auto clock = MakeClock();
  {
    auto store = Store::Open(path, clock).value();
    const int64_t source = store.sources().Upsert("paste", "generic").value();
    const int64_t run = store.runs().Start(1).value();
    for (int i = 0; i < 40; ++i) {
      NewFrontierUrl u;
      u.source_id = source;
      u.url = "http://x.onion/item/" + std::to_string(i);
      u.kind = i % 3 == 0 ? UrlKind::kListing : UrlKind::kItem;
      REQUIRE(store.frontier().AddIfNew(u).has_value());
    }
    REQUIRE(store.sources().AddYield(source, run, "http://x.onion/", 3).ok());
    FetchLogEntry log;
    log.run_id = run;
    log.url = "http://x.onion/";
    REQUIRE(store.fetches().Log(log).has_value());
    REQUIRE(store.blobs().Touch(std::string(64, 'a'), 10, "text/html").has_value());
    RecordSightingRequest r;
    r.sighting.source = "paste";
    r.sighting.url = "http://x.onion/item/1";
    r.sighting.sha256 = std::string(64, 'a');
    r.notifications = {{"email:0", "{}"}};
    r.coverage = {{CoverageKind::kFile, "a.jpg"}};
    REQUIRE(store.RecordSighting(r).has_value());
  }
  {
    auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db->Exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;").ok());
  }
  return ReadBytes(path);
}

// Exercises every read path on a possibly damaged file; only crashes fail the test.
void ExerciseEverything(const fs::path& path) {
  auto report = Store::CheckFile(path);
  if (report.has_value()) (void)report->ok();
  auto clock = MakeClock();
  auto store = Store::Open(path, clock);
  if (!store.has_value()) {
    const StatusCode code = store.error().code();
    CHECK(code != StatusCode::kOk);
    CHECK(code != StatusCode::kInternal);
    return;
  }
  (void)store->Check();
  (void)store->runs().Latest(10);
  (void)store->sources().List();
  (void)store->sources().RecentYields(1, 10);
  (void)store->frontier().Counts();
  (void)store->frontier().TakeDue(999, 100);
  (void)store->sightings().Query({});
  (void)store->sightings().CountByDay();
  (void)store->outbox().ClaimDue(10);
  (void)store->outbox().CountsByChannel();
  (void)store->coverage().CountSeen(CoverageKind::kFile);
  (void)store->blobs().Get(std::string(64, 'a'));
}

TEST_CASE("randomly damaged database files give errors or reports, never a crash", "[unit]") {
  testing::TempDir dir;
  const std::string pristine = MakeSampleDatabase(dir);
  REQUIRE(pristine.size() > 4096);
  std::mt19937 rng(20261127);  // fixed seed: failures reproduce
  constexpr int kFiles = 40;
  for (int n = 0; n < kFiles; ++n) {
    std::string bytes = pristine;
    std::uniform_int_distribution<size_t> offset(0, bytes.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    const int damage = 1 + n % 16;
    for (int i = 0; i < damage; ++i) bytes[offset(rng)] = static_cast<char>(byte(rng));
    if (n % 5 == 4) bytes.resize(offset(rng));  // truncated as well
    const std::string name = "damaged-" + std::to_string(n) + ".db";
    dir.Write(name, bytes);
    INFO("file " << name);
    ExerciseEverything(dir / name);
  }
}

TEST_CASE("a zero-length file is an empty database and becomes a current one", "[unit]") {
  testing::TempDir dir;
  const fs::path path = dir.Write("empty.db", "");
  auto clock = MakeClock();
  auto store = Store::Open(path, clock);
  REQUIRE(store.has_value());
  CHECK(store->SchemaVersion().value() == kLatestSchemaVersion);
}

}  // namespace
}  // namespace leakwatch::store
