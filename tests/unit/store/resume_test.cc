// Crash-and-resume of a crawl-shaped workload against the real store: the commit
// fault hook fails each commit in turn (STYLE rule 17) and the next run must finish
// the job without losing a URL or re-fetching one whose outcome was recorded.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace leakwatch::store {
namespace {

using std::chrono::seconds;
using testing_util::MakeClock;
using testing_util::StatusOf;

// A small site: a listing linking items, some items linking files.
const std::map<std::string, std::vector<std::string>> kLinks = {
    {"L", {"i1", "i2", "i3", "i4"}},
    {"i1", {"f1", "f2"}},
    {"i3", {"f3", "i1"}},  // i1 again: deduplicated
};
constexpr int64_t kSiteUrls = 8;  // L, i1..i4, f1..f3
constexpr int64_t kBatch = 3;

UrlKind KindOf(const std::string& url) {
  if (url[0] == 'L') return UrlKind::kListing;
  return url[0] == 'f' ? UrlKind::kFile : UrlKind::kItem;
}

// One crawl run; `fetched` plays the remote site's access log. Stops at the first
// store error, as a crashing process would.
Status CrawlOnce(Store& store, std::map<std::string, int>& fetched) {
  LW_ASSIGN_OR_RETURN(int64_t run, store.runs().Start(1000));
  LW_RETURN_IF_ERROR(StatusOf(store.runs().MarkAbandoned(run)));
  LW_ASSIGN_OR_RETURN(int64_t requeued, store.frontier().RequeueAbandoned(run));
  (void)requeued;
  LW_ASSIGN_OR_RETURN(int64_t source, store.sources().Upsert("site", "generic"));
  NewFrontierUrl root;
  root.source_id = source;
  root.url = "L";
  root.kind = UrlKind::kListing;
  LW_ASSIGN_OR_RETURN(bool root_added, store.frontier().AddIfNew(root));
  (void)root_added;
  RunStats stats;
  for (;;) {
    LW_ASSIGN_OR_RETURN(auto batch, store.frontier().TakeDue(run, kBatch));
    if (batch.empty()) break;
    for (const FrontierEntry& e : batch) {
      ++fetched[e.url];
      ++stats.pages;
      const Status outcome = store.InTransaction([&]() -> Status {
        std::vector<NewFrontierUrl> links;
        auto it = kLinks.find(e.url);
        if (it != kLinks.end()) {
          for (const std::string& link : it->second) {
            links.push_back(NewFrontierUrl{source, link, KindOf(link), e.depth + 1, e.url, {}});
          }
        }
        LW_ASSIGN_OR_RETURN(int64_t added, store.frontier().AddBatch(links));
        (void)added;
        FetchLogEntry log;
        log.run_id = run;
        log.source_id = source;
        log.url = e.url;
        log.http_status = 200;
        LW_ASSIGN_OR_RETURN(int64_t log_id, store.fetches().Log(log));
        (void)log_id;
        FetchCompletion done;
        done.content_hash = std::string(64, '0');
        LW_RETURN_IF_ERROR(store.frontier().Complete(e.id, done));
        return store.sources().RecordSuccess(source);
      });
      if (!outcome.ok()) return outcome;
    }
    LW_RETURN_IF_ERROR(store.runs().UpdateStats(run, stats));
  }
  return store.runs().Finish(run, RunStatus::kOk, stats);
}

void CheckCrawlComplete(Store& store, int64_t runs) {
  auto counts = store.frontier().Counts().value();
  CHECK(counts.done == kSiteUrls);
  CHECK(counts.pending == 0);
  CHECK(counts.in_flight == 0);
  auto latest = store.runs().Latest(10).value();
  REQUIRE(static_cast<int64_t>(latest.size()) == runs);
  CHECK(latest.front().status == RunStatus::kOk);
  for (size_t i = 1; i < latest.size(); ++i) {
    CHECK(latest[i].status == RunStatus::kInterrupted);
  }
  int64_t logged = 0;
  for (const Run& r : latest)
    logged += static_cast<int64_t>(store.fetches().ListByRun(r.id, 100)->size());
  CHECK(logged == kSiteUrls);  // one fetch row per recorded outcome, none for lost ones
}

TEST_CASE("a crawl killed at any commit resumes without losing or re-fetching recorded URLs",
          "[unit]") {
  int total_commits = 0;
  {
    testing::TempDir dir;
    auto clock = MakeClock();
    auto store = Store::Open(dir / "lw.db", clock).value();
    store.SetCommitFaultForTesting(0);
    std::map<std::string, int> fetched;
    REQUIRE(CrawlOnce(store, fetched).ok());
    total_commits = store.CommitCountForTesting();
    CheckCrawlComplete(store, 1);
    CHECK(static_cast<int64_t>(fetched.size()) == kSiteUrls);
    for (const auto& [url, times] : fetched) CHECK(times == 1);
  }
  REQUIRE(total_commits > 10);

  for (int k = 1; k <= total_commits; ++k) {
    DYNAMIC_SECTION("commit " << k << " of " << total_commits << " fails") {
      testing::TempDir dir;
      auto clock = MakeClock();
      std::map<std::string, int> fetched;
      bool run_row_survived = false;
      {
        auto store = Store::Open(dir / "lw.db", clock).value();
        store.SetCommitFaultForTesting(k);
        CHECK(CrawlOnce(store, fetched).code() == StatusCode::kIOError);
        run_row_survived = k > 1;  // commit 1 is the runs row itself
      }
      clock.Advance(seconds(60));
      auto store = Store::Open(dir / "lw.db", clock).value();
      REQUIRE(CrawlOnce(store, fetched).ok());
      CheckCrawlComplete(store, run_row_survived ? 2 : 1);

      CHECK(static_cast<int64_t>(fetched.size()) == kSiteUrls);
      int refetched = 0;
      for (const auto& [url, times] : fetched) {
        CHECK(times <= 2);
        refetched += times - 1;
      }
      // Only the URL whose outcome transaction failed is fetched a second time.
      CHECK(refetched <= 1);
    }
  }
}

TEST_CASE("InTransaction rolls back every repository call in it when the body fails", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  const int64_t source = store.sources().Upsert("s", "generic").value();
  Status failed = store.InTransaction([&]() -> Status {
    NewFrontierUrl u;
    u.source_id = source;
    u.url = "http://s.onion/1";
    LW_ASSIGN_OR_RETURN(bool added, store.frontier().AddIfNew(u));
    CHECK(added);
    LW_RETURN_IF_ERROR(store.sources().RecordFailure(source, SourceState::kFailing, "x", "y"));
    // Nested: joins the outer transaction.
    const Status nested = store.InTransaction([&] { return StatusOf(store.runs().Start(1)); });
    if (!nested.ok()) return nested;
    return Status::Cancelled("stop");
  });
  CHECK(failed.code() == StatusCode::kCancelled);
  CHECK(store.frontier().Counts()->pending == 0);
  CHECK(store.sources().GetById(source)->consecutive_failures == 0);
  CHECK(store.runs().Latest(10)->empty());
}

TEST_CASE("a second Store on the same file reads while the first one writes", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto writer = Store::Open(dir / "lw.db", clock).value();
  auto reader = Store::Open(dir / "lw.db", clock).value();
  const int64_t source = writer.sources().Upsert("s", "generic").value();
  Status st = writer.InTransaction([&]() -> Status {
    LW_RETURN_IF_ERROR(writer.sources().RecordFailure(source, SourceState::kTorDown, "tor", "x"));
    // WAL: the reader sees the last committed state, without waiting.
    auto seen = reader.sources().GetById(source);
    REQUIRE(seen.has_value());
    CHECK(seen->state == SourceState::kOk);
    return Status::Ok();
  });
  REQUIRE(st.ok());
  CHECK(reader.sources().GetById(source)->state == SourceState::kTorDown);
}

}  // namespace
}  // namespace leakwatch::store
