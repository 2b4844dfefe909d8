// Outbox delivery end to end: a real SQLite store, real channels on 127.0.0.1.
#include <sodium.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "notify/internal/transports.h"
#include "notify/notify.h"
#include "store/store.h"
#include "tests/support/hostile_text.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/notify/test_servers.h"
#include "util/clock.h"

namespace leakwatch::notify {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using testing::HttpReceiver;
using testing::SmtpSink;

constexpr int64_t kStart = 1795766400;  // 2026-11-27T08:00:00Z

struct Fixture {
  leakwatch::testing::TempDir dir;
  util::FakeClock clock{util::FromUnixSeconds(kStart)};
  store::Store db = Open();

  store::Store Open() {
    auto s = store::Store::Open(dir / "leakwatch.db", clock);
    REQUIRE(s.has_value());
    return std::move(s).value();
  }

  // Records a new sighting queued on `channels`; returns its id.
  int64_t Record(int n, store::SightingKind kind, double score,
                 const std::vector<std::string>& channels) {
    store::RecordSightingRequest req;
    req.sighting.source = "paste-recent";
    req.sighting.url = "http://paste.onion/p/" + std::to_string(n);
    req.sighting.sha256 = std::string(63, '0') + std::to_string(n % 10);
    req.sighting.kind = kind;
    req.sighting.score = score;
    for (const std::string& c : channels) req.notifications.push_back({c, "{}"});
    auto r = db.RecordSighting(req);
    REQUIRE(r.has_value());
    REQUIRE(r->sighting.is_new);
    return r->sighting.id;
  }

  store::OutboxChannelCounts Counts(const std::string& channel) {
    auto counts = db.outbox().CountsByChannel();
    REQUIRE(counts.has_value());
    for (const auto& c : *counts) {
      if (c.channel == channel) return c;
    }
    return {channel, 0, 0, 0};
  }

  DeliveryReport Deliver(const Options& options, const DeliveryFilter& filter = {}) {
    auto report = DeliverPending(db, options, clock, filter);
    INFO((report.has_value() ? "" : report.error().ToString()));
    REQUIRE(report.has_value());
    return std::move(report).value();
  }

  void Advance(std::chrono::seconds s) { clock.Advance(s); }
};

ChannelOptions EmailChannelTo(const std::string& url) {
  EmailOptions email;
  email.smtp_url = url;
  email.from = "leakwatch@example.org";
  email.to = {"soc@example.org"};
  email.tls = SmtpTls::kNone;
  email.timeout = std::chrono::seconds(5);
  ChannelOptions channel;
  channel.name = "mail";
  channel.transport = email;
  return channel;
}

// An exec hook that saves each stdin it gets as a numbered file in `out`, or fails.
ChannelOptions ExecChannel(const leakwatch::testing::TempDir& dir, const std::string& name,
                           const fs::path& out, int exit_code = 0) {
  fs::create_directories(out);
  const fs::path script =
      dir.Write(name + ".sh", "#!/bin/sh\nn=$(ls \"$1\" | wc -l)\ncat > \"$1/$n.json\"\nexit " +
                                  std::to_string(exit_code) + "\n");
  fs::permissions(script, fs::perms::owner_all);
  ExecOptions exec;
  exec.argv = {"/bin/sh", script.string(), out.string()};
  exec.timeout = std::chrono::seconds(10);
  ChannelOptions channel;
  channel.name = name;
  channel.transport = exec;
  return channel;
}

std::vector<json> Bodies(const fs::path& out) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(out)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<json> bodies;
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    bodies.push_back(json::parse(ss.str()));
  }
  return bodies;
}

