// The three transports against real endpoints on 127.0.0.1: aiosmtpd for SMTP, a
// socket HTTP receiver for webhooks, /bin/sh scripts for exec hooks.
#include <sodium.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "notify/internal/digest.h"
#include "notify/internal/transports.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/notify/test_servers.h"

namespace leakwatch::notify {
namespace {
namespace fs = std::filesystem;
using detail::Digest;
using nlohmann::json;
using testing::HttpReceiver;
using testing::SmtpSink;

constexpr int64_t kNow = 1795766400;  // 2026-11-27T08:00:00Z

store::Sighting MakeSighting(int64_t id, store::SightingKind kind, double score, std::string url) {
  store::Sighting s;
  s.id = id;
  s.kind = kind;
  s.score = score;
  s.source = "paste-recent";
  s.url = std::move(url);
  s.sha256 = std::string(64, 'a');
  s.first_seen = kNow - 60;
  s.last_seen = kNow - 60;
  return s;
}

Digest HostileDigest() {
  Digest d;
  d.channel = "soc-mail";
  d.generated_at = kNow;
  d.sightings.push_back(MakeSighting(7, store::SightingKind::kExact, 1.0,
                                     "http://abc.onion/<script>alert(1)</script>?a=1&b=2"));
  store::Sighting mention = MakeSighting(8, store::SightingKind::kMention, 0,
                                         "http://forum.onion/t/1\r\nBcc: victim@example.org");
  mention.snippet = "contractor \"Perceptics\" <img src=x onerror=alert(1)> leak\x1b[31m";
  d.sightings.push_back(mention);
  return d;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json ParseEml(const fs::path& p) {
  const std::string out = testing::RunTool(
      {testing::SystemPython(), std::string(LW_SOURCE_DIR) + "/tests/unit/notify/parse_eml.py",
       p.string()});
  return json::parse(out);
}

fs::path WriteSecretFile(const leakwatch::testing::TempDir& dir, const std::string& name,
                         const std::string& value) {
  const fs::path p = dir.Write(name, value + "\n");
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  return p;
}

EmailOptions LocalRelay(const SmtpSink& sink) {
  EmailOptions email;
  email.smtp_url = sink.url();
  email.from = "leakwatch@example.org";
  email.to = {"soc@example.org", "ir@example.org"};
  email.tls = SmtpTls::kNone;
  email.timeout = std::chrono::seconds(10);
  return email;
}

TEST_CASE("email digest arrives at a real SMTP server with both parts and every row",
          "[integration]") {
  leakwatch::testing::TempDir dir;
  SmtpSink sink(dir / "mail");
  const Digest digest = HostileDigest();
  const detail::SendResult sent = detail::SendEmail(LocalRelay(sink), digest, Limits{}, "");
  INFO(sent.status.ToString());
  REQUIRE(sent.status.ok());
  const auto messages = sink.Messages();
  REQUIRE(messages.size() == 1);

  const std::string envelope = ReadFile(messages[0].string() + ".envelope");
  CHECK(envelope.find("from leakwatch@example.org") != std::string::npos);
  CHECK(envelope.find("to soc@example.org") != std::string::npos);
  CHECK(envelope.find("to ir@example.org") != std::string::npos);
  // The CR/LF in the attacker's URL created no Bcc recipient.
  CHECK(envelope.find("victim") == std::string::npos);

  const json m = ParseEml(messages[0]);
  INFO(m.dump(2));
  CHECK(m["defects"].empty());
  CHECK(m["content_type"] == "multipart/alternative");
  CHECK(m["mime_version"] == "1.0");
  CHECK(m["subject"] == "[leakwatch] ALERT: 2 new sightings of the dataset (1 exact, 1 mention)");
  CHECK(m["date"] == "Fri, 27 Nov 2026 08:00:00 +0000");
  CHECK(m["message_id"].get<std::string>().find("@example.org>") != std::string::npos);
  for (const auto& h : m["headers"]) CHECK(h != "Bcc");
  REQUIRE(m["parts"].size() == 2);
  CHECK(m["parts"][0]["type"] == "text/plain");
  CHECK(m["parts"][1]["type"] == "text/html");
  const std::string text = m["parts"][0]["body"];
  const std::string html = m["parts"][1]["body"];
  CHECK(text.find("#7  exact  score 1.00  source paste-recent") != std::string::npos);
  CHECK(text.find("#8  mention") != std::string::npos);
  CHECK(text.find("http://abc.onion/<script>alert(1)</script>?a=1&b=2") != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);  // no terminal escapes
  // HTML: a table row per sighting, nothing of the attacker's markup left live.
  CHECK(html.find("<table") != std::string::npos);
  CHECK(html.find("<td>7</td><td>exact</td><td>1.00</td><td>paste-recent</td>") !=
        std::string::npos);
  CHECK(html.find("<td>8</td><td>mention</td>") != std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;?a=1&amp;b=2") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(html.find("2026-11-27 07:59 UTC") != std::string::npos);
}

TEST_CASE("SMTP AUTH uses the password file, and a wrong password is refused clearly",
          "[integration]") {
  leakwatch::testing::TempDir dir;
  SmtpSink sink(dir / "mail", 0, SmtpSink::Auth{"alerts", "s3cret-pw"});
  EmailOptions email = LocalRelay(sink);
  email.username = "alerts";
  email.password.file = WriteSecretFile(dir, "smtp.pass", "s3cret-pw");
  const Digest digest = HostileDigest();
  REQUIRE(detail::SendEmail(email, digest, Limits{}, "").status.ok());
  REQUIRE(sink.Messages().size() == 1);
  CHECK(ReadFile(sink.Messages()[0].string() + ".envelope").find("auth yes") != std::string::npos);

  email.password.file = WriteSecretFile(dir, "wrong.pass", "not-it");
  const detail::SendResult bad = detail::SendEmail(email, digest, Limits{}, "");
  CHECK_FALSE(bad.status.ok());
  CHECK(bad.status.message().find("not-it") == std::string::npos);  // never echo a secret
  CHECK(sink.Messages().size() == 1);

  // A group-readable password file is refused before any connection is made.
  fs::permissions(email.password.file, fs::perms::group_read, fs::perm_options::add);
  const detail::SendResult loose = detail::SendEmail(email, digest, Limits{}, "");
  CHECK(loose.status.code() == StatusCode::kPermissionDenied);
}

TEST_CASE("STARTTLS is required by default: a server without it is a clear failure",
          "[integration]") {
  leakwatch::testing::TempDir dir;
  SmtpSink sink(dir / "mail");
  EmailOptions email = LocalRelay(sink);
  email.tls = SmtpTls::kStartTls;
  const detail::SendResult sent = detail::SendEmail(email, HostileDigest(), Limits{}, "");
  REQUIRE_FALSE(sent.status.ok());
  CHECK(sent.status.message().find("does not offer STARTTLS") != std::string::npos);
  CHECK(sink.Messages().empty());  // nothing went out in clear text
}

TEST_CASE("STARTTLS and smtps: delivered over verified TLS, refused with an untrusted cert",
          "[integration]") {
  leakwatch::testing::TempDir dir;
  const testing::TestCertificate cert = testing::MakeTestCertificate(dir / "tls");
  const Digest digest = HostileDigest();
  {
    SmtpSink sink(dir / "starttls", 0, std::nullopt, SmtpSink::Tls{false, cert.cert, cert.key});
    EmailOptions email = LocalRelay(sink);
    email.tls = SmtpTls::kStartTls;
    // The server's certificate is not trusted by the system CAs: verification fails.
    const detail::SendResult untrusted = detail::SendEmail(email, digest, Limits{}, "");
    CHECK_FALSE(untrusted.status.ok());
    CHECK(sink.Messages().empty());
    email.ca_file = cert.cert;
    const detail::SendResult sent = detail::SendEmail(email, digest, Limits{}, "");
    INFO(sent.status.ToString());
    CHECK(sent.status.ok());
    CHECK(sink.Messages().size() == 1);  // this server refuses MAIL before STARTTLS
  }
  {
    SmtpSink sink(dir / "smtps", 0, std::nullopt, SmtpSink::Tls{true, cert.cert, cert.key});
    EmailOptions email = LocalRelay(sink);
    email.smtp_url = sink.url("smtps");
    email.tls = SmtpTls::kImplicit;
    email.ca_file = cert.cert;
    const detail::SendResult sent = detail::SendEmail(email, digest, Limits{}, "");
    INFO(sent.status.ToString());
    CHECK(sent.status.ok());
    CHECK(sink.Messages().size() == 1);
  }
}

TEST_CASE("SMTP server down is an Unavailable failure", "[integration]") {
  EmailOptions email;
  email.smtp_url = "smtp://127.0.0.1:" + std::to_string(testing::PickFreePort());
  email.from = "leakwatch@example.org";
  email.to = {"soc@example.org"};
  email.tls = SmtpTls::kNone;
  email.timeout = std::chrono::seconds(5);
  const detail::SendResult sent = detail::SendEmail(email, HostileDigest(), Limits{}, "");
  CHECK(sent.status.code() == StatusCode::kUnavailable);
  CHECK(sent.status.message().find("127.0.0.1") != std::string::npos);
}

TEST_CASE("email addresses that could inject headers or recipients are refused", "[unit]") {
  EmailOptions email;
  email.smtp_url = "smtp://127.0.0.1:1";
  email.tls = SmtpTls::kNone;
  email.from = "leakwatch@example.org";
  for (const char* bad : {"soc@example.org\r\nBcc: x@y", "a@b>, <c@d", "two words@x.org", ""}) {
    email.to = {bad};
    CHECK(detail::SendEmail(email, HostileDigest(), Limits{}, "").status.code() ==
          StatusCode::kInvalidArgument);
  }
  email.to = {"soc@example.org"};
  email.smtp_url = "smtps://127.0.0.1:1";
  CHECK(detail::SendEmail(email, HostileDigest(), Limits{}, "").status.code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("webhook POSTs the JSON body with a verifiable HMAC-SHA256 signature", "[integration]") {
  REQUIRE(sodium_init() >= 0);
  leakwatch::testing::TempDir dir;
  HttpReceiver receiver;
  WebhookOptions hook;
  hook.url = receiver.url("/hook?token=abc");
  hook.secret.file = WriteSecretFile(dir, "hook.secret", "shared-hmac-key");
  hook.timeout = std::chrono::seconds(5);
  const Digest digest = HostileDigest();
  const std::string body = detail::RenderJson(digest);
  const detail::SendResult sent = detail::SendWebhook(hook, digest, body, Limits{});
  INFO(sent.status.ToString());
  REQUIRE(sent.status.ok());
  const auto requests = receiver.Requests();
  REQUIRE(requests.size() == 1);
  const testing::HttpRequest& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/hook?token=abc");
  CHECK(r.headers.at("content-type") == "application/json; charset=utf-8");
  CHECK(r.headers.at("x-leakwatch-event") == "sightings");
  CHECK(r.body == body);

  // Verify as a receiver would: HMAC-SHA256 over the raw body with the shared key.
  const std::string signature = r.headers.at("x-leakwatch-signature");
  REQUIRE(signature.rfind("sha256=", 0) == 0);
  unsigned char expected[crypto_auth_hmacsha256_BYTES];
  const std::string key = "shared-hmac-key";
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(r.body.data()),
                                r.body.size());
  crypto_auth_hmacsha256_final(&st, expected);
  char hex[2 * sizeof(expected) + 1];
  sodium_bin2hex(hex, sizeof(hex), expected, sizeof(expected));
  CHECK(signature == std::string("sha256=") + hex);

  const json parsed = json::parse(r.body);
  CHECK(parsed["version"] == 1);
  CHECK(parsed["type"] == "sightings");
  CHECK(parsed["count"] == 2);
  CHECK(parsed["worst_kind"] == "exact");
  CHECK(parsed["sightings"][0]["id"] == 7);
  CHECK(parsed["sightings"][0]["url"] == digest.sightings[0].url);
  CHECK(parsed["sightings"][1]["snippet"] == *digest.sightings[1].snippet);
}

TEST_CASE("webhook: 5xx and 429 are retryable with Retry-After, 4xx fails, timeout fails",
          "[integration]") {
  leakwatch::testing::TempDir dir;
  HttpReceiver receiver;
  WebhookOptions hook;
  hook.url = receiver.url();
  hook.secret.env = "LW_TEST_WEBHOOK_SECRET";
  ::setenv("LW_TEST_WEBHOOK_SECRET", "k", 1);
  hook.timeout = std::chrono::seconds(5);
  const Digest digest = HostileDigest();
  const std::string body = detail::RenderJson(digest);

  receiver.QueueResponse({503, "Retry-After: 120\r\n", "busy"});
  detail::SendResult r = detail::SendWebhook(hook, digest, body, Limits{});
  CHECK(r.status.code() == StatusCode::kUnavailable);
  CHECK(r.status.message().find("HTTP 503: busy") != std::string::npos);
  REQUIRE(r.retry_after.has_value());
  CHECK(r.retry_after->count() == 120);

  receiver.QueueResponse({429, "", "slow down"});
  r = detail::SendWebhook(hook, digest, body, Limits{});
  CHECK(r.status.code() == StatusCode::kUnavailable);
  CHECK_FALSE(r.retry_after.has_value());

  receiver.QueueResponse({404, "", "no such hook"});
  r = detail::SendWebhook(hook, digest, body, Limits{});
  CHECK(r.status.code() == StatusCode::kIOError);

  receiver.QueueResponse({302, "Location: http://127.0.0.1:1/elsewhere\r\n", ""});
  r = detail::SendWebhook(hook, digest, body, Limits{});
  CHECK_FALSE(r.status.ok());  // redirects are not followed

  // A receiver slower than the timeout (it answers after 1.5 s, we wait 1 s).
  hook.timeout = std::chrono::milliseconds(1000);
  receiver.QueueResponse({200, "", "late", std::chrono::milliseconds(1500)});
  r = detail::SendWebhook(hook, digest, body, Limits{});
  CHECK_FALSE(r.status.ok());
  CHECK(r.status.message().find("imeout") != std::string::npos);
  hook.timeout = std::chrono::seconds(5);

  receiver.QueueResponse({204, "", ""});
  CHECK(detail::SendWebhook(hook, digest, body, Limits{}).status.ok());
  // The query string (often a token) never appears in error messages.
  receiver.QueueResponse({500, "", ""});
  hook.url = receiver.url("/hook?token=SECRETTOKEN");
  r = detail::SendWebhook(hook, digest, body, Limits{});
  CHECK(r.status.message().find("SECRETTOKEN") == std::string::npos);
  ::unsetenv("LW_TEST_WEBHOOK_SECRET");
}

fs::path WriteScript(const leakwatch::testing::TempDir& dir, const std::string& name,
                     const std::string& body) {
  const fs::path p = dir.Write(name, "#!/bin/sh\n" + body);
  fs::permissions(p, fs::perms::owner_all);
  return p;
}

TEST_CASE("exec hook gets the JSON on stdin and LEAKWATCH_* variables", "[integration]") {
  leakwatch::testing::TempDir dir;
  ::setenv("LW_TEST_LEAKY_SECRET", "must-not-pass", 1);
  const fs::path script = WriteScript(
      dir, "hook.sh", "cat > \"$1/stdin.json\"\nenv > \"$1/env.txt\"\necho \"hook ran\"\nexit 0\n");
  ExecOptions exec;
  exec.argv = {"/bin/sh", script.string(), dir.path().string()};
  exec.timeout = std::chrono::seconds(10);
  const Digest digest = HostileDigest();
  const std::string body = detail::RenderJson(digest);
  const detail::SendResult r = detail::RunExecHook(exec, digest, body, Limits{});
  INFO(r.status.ToString());
  REQUIRE(r.status.ok());
  CHECK(ReadFile(dir / "stdin.json") == body);
  const std::string env = ReadFile(dir / "env.txt");
  CHECK(env.find("LEAKWATCH_EVENT=sightings\n") != std::string::npos);
  CHECK(env.find("LEAKWATCH_CHANNEL=soc-mail\n") != std::string::npos);
  CHECK(env.find("LEAKWATCH_COUNT=2\n") != std::string::npos);
  CHECK(env.find("LEAKWATCH_WORST_KIND=exact\n") != std::string::npos);
  CHECK(env.find("LEAKWATCH_SIGHTING_IDS=7,8\n") != std::string::npos);
  CHECK(env.find("must-not-pass") == std::string::npos);
  ::unsetenv("LW_TEST_LEAKY_SECRET");
}

TEST_CASE("exec hook: non-zero exit, timeout and a missing program are failures", "[integration]") {
  leakwatch::testing::TempDir dir;
  const Digest digest = HostileDigest();
  const std::string body = detail::RenderJson(digest);
  ExecOptions exec;
  exec.timeout = std::chrono::seconds(10);

  exec.argv = {"/bin/sh", WriteScript(dir, "fail.sh", "echo 'ticket API down' >&2\nexit 3\n")};
  detail::SendResult r = detail::RunExecHook(exec, digest, body, Limits{});
  CHECK(r.status.code() == StatusCode::kIOError);
  CHECK(r.status.message().find("exited with status 3: ticket API down") != std::string::npos);

  // A hook that ignores stdin and forks a sleeping child is killed with its group.
  exec.argv = {"/bin/sh", WriteScript(dir, "hang.sh", "sleep 30 &\nsleep 30\n")};
  exec.timeout = std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  r = detail::RunExecHook(exec, digest, body, Limits{});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.status.code() == StatusCode::kTimeout);
  CHECK(took < std::chrono::seconds(5));

  // A hook that does not read its (large) stdin and exits 0 is a success.
  exec.argv = {"/bin/sh", WriteScript(dir, "ignore.sh", "exit 0\n")};
  exec.timeout = std::chrono::seconds(10);
  CHECK(detail::RunExecHook(exec, digest, std::string(1 << 20, 'x'), Limits{}).status.ok());

  exec.argv = {(dir / "no-such-program").string()};
  r = detail::RunExecHook(exec, digest, body, Limits{});
  CHECK_FALSE(r.status.ok());
  CHECK(r.status.message().find("no-such-program") != std::string::npos);

  exec.argv = {"relative/path"};
  CHECK(detail::RunExecHook(exec, digest, body, Limits{}).status.code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace leakwatch::notify
