// Pure crawler policy: redirects, back-off, Retry-After, politeness, error classes.
#include "crawler/policy.h"

#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <cctype>

#include "crawler/errors.h"

namespace leakwatch::crawler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kOnionA[] =
    "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion/board/1";

TEST_CASE("redirects are followed only to http(s) inside the same network", "[unit]") {
  RedirectRules rules;
  SECTION("relative Location on the same onion") {
    auto d = DecideRedirect(rules, kOnionA, "../page?x=1#frag", 0);
    CHECK(d.follow);
    // The target is the frontier's normal form (parsers/url.h): no fragment.
    CHECK(d.target ==
          "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion/page?x=1");
  }
  SECTION("the target is normalised, and its host is the one judged") {
    auto d = DecideRedirect(rules, kOnionA, "HTTP://BBBB.onion:80/%7Euser/./x#frag", 0);
    CHECK(d.follow);
    CHECK(d.target == "http://bbbb.onion/~user/x");
    // "\" is "/" in an http URL: the host is the tracker, refused from an onion, and
    // what would have been fetched is the normalised text, not curl's reading of it.
    auto confused = DecideRedirect(rules, kOnionA, "http://tracker.example.com\\@bbbb.onion/", 0);
    CHECK_FALSE(confused.follow);
    CHECK(confused.target == "http://tracker.example.com/@bbbb.onion/");
    // A host no resolver takes is not followed.
    CHECK_FALSE(DecideRedirect(rules, kOnionA, "http://bbbb.onion%2F.example.com/", 0).follow);
    CHECK_FALSE(DecideRedirect(rules, kOnionA, "http://bb bb.onion/", 0).follow);
  }
  SECTION("to another onion") {
    auto d = DecideRedirect(rules, kOnionA, "https://bbbb.onion/x", 0);
    CHECK(d.follow);
  }
  SECTION("to a clearnet host is refused") {
    auto d = DecideRedirect(rules, kOnionA, "http://tracker.example.com/pixel", 0);
    CHECK_FALSE(d.follow);
    CHECK(d.refusal == ErrorClass::kRedirectRefused);
    CHECK(d.target == "http://tracker.example.com/pixel");
  }
  SECTION("to file:// is refused") {
    auto d = DecideRedirect(rules, kOnionA, "file:///etc/passwd", 0);
    CHECK_FALSE(d.follow);
    CHECK(d.refusal == ErrorClass::kRedirectRefused);
    CHECK(d.reason.find("file") != std::string::npos);
  }
  SECTION("to ftp and gopher are refused") {
    CHECK_FALSE(DecideRedirect(rules, kOnionA, "ftp://bbbb.onion/x", 0).follow);
    CHECK_FALSE(DecideRedirect(rules, kOnionA, "gopher://bbbb.onion/x", 0).follow);
  }
  SECTION("the sixth hop is refused") {
    CHECK(DecideRedirect(rules, kOnionA, "/a", 4).follow);
    auto d = DecideRedirect(rules, kOnionA, "/a", 5);
    CHECK_FALSE(d.follow);
    CHECK(d.refusal == ErrorClass::kTooManyRedirects);
  }
  SECTION("the login page means the session expired") {
    rules.login_pattern = "/login";
    auto d = DecideRedirect(rules, kOnionA, "/login?next=/board/1", 0);
    CHECK(d.refusal == ErrorClass::kSessionExpired);
  }
  SECTION("a direct source never goes to an onion") {
    rules.direct = true;
    CHECK(DecideRedirect(rules, "https://paste.example.org/a", "https://other.example.org/", 0)
              .follow);
    CHECK(DecideRedirect(rules, "https://paste.example.org/a", "http://cccc.onion/", 0).refusal ==
          ErrorClass::kRedirectRefused);
    // The DNS root's trailing dot does not make an onion name a clearnet one (it would
    // have been resolved by the local resolver, outside Tor).
    CHECK(DecideRedirect(rules, "https://paste.example.org/a", "http://cccc.onion./", 0).refusal ==
          ErrorClass::kRedirectRefused);
  }
  SECTION("an onion written with a trailing dot is still an onion") {
    CHECK(DecideRedirect(rules, "http://bbbb.onion./a", "http://tracker.example.com/", 0).refusal ==
          ErrorClass::kRedirectRefused);
  }
  SECTION("empty or garbage Location") {
    CHECK(DecideRedirect(rules, kOnionA, "", 0).refusal == ErrorClass::kRedirectRefused);
    CHECK_FALSE(DecideRedirect(rules, kOnionA, "http://[::1", 0).follow);
  }
}

