// The run writer on a real SQLite store in a temp dir, with a FakeClock and no network:
// what one processed fetch leaves in the store, success and failure, in one
// transaction per batch.
#include "crawler/internal/run_writer.h"

#include <catch2/catch.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "crawler/internal/scheduler.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "util/clock.h"

namespace leakwatch::crawler::detail {
namespace {

constexpr int64_t kStart = 1'800'000'000;
constexpr char kHost[] = "http://forum.example";
const std::string kSha(64, 'a');

std::string Url(const std::string& path) { return kHost + path; }

struct World {
  World() {
    SourceSpec spec;
    spec.name = "forum";
    spec.start_urls = {Url("/")};
    options.sources.push_back(spec);
    options.backoff.base = std::chrono::seconds(60);
    options.backoff.jitter = 0.0;
    auto s = store::Store::Open(dir / "lw.db", clock);
    REQUIRE(s.has_value());
    db = std::make_unique<store::Store>(std::move(s).value());
    auto run = db->runs().Start(1);
    REQUIRE(run.has_value());
    run_id = *run;
    scheduler = std::make_unique<Scheduler>(options, *db, clock, run_id);
    REQUIRE(scheduler->Seed().has_value());
    writer = std::make_unique<RunWriter>(options, *db, clock, *scheduler, run_id, summary);
    source_id = db->sources().Get("forum")->id;
  }

  // A new writer for this run, reading `options` as they are now.
  void NewWriter() {
    writer = std::make_unique<RunWriter>(options, *db, clock, *scheduler, run_id, summary);
  }

  // The next run: its own scheduler, writer and summary.
  void NextRun() {
    auto run = db->runs().Start(2);
    REQUIRE(run.has_value());
    run_id = *run;
    leased.clear();
    summary = CrawlSummary();
    scheduler = std::make_unique<Scheduler>(options, *db, clock, run_id);
    REQUIRE(scheduler->Seed().has_value());
    NewWriter();
  }

  // Leases every due URL; returns the job for `url`.
  Job Take(const std::string& url) {
    auto jobs = scheduler->Lease();
    REQUIRE(jobs.has_value());
    for (Job& job : *jobs) leased.push_back(std::move(job));
    for (const Job& job : leased) {
      if (job.entry.url == url) return job;
    }
    FAIL("not leased: " << url);
    return {};
  }

  void AddItem(const std::string& path) {
    store::NewFrontierUrl u;
    u.source_id = source_id;
    u.url = Url(path);
    u.kind = store::UrlKind::kItem;
    u.depth = 1;
    REQUIRE(db->frontier().AddIfNew(u).has_value());
  }

  Status Write(Processed p) {
    std::deque<Processed> batch;
    batch.push_back(std::move(p));
    return writer->WriteBatch(batch);
  }

  store::FrontierEntry Entry(const std::string& url) {
    auto e = db->frontier().Find(source_id, url);
    REQUIRE(e.has_value());
    REQUIRE(e->has_value());
    return **e;
  }

  store::Source Source() {
    auto s = db->sources().Get("forum");
    REQUIRE(s.has_value());
    return *s;
  }

  std::vector<store::FetchLogEntry> Log() {
    auto log = db->fetches().ListByRun(run_id, 100);
    REQUIRE(log.has_value());
    return *log;
  }