TEST_CASE("one email digest per run with every pending sighting, nothing new sends nothing",
          "[integration]") {
  Fixture f;
  SmtpSink sink(f.dir / "mail");
  Options options;
  options.channels = {EmailChannelTo(sink.url())};
  f.Record(1, store::SightingKind::kExact, 1.0, {"mail"});
  f.Record(2, store::SightingKind::kImage, 0.93, {"mail"});
  f.Record(3, store::SightingKind::kMention, 0, {"mail"});

  const DeliveryReport first = f.Deliver(options);
  REQUIRE(first.channels.size() == 1);
  CHECK(first.channels[0].digests_sent == 1);
  CHECK(first.delivered() == 3);
  CHECK(first.failed() == 0);
  REQUIRE(sink.Messages().size() == 1);
  const json m = json::parse(testing::RunTool(
      {testing::SystemPython(), std::string(LW_SOURCE_DIR) + "/tests/unit/notify/parse_eml.py",
       sink.Messages()[0].string()}));
  CHECK(m["subject"] ==
        "[leakwatch] ALERT: 3 new sightings of the dataset (1 exact, 1 image, 1 mention)");
  const std::string html = m["parts"][1]["body"];
  for (int n = 1; n <= 3; ++n) {
    CHECK(html.find("http://paste.onion/p/" + std::to_string(n)) != std::string::npos);
  }
  CHECK(f.Counts("mail").sent == 3);
  CHECK(f.Counts("mail").pending == 0);

  // A second pass, even much later, has nothing to send.
  f.Advance(std::chrono::hours(24));
  const DeliveryReport second = f.Deliver(options);
  CHECK(second.delivered() == 0);
  CHECK(second.channels[0].digests_sent == 0);
  CHECK(sink.Messages().size() == 1);

  // A new sighting goes out alone in the next digest.
  f.Record(4, store::SightingKind::kPartial, 0.4, {"mail"});
  CHECK(f.Deliver(options).delivered() == 1);
  CHECK(sink.Messages().size() == 2);
}

TEST_CASE("SMTP server down during run 1: delivered on run 2, exactly once", "[integration]") {
  Fixture f;
  const uint16_t port = testing::PickFreePort();
  Options options;
  options.channels = {EmailChannelTo("smtp://127.0.0.1:" + std::to_string(port))};
  const int64_t id = f.Record(1, store::SightingKind::kExact, 1.0, {"mail"});

  const DeliveryReport run1 = f.Deliver(options);
  CHECK(run1.delivered() == 0);
  CHECK(run1.channels[0].sightings_failed == 1);
  CHECK(run1.channels[0].last_error.find("127.0.0.1") != std::string::npos);
  auto rows = f.db.outbox().ListForSighting(id);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].state == store::OutboxState::kPending);
  CHECK((*rows)[0].attempts == 1);
  CHECK((*rows)[0].last_error.has_value());
  CHECK((*rows)[0].next_attempt_at == kStart + 60);  // base back-off

  SmtpSink sink(f.dir / "mail", port);
  // Still backing off: nothing is attempted yet.
  CHECK(f.Deliver(options).delivered() == 0);
  CHECK(sink.Messages().empty());

  f.Advance(std::chrono::seconds(61));
  const DeliveryReport run2 = f.Deliver(options);
  CHECK(run2.delivered() == 1);
  CHECK(sink.Messages().size() == 1);
  rows = f.db.outbox().ListForSighting(id);
  CHECK((*rows)[0].state == store::OutboxState::kSent);
  CHECK((*rows)[0].attempts == 2);

  f.Advance(std::chrono::hours(1));
  CHECK(f.Deliver(options).delivered() == 0);
  CHECK(sink.Messages().size() == 1);
}

TEST_CASE("webhook: 503 with Retry-After is honoured, then 200 delivers a signed body",
          "[integration]") {
  REQUIRE(sodium_init() >= 0);
  Fixture f;
  HttpReceiver receiver;
  const fs::path secret = f.dir.Write("hook.secret", "hmac-key\n");
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  WebhookOptions hook;
  hook.url = receiver.url();
  hook.secret.file = secret;
  ChannelOptions channel;
  channel.name = "hook";
  channel.transport = hook;
  Options options;
  options.channels = {channel};
  f.Record(1, store::SightingKind::kRecords, 12, {"hook"});
  f.Record(2, store::SightingKind::kExact, 1, {"hook"});

  receiver.QueueResponse({503, "Retry-After: 600\r\n", "maintenance"});
  const DeliveryReport run1 = f.Deliver(options);
  CHECK(run1.channels[0].sightings_failed == 2);
  CHECK(run1.channels[0].last_error.find("HTTP 503") != std::string::npos);

  f.Advance(std::chrono::seconds(300));  // past the 60 s back-off, not past Retry-After
  CHECK(f.Deliver(options).delivered() == 0);
  CHECK(receiver.Requests().size() == 1);

  f.Advance(std::chrono::seconds(301));
  CHECK(f.Deliver(options).delivered() == 2);
  const auto requests = receiver.Requests();
  REQUIRE(requests.size() == 2);
  const testing::HttpRequest& ok = requests[1];
  CHECK(ok.headers.at("x-leakwatch-signature") == detail::WebhookSignature("hmac-key", ok.body));
  const json body = json::parse(ok.body);
  CHECK(body["count"] == 2);
  CHECK(body["worst_kind"] == "exact");

  f.Advance(std::chrono::hours(2));
  CHECK(f.Deliver(options).delivered() == 0);
  CHECK(receiver.Requests().size() == 2);
}

