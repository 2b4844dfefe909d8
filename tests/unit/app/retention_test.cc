#include "app/retention.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "app/app.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/app/cli_runner.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

constexpr int64_t kDay = 24 * 60 * 60;
// 2026-11-27T08:00:00Z.
constexpr int64_t kStartTime = 1795766400;

fs::path WriteAged(const testing::TempDir& dir, const std::string& name, size_t bytes,
                   int64_t modified_at) {
  const fs::path path = dir.Write(name, std::string(bytes, 'w'));
  struct timespec times[2] = {};
  times[0].tv_sec = static_cast<time_t>(modified_at);
  times[1].tv_sec = static_cast<time_t>(modified_at);
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  return path;
}

// Fills a database and an evidence directory as a crawl 100 days before `now` would
// have left them: one page that matched (a sighting with evidence in run-1.warc)
// and one that did not (its fetch row, its blob and run-2.warc age out).
void SeedOldCrawl(const fs::path& db_path, const testing::TempDir& dir, const fs::path& evidence,
                  int64_t now) {
  const int64_t old_time = now - 100 * kDay;
  util::FakeClock then(util::FromUnixSeconds(old_time));
  auto db = store::Store::Open(db_path, then);
  REQUIRE(db.has_value());
  for (const char* url : {"http://x.onion/match", "http://x.onion/nothing"}) {
    store::FetchLogEntry e;
    e.url = url;
    e.fetched_at = old_time;
    e.content_sha256 = std::string(64, url[15] == 'm' ? 'a' : 'b');
    REQUIRE(db->fetches().Log(e).has_value());
    REQUIRE(db->blobs().Touch(*e.content_sha256, 10, std::nullopt).has_value());
  }
  const fs::path kept =
      WriteAged(dir, (evidence / "run-1.warc").lexically_relative(dir.path()), 1000, old_time);
  WriteAged(dir, (evidence / "run-2.warc").lexically_relative(dir.path()), 2048, old_time);
  store::NewSighting s;
  s.source = "paste";
  s.url = "http://x.onion/match";
  s.sha256 = std::string(64, 'a');
  s.score = 1.0;
  s.evidence_warc = kept.string();
  s.evidence_warc_offset = 0;
  REQUIRE(db->sightings().Upsert(s).has_value());
}

// How many of the two seeded blobs are still in the database.
int64_t BlobRows(const fs::path& db_path) {
  util::SystemClock clock;
  auto db = store::Store::Open(db_path, clock);
  REQUIRE(db.has_value());
  int64_t rows = 0;
  for (char c : {'a', 'b'}) {
    auto blob = db->blobs().Get(std::string(64, c));
    REQUIRE(blob.has_value());
    rows += blob->has_value() ? 1 : 0;
  }
  return rows;
}

TEST_CASE("PruneNow deletes unreferenced old evidence and keeps the sighting's", "[unit]") {
  testing::TempDir dir;
  const fs::path db_path = dir / "lw.db";
  const fs::path evidence = dir / "evidence";
  SeedOldCrawl(db_path, dir, evidence, kStartTime);
  util::FakeClock clock(util::FromUnixSeconds(kStartTime));
  auto db = store::Store::Open(db_path, clock);
  REQUIRE(db.has_value());

  auto dry = PruneNow(*db, evidence, hours(24 * 90), clock, /*dry_run=*/true);
  REQUIRE(dry.has_value());
  CHECK(dry->report.fetches == 1);
  CHECK(dry->report.blobs == 1);
  REQUIRE(dry->report.unreferenced_evidence.size() == 1);
  CHECK(dry->files_removed == 0);
  CHECK(DescribePrune(*dry) ==
        "would remove 1 fetch log row, 1 blob row, 1 evidence file (2.0 KiB)");
  CHECK(fs::exists(evidence / "run-2.warc"));

  auto done = PruneNow(*db, evidence, hours(24 * 90), clock, /*dry_run=*/false);
  REQUIRE(done.has_value());
  CHECK(done->files_removed == 1);
  CHECK(done->bytes_removed == 2048);
  CHECK(done->errors.empty());
  CHECK(DescribePrune(*done) == "removed 1 fetch log row, 1 blob row, 1 evidence file (2.0 KiB)");
  CHECK_FALSE(fs::exists(evidence / "run-2.warc"));
  CHECK(fs::exists(evidence / "run-1.warc"));
  CHECK(db->blobs().Get(std::string(64, 'a')).value().has_value());
  CHECK_FALSE(db->blobs().Get(std::string(64, 'b')).value().has_value());

  // A longer age keeps everything.
  auto none = PruneNow(*db, evidence, hours(24 * 365), clock, false);
  REQUIRE(none.has_value());
  CHECK(DescribePrune(*none) == "removed 0 fetch log rows, 0 blob rows, 0 evidence files (0 B)");
}