  leakwatch::testing::TempDir dir;
  util::FakeClock clock{util::FromUnixSeconds(kStart)};
  CrawlOptions options;
  std::unique_ptr<store::Store> db;
  int64_t run_id = 0;
  int64_t source_id = 0;
  CrawlSummary summary;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<RunWriter> writer;
  std::vector<Job> leased;
};

Processed Ok(const Job& job, int status = 200) {
  Processed p;
  p.job = job;
  p.result.url = job.entry.url;
  p.result.final_url = job.entry.url;
  p.result.http_status = status;
  p.result.content_type = "text/html";
  if (status == 200) {
    p.result.etag = "\"v2\"";
    p.bytes = 1234;
    p.sha256 = kSha;
  } else {
    p.unchanged = true;
  }
  return p;
}

Processed Failed(const Job& job, ErrorClass error, int status = 0) {
  Processed p;
  p.job = job;
  p.result.url = job.entry.url;
  p.result.http_status = status;
  p.result.error = error;
  p.result.error_detail = "it went wrong";
  return p;
}

TEST_CASE("a listing's success: outcome, fetch log, links, yield and next page", "[unit]") {
  World w;
  Processed p = Ok(w.Take(Url("/")));
  p.page.links = {{Url("/t/1"), store::UrlKind::kItem},
                  {Url("/t/2"), store::UrlKind::kItem},
                  {"http://elsewhere.example/t/3", store::UrlKind::kItem}};
  p.page.items = 2;
  p.page.next_page = Url("/page/2");
  REQUIRE(w.Write(std::move(p)).ok());

  const store::FrontierEntry listing = w.Entry(Url("/"));
  CHECK(listing.state == store::FrontierState::kPending);  // revisited every run
  CHECK(listing.next_due_at == kStart);
  CHECK(listing.etag == "\"v2\"");
  CHECK(listing.content_hash == kSha);
  CHECK(listing.last_status == "200");
  CHECK(w.Entry(Url("/t/1")).discovered_from == Url("/"));
  CHECK(w.Entry(Url("/page/2")).kind == store::UrlKind::kListing);
  CHECK(!w.db->frontier().Find(w.source_id, "http://elsewhere.example/t/3")->has_value());
  CHECK(w.Source().last_success_at == kStart);
  auto yields = w.db->sources().RecentYields(w.source_id, 5);
  REQUIRE(yields.has_value());
  REQUIRE(yields->size() == 1);
  CHECK(yields->at(0).items == 2);
  const auto log = w.Log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].http_status == 200);
  CHECK(log[0].bytes == 1234);
  CHECK(log[0].content_sha256 == kSha);
  CHECK(w.summary.stats.pages == 1);
  CHECK(w.summary.stats.bytes == 1234);
  CHECK(w.summary.new_urls == 2);
  CHECK(w.summary.stats.errors == 0);
}

TEST_CASE("an unchanged body keeps its validators and adds nothing", "[unit]") {
  World w;
  w.AddItem("/t/1");
  const Job job = w.Take(Url("/t/1"));
  // A first fetch in an earlier run left validators behind.
  Job again = job;
  again.entry.etag = "\"v1\"";
  again.entry.content_hash = kSha;
  Processed p = Ok(again, 304);
  p.page.links = {{Url("/t/9"), store::UrlKind::kItem}};  // not looked at
  REQUIRE(w.Write(std::move(p)).ok());
  const store::FrontierEntry item = w.Entry(Url("/t/1"));
  CHECK(item.state == store::FrontierState::kDone);  // items are fetched once
  CHECK(item.etag == "\"v1\"");
  CHECK(item.content_hash == kSha);
  CHECK(!w.db->frontier().Find(w.source_id, Url("/t/9"))->has_value());
}

TEST_CASE("sightings are recorded with the run, the linking page and their alerts, once",
          "[unit]") {
  World w;
  w.options.route_alerts = [](const store::NewSighting&) {
    return std::vector<store::NotificationRequest>{{"email:0", "{}"}};
  };
  w.AddItem("/t/1");
  const Job job = w.Take(Url("/t/1"));
  auto with_sighting = [&] {
    Processed p = Ok(job);
    p.job.entry.discovered_from = Url("/");
    store::RecordSightingRequest r;
    r.sighting.source = "forum";
    r.sighting.url = Url("/t/1");
    r.sighting.sha256 = kSha;
    r.sighting.kind = store::SightingKind::kMention;
    p.page.sightings.push_back(r);
    return p;
  };
  REQUIRE(w.Write(with_sighting()).ok());
  CHECK(w.summary.new_sightings == 1);
  store::SightingFilter all;
  auto rows = w.db->sightings().Query(all);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);
  CHECK(rows->at(0).run_id == w.run_id);
  CHECK(rows->at(0).linked_from == Url("/"));
  CHECK(!rows->at(0).evidence_warc.has_value());  // evidence is off
  auto alerts = w.db->outbox().ListForSighting(rows->at(0).id);
  REQUIRE(alerts.has_value());
  REQUIRE(alerts->size() == 1);
  CHECK(alerts->at(0).channel == "email:0");

  REQUIRE(w.Write(with_sighting()).ok());  // seen again: not new, nobody notified again
  CHECK(w.summary.new_sightings == 1);
  CHECK(w.db->outbox().ListForSighting(rows->at(0).id)->size() == 1);
}