TEST_CASE("exec hook failures back off and are given up after max_attempts, visibly",
          "[integration]") {
  Fixture f;
  Options options;
  options.channels = {ExecChannel(f.dir, "hook", f.dir / "out", /*exit_code=*/1)};
  options.limits.max_attempts = 3;
  f.Record(1, store::SightingKind::kExact, 1, {"hook"});

  CHECK(f.Deliver(options).channels[0].sightings_failed == 1);
  f.Advance(std::chrono::seconds(61));
  CHECK(f.Deliver(options).channels[0].sightings_failed == 1);
  f.Advance(std::chrono::seconds(60));  // second back-off is 120 s: not yet due
  CHECK(f.Deliver(options).channels[0].sightings_failed == 0);
  f.Advance(std::chrono::seconds(61));
  const DeliveryReport last = f.Deliver(options);
  CHECK(last.channels[0].sightings_given_up == 1);
  CHECK(last.channels[0].last_error.find("exited with status 1") != std::string::npos);
  CHECK(f.Counts("hook").failed == 1);
  CHECK(f.Counts("hook").pending == 0);
  CHECK(Bodies(f.dir / "out").size() == 3);  // three attempts reached the hook

  f.Advance(std::chrono::hours(48));
  CHECK(f.Deliver(options).failed() == 0);  // given up stays given up
  CHECK(Bodies(f.dir / "out").size() == 3);
}

// Issue 14 item 8: a member name, URL, snippet and source full of every C0, C1 and bidi
// control (and invalid UTF-8) reach the webhook body, the exec hook's stdin and the
// mail digest neutralised: escaped in JSON (the values intact), replaced in text.
TEST_CASE("hostile text: webhook body, exec stdin and mail carry no raw control character",
          "[integration]") {
  REQUIRE(sodium_init() >= 0);
  Fixture f;
  const std::string hostile = leakwatch::testing::EveryHostileCodePoint();
  HttpReceiver receiver;
  const fs::path secret = f.dir.Write("hook.secret", "hmac-key\n");
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  WebhookOptions hook;
  hook.url = receiver.url();
  hook.secret.file = secret;
  ChannelOptions webhook;
  webhook.name = "hook";
  webhook.transport = hook;
  SmtpSink sink(f.dir / "mail");
  Options options;
  options.channels = {webhook, ExecChannel(f.dir, "exec", f.dir / "out"),
                      EmailChannelTo(sink.url())};
  store::RecordSightingRequest req;
  req.sighting.source = "forum" + hostile;
  req.sighting.url = "http://paste.onion/p/" + hostile;
  req.sighting.member_path = "dump/" + hostile + ".csv";
  req.sighting.snippet = "leak " + hostile;
  req.sighting.sha256 = std::string(64, 'a');
  req.sighting.kind = store::SightingKind::kMention;
  for (const char* c : {"hook", "exec", "mail"}) req.notifications.push_back({c, "{}"});
  REQUIRE(f.db.RecordSighting(req).has_value());
  REQUIRE(f.Deliver(options).delivered() == 3);

  const auto requests = receiver.Requests();
  REQUIRE(requests.size() == 1);
  const fs::path stdin_file = f.dir / "out/0.json";
  REQUIRE(fs::exists(stdin_file));
  std::ifstream in(stdin_file, std::ios::binary);
  std::stringstream exec_stdin;
  exec_stdin << in.rdbuf();
  for (const std::string& body : {requests[0].body, exec_stdin.str()}) {
    INFO(leakwatch::testing::FirstHostile(body, "").value_or(""));
    CHECK_FALSE(leakwatch::testing::FirstHostile(body, "").has_value());
    const json parsed = json::parse(body);
    const std::string url = parsed["sightings"][0]["url"];
    // Escaped, not lost: the JSON value is the URL as stored, up to its first
    // invalid UTF-8 byte (U+FFFD from there).
    const std::string valid_part =
        req.sighting.url.substr(0, req.sighting.url.find("\x80x\xC0\xAF"));
    CHECK(url.rfind(valid_part, 0) == 0);
    CHECK(parsed["sightings"][0]["member_path"].get<std::string>().find("\xc2\x9b") !=
          std::string::npos);
  }

  REQUIRE(sink.Messages().size() == 1);
  const json mail = json::parse(testing::RunTool(
      {testing::SystemPython(), std::string(LW_SOURCE_DIR) + "/tests/unit/notify/parse_eml.py",
       sink.Messages()[0].string()}));
  for (const json& part : mail["parts"]) {
    const std::string text = part["body"];
    INFO(leakwatch::testing::FirstHostile(text, "\r\n").value_or(""));
    CHECK_FALSE(leakwatch::testing::FirstHostile(text, "\r\n").has_value());
    CHECK(text.find("paste.onion/p/x?x?x") != std::string::npos);
  }
}

