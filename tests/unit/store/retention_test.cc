#include "store/retention.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"
#include "util/sqlite.h"

namespace leakwatch::store {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using testing_util::kStartTime;
using testing_util::MakeClock;

constexpr int64_t kDay = 24 * 60 * 60;
constexpr int64_t kRetention = 90 * kDay;

std::string Hash(char c) { return std::string(64, c); }

void SetModifiedAt(const fs::path& path, int64_t unix_seconds) {
  struct timespec times[2] = {};
  times[0].tv_sec = static_cast<time_t>(unix_seconds);
  times[1].tv_sec = static_cast<time_t>(unix_seconds);
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

fs::path WriteFileAged(const testing::TempDir& dir, const std::string& name, size_t bytes,
                       int64_t modified_at) {
  const fs::path path = dir.Write(name, std::string(bytes, 'w'));
  SetModifiedAt(path, modified_at);
  return path;
}

std::vector<std::string> NamesOf(const std::vector<EvidenceFile>& files, const fs::path& base) {
  std::vector<std::string> names;
  for (const EvidenceFile& f : files) names.push_back(f.path.lexically_relative(base).string());
  return names;
}

int64_t CountRows(Store& store, const char* table) {
  auto db = util::Database::Open(store.path(), util::Database::Mode::kReadOnly, false);
  REQUIRE(db.has_value());
  return db->QueryInt(std::string("SELECT count(*) FROM ") + table).value();
}

// A database and evidence directory with, 100 days before "now":
//   fetches: an unrelated page (ages out), the page of a sighting (kept by URL), an
//            archive whose hash a sighting has (kept by hash); and one fetch a day old;
//   blobs:   an unrelated object (ages out), the sighting's object (kept); one recent;
//   WARC:    run-1.warc referenced by the sighting, run-2.warc and old/run-0.warc.gz
//            unreferenced (age out), run-3.warc unreferenced but recent (kept),
//            notes.txt old but not a WARC (never listed), link.warc a symlink (never listed).
struct Fixture {
  testing::TempDir dir;
  util::FakeClock clock = MakeClock();
  Store store = Store::Open(dir / "data/lw.db", clock).value();
  fs::path evidence = dir / "data/evidence";
  int64_t run_id = 0;
  int64_t sighting_id = 0;
  const int64_t old_time = kStartTime - 100 * kDay;

  Fixture() {
    run_id = store.runs().Start(1).value();
    auto log = [&](std::string url, std::optional<std::string> sha, int64_t at) {
      FetchLogEntry e;
      e.run_id = run_id;
      e.url = std::move(url);
      e.content_sha256 = std::move(sha);
      e.fetched_at = at;
      e.bytes = 10;
      REQUIRE(store.fetches().Log(e).has_value());
    };
    log("http://x.onion/unrelated", Hash('1'), old_time);
    log("http://x.onion/paste/7", Hash('2'), old_time);    // the sighting's URL
    log("http://x.onion/dump.zip", Hash('a'), old_time);   // the sighting's hash
    log("http://x.onion/failed", std::nullopt, old_time);  // no content at all
    log("http://x.onion/yesterday", Hash('3'), kStartTime - kDay);

    clock.Set(util::FromUnixSeconds(old_time));
    REQUIRE(store.blobs().Touch(Hash('1'), 5, std::nullopt).has_value());
    REQUIRE(store.blobs().Touch(Hash('a'), 5, std::nullopt).has_value());
    clock.Set(util::FromUnixSeconds(kStartTime - kDay));
    REQUIRE(store.blobs().Touch(Hash('3'), 5, std::nullopt).has_value());
    clock.Set(util::FromUnixSeconds(kStartTime));

    const fs::path referenced = WriteFileAged(dir, "data/evidence/run-1.warc", 100, old_time);
    WriteFileAged(dir, "data/evidence/run-2.warc", 200, old_time);
    WriteFileAged(dir, "data/evidence/old/run-0.warc.gz", 50, old_time);
    WriteFileAged(dir, "data/evidence/run-3.warc", 300, kStartTime - kDay);
    WriteFileAged(dir, "data/evidence/notes.txt", 10, old_time);
    const fs::path outside = WriteFileAged(dir, "elsewhere/other.warc", 10, old_time);
    fs::create_symlink(outside, evidence / "link.warc");

    NewSighting s;
    s.source = "paste";
    s.url = "http://x.onion/paste/7";
    s.sha256 = Hash('a');
    s.kind = SightingKind::kExact;
    s.score = 1.0;
    // Spelled differently from the directory listing: still the same file.
    s.evidence_warc = (dir / "data/evidence/../evidence/run-1.warc").string();
    s.evidence_warc_offset = 0;
    s.seen_at = old_time;
    sighting_id = store.sightings().Upsert(s).value().id;
    REQUIRE(fs::exists(referenced));
  }

  RetentionRequest Request(bool dry_run = false) const {
    return RetentionRequest{kStartTime - kRetention, evidence, dry_run};
  }
};

TEST_CASE("a dry run counts what would go and changes nothing", "[unit]") {
  Fixture f;
  auto report = f.store.retention().Prune(f.Request(/*dry_run=*/true));
  REQUIRE(report.has_value());
  CHECK(report->dry_run);
  CHECK(report->fetches == 2);  // unrelated + failed
  CHECK(report->blobs == 1);
  CHECK(NamesOf(report->unreferenced_evidence, f.evidence) ==
        std::vector<std::string>{"old/run-0.warc.gz", "run-2.warc"});
  CHECK(report->evidence_bytes() == 250);
  CHECK_FALSE(report->evidence_scan_truncated);

  CHECK(CountRows(f.store, "fetches") == 5);
  CHECK(CountRows(f.store, "blobs") == 3);
  CHECK(f.store.retention().LastPruneAt().value() == std::nullopt);
  CHECK(fs::exists(f.evidence / "run-2.warc"));
}

TEST_CASE("a prune removes old unreferenced rows and keeps what sightings refer to", "[unit]") {
  Fixture f;
  auto report = f.store.retention().Prune(f.Request());
  REQUIRE(report.has_value());
  CHECK_FALSE(report->dry_run);
  CHECK(report->fetches == 2);
  CHECK(report->blobs == 1);
  CHECK(NamesOf(report->unreferenced_evidence, f.evidence) ==
        std::vector<std::string>{"old/run-0.warc.gz", "run-2.warc"});

  std::vector<std::string> kept_urls;
  for (const FetchLogEntry& e : f.store.fetches().ListByRun(f.run_id, 100).value()) {
    kept_urls.push_back(e.url);
  }
  CHECK(kept_urls == std::vector<std::string>{"http://x.onion/paste/7", "http://x.onion/dump.zip",
                                              "http://x.onion/yesterday"});
  CHECK(f.store.blobs().Get(Hash('1')).value() == std::nullopt);
  CHECK(f.store.blobs().Get(Hash('a')).value().has_value());
  CHECK(f.store.blobs().Get(Hash('3')).value().has_value());
  CHECK(f.store.sightings().Get(f.sighting_id).has_value());
  CHECK(f.store.retention().LastPruneAt().value() == kStartTime);

  // The store lists files; it never deletes them.
  CHECK(fs::exists(f.evidence / "run-2.warc"));
  // A second pass finds no rows left to remove.
  auto again = f.store.retention().Prune(f.Request());
  REQUIRE(again.has_value());
  CHECK(again->fetches == 0);
  CHECK(again->blobs == 0);
}

TEST_CASE("a WARC file referenced through a hard link or a stored relative spelling is kept",
          "[unit]") {
  Fixture f;
  // A sighting that names run-2.warc through a hard link outside the evidence dir.
  fs::create_hard_link(f.evidence / "run-2.warc", f.dir / "hardlink.warc");
  NewSighting s;
  s.source = "paste";
  s.url = "http://x.onion/other";
  s.sha256 = Hash('b');
  s.score = 1.0;
  s.evidence_warc = (f.dir / "hardlink.warc").string();
  REQUIRE(f.store.sightings().Upsert(s).has_value());
  auto report = f.store.retention().Prune(f.Request(true));
  REQUIRE(report.has_value());
  CHECK(NamesOf(report->unreferenced_evidence, f.evidence) ==
        std::vector<std::string>{"old/run-0.warc.gz"});
}

TEST_CASE("a missing evidence directory lists nothing, a file in its place is an error", "[unit]") {
  Fixture f;
  RetentionRequest request = f.Request(true);
  request.evidence_dir = f.dir / "no-such-dir";
  auto report = f.store.retention().Prune(request);
  REQUIRE(report.has_value());
  CHECK(report->unreferenced_evidence.empty());
  CHECK(report->fetches == 2);

  request.evidence_dir = f.evidence / "notes.txt";
  auto bad = f.store.retention().Prune(request);
  REQUIRE_FALSE(bad.has_value());
  CHECK_THAT(bad.error().message(), Catch::Contains("notes.txt"));
}

TEST_CASE("PruneIsDue: never, a day later, not within the day, clock set back", "[unit]") {
  CHECK(PruneIsDue(std::nullopt, kStartTime, kPruneIntervalSeconds));
  CHECK_FALSE(PruneIsDue(kStartTime, kStartTime, kPruneIntervalSeconds));
  CHECK_FALSE(PruneIsDue(kStartTime, kStartTime + kDay - 1, kPruneIntervalSeconds));
  CHECK(PruneIsDue(kStartTime, kStartTime + kDay, kPruneIntervalSeconds));
  CHECK(PruneIsDue(kStartTime + kDay, kStartTime, kPruneIntervalSeconds));
}

TEST_CASE("PruneIfDue prunes at most once a day and records when", "[unit]") {
  Fixture f;
  auto first = f.store.retention().PruneIfDue(f.Request());
  REQUIRE(first.has_value());
  REQUIRE(first->has_value());
  CHECK((*first)->fetches == 2);
  CHECK(f.store.retention().LastPruneAt().value() == kStartTime);

  // New old rows appear, but within the day nothing runs.
  FetchLogEntry e;
  e.url = "http://x.onion/later";
  e.fetched_at = f.old_time;
  REQUIRE(f.store.fetches().Log(e).has_value());
  f.clock.Advance(hours(23));
  auto second = f.store.retention().PruneIfDue(f.Request());
  REQUIRE(second.has_value());
  CHECK_FALSE(second->has_value());
  CHECK(CountRows(f.store, "fetches") == 4);
  CHECK(f.store.retention().LastPruneAt().value() == kStartTime);

  f.clock.Advance(hours(1));
  auto third = f.store.retention().PruneIfDue(f.Request());
  REQUIRE(third.has_value());
  REQUIRE(third->has_value());
  CHECK((*third)->fetches == 1);
  CHECK(f.store.retention().LastPruneAt().value() == kStartTime + kDay);

  // The pass time survives reopening the database.
  const fs::path path = f.store.path();
  util::FakeClock later(util::FromUnixSeconds(kStartTime + kDay + 60));
  auto reopened = Store::Open(path, later);
  REQUIRE(reopened.has_value());
  auto fourth = reopened->retention().PruneIfDue(f.Request());
  REQUIRE(fourth.has_value());
  CHECK_FALSE(fourth->has_value());

  CHECK_FALSE(f.store.retention().PruneIfDue(f.Request(true)).has_value());
}

TEST_CASE("a failed prune commit rolls back both the deletions and the pass time", "[unit]") {
  Fixture f;
  f.store.SetCommitFaultForTesting(1);
  auto failed = f.store.retention().PruneIfDue(f.Request());
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().code() == StatusCode::kIOError);
  CHECK(CountRows(f.store, "fetches") == 5);
  CHECK(CountRows(f.store, "blobs") == 3);
  CHECK(f.store.retention().LastPruneAt().value() == std::nullopt);
}

}  // namespace
}  // namespace leakwatch::store