TEST_CASE("evidence that cannot be written leaves the object due again; the next run fills it in",
          "[unit]") {
  World w;
  w.options.evidence_dir = w.dir / "evidence";
  w.options.evidence_max_file_size_for_testing = 1;  // the evidence volume is full
  w.options.route_alerts = [](const store::NewSighting&) {
    return std::vector<store::NotificationRequest>{{"email:0", "{}"}};
  };
  w.NewWriter();
  w.AddItem("/t/1");
  auto with_sighting = [&](const Job& job) {
    Processed p = Ok(job);
    store::RecordSightingRequest r;
    r.sighting.source = "forum";
    r.sighting.url = Url("/t/1");
    r.sighting.sha256 = kSha;
    r.sighting.kind = store::SightingKind::kMention;
    p.page.sightings.push_back(r);
    return p;
  };
  REQUIRE(w.Write(with_sighting(w.Take(Url("/t/1")))).ok());
  CHECK(w.summary.new_sightings == 1);
  CHECK(w.summary.evidence_missing == 1);
  CHECK(!w.summary.evidence_error.empty());
  CHECK(w.summary.stats.errors_by_class["evidence"] == 1);
  auto rows = w.db->sightings().Query(store::SightingFilter{});
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);  // the sighting stands, without its evidence
  CHECK(!rows->at(0).evidence_warc.has_value());
  CHECK(w.db->outbox().ListForSighting(rows->at(0).id)->size() == 1);
  // An item is fetched once, but this one is due again now, with nothing that would
  // let the next fetch come back 304 or look unchanged.
  const store::FrontierEntry item = w.Entry(Url("/t/1"));
  CHECK(item.state == store::FrontierState::kPending);
  CHECK(item.next_due_at == kStart);
  CHECK(!item.etag.has_value());
  CHECK(!item.content_hash.has_value());

  w.options.evidence_max_file_size_for_testing = 0;  // room again
  w.NextRun();
  REQUIRE(w.Write(with_sighting(w.Take(Url("/t/1")))).ok());
  CHECK(w.summary.evidence_missing == 0);
  CHECK(w.summary.new_sightings == 0);
  rows = w.db->sightings().Query(store::SightingFilter{});
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);
  CHECK(rows->at(0).evidence_warc.has_value());                        // filled in
  CHECK(w.db->outbox().ListForSighting(rows->at(0).id)->size() == 1);  // alerted once
  CHECK(w.Entry(Url("/t/1")).state == store::FrontierState::kDone);
}

TEST_CASE("anomalies are counted in the run and stored as rows of the run and source", "[unit]") {
  World w;
  Processed p = Ok(w.Take(Url("/")));
  p.page.anomalies = {{Url("/"), "dump.zip!/a.csv", "limit", "expansion ratio"},
                      {Url("/"), "", "truncated", "page cut at the size limit"}};
  REQUIRE(w.Write(std::move(p)).ok());
  CHECK(w.summary.stats.errors_by_class["anomaly"] == 2);
  CHECK(w.summary.stats.errors == 0);  // not fetch errors
  auto rows = w.db->anomalies().ListByRun(w.run_id, 0);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 2);
  CHECK(rows->at(0).source_id == w.source_id);
  CHECK(rows->at(0).url == Url("/"));
  CHECK(rows->at(0).member_path == "dump.zip!/a.csv");
  CHECK(rows->at(0).kind == "limit");
  CHECK(rows->at(0).detail == "expansion ratio");
  CHECK(rows->at(1).kind == "truncated");
  auto counts = w.db->anomalies().Counts(w.run_id, w.source_id);
  REQUIRE(counts.has_value());
  CHECK(counts->total == 2);
}

TEST_CASE("evidence is wanted for changed bodies with sightings, or all with keep_unmatched",
          "[unit]") {
  World w;
  Processed p = Ok(w.Take(Url("/")));
  CHECK(!w.writer->EvidenceWanted(p));  // evidence off
  w.options.evidence_dir = w.dir / "evidence";
  CHECK(!w.writer->EvidenceWanted(p));  // nothing matched
  p.page.sightings.emplace_back();
  CHECK(w.writer->EvidenceWanted(p));
  p.unchanged = true;
  CHECK(!w.writer->EvidenceWanted(p));
  p.unchanged = false;
  p.page.sightings.clear();
  w.options.keep_unmatched = true;
  CHECK(w.writer->EvidenceWanted(p));
}