TEST_CASE("digests are cut at max_sightings_per_digest, channels are independent",
          "[integration]") {
  Fixture f;
  Options options;
  options.channels = {ExecChannel(f.dir, "a", f.dir / "a"), ExecChannel(f.dir, "b", f.dir / "b")};
  options.limits.max_sightings_per_digest = 2;
  for (int n = 1; n <= 5; ++n) f.Record(n, store::SightingKind::kExact, 1, {"a"});
  f.Record(6, store::SightingKind::kExact, 1, {"b"});
  const DeliveryReport report = f.Deliver(options);
  CHECK(report.delivered() == 6);
  const auto a = Bodies(f.dir / "a");
  REQUIRE(a.size() == 3);
  CHECK(a[0]["count"] == 2);
  CHECK(a[1]["count"] == 2);
  CHECK(a[2]["count"] == 1);
  REQUIRE(Bodies(f.dir / "b").size() == 1);
  CHECK(Bodies(f.dir / "b")[0]["sightings"][0]["url"] == "http://paste.onion/p/6");
}

TEST_CASE("immediate_only flushes only immediate channels, filter by name", "[integration]") {
  Fixture f;
  Options options;
  options.channels = {ExecChannel(f.dir, "now", f.dir / "now"),
                      ExecChannel(f.dir, "later", f.dir / "later")};
  options.channels[0].immediate = true;
  f.Record(1, store::SightingKind::kExact, 1, {"now", "later"});
  DeliveryFilter immediate;
  immediate.immediate_only = true;
  CHECK(f.Deliver(options, immediate).delivered() == 1);
  CHECK(Bodies(f.dir / "now").size() == 1);
  CHECK(Bodies(f.dir / "later").empty());
  DeliveryFilter by_name;
  by_name.channel = "later";
  CHECK(f.Deliver(options, by_name).delivered() == 1);
  CHECK(Bodies(f.dir / "later").size() == 1);
  CHECK(f.Deliver(options).delivered() == 0);
}

TEST_CASE("a crash between acceptance and MarkSent is the one duplicate window", "[integration]") {
  Fixture f;
  Options options;
  options.channels = {ExecChannel(f.dir, "hook", f.dir / "out")};
  f.Record(1, store::SightingKind::kExact, 1, {"hook"});
  // Commit 1 is ClaimDue's lease; commit 2 is the MarkSent transaction.
  f.db.SetCommitFaultForTesting(2);
  auto failed = DeliverPending(f.db, options, f.clock);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message().find("will be sent again") != std::string::npos);
  CHECK(Bodies(f.dir / "out").size() == 1);
  CHECK(f.Counts("hook").pending == 1);

  // Within the lease nothing is re-sent; after it the digest goes out again, once.
  CHECK(f.Deliver(options).delivered() == 0);
  f.Advance(std::chrono::seconds(store::kDefaultOutboxLeaseSeconds + 1));
  CHECK(f.Deliver(options).delivered() == 1);
  CHECK(Bodies(f.dir / "out").size() == 2);
  f.Advance(std::chrono::hours(1));
  CHECK(f.Deliver(options).delivered() == 0);
  CHECK(Bodies(f.dir / "out").size() == 2);
}

TEST_CASE("rows queued past a channel's min_score/kinds filter are not sent", "[integration]") {
  Fixture f;
  Options options;
  options.channels = {ExecChannel(f.dir, "pager", f.dir / "out")};
  options.channels[0].min_score = 0.9;
  options.channels[0].kinds = {store::SightingKind::kExact, store::SightingKind::kImage};
  f.Record(1, store::SightingKind::kImage, 0.5, {"pager"});  // below min_score
  f.Record(2, store::SightingKind::kMention, 0, {"pager"});  // kind excluded
  f.Record(3, store::SightingKind::kExact, 1.0, {"pager"});  // admitted
  const DeliveryReport report = f.Deliver(options);
  CHECK(report.delivered() == 1);
  CHECK(report.channels[0].sightings_given_up == 2);
  const auto bodies = Bodies(f.dir / "out");
  REQUIRE(bodies.size() == 1);
  CHECK(bodies[0]["count"] == 1);
  CHECK(bodies[0]["sightings"][0]["url"] == "http://paste.onion/p/3");
}

