// `leakwatch demo` end to end: the real binary, a real world on loopback, the real
// SQLite database it leaves behind.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "store/store.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "util/clock.h"

namespace leakwatch {
namespace {

using testing::ProcessResult;

ProcessResult RunLeakwatch(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {LW_LEAKWATCH_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunProcess(argv);
}

TEST_CASE("leakwatch demo finds every seeded leak and nothing else", "[e2e]") {
  testing::TempDir dir;
  const ProcessResult run = RunLeakwatch({"demo", "--dir", dir.path().string(), "--seed", "5",
                                          "--min-latency-ms", "2", "--max-latency-ms", "25"});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("verdict: PASS - 6/6 seeded leaks found, 0 innocuous pages flagged, "
                        "0 duplicates") != std::string::npos);
  CHECK(run.output.find("crawl 2:") != std::string::npos);
  CHECK(run.output.find("SMTP sink received") != std::string::npos);

  // The database the demo left behind: what was recorded, by kind and score.
  util::SystemClock clock;
  auto db = store::Store::Open(dir / "leakwatch.db", clock);
  REQUIRE(db.has_value());
  store::SightingFilter all;
  all.limit = 0;
  auto sightings = db->sightings().Query(all);
  REQUIRE(sightings.has_value());
  std::map<std::string, int> by_kind;
  std::set<std::string> keys;
  for (const store::Sighting& s : *sightings) {
    ++by_kind[std::string(store::SightingKindName(s.kind))];
    const std::string key = s.url + "|" + s.member_path + "|" +
                            std::string(store::SightingKindName(s.kind)) + "|" + s.dataset_refs;
    CHECK(keys.insert(key).second);  // no duplicates after two runs
    if (s.kind == store::SightingKind::kRecords && s.member_path.empty()) {
      CHECK(s.score >= 15);  // a paste of 20 corroborated records
      CHECK(s.score <= 20);
    }
    if (s.kind == store::SightingKind::kRecords && !s.member_path.empty()) {
      CHECK(s.score > 20);  // the truncated export inside the tar.gz: most of 160 rows
    }
    if (s.kind == store::SightingKind::kImage) {
      CHECK(s.score > 0.85);
    }
    if (s.kind == store::SightingKind::kPartial) {
      CHECK(s.score > 0.3);
    }
  }
  CHECK(by_kind["records"] >= 3);  // sample paste, new paste, truncated export
  CHECK(by_kind["mention"] >= 1);  // the announcement
  CHECK(by_kind["image"] >= 3);    // the three proof images
  // Evidence of the run stays in the directory; no dataset plaintext in the config.
  CHECK(std::filesystem::exists(dir / "leakwatch.toml"));
  CHECK(std::filesystem::exists(dir / "dataset.lwfp"));
}

TEST_CASE("leakwatch demo rejects bad flags with a usage error", "[e2e]") {
  const ProcessResult run = RunLeakwatch({"demo", "--min-latency-ms", "-5"});
  CHECK(run.exit_code == 2);
}

}  // namespace
}  // namespace leakwatch