TEST_CASE("a source's own headers go to its hosts only, never downgraded to http", "[unit]") {
  const std::string forum_host = "forum" + std::string(51, 'x') + ".onion";
  const std::string mirror_host = "mirror" + std::string(50, 'x') + ".onion";
  const std::string forum = "http://" + forum_host;
  const std::string mirror = "http://" + mirror_host;
  const std::vector<std::string> hosts = {forum_host, mirror_host};
  CHECK(SendsSourceHeaders(hosts, forum + "/t/1", forum + "/t/1"));
  CHECK(SendsSourceHeaders(hosts, forum + "/t/1", mirror + "/t/1"));
  std::string upper = forum + "/";
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(SendsSourceHeaders(hosts, forum + "/t/1", upper));
  CHECK_FALSE(SendsSourceHeaders(hosts, forum + "/t/1", kOnionA));
  CHECK_FALSE(SendsSourceHeaders(hosts, forum + "/t/1", forum + ".evil.onion/"));
  // No hosts given: the request's own host.
  CHECK(SendsSourceHeaders({}, forum + "/", forum + "/login"));
  CHECK_FALSE(SendsSourceHeaders({}, forum + "/", mirror + "/"));
  // https never falls back to cleartext http, even on the same host.
  CHECK(SendsSourceHeaders({}, "https://example.org/a", "https://example.org/b"));
  CHECK_FALSE(SendsSourceHeaders({}, "https://example.org/a", "http://example.org/b"));
  CHECK(SendsSourceHeaders({}, "http://example.org/a", "https://example.org/b"));
  CHECK_FALSE(SendsSourceHeaders({}, "http://example.org/a", "not a url"));
}

