#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace leakwatch::store {
namespace {

using std::chrono::seconds;
using testing_util::kStartTime;
using testing_util::MakeClock;

RecordSightingRequest MakeRequest(const std::string& url, char hash_char = 'a') {
  RecordSightingRequest r;
  r.sighting.source = "paste";
  r.sighting.url = url;
  r.sighting.sha256 = std::string(64, hash_char);
  r.sighting.kind = SightingKind::kExact;
  r.sighting.score = 1;
  r.notifications = {{"email:0", "{}"}, {"webhook:0", R"({"priority":"high"})"}};
  r.coverage = {{CoverageKind::kFile, "file-for-" + url}};
  return r;
}

TEST_CASE("recording a sighting queues one message per channel, once", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  auto first = store.RecordSighting(MakeRequest("http://x.onion/a"));
  REQUIRE(first.has_value());
  CHECK(first->sighting.is_new);
  CHECK(first->notifications_enqueued == 2);
  CHECK(first->coverage_newly_seen == 1);

  auto messages = store.outbox().ListForSighting(first->sighting.id).value();
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].channel == "email:0");
  CHECK(messages[0].state == OutboxState::kPending);
  CHECK(messages[0].created_at == kStartTime);
  CHECK(messages[0].next_attempt_at == kStartTime);
  CHECK(messages[1].channel == "webhook:0");
  CHECK(messages[1].payload_json == R"({"priority":"high"})");

  clock.Advance(seconds(3600));
  auto again = store.RecordSighting(MakeRequest("http://x.onion/a"));
  REQUIRE(again.has_value());
  CHECK_FALSE(again->sighting.is_new);
  CHECK(again->sighting.id == first->sighting.id);
  CHECK(again->notifications_enqueued == 0);
  CHECK(again->coverage_newly_seen == 0);
  CHECK(store.outbox().ListForSighting(first->sighting.id)->size() == 2);

  CHECK_FALSE(store.outbox().Enqueue(first->sighting.id, {"email:0", "{}"}).value());
  CHECK(store.outbox().Enqueue(first->sighting.id, {"exec:0", "{}"}).value());
  CHECK(store.outbox().Enqueue(999, {"email:0", "{}"}).error().code() == StatusCode::kNotFound);
  CHECK(store.outbox().Enqueue(first->sighting.id, {"email:1", "{not json"}).error().code() ==
        StatusCode::kInvalidArgument);
  CHECK(store.outbox().Enqueue(first->sighting.id, {"", "{}"}).error().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("outbox delivery: claim leases, sent is final, failures back off", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  auto& outbox = store.outbox();
  const int64_t a = store.RecordSighting(MakeRequest("a", 'a'))->sighting.id;
  clock.Advance(seconds(1));
  REQUIRE(store.RecordSighting(MakeRequest("b", 'b')).has_value());

  auto email = outbox.ClaimDue(10, "email:0").value();
  REQUIRE(email.size() == 2);
  CHECK(email[0].sighting_id == a);  // oldest first
  CHECK(email[0].next_attempt_at == kStartTime + 1 + kDefaultOutboxLeaseSeconds);
  CHECK(outbox.ClaimDue(10, "email:0")->empty());  // leased
  CHECK(outbox.ClaimDue(10)->size() == 2);         // the webhook ones

  // Delivered: marked sent; a second MarkSent changes nothing.
  REQUIRE(outbox.MarkSent(email[0].id).ok());
  clock.Advance(seconds(10));
  REQUIRE(outbox.MarkSent(email[0].id).ok());
  auto sent = outbox.Get(email[0].id).value();
  CHECK(sent.state == OutboxState::kSent);
  CHECK(sent.sent_at == kStartTime + 1);
  CHECK(sent.attempts == 1);
  CHECK(outbox.MarkFailed(email[0].id, "late failure", 0).code() == StatusCode::kInvalidArgument);

  // Failed attempt: back to the queue at the given time.
  REQUIRE(outbox.MarkFailed(email[1].id, "SMTP 451 try later", kStartTime + 900).ok());
  auto failed = outbox.Get(email[1].id).value();
  CHECK(failed.state == OutboxState::kPending);
  CHECK(failed.attempts == 1);
  CHECK(failed.last_error == "SMTP 451 try later");

  // After every lease has expired: the sent one never comes back, the failed one does.
  clock.Set(util::FromUnixSeconds(kStartTime + 900));
  auto retry = outbox.ClaimDue(10, "email:0").value();
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].id == email[1].id);
  REQUIRE(outbox.MarkGivenUp(retry[0].id, "gave up after 1 attempt").ok());
  CHECK(outbox.Get(retry[0].id)->state == OutboxState::kFailed);
  CHECK(outbox.MarkGivenUp(retry[0].id, "again").code() == StatusCode::kInvalidArgument);
  CHECK(outbox.MarkSent(424242).code() == StatusCode::kNotFound);

  // A claimed-but-unmarked message (crash after delivery) is claimable again once the
  // lease runs out: the documented at-least-once window.
  auto webhook = outbox.ClaimDue(10, "webhook:0").value();
  REQUIRE(webhook.size() == 2);
  clock.Advance(seconds(kDefaultOutboxLeaseSeconds));
  CHECK(outbox.ClaimDue(10, "webhook:0")->size() == 2);

  auto given_up = outbox.List(OutboxState::kFailed, 10).value();
  REQUIRE(given_up.size() == 1);
  CHECK(given_up[0].id == email[1].id);
  CHECK(given_up[0].last_error == "gave up after 1 attempt");
  auto all = outbox.List(std::nullopt, 0).value();
  REQUIRE(all.size() == 4);
  CHECK(all[0].id > all[3].id);  // newest first
  CHECK(outbox.List(std::nullopt, 3)->size() == 3);

  auto counts = outbox.CountsByChannel().value();
  REQUIRE(counts.size() == 2);
  CHECK(counts[0].channel == "email:0");
  CHECK(counts[0].sent == 1);
  CHECK(counts[0].failed == 1);
  CHECK(counts[0].pending == 0);
  CHECK(counts[1].channel == "webhook:0");
  CHECK(counts[1].pending == 2);
}

