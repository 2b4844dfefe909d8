#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "store/internal/queries.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"
#include "util/sqlite.h"

namespace leakwatch::store {
namespace {

using std::chrono::seconds;
using testing_util::kStartTime;
using testing_util::MakeClock;

NewFrontierUrl Url(int64_t source, std::string url, UrlKind kind = UrlKind::kItem) {
  NewFrontierUrl u;
  u.source_id = source;
  u.url = std::move(url);
  u.kind = kind;
  return u;
}

std::vector<std::string> UrlsOf(const std::vector<FrontierEntry>& entries) {
  std::vector<std::string> urls;
  for (const auto& e : entries) urls.push_back(e.url);
  return urls;
}

struct Fixture {
  testing::TempDir dir;
  util::FakeClock clock = MakeClock();
  Store store = Store::Open(dir / "lw.db", clock).value();
  int64_t source = store.sources().Upsert("paste", "generic").value();
  int64_t other = store.sources().Upsert("forum", "generic").value();
};

TEST_CASE("frontier adds each URL once per source", "[unit]") {
  Fixture f;
  auto& frontier = f.store.frontier();
  NewFrontierUrl u = Url(f.source, "http://a.onion/1");
  u.depth = 2;
  u.discovered_from = "http://a.onion/";
  CHECK(frontier.AddIfNew(u).value());
  CHECK_FALSE(frontier.AddIfNew(u).value());
  CHECK(frontier.AddIfNew(Url(f.other, "http://a.onion/1")).value());  // other source

  auto found = frontier.Find(f.source, "http://a.onion/1");
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  const FrontierEntry& e = **found;
  CHECK(e.kind == UrlKind::kItem);
  CHECK(e.depth == 2);
  CHECK(e.discovered_from == "http://a.onion/");
  CHECK(e.state == FrontierState::kPending);
  CHECK(e.discovered_at == kStartTime);
  CHECK(e.next_due_at == kStartTime);
  CHECK(e.attempts == 0);
  CHECK_FALSE(frontier.Find(f.source, "http://a.onion/2")->has_value());

  std::vector<NewFrontierUrl> batch = {
      Url(f.source, "http://a.onion/1"), Url(f.source, "http://a.onion/2"),
      Url(f.source, "http://a.onion/3"), Url(f.source, "http://a.onion/2")};
  CHECK(frontier.AddBatch(batch).value() == 2);
  CHECK(frontier.Counts(f.source)->pending == 3);
  CHECK(frontier.Counts()->pending == 4);

  CHECK(frontier.AddIfNew(Url(999, "http://x.onion/")).error().code() == StatusCode::kNotFound);
  CHECK(frontier.AddIfNew(Url(f.source, "")).error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("TakeDue leases listings first, newest first, and only due URLs", "[unit]") {
  Fixture f;
  auto& frontier = f.store.frontier();
  REQUIRE(frontier.AddIfNew(Url(f.source, "file-old", UrlKind::kFile)).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "item-old")).value());
  f.clock.Advance(seconds(1));
  REQUIRE(frontier.AddIfNew(Url(f.source, "listing-old", UrlKind::kListing)).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "item-new")).value());
  f.clock.Advance(seconds(1));
  REQUIRE(frontier.AddIfNew(Url(f.source, "listing-new", UrlKind::kListing)).value());
  NewFrontierUrl later = Url(f.source, "item-later");
  later.due_at = kStartTime + 3600;
  REQUIRE(frontier.AddIfNew(later).value());
  REQUIRE(frontier.AddIfNew(Url(f.other, "other-item")).value());

  const int64_t run = f.store.runs().Start(1).value();
  auto first = frontier.TakeDue(run, 3, f.source);
  REQUIRE(first.has_value());
  CHECK(UrlsOf(*first) == std::vector<std::string>{"listing-new", "listing-old", "item-new"});
  for (const auto& e : *first) {
    CHECK(e.state == FrontierState::kInFlight);
    CHECK(e.lease_run_id == run);
  }
  CHECK(frontier.Get((*first)[0].id)->state == FrontierState::kInFlight);

  auto rest = frontier.TakeDue(run, 10, f.source);
  CHECK(UrlsOf(*rest) == std::vector<std::string>{"item-old", "file-old"});
  CHECK(frontier.TakeDue(run, 10, f.source)->empty());
  CHECK(UrlsOf(*frontier.TakeDue(run, 10)) == std::vector<std::string>{"other-item"});

  auto counts = frontier.Counts(f.source);
  CHECK(counts->in_flight == 5);
  CHECK(counts->pending == 1);
  CHECK(counts->due_now == 0);

  f.clock.Advance(seconds(3600));
  CHECK(UrlsOf(*frontier.TakeDue(run, 10)) == std::vector<std::string>{"item-later"});
}