TEST_CASE("back-off doubles, is capped, jittered and honours Retry-After", "[unit]") {
  const util::TimePoint now = util::FromUnixSeconds(1'800'000'000);
  BackoffRules rules;
  rules.base = seconds(60);
  rules.max = seconds(3600);
  rules.jitter = 0.0;
  CHECK(NextRetryAt(rules, 1, now, std::nullopt, 0.5) - now == seconds(60));
  CHECK(NextRetryAt(rules, 2, now, std::nullopt, 0.5) - now == seconds(120));
  CHECK(NextRetryAt(rules, 4, now, std::nullopt, 0.5) - now == seconds(480));
  CHECK(NextRetryAt(rules, 40, now, std::nullopt, 0.5) - now == seconds(3600));
  CHECK(NextRetryAt(rules, 1, now, seconds(900), 0.5) - now == seconds(900));
  CHECK(NextRetryAt(rules, 1, now, seconds(99999999), 0.5) - now == seconds(3600));
  rules.jitter = 0.2;
  const auto low = NextRetryAt(rules, 3, now, std::nullopt, 0.0) - now;
  const auto high = NextRetryAt(rules, 3, now, std::nullopt, 0.999) - now;
  CHECK(low >= seconds(191));
  CHECK(low <= seconds(193));
  CHECK(high >= seconds(287));
  CHECK(high <= seconds(288));
}

TEST_CASE("Retry-After: seconds, HTTP dates, garbage", "[unit]") {
  const util::TimePoint now =
      util::FromUnixSeconds(1'445'412'480);  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(ParseRetryAfter("120", now) == seconds(120));
  CHECK(ParseRetryAfter(" 7 \r", now) == seconds(7));
  CHECK(ParseRetryAfter("-5", now) == seconds(0));
  CHECK(ParseRetryAfter("Wed, 21 Oct 2015 07:30:00 GMT", now) == seconds(120));
  CHECK(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now) == seconds(0));
  CHECK_FALSE(ParseRetryAfter("soon", now).has_value());
  CHECK_FALSE(ParseRetryAfter("", now).has_value());
}

TEST_CASE("politeness: per-host slots and minimum delay", "[unit]") {
  HostPoliteness p;
  const util::TimePoint t0 = util::FromUnixSeconds(1'800'000'000);
  const milliseconds delay(1000);
  CHECK(p.CanStart("a.onion", t0, 2, delay));
  p.Started("a.onion", t0);
  CHECK_FALSE(p.CanStart("a.onion", t0 + milliseconds(999), 2, delay));
  CHECK(p.EarliestStart("a.onion", t0, delay) == t0 + delay);
  CHECK(p.CanStart("a.onion", t0 + milliseconds(1000), 2, delay));
  CHECK(p.CanStart("b.onion", t0, 2, delay));
  p.Started("a.onion", t0 + delay);
  CHECK(p.Active("a.onion") == 2);
  CHECK_FALSE(p.CanStart("a.onion", t0 + seconds(10), 2, delay));  // both slots busy
  p.Finished("a.onion");
  CHECK(p.CanStart("a.onion", t0 + seconds(10), 2, delay));
  p.Finished("unknown.onion");  // harmless
}

TEST_CASE("SOCKS replies and curl outcomes map to named classes", "[unit]") {
  CHECK(FromSocksReply(0x01) == ErrorClass::kSocksGeneralFailure);
  CHECK(FromSocksReply(0x04) == ErrorClass::kSocksHostUnreachable);
  CHECK(FromSocksReply(0x06) == ErrorClass::kSocksTtlExpired);
  CHECK(FromSocksReply(0xF0) == ErrorClass::kOnionDescriptorNotFound);
  CHECK(FromSocksReply(0xF2) == ErrorClass::kOnionIntroFailed);
  CHECK(FromSocksReply(0xF7) == ErrorClass::kOnionIntroTimedOut);
  CHECK(FromSocksReply(0x42) == ErrorClass::kSocksUnknownReply);
  CHECK(ErrorClassName(ErrorClass::kOnionIntroFailed) == "onion_intro_failed");
  CHECK(ErrorClassName(ErrorClass::kTorDown) == "tor_down");

  CHECK(ParseSocksReplyFromCurlError("Can't complete SOCKS5 connection to x.onion. (242)") == 0xF2);
  CHECK_FALSE(ParseSocksReplyFromCurlError("Can't complete SOCKS5 connection to x.onion. (999)"));
  CHECK_FALSE(ParseSocksReplyFromCurlError("Can't complete SOCKS5 connection to x.onion. ()"));
  CHECK_FALSE(ParseSocksReplyFromCurlError("Failed to connect"));

  CurlOutcome o;
  o.curl_code = CURLE_COULDNT_CONNECT;  // the proxy is not there
  CHECK(ClassifyCurl(o) == ErrorClass::kTorDown);
  o.direct = true;
  CHECK(ClassifyCurl(o) == ErrorClass::kNetwork);
  o = CurlOutcome{};
  o.curl_code = CURLE_PROXY;
  o.proxy_code = CURLPX_REPLY_UNASSIGNED;
  o.error_buffer = "Can't complete SOCKS5 connection to x.onion. (243)";
  CHECK(ClassifyCurl(o) == ErrorClass::kOnionRendezvousFailed);
  o = CurlOutcome{};
  o.curl_code = CURLE_OPERATION_TIMEDOUT;
  o.error_buffer = "Operation too slow. Less than 1024 bytes/sec transferred the last 1 seconds";
  CHECK(ClassifyCurl(o) == ErrorClass::kTooSlow);
  o.error_buffer = "Operation timed out after 1000 milliseconds";
  CHECK(ClassifyCurl(o) == ErrorClass::kTimeout);
  o.aborted_too_large = true;
  CHECK(ClassifyCurl(o) == ErrorClass::kTooLarge);

  CHECK(FromHttpStatus(200) == ErrorClass::kNone);
  CHECK(FromHttpStatus(304) == ErrorClass::kNone);
  CHECK(FromHttpStatus(404) == ErrorClass::kHttpNotFound);
  CHECK(FromHttpStatus(410) == ErrorClass::kHttpNotFound);
  CHECK(FromHttpStatus(429) == ErrorClass::kHttpRateLimited);
  CHECK(FromHttpStatus(503) == ErrorClass::kHttpServerError);
  CHECK(RetryFor(ErrorClass::kHttpNotFound) == Retry::kNo);
  CHECK(RetryFor(ErrorClass::kTooLarge) == Retry::kNo);
  CHECK(RetryFor(ErrorClass::kSocksTtlExpired) == Retry::kLater);
  CHECK(RetryFor(ErrorClass::kSocksHostUnreachable) == Retry::kLater);
  CHECK(RetryFor(ErrorClass::kTorDown) == Retry::kNotSource);
}

}  // namespace
}  // namespace leakwatch::crawler

