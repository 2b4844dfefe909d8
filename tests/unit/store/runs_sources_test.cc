#include <catch2/catch.hpp>
#include <chrono>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace leakwatch::store {
namespace {

using std::chrono::seconds;
using testing_util::kStartTime;
using testing_util::MakeClock;

TEST_CASE("runs round-trip their status, stats and note", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  auto& runs = store->runs();

  const int64_t id = runs.Start(4242).value();
  auto started = runs.Get(id);
  REQUIRE(started.has_value());
  CHECK(started->status == RunStatus::kRunning);
  CHECK(started->started_at == kStartTime);
  CHECK(started->pid == 4242);
  CHECK_FALSE(started->finished_at.has_value());

  RunStats stats;
  stats.pages = 12;
  stats.bytes = 345678;
  stats.errors = 3;
  stats.errors_by_class = {{"timeout", 2}, {"socks_host_unreachable", 1}};
  REQUIRE(runs.UpdateStats(id, stats).ok());
  CHECK(runs.Get(id)->stats.errors_by_class == stats.errors_by_class);

  clock.Advance(seconds(90));
  stats.pages = 20;
  REQUIRE(runs.Finish(id, RunStatus::kOk, stats, "20 pages").ok());
  auto done = runs.Get(id);
  REQUIRE(done.has_value());
  CHECK(done->status == RunStatus::kOk);
  CHECK(done->finished_at == kStartTime + 90);
  CHECK(done->stats.pages == 20);
  CHECK(done->stats.bytes == 345678);
  CHECK(done->stats.errors == 3);
  CHECK(done->stats.errors_by_class == stats.errors_by_class);
  CHECK(done->note == "20 pages");

  CHECK(runs.Get(id + 100).error().code() == StatusCode::kNotFound);
  CHECK(runs.Finish(id + 100, RunStatus::kFailed, stats).code() == StatusCode::kNotFound);
}

TEST_CASE("a new run marks runs left 'running' by dead processes as interrupted", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  auto& runs = store->runs();
  const int64_t dead = runs.Start(1).value();
  const int64_t finished = runs.Start(2).value();
  REQUIRE(runs.Finish(finished, RunStatus::kOk, {}).ok());
  clock.Advance(seconds(600));
  const int64_t current = runs.Start(3).value();

  CHECK(runs.MarkAbandoned(current).value() == 1);
  CHECK(runs.Get(dead)->status == RunStatus::kInterrupted);
  CHECK(runs.Get(dead)->finished_at == kStartTime + 600);
  CHECK(runs.Get(dead)->note.value_or("").find("abandoned") != std::string::npos);
  CHECK(runs.Get(finished)->status == RunStatus::kOk);
  CHECK(runs.Get(current)->status == RunStatus::kRunning);

  auto latest = runs.Latest(2);
  REQUIRE(latest.has_value());
  REQUIRE(latest->size() == 2);
  CHECK((*latest)[0].id == current);
}

TEST_CASE("enum names round-trip and unknown names are errors", "[unit]") {
  for (auto s : {RunStatus::kRunning, RunStatus::kOk, RunStatus::kInterrupted, RunStatus::kFailed})
    CHECK(ParseRunStatus(RunStatusName(s)).value() == s);
  for (auto s : {SourceState::kOk, SourceState::kFailing, SourceState::kProfileBroken,
                 SourceState::kSessionExpired, SourceState::kTorDown, SourceState::kDisabled})
    CHECK(ParseSourceState(SourceStateName(s)).value() == s);
  for (auto k : {SightingKind::kExact, SightingKind::kPartial, SightingKind::kRecords,
                 SightingKind::kImage, SightingKind::kMention})
    CHECK(ParseSightingKind(SightingKindName(k)).value() == k);
  CHECK(SightingKindName(SightingKind::kRecords) == "records");
  auto bad = ParseSightingKind("exactly");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(bad.error().message(), Catch::Contains("exact, partial, records, image, mention"));
}

TEST_CASE("sources upsert by name and keep their health", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  auto& sources = store->sources();

  const int64_t paste = sources.Upsert("paste-recent", "pastebin").value();
  const int64_t forum = sources.Upsert("forum", "generic").value();
  CHECK(sources.Upsert("paste-recent", "pastebin2").value() == paste);
  CHECK(sources.Get("paste-recent")->profile == "pastebin2");
  CHECK(sources.Upsert("", "x").error().code() == StatusCode::kInvalidArgument);

  clock.Advance(seconds(10));
  REQUIRE(sources.RecordFailure(paste, SourceState::kFailing, "timeout", "connect timed out").ok());
  REQUIRE(sources
              .RecordFailure(paste, SourceState::kSessionExpired, "session_expired",
                             "redirected to /login")
              .ok());
  auto failing = sources.GetById(paste);
  REQUIRE(failing.has_value());
  CHECK(failing->state == SourceState::kSessionExpired);
  CHECK(failing->consecutive_failures == 2);
  CHECK(failing->last_error_class == "session_expired");
  CHECK(failing->last_error == "redirected to /login");
  CHECK(failing->last_failure_at == kStartTime + 10);
  CHECK_FALSE(failing->last_success_at.has_value());

  clock.Advance(seconds(10));
  REQUIRE(sources.RecordSuccess(paste).ok());
  auto healthy = sources.Get("paste-recent");
  CHECK(healthy->state == SourceState::kOk);
  CHECK(healthy->consecutive_failures == 0);
  CHECK(healthy->last_success_at == kStartTime + 20);
  CHECK(healthy->last_error == "redirected to /login");  // history stays visible

  REQUIRE(sources.SetState(forum, SourceState::kDisabled).ok());
  auto list = sources.List();
  REQUIRE(list.has_value());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "forum");
  CHECK((*list)[0].state == SourceState::kDisabled);
  CHECK((*list)[1].name == "paste-recent");