TEST_CASE("rows of channels missing from the options are left alone", "[integration]") {
  Fixture f;
  Options options;
  options.channels = {ExecChannel(f.dir, "hook", f.dir / "out")};
  f.Record(1, store::SightingKind::kExact, 1, {"removed-channel"});
  CHECK(f.Deliver(options).delivered() == 0);
  CHECK(f.Counts("removed-channel").pending == 1);
}

TEST_CASE("RoutesFor applies min_score and kinds per channel", "[unit]") {
  Options options;
  ChannelOptions all;
  all.name = "all";
  ChannelOptions strong;
  strong.name = "strong";
  strong.min_score = 0.9;
  ChannelOptions images;
  images.name = "images";
  images.kinds = {store::SightingKind::kImage};
  options.channels = {all, strong, images};
  store::NewSighting s;
  s.kind = store::SightingKind::kImage;
  s.score = 0.95;
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& r : RoutesFor(options, s)) out.push_back(r.channel);
    return out;
  };
  CHECK(names() == std::vector<std::string>{"all", "strong", "images"});
  s.score = 0.5;
  CHECK(names() == std::vector<std::string>{"all", "images"});
  s.kind = store::SightingKind::kMention;  // mentions carry no score: min_score ignores them
  CHECK(names() == std::vector<std::string>{"all", "strong"});
}

TEST_CASE("source health alerts reach every channel whatever its filters, and say why",
          "[integration]") {
  Fixture f;
  SmtpSink sink(f.dir / "mail");
  Options options;
  options.channels = {EmailChannelTo(sink.url()), ExecChannel(f.dir, "hook", f.dir / "hook")};
  options.channels[0].min_score = 0.99;  // filters sightings only
  options.channels[1].kinds = {store::SightingKind::kExact};
  const std::vector<SourceAlert> alerts = {
      {"forum-a", store::SourceState::kProfileBroken, "listing yielded 0 items (median 24)"},
      {"forum-b", store::SourceState::kSessionExpired, "redirected to <login>"}};

  const std::vector<ChannelResult> results = SendSourceAlerts(options, alerts, f.clock);
  REQUIRE(results.size() == 2);
  for (const ChannelResult& r : results) CHECK(r.status.ok());

  REQUIRE(sink.Messages().size() == 1);
  const json m = json::parse(testing::RunTool(
      {testing::SystemPython(), std::string(LW_SOURCE_DIR) + "/tests/unit/notify/parse_eml.py",
       sink.Messages()[0].string()}));
  CHECK(m["subject"] ==
        "[leakwatch] 2 sources need attention (1 profile_broken, 1 session_expired)");
  const std::string text = m["parts"][0]["body"];
  CHECK(text.find("forum-a  profile_broken") != std::string::npos);
  CHECK(text.find("renew the source's cookies") != std::string::npos);
  const std::string html = m["parts"][1]["body"];
  CHECK(html.find("redirected to &lt;login&gt;") != std::string::npos);

  const std::vector<json> bodies = Bodies(f.dir / "hook");
  REQUIRE(bodies.size() == 1);
  CHECK(bodies[0]["type"] == "source_health");
  CHECK(bodies[0]["count"] == 0);
  REQUIRE(bodies[0]["sources"].size() == 2);
  CHECK(bodies[0]["sources"][1]["state"] == "session_expired");

  // Nothing to say sends nothing; a dead channel is reported, not thrown.
  CHECK(SendSourceAlerts(options, {}, f.clock).empty());
  Options dead;
  dead.channels = {EmailChannelTo("smtp://127.0.0.1:" + std::to_string(testing::PickFreePort()))};
  const std::vector<ChannelResult> failed = SendSourceAlerts(dead, alerts, f.clock);
  REQUIRE(failed.size() == 1);
  CHECK_FALSE(failed[0].status.ok());
  CHECK(sink.Messages().size() == 1);
}

}  // namespace
}  // namespace leakwatch::notify
