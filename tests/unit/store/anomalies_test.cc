// store/anomalies: rows with run, source, URL, member path, kind and detail; every
// anomaly counted; rows bounded per object and per run; hostile lengths capped.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace leakwatch::store {
namespace {

using testing_util::kStartTime;
using testing_util::MakeClock;

std::vector<NewAnomaly> Many(int64_t n, const std::string& kind) {
  std::vector<NewAnomaly> out;
  for (int64_t i = 0; i < n; ++i) {
    out.push_back({"http://x.onion/dump.zip", "m/" + std::to_string(i), kind, "damaged"});
  }
  return out;
}

bool EndsWithCutMark(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "...") == 0;
}

TEST_CASE("anomalies are stored with their run, source, URL, member path, kind and detail",
          "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  const int64_t run = store->runs().Start(1).value();
  const int64_t board = store->sources().Upsert("board", "generic").value();
  const int64_t paste = store->sources().Upsert("paste", "generic").value();

  auto stored = store->anomalies().Record(
      run, board,
      {{"http://x.onion/dump.zip", "dump/zeros.bin", "limit", "expansion ratio"},
       {"http://x.onion/dump.zip", "dump/inner.zip!/a.txt", "corrupt", "damaged archive: bad"}});
  REQUIRE(stored.has_value());
  CHECK(*stored == 2);
  REQUIRE(store->anomalies()
              .Record(run, paste, {{"http://y.onion/p/1", "", "truncated", "text cut at 8 MiB"}})
              .has_value());
  CHECK(store->anomalies().Record(run, paste, {}).value() == 0);

  auto rows = store->anomalies().ListByRun(run, 0);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 3);
  const Anomaly& first = rows->at(0);
  CHECK(first.run_id == run);
  CHECK(first.source_id == board);
  CHECK(first.source == "board");
  CHECK(first.at == kStartTime);
  CHECK(first.url == "http://x.onion/dump.zip");
  CHECK(first.member_path == "dump/zeros.bin");
  CHECK(first.kind == "limit");
  CHECK(first.detail == "expansion ratio");
  CHECK(rows->at(1).member_path == "dump/inner.zip!/a.txt");
  CHECK(rows->at(2).source == "paste");
  CHECK(rows->at(2).member_path.empty());

  auto only_limit = store->anomalies().ListByRun(run, 0, std::string("limit"));
  REQUIRE(only_limit.has_value());
  REQUIRE(only_limit->size() == 1);
  CHECK(only_limit->at(0).member_path == "dump/zeros.bin");
  CHECK(store->anomalies().ListByRun(run, 2).value().size() == 2);

  auto all = store->anomalies().Counts(run);
  REQUIRE(all.has_value());
  CHECK(all->by_kind ==
        std::map<std::string, int64_t>{{"corrupt", 1}, {"limit", 1}, {"truncated", 1}});
  CHECK(all->total == 3);
  CHECK(all->stored == 3);
  auto of_paste = store->anomalies().Counts(run, paste);
  REQUIRE(of_paste.has_value());
  CHECK(of_paste->by_kind == std::map<std::string, int64_t>{{"truncated", 1}});

  // Another run starts empty.
  const int64_t next = store->runs().Start(1).value();
  CHECK(store->anomalies().Counts(next).value().total == 0);
  CHECK(store->anomalies().ListByRun(next, 0).value().empty());
}