// The invariant a crash must never break: a sighting exists with all its outbox
// rows and coverage, or not at all.
void CheckSightingsHaveTheirNotifications(Store& store) {
  auto sightings = store.sightings().Query({}).value();
  for (const Sighting& s : sightings) {
    auto messages = store.outbox().ListForSighting(s.id).value();
    CHECK(messages.size() == 2);
    CHECK(store.coverage().Get(CoverageKind::kFile, "file-for-" + s.url)->has_value());
  }
  CHECK(store.coverage().CountSeen(CoverageKind::kFile).value() ==
        static_cast<int64_t>(sightings.size()));
}

Status RecordAll(Store& store) {
  for (const char* url : {"u1", "u2", "u3"}) {
    auto r = store.RecordSighting(MakeRequest(url, url[1]));
    if (!r.has_value()) return r.error();
  }
  return Status::Ok();
}

TEST_CASE("a sighting and its notifications commit together whichever commit fails", "[unit]") {
  int total_commits = 0;
  {
    testing::TempDir dir;
    auto clock = MakeClock();
    auto store = Store::Open(dir / "lw.db", clock).value();
    store.SetCommitFaultForTesting(0);
    REQUIRE(RecordAll(store).ok());
    total_commits = store.CommitCountForTesting();
  }
  REQUIRE(total_commits == 3);  // one transaction per sighting

  for (int k = 1; k <= total_commits; ++k) {
    DYNAMIC_SECTION("commit " << k << " fails") {
      testing::TempDir dir;
      auto clock = MakeClock();
      {
        auto store = Store::Open(dir / "lw.db", clock).value();
        store.SetCommitFaultForTesting(k);
        Status crashed = RecordAll(store);
        CHECK(crashed.code() == StatusCode::kIOError);
        CHECK_THAT(crashed.message(), Catch::Contains("injected commit fault"));
      }  // the process "dies" here
      auto store = Store::Open(dir / "lw.db", clock).value();
      CHECK(store.sightings().Query({})->size() == static_cast<size_t>(k - 1));
      CheckSightingsHaveTheirNotifications(store);

      REQUIRE(RecordAll(store).ok());  // the next run sees the same content again
      CHECK(store.sightings().Query({})->size() == 3);
      CheckSightingsHaveTheirNotifications(store);
      int64_t pending = 0;
      const auto counts = store.outbox().CountsByChannel().value();
      for (const auto& c : counts) pending += c.pending;
      CHECK(pending == 6);
    }
  }
}