TEST_CASE("frontier outcomes: complete, revisit, transient and permanent failure", "[unit]") {
  Fixture f;
  auto& frontier = f.store.frontier();
  REQUIRE(frontier.AddIfNew(Url(f.source, "listing", UrlKind::kListing)).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "item")).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "flaky")).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "gone")).value());
  const int64_t run1 = f.store.runs().Start(1).value();
  auto taken = frontier.TakeDue(run1, 10).value();
  REQUIRE(taken.size() == 4);
  auto id_of = [&](const std::string& url) { return frontier.Find(f.source, url).value()->id; };

  f.clock.Advance(seconds(5));
  FetchCompletion listing_done;
  listing_done.etag = "\"v1\"";
  listing_done.last_modified = "Fri, 27 Nov 2026 08:00:00 GMT";
  listing_done.content_hash = std::string(64, 'e');
  listing_done.revisit_at = kStartTime + 5;
  REQUIRE(frontier.Complete(id_of("listing"), listing_done).ok());
  FetchCompletion item_done;
  item_done.content_hash = std::string(64, 'f');
  REQUIRE(frontier.Complete(id_of("item"), item_done).ok());
  REQUIRE(frontier.FailTransient(id_of("flaky"), "timeout", kStartTime + 600).ok());
  REQUIRE(frontier.FailPermanent(id_of("gone"), "404").ok());

  auto listing = frontier.Get(id_of("listing")).value();
  CHECK(listing.state == FrontierState::kPending);
  CHECK(listing.next_due_at == kStartTime + 5);
  CHECK(listing.etag == "\"v1\"");
  CHECK(listing.last_modified == "Fri, 27 Nov 2026 08:00:00 GMT");
  CHECK(listing.content_hash == std::string(64, 'e'));
  CHECK(listing.last_status == "200");
  CHECK(listing.last_attempt_at == kStartTime + 5);
  CHECK_FALSE(listing.lease_run_id.has_value());
  auto item = frontier.Get(id_of("item")).value();
  CHECK(item.state == FrontierState::kDone);
  auto flaky = frontier.Get(id_of("flaky")).value();
  CHECK(flaky.state == FrontierState::kPending);
  CHECK(flaky.attempts == 1);
  CHECK(flaky.last_status == "timeout");
  CHECK(flaky.next_due_at == kStartTime + 600);
  auto gone = frontier.Get(id_of("gone")).value();
  CHECK(gone.state == FrontierState::kFailedPermanent);
  CHECK(gone.last_status == "404");

  // The listing is due again but not within the run that just fetched it.
  CHECK(frontier.TakeDue(run1, 10)->empty());
  const int64_t run2 = f.store.runs().Start(2).value();
  CHECK(UrlsOf(*frontier.TakeDue(run2, 10)) == std::vector<std::string>{"listing"});
  // The flaky URL waits for its back-off, then its failure count keeps growing.
  f.clock.Set(util::FromUnixSeconds(kStartTime + 600));
  const int64_t run3 = f.store.runs().Start(3).value();
  auto retry = frontier.TakeDue(run3, 10).value();
  REQUIRE(UrlsOf(retry) == std::vector<std::string>{"flaky"});
  CHECK(retry[0].attempts == 1);
  REQUIRE(frontier.FailTransient(retry[0].id, "socks_ttl_expired", kStartTime + 1800).ok());
  CHECK(frontier.Get(retry[0].id)->attempts == 2);
  REQUIRE(frontier.Complete(retry[0].id, item_done).ok());
  CHECK(frontier.Get(retry[0].id)->attempts == 0);  // back-off starts over after a success
  // Reschedule: a done URL is due again without an outcome being recorded.
  const int64_t item_id = id_of("item");
  CHECK(frontier.Reschedule(item_id, kStartTime + 700).value());
  auto rearmed = frontier.Get(item_id).value();
  CHECK(rearmed.state == FrontierState::kPending);
  CHECK(rearmed.next_due_at == kStartTime + 700);
  CHECK(rearmed.content_hash == std::string(64, 'f'));
  CHECK(rearmed.last_attempt_at == kStartTime + 5);
  CHECK_FALSE(frontier.Reschedule(id_of("gone"), kStartTime).value());  // permanent stays
  CHECK(frontier.Get(id_of("gone"))->state == FrontierState::kFailedPermanent);
  CHECK(frontier.Reschedule(12345, 0).error().code() == StatusCode::kNotFound);
  CHECK(frontier.Complete(12345, item_done).code() == StatusCode::kNotFound);
  CHECK(frontier.FailTransient(12345, "x", 0).code() == StatusCode::kNotFound);
}