  CHECK(sources.Get("nope").error().code() == StatusCode::kNotFound);
  CHECK(sources.RecordSuccess(999).code() == StatusCode::kNotFound);
}

TEST_CASE("listing yield history is kept newest first and trimmed per source", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  auto& sources = store->sources();
  const int64_t a = sources.Upsert("a", "generic").value();
  const int64_t b = sources.Upsert("b", "generic").value();
  const int64_t run = store->runs().Start(1).value();
  for (int64_t i = 0; i < kYieldHistoryPerSource + 10; ++i) {
    clock.Advance(seconds(1));
    REQUIRE(sources.AddYield(a, run, "http://a.onion/list", i).ok());
  }
  REQUIRE(sources.AddYield(b, std::nullopt, "http://b.onion/list", 7).ok());

  auto recent = sources.RecentYields(a, 1000);
  REQUIRE(recent.has_value());
  REQUIRE(static_cast<int64_t>(recent->size()) == kYieldHistoryPerSource);
  CHECK(recent->front().items == kYieldHistoryPerSource + 9);
  CHECK(recent->front().run_id == run);
  CHECK(recent->front().url == "http://a.onion/list");
  CHECK(recent->back().items == 10);
  auto other = sources.RecentYields(b, 10);
  REQUIRE(other->size() == 1);
  CHECK(other->front().items == 7);
  CHECK_FALSE(other->front().run_id.has_value());
}

TEST_CASE("fetch log rows round-trip and age out", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  const int64_t source = store->sources().Upsert("s", "generic").value();
  const int64_t run = store->runs().Start(1).value();

  FetchLogEntry ok;
  ok.run_id = run;
  ok.source_id = source;
  ok.url = "http://s.onion/a";
  ok.http_status = 200;
  ok.bytes = 31337;
  ok.duration_ms = 1500;
  ok.content_sha256 = std::string(64, 'a');
  const int64_t first = store->fetches().Log(ok).value();

  clock.Advance(seconds(100));
  FetchLogEntry failed;
  failed.run_id = run;
  failed.url = "http://s.onion/b";
  failed.error_class = "socks_ttl_expired";
  failed.duration_ms = 60000;
  REQUIRE(store->fetches().Log(failed).has_value());

  auto rows = store->fetches().ListByRun(run, 10);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 2);
  const FetchLogEntry& a = (*rows)[0];
  CHECK(a.id == first);
  CHECK(a.source_id == source);
  CHECK(a.url == "http://s.onion/a");
  CHECK(a.fetched_at == kStartTime);
  CHECK(a.http_status == 200);
  CHECK_FALSE(a.error_class.has_value());
  CHECK(a.bytes == 31337);
  CHECK(a.duration_ms == 1500);
  CHECK(a.content_sha256 == std::string(64, 'a'));
  const FetchLogEntry& b = (*rows)[1];
  CHECK_FALSE(b.http_status.has_value());
  CHECK(b.error_class == "socks_ttl_expired");
  CHECK_FALSE(b.source_id.has_value());

  CHECK(store->fetches().DeleteOlderThan(kStartTime + 50).value() == 1);
  CHECK(store->fetches().ListByRun(run, 10)->size() == 1);
  CHECK(store->fetches().Log(FetchLogEntry{}).error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("blobs keep hashes and metadata and unreferenced old ones age out", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock);
  REQUIRE(store.has_value());
  auto& blobs = store->blobs();
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  CHECK(blobs.Touch(a, 100, std::nullopt).value());
  CHECK(blobs.Touch(b, 200, "image/jpeg").value());
  clock.Advance(seconds(1000));
  CHECK_FALSE(blobs.Touch(a, 100, "text/html").value());

  auto info = blobs.Get(a);
  REQUIRE(info.has_value());
  REQUIRE(info->has_value());
  CHECK((*info)->size == 100);
  CHECK((*info)->mime == "text/html");
  CHECK((*info)->first_seen == kStartTime);
  CHECK((*info)->last_seen == kStartTime + 1000);
  CHECK_FALSE(blobs.Get(std::string(64, 'c'))->has_value());

  CHECK(blobs.Touch("ABC", 1, std::nullopt).error().code() == StatusCode::kInvalidArgument);
  CHECK(blobs.Touch(std::string(64, 'A'), 1, std::nullopt).error().code() ==
        StatusCode::kInvalidArgument);

  // b is old but a sighting refers to it: kept. Add an old unreferenced one.
  NewSighting s;
  s.source = "src";
  s.url = "http://x.onion/f.zip";
  s.sha256 = b;
  REQUIRE(store->sightings().Upsert(s).has_value());
  const std::string c(64, 'c');
  clock.Set(util::FromUnixSeconds(kStartTime - 10));
  REQUIRE(blobs.Touch(c, 5, std::nullopt).has_value());
  CHECK(blobs.DeleteUnreferencedOlderThan(kStartTime + 500).value() == 1);
  CHECK_FALSE(blobs.Get(c)->has_value());
  CHECK(blobs.Get(b)->has_value());
  CHECK(blobs.Get(a)->has_value());
}

}  // namespace
}  // namespace leakwatch::store