TEST_CASE("a message marked sent is never delivered again, whichever commit fails", "[unit]") {
  // Delivers every due message, recording deliveries in `delivered` (the "remote"
  // side), and stops at the first store error as a crashing process would.
  auto deliver_all = [](Store& store, std::map<int64_t, int>& delivered) -> Status {
    auto due = store.outbox().ClaimDue(100);
    if (!due.has_value()) return due.error();
    for (const OutboxMessage& m : *due) {
      ++delivered[m.id];
      Status marked = store.outbox().MarkSent(m.id);
      if (!marked.ok()) return marked;
    }
    return Status::Ok();
  };

  int total_commits = 0;
  {
    testing::TempDir dir;
    auto clock = MakeClock();
    auto store = Store::Open(dir / "lw.db", clock).value();
    REQUIRE(RecordAll(store).ok());
    std::map<int64_t, int> delivered;
    store.SetCommitFaultForTesting(0);
    REQUIRE(deliver_all(store, delivered).ok());
    total_commits = store.CommitCountForTesting();
    CHECK(delivered.size() == 6);
  }
  REQUIRE(total_commits == 7);  // one claim + six MarkSent

  for (int k = 1; k <= total_commits; ++k) {
    DYNAMIC_SECTION("commit " << k << " fails") {
      testing::TempDir dir;
      auto clock = MakeClock();
      std::map<int64_t, int> delivered;
      {
        auto store = Store::Open(dir / "lw.db", clock).value();
        REQUIRE(RecordAll(store).ok());
        store.SetCommitFaultForTesting(k);
        CHECK(deliver_all(store, delivered).code() == StatusCode::kIOError);
      }
      clock.Advance(seconds(kDefaultOutboxLeaseSeconds));  // the crashed run's lease expires
      auto store = Store::Open(dir / "lw.db", clock).value();
      REQUIRE(deliver_all(store, delivered).ok());
      REQUIRE(deliver_all(store, delivered).ok());  // a later run finds nothing to send

      CHECK(delivered.size() == 6);
      int twice = 0;
      for (const auto& [id, times] : delivered) {
        CHECK(store.outbox().Get(id)->state == OutboxState::kSent);
        CHECK(times <= 2);
        if (times == 2) ++twice;
      }
      // Only the message whose MarkSent commit failed may go out twice.
      CHECK(twice == (k == 1 ? 0 : 1));
    }
  }
}

TEST_CASE("ListFailures lists given-up and failing messages, one digest adjacent", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  std::vector<int64_t> sightings;
  for (const char* url : {"http://x.onion/a", "http://x.onion/b", "http://x.onion/c"}) {
    sightings.push_back(store.RecordSighting(MakeRequest(url)).value().sighting.id);
  }
  CHECK(store.outbox().ListFailures(0).value().empty());
  CHECK(store.outbox().CountFailures().value() == 0);

  std::map<std::pair<int64_t, std::string>, int64_t> id_of;
  for (const OutboxMessage& m : store.outbox().List(std::nullopt, 0).value()) {
    id_of[{m.sighting_id, m.channel}] = m.id;
  }
  const int64_t retry_at = kStartTime + 600;
  // One email digest of a and b failed; c's email went out.
  for (int64_t s : {sightings[0], sightings[1]}) {
    REQUIRE(store.outbox().MarkFailed(id_of[{s, "email:0"}], "535 auth failed", retry_at).ok());
  }
  REQUIRE(store.outbox().MarkSent(id_of[{sightings[2], "email:0"}]).ok());
  // The webhook gave up on b; a is still pending without any failed attempt.
  REQUIRE(store.outbox().MarkGivenUp(id_of[{sightings[1], "webhook:0"}], "HTTP 500").ok());

  auto failures = store.outbox().ListFailures(0);
  REQUIRE(failures.has_value());
  REQUIRE(failures->size() == 3);
  CHECK((*failures)[0].channel == "email:0");
  CHECK((*failures)[0].sighting_id == sightings[0]);
  CHECK((*failures)[0].state == OutboxState::kPending);
  CHECK((*failures)[0].attempts == 1);
  CHECK((*failures)[0].last_error == "535 auth failed");
  CHECK((*failures)[0].next_attempt_at == retry_at);
  CHECK((*failures)[1].sighting_id == sightings[1]);
  CHECK((*failures)[2].channel == "webhook:0");
  CHECK((*failures)[2].state == OutboxState::kFailed);
  CHECK((*failures)[2].last_error == "HTTP 500");
  CHECK(store.outbox().CountFailures().value() == 3);
  CHECK(store.outbox().ListFailures(2).value().size() == 2);

  // A later success clears the failure.
  REQUIRE(store.outbox().MarkSent(id_of[{sightings[0], "email:0"}]).ok());
  CHECK(store.outbox().CountFailures().value() == 2);
}

}  // namespace
}  // namespace leakwatch::store