TEST_CASE("past the per-object and per-run bounds anomalies are counted, not stored", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  const int64_t run = store->runs().Start(1).value();
  const int64_t source = store->sources().Upsert("board", "generic").value();
  auto& anomalies = store->anomalies();

  // One archive with far more damaged members than one object may store.
  const int64_t big = kMaxAnomalyRowsPerObject * 3;
  CHECK(anomalies.Record(run, source, Many(big, "corrupt")).value() == kMaxAnomalyRowsPerObject);
  auto counts = anomalies.Counts(run).value();
  CHECK(counts.by_kind["corrupt"] == big);
  CHECK(counts.total == big);
  CHECK(counts.stored == kMaxAnomalyRowsPerObject);
  // The rows kept are the first ones, in order.
  auto rows = anomalies.ListByRun(run, 0).value();
  REQUIRE(rows.size() == static_cast<size_t>(kMaxAnomalyRowsPerObject));
  CHECK(rows.front().member_path == "m/0");
  CHECK(rows.back().member_path == "m/" + std::to_string(kMaxAnomalyRowsPerObject - 1));

  // Fill the run up to its bound, object by object, then one more object.
  int64_t stored = kMaxAnomalyRowsPerObject;
  while (stored < kMaxAnomalyRowsPerRun) {
    stored += anomalies.Record(run, source, Many(kMaxAnomalyRowsPerObject, "limit")).value();
  }
  CHECK(stored == kMaxAnomalyRowsPerRun);
  CHECK(anomalies.Record(run, source, Many(5, "truncated")).value() == 0);
  counts = anomalies.Counts(run).value();
  CHECK(counts.stored == kMaxAnomalyRowsPerRun);
  CHECK(counts.by_kind["truncated"] == 5);
  CHECK(counts.total == big + (kMaxAnomalyRowsPerRun - kMaxAnomalyRowsPerObject) + 5);
  CHECK(anomalies.ListByRun(run, 0).value().size() == static_cast<size_t>(kMaxAnomalyRowsPerRun));

  // The bound is per run: the next run stores again.
  const int64_t next = store->runs().Start(1).value();
  CHECK(anomalies.Record(next, source, Many(3, "truncated")).value() == 3);
}

TEST_CASE("hostile URLs, member paths and details are cut to their caps", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  const int64_t run = store->runs().Start(1).value();
  const int64_t source = store->sources().Upsert("board", "generic").value();

  // "é" is two bytes: a cut at an odd byte count must not split it.
  std::string long_member;
  while (long_member.size() < 100'000) long_member += "\xc3\xa9";
  const std::string long_url = "http://x.onion/" + std::string(100'000, 'a');
  const std::string long_detail(50'000, 'd');
  REQUIRE(store->anomalies()
              .Record(run, source, {{long_url, long_member, std::string(500, 'k'), long_detail}})
              .has_value());
  auto rows = store->anomalies().ListByRun(run, 0).value();
  REQUIRE(rows.size() == 1);
  const Anomaly& a = rows[0];
  CHECK(a.url.size() <= kMaxAnomalyUrlBytes);
  CHECK(a.url.size() > kMaxAnomalyUrlBytes - 8);
  CHECK(a.url.rfind("http://x.onion/aaa", 0) == 0);
  CHECK(EndsWithCutMark(a.url));
  CHECK(a.member_path.size() <= kMaxAnomalyMemberPathBytes);
  CHECK(EndsWithCutMark(a.member_path));
  // Only whole "é" pairs before the "...".
  CHECK((a.member_path.size() - 3) % 2 == 0);
  CHECK(a.member_path.substr(0, 4) == "\xc3\xa9\xc3\xa9");
  CHECK(a.detail.size() <= kMaxAnomalyDetailBytes);
  CHECK(a.kind.size() <= kMaxAnomalyKindBytes);
  // The counts are keyed by the capped kind.
  CHECK(store->anomalies().Counts(run).value().by_kind.count(a.kind) == 1);
}

TEST_CASE("a source's latest run is the newest run that fetched from it", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  const int64_t board = store->sources().Upsert("board", "generic").value();
  const int64_t paste = store->sources().Upsert("paste", "generic").value();
  CHECK_FALSE(store->fetches().LatestRunOfSource(board).value().has_value());

  const int64_t first = store->runs().Start(1).value();
  const int64_t second = store->runs().Start(1).value();
  for (const auto& [run, source] :
       std::vector<std::pair<int64_t, int64_t>>{{first, board}, {first, paste}, {second, board}}) {
    FetchLogEntry log;
    log.run_id = run;
    log.source_id = source;
    log.url = "http://x.onion/";
    REQUIRE(store->fetches().Log(log).has_value());
  }
  CHECK(store->fetches().LatestRunOfSource(board).value() == second);
  CHECK(store->fetches().LatestRunOfSource(paste).value() == first);
}

}  // namespace
}  // namespace leakwatch::store