namespace leakwatch::crawler {
namespace {

TEST_CASE("a listing that suddenly yields nothing looks like a broken profile", "[unit]") {
  CHECK_FALSE(LooksProfileBroken(0, {}));            // no history yet
  CHECK_FALSE(LooksProfileBroken(0, {20, 20}));      // too little history
  CHECK(LooksProfileBroken(0, {20, 18, 22}));        // collapse to nothing
  CHECK_FALSE(LooksProfileBroken(0, {0, 0, 0}));     // always empty: nothing changed
  CHECK(LooksProfileBroken(1, {40, 38, 41, 0}));     // under a tenth of a median of 38+
  CHECK_FALSE(LooksProfileBroken(5, {40, 38, 41}));  // fewer, but not collapsed
  CHECK_FALSE(LooksProfileBroken(1, {3, 4, 5}));     // small listings vary a lot
}

TEST_CASE("a response is a page only when it is HTML or text and does not look binary", "[unit]") {
  const std::string jpeg("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10);
  const std::string html = "<!DOCTYPE html><html><body>hi</body></html>";
  // Requested as a file: always a file.
  CHECK(ResponseBodyKind(BodyKind::kFile, "text/html", "", html) == BodyKind::kFile);
  // Requested as a page.
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/html; charset=utf-8", "", html) == BodyKind::kPage);
  CHECK(ResponseBodyKind(BodyKind::kPage, "Application/XHTML+XML", "", html) == BodyKind::kPage);
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/plain", "", "KX-10001-Q,name") == BodyKind::kPage);
  CHECK(ResponseBodyKind(BodyKind::kPage, "", "", html) == BodyKind::kPage);
  CHECK(ResponseBodyKind(BodyKind::kPage, "image/jpeg", "", jpeg) == BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "application/octet-stream", "", "x") == BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/csv", "", "a,b\n") == BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "", "", jpeg) == BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/html", "", jpeg) == BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/html", "", std::string("PK\x03\x04", 4)) ==
        BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/plain", "", std::string("ab\0cd", 5)) ==
        BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/html", "Attachment; filename=x.html", html) ==
        BodyKind::kFile);
  CHECK(ResponseBodyKind(BodyKind::kPage, "text/html", "inline", html) == BodyKind::kPage);
}

TEST_CASE("Content-Range values are parsed strictly", "[unit]") {
  auto r = ParseContentRange("bytes 1000-4095/4096");
  REQUIRE(r.has_value());
  CHECK(r->first == 1000);
  CHECK(r->last == 4095);
  CHECK(r->total == std::optional<uint64_t>(4096));
  auto unknown = ParseContentRange("Bytes 0-9/*");
  REQUIRE(unknown.has_value());
  CHECK_FALSE(unknown->total.has_value());
  for (const char* bad : {"", "bytes", "bytes 10-9/100", "bytes 0-99/100x", "bytes 0-100/100",
                          "items 0-9/10", "bytes -9/10", "bytes 0-/10", "bytes */100",
                          "bytes 0-99999999999999999999/1", "bytes 5-9/"}) {
    INFO(bad);
    CHECK_FALSE(ParseContentRange(bad).has_value());
  }
}

}  // namespace
}  // namespace leakwatch::crawler