TEST_CASE("the crawl's daily prune runs once a day", "[unit]") {
  testing::TempDir dir;
  const fs::path db_path = dir / "lw.db";
  const fs::path evidence = dir / "evidence";
  SeedOldCrawl(db_path, dir, evidence, kStartTime);
  config::Config config = config::DefaultConfig(config::Environment::FromMap({}));
  config.store.db = db_path;
  config.store.evidence_dir = evidence;
  util::FakeClock clock(util::FromUnixSeconds(kStartTime));

  const std::string first = DailyPruneLine(config, db_path, clock);
  CHECK(first == "retention: removed 1 fetch log row, 1 blob row, 1 evidence file (2.0 KiB)");
  CHECK_FALSE(fs::exists(evidence / "run-2.warc"));

  // Later the same day: nothing runs, even with new old content waiting.
  WriteAged(dir, "evidence/run-3.warc", 10, kStartTime - 100 * kDay);
  clock.Advance(hours(23));
  CHECK(DailyPruneLine(config, db_path, clock).empty());
  CHECK(fs::exists(evidence / "run-3.warc"));

  // A day after the first pass it runs again.
  clock.Advance(hours(1));
  CHECK(DailyPruneLine(config, db_path, clock) ==
        "retention: removed 0 fetch log rows, 0 blob rows, 1 evidence file (10 B)");
  CHECK_FALSE(fs::exists(evidence / "run-3.warc"));
  CHECK(fs::exists(evidence / "run-1.warc"));

  // A database that cannot be opened is a message, not a crash or a failed crawl.
  const fs::path not_a_db = dir.Write("garbage.db", std::string(4096, 'x'));
  CHECK(Contains(DailyPruneLine(config, not_a_db, clock), "retention: failed, retried next run"));
}

TEST_CASE("db prune: dry run lists, a real run removes, --older-than overrides", "[unit]") {
  Cli cli;
  const fs::path db_path = cli.home / "lw.db";
  const fs::path evidence = cli.home / "ev";
  const int64_t now = util::ToUnixSeconds(util::SystemClock().Now());
  SeedOldCrawl(db_path, cli.home, evidence, now);
  const fs::path config =
      cli.home.Write("lw.toml", "[store]\ndb = \"" + db_path.string() + "\"\nevidence_dir = \"" +
                                    evidence.string() + "\"\n[retention]\ndays = 90\n");
  const std::string config_flag = "--config=" + config.string();

  REQUIRE(cli({config_flag, "db", "prune", "--dry-run"}) == 0);
  CHECK(Contains(cli.out, "would remove 1 fetch log row, 1 blob row, 1 evidence file (2.0 KiB)"));
  CHECK(Contains(cli.out, "would delete " + (evidence / "run-2.warc").string()));
  CHECK(Contains(cli.out, "(90d ago)"));
  CHECK(fs::exists(evidence / "run-2.warc"));
  CHECK(BlobRows(db_path) == 2);

  // 101 days: nothing is that old yet.
  REQUIRE(cli({config_flag, "db", "prune", "--older-than", "101d"}) == 0);
  CHECK(Contains(cli.out, "removed 0 fetch log rows, 0 blob rows, 0 evidence files (0 B)"));
  CHECK(fs::exists(evidence / "run-2.warc"));

  REQUIRE(cli({config_flag, "db", "prune"}) == 0);
  CHECK(Contains(cli.out, "removed 1 fetch log row, 1 blob row, 1 evidence file (2.0 KiB)"));
  CHECK_FALSE(fs::exists(evidence / "run-2.warc"));
  CHECK(fs::exists(evidence / "run-1.warc"));
  CHECK(BlobRows(db_path) == 1);

  CHECK(cli({config_flag, "db", "prune", "--older-than", "90"}) == 2);
  CHECK(Contains(cli.err, "--older-than"));
  CHECK(cli({config_flag, "db", "prune", "--older-than", "59m"}) == 2);
  CHECK(Contains(cli.err, "at least 1h"));

  // No database: nothing is created, the hint says what to do.
  const fs::path missing_db = cli.home / "none.db";
  CHECK(cli({config_flag, "--db", missing_db.string(), "db", "prune"}) == 1);
  CHECK(Contains(cli.err, "no database at"));
  CHECK_FALSE(fs::exists(missing_db));
}

}  // namespace
}  // namespace leakwatch::app