TEST_CASE("a transient failure backs off from the injected clock; Retry-After wins", "[unit]") {
  World w;
  w.AddItem("/t/1");
  w.AddItem("/t/2");
  REQUIRE(w.Write(Failed(w.Take(Url("/t/1")), ErrorClass::kTimeout)).ok());
  Processed busy = Failed(w.Take(Url("/t/2")), ErrorClass::kHttpServerError, 503);
  busy.result.retry_after = "3600";
  REQUIRE(w.Write(std::move(busy)).ok());
  const store::FrontierEntry timeout = w.Entry(Url("/t/1"));
  CHECK(timeout.state == store::FrontierState::kPending);
  CHECK(timeout.next_due_at == kStart + 60);
  CHECK(timeout.attempts == 1);
  CHECK(timeout.last_status == "timeout");
  CHECK(w.Entry(Url("/t/2")).next_due_at == kStart + 3600);
  CHECK(w.Source().state == store::SourceState::kFailing);
  CHECK(w.summary.stats.errors == 2);
  CHECK(w.summary.stats.errors_by_class["timeout"] == 1);
  CHECK(w.Log().size() == 2);
}

TEST_CASE("a permanent failure is never retried", "[unit]") {
  World w;
  w.AddItem("/gone");
  REQUIRE(w.Write(Failed(w.Take(Url("/gone")), ErrorClass::kHttpNotFound, 404)).ok());
  CHECK(w.Entry(Url("/gone")).state == store::FrontierState::kFailedPermanent);
  CHECK(w.summary.stats.errors == 1);
}

TEST_CASE("a session redirected to the login page stops its source for the run", "[unit]") {
  World w;
  for (int i = 1; i <= 30; ++i) w.AddItem("/t/" + std::to_string(i));
  REQUIRE(w.Write(Failed(w.Take(Url("/t/30")), ErrorClass::kSessionExpired)).ok());
  CHECK(w.Source().state == store::SourceState::kSessionExpired);
  for (const Job& job : w.leased) w.scheduler->Finished(job);
  auto more = w.scheduler->Lease();
  REQUIRE(more.has_value());
  CHECK(more->empty());
}

TEST_CASE("Tor down and cancelled transfers record nothing", "[unit]") {
  World w;
  const Job job = w.Take(Url("/"));
  REQUIRE(w.Write(Failed(job, ErrorClass::kCancelled)).ok());
  CHECK(!w.writer->tor_down());
  REQUIRE(w.Write(Failed(job, ErrorClass::kTorDown)).ok());
  CHECK(w.writer->tor_down());
  CHECK(w.writer->tor_down_detail() == "it went wrong");
  CHECK(w.Entry(Url("/")).state == store::FrontierState::kInFlight);  // released at the end
  CHECK(w.Log().empty());
  CHECK(w.summary.stats.pages == 0);
  CHECK(w.Source().consecutive_failures == 0);
}

TEST_CASE("a listing that suddenly yields nothing marks the profile broken", "[unit]") {
  World w;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(w.db->sources().AddYield(w.source_id, std::nullopt, Url("/"), 25).ok());
  }
  Processed p = Ok(w.Take(Url("/")));
  p.page.items = 0;
  REQUIRE(w.Write(std::move(p)).ok());
  CHECK(w.Source().state == store::SourceState::kProfileBroken);
}

TEST_CASE("a batch is one transaction: a failed commit leaves nothing of it", "[unit]") {
  World w;
  w.AddItem("/t/1");
  const Job listing = w.Take(Url("/"));
  const Job item = w.Take(Url("/t/1"));
  std::deque<Processed> batch;
  batch.push_back(Ok(listing));
  batch.push_back(Failed(item, ErrorClass::kTimeout));
  w.db->SetCommitFaultForTesting(1);
  CHECK(!w.writer->WriteBatch(batch).ok());
  CHECK(w.Entry(Url("/")).state == store::FrontierState::kInFlight);
  CHECK(w.Entry(Url("/t/1")).state == store::FrontierState::kInFlight);
  CHECK(w.Log().empty());
}

}  // namespace
}  // namespace leakwatch::crawler::detail