TEST_CASE("a killed run's leases return to pending when the next run starts", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  const auto path = dir / "lw.db";
  int64_t dead_run = 0;
  {
    auto store = Store::Open(path, clock).value();
    const int64_t source = store.sources().Upsert("s", "generic").value();
    for (int i = 0; i < 6; ++i) {
      REQUIRE(store.frontier().AddIfNew(Url(source, "u" + std::to_string(i))).value());
    }
    dead_run = store.runs().Start(100).value();
    auto taken = store.frontier().TakeDue(dead_run, 4).value();
    REQUIRE(taken.size() == 4);
    REQUIRE(store.frontier().Complete(taken[0].id, FetchCompletion{}).ok());
    // The process dies here: no Finish, no Release.
  }
  clock.Advance(seconds(900));
  auto store = Store::Open(path, clock).value();
  const int64_t run = store.runs().Start(101).value();
  CHECK(store.runs().MarkAbandoned(run).value() == 1);
  CHECK(store.frontier().Counts()->in_flight == 3);
  CHECK(store.frontier().RequeueAbandoned(run).value() == 3);
  auto counts = store.frontier().Counts().value();
  CHECK(counts.in_flight == 0);
  CHECK(counts.pending == 5);
  CHECK(counts.done == 1);
  auto again = store.frontier().TakeDue(run, 10).value();
  CHECK(again.size() == 5);
  for (const auto& e : again) CHECK(e.attempts == 0);
  // Our own leases are not touched by a second requeue.
  CHECK(store.frontier().RequeueAbandoned(run).value() == 0);
  CHECK(store.frontier().Release(run).value() == 5);
  CHECK(store.frontier().TakeDue(run, 10)->size() == 5);  // released = not attempted
}

}  // namespace
}  // namespace leakwatch::store

namespace leakwatch::store {
namespace {

TEST_CASE("TakeDue walks the frontier_take index instead of sorting every pending URL", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  { REQUIRE(Store::Open(dir / "lw.db", clock).has_value()); }
  auto db = util::Database::Open(dir / "lw.db", util::Database::Mode::kReadOnly, false);
  REQUIRE(db.has_value());
  auto plan = db->Prepare(std::string("EXPLAIN QUERY PLAN ") + detail::kTakeDueSql);
  REQUIRE(plan.has_value());
  std::string details;
  while (plan->Step().value()) details += plan->ColumnText(3) + "\n";
  CHECK_THAT(details, Catch::Contains("USING INDEX frontier_take"));
  CHECK_THAT(details, !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE("a new URL normal form rewrites stored keys once, merging duplicates", "[unit]") {
  Fixture f;
  auto& frontier = f.store.frontier();
  // As an older normal form (libcurl's) left them: %7E kept, an empty query dropped.
  REQUIRE(frontier.AddIfNew(Url(f.source, "http://a.onion/%7Eadmin/t?id=7")).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "http://a.onion/~admin/t?id=7")).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "http://a.onion/%7Ebob/")).value());
  REQUIRE(frontier.AddIfNew(Url(f.other, "http://a.onion/%7Ebob/")).value());
  REQUIRE(frontier.AddIfNew(Url(f.source, "http://a.onion/keep")).value());
  const int64_t bob = frontier.Find(f.source, "http://a.onion/%7Ebob/").value()->id;
  // The new form: "%7E" is "~"; "/keep" cannot be keyed and stays.
  const auto key_of = [](std::string_view url) -> std::optional<std::string> {
    if (url.ends_with("/keep")) return std::nullopt;
    std::string key(url);
    for (size_t at = key.find("%7E"); at != std::string::npos; at = key.find("%7E")) {
      key.replace(at, 3, "~");
    }
    return key;
  };
  CHECK(frontier.Rekey("form-2", key_of).value() == 3);
  CHECK_FALSE(frontier.Find(f.source, "http://a.onion/%7Eadmin/t?id=7").value().has_value());
  CHECK(frontier.Find(f.source, "http://a.onion/~admin/t?id=7").value().has_value());
  // Rewritten in place: same row, its state kept.
  CHECK(frontier.Find(f.source, "http://a.onion/~bob/").value()->id == bob);
  CHECK(frontier.Find(f.other, "http://a.onion/~bob/").value().has_value());
  CHECK(frontier.Find(f.source, "http://a.onion/keep").value().has_value());
  const FrontierCounts counts = frontier.Counts().value();
  CHECK(counts.pending == 4);

  // Once per form: a store already at "form-2" is not scanned again.
  REQUIRE(frontier.AddIfNew(Url(f.source, "http://a.onion/%7Ecarol/")).value());
  CHECK(frontier.Rekey("form-2", key_of).value() == 0);
  CHECK(frontier.Find(f.source, "http://a.onion/%7Ecarol/").value().has_value());
  CHECK(frontier.Rekey("form-3", key_of).value() == 1);
  CHECK(frontier.Find(f.source, "http://a.onion/~carol/").value().has_value());
}

}  // namespace
}  // namespace leakwatch::store
