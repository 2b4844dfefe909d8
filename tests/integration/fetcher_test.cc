// The fetch engine against the simulated dark web: real libcurl, real SOCKS5, real
// HTTP on 127.0.0.1. Limits are small so each case runs in about a second.
#include "crawler/fetcher.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "demo/fixture_server.h"
#include "demo/socks5_server.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::crawler {
namespace {

using demo::FixtureServer;
using demo::Route;
using demo::Socks5Server;
using std::chrono::milliseconds;

constexpr char kOnionA[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion";
constexpr char kOnionB[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.onion";

struct Net {
  Net() {
    auto a = FixtureServer::Start();
    REQUIRE(a.has_value());
    site_a = std::move(a).value();
    auto b = FixtureServer::Start();
    REQUIRE(b.has_value());
    site_b = std::move(b).value();
    auto p = Socks5Server::Start();
    REQUIRE(p.has_value());
    proxy = std::move(p).value();
    proxy->MapOnion(kOnionA, site_a->port());
    proxy->MapOnion(kOnionB, site_b->port());
    options.proxy_url = proxy->ProxyUrl();
    options.min_delay = milliseconds(0);
    options.connect_timeout = milliseconds(2000);
    options.page_total_timeout = milliseconds(10000);
    options.low_speed_time = milliseconds(1000);
  }

  std::unique_ptr<Fetcher> StartFetcher() {
    auto f = Fetcher::Start(options, clock);
    REQUIRE(f.has_value());
    return std::move(f).value();
  }

  // Fetches one request and waits for its result.
  FetchResult FetchOne(FetchRequest request) {
    auto fetcher = StartFetcher();
    fetcher->Submit(std::move(request));
    auto r = fetcher->NextResult(milliseconds(30000));
    REQUIRE(r.has_value());
    return std::move(*r);
  }

  static FetchRequest Req(std::string url, std::string user = "src", std::string pass = "pw") {
    FetchRequest r;
    r.url = std::move(url);
    r.socks_username = std::move(user);
    r.socks_password = std::move(pass);
    return r;
  }

  util::SystemClock clock;
  Options options;
  std::unique_ptr<FixtureServer> site_a;
  std::unique_ptr<FixtureServer> site_b;
  std::unique_ptr<Socks5Server> proxy;
};

std::string A(std::string_view path) {
  return std::string("http://") + kOnionA + std::string(path);
}
std::string B(std::string_view path) {
  return std::string("http://") + kOnionB + std::string(path);
}

TEST_CASE("onion names reach the proxy unresolved, with each source's auth pair", "[integration]") {
  Net net;
  net.site_a->SetRoute("/", Route::Html("<p>a</p>"));
  net.site_b->SetRoute("/", Route::Html("<p>b</p>"));
  auto fetcher = net.StartFetcher();
  fetcher->Submit(Net::Req(A("/"), "source-one", "run-7"));
  fetcher->Submit(Net::Req(B("/"), "source-two", "run-7"));
  std::map<std::string, FetchResult> by_url;
  for (int i = 0; i < 2; ++i) {
    auto r = fetcher->NextResult(milliseconds(10000));
    REQUIRE(r.has_value());
    by_url[r->url] = std::move(*r);
  }
  // A local lookup of these names would have failed: the fetch working proves socks5h.
  REQUIRE(by_url[A("/")].ok());
  CHECK(by_url[A("/")].http_status == 200);
  CHECK(by_url[A("/")].body.memory() == "<p>a</p>");
  CHECK(by_url[B("/")].body.memory() == "<p>b</p>");
  const auto connects = net.proxy->Connects();
  REQUIRE(connects.size() == 2);
  std::map<std::string, std::string> user_by_host;
  for (const auto& c : connects) {
    CHECK(c.address_type == 0x03);
    user_by_host[c.host] = c.username;
  }
  CHECK(user_by_host[kOnionA] == "source-one");
  CHECK(user_by_host[kOnionB] == "source-two");
  // Tor Browser-like request headers.
  const auto req = net.site_a->Requests().at(0);
  CHECK(req.Header("user-agent") == kTorBrowserUserAgent);
  CHECK(req.Header("accept-language") == "en-US,en;q=0.5");
  CHECK(req.Header("accept-encoding").find("gzip") != std::string::npos);
}

TEST_CASE("redirects: followed between onions, refused to clearnet and file://", "[integration]") {
  Net net;
  net.site_a->SetRoute("/hop", Route::Redirect(302, B("/landing")));
  net.site_b->SetRoute("/landing", Route::Html("landed"));
  net.site_a->SetRoute("/out", Route::Redirect(301, "http://clearnet.example.com/track"));
  net.site_a->SetRoute("/file", Route::Redirect(302, "file:///etc/passwd"));
  net.site_a->SetRoute("/loop", Route::Redirect(302, "/loop"));

  FetchResult hop = net.FetchOne(Net::Req(A("/hop"), "iso-user", "iso-pass"));
  CHECK(hop.ok());
  CHECK(hop.final_url == B("/landing"));
  CHECK(hop.redirects == 1);
  CHECK(hop.body.memory() == "landed");
  for (const auto& c : net.proxy->Connects()) CHECK(c.username == "iso-user");

  FetchResult out = net.FetchOne(Net::Req(A("/out")));
  CHECK(out.error == ErrorClass::kRedirectRefused);
  CHECK(out.refused_redirect == "http://clearnet.example.com/track");
  FetchResult file = net.FetchOne(Net::Req(A("/file")));
  CHECK(file.error == ErrorClass::kRedirectRefused);
  CHECK(file.refused_redirect == "file:///etc/passwd");
  FetchResult loop = net.FetchOne(Net::Req(A("/loop")));
  CHECK(loop.error == ErrorClass::kTooManyRedirects);
  CHECK(net.site_a->Hits("/loop") == 6);  // the original request and 5 redirects
  for (const auto& c : net.proxy->Connects()) CHECK(c.host != "clearnet.example.com");
}

// Issue 14 item 6: the source's session cookie, Authorization and other own headers go
// to the source's hosts on every hop, and to no other host a redirect leads to.
TEST_CASE("source headers: sent to the source's host on every hop, never to another host",
          "[integration]") {
  Net net;
  net.options.headers = {"Accept: text/html", "X-Everywhere: global"};
  net.site_a->SetRoute("/away", Route::Redirect(302, B("/landing")));
  net.site_b->SetRoute("/landing", Route::Redirect(302, A("/home")));
  net.site_a->SetRoute("/home", Route::Html("home"));
  net.site_a->SetRoute("/stay", Route::Redirect(301, "/home"));
  FetchRequest request = Net::Req(A("/away"));
  request.cookie_header = "sid=forum-session";
  request.extra_headers = {"Authorization: Bearer forum-token", "Referer: " + A("/"), "X-Forum: 1",
                           "Accept: application/json"};
  request.source_hosts = {kOnionA};

  FetchResult away = net.FetchOne(request);
  REQUIRE(away.ok());
  CHECK(away.redirects == 2);
  CHECK(away.final_url == A("/home"));
  const auto on_b = net.site_b->Requests();
  REQUIRE(on_b.size() == 1);
  for (const char* own : {"cookie", "authorization", "referer", "x-forum"}) {
    INFO(own);
    CHECK(on_b[0].Header(own).empty());
  }
  CHECK(on_b[0].Header("accept") == "text/html");  // the global header, not the source's
  CHECK(on_b[0].Header("x-everywhere") == "global");
  // Back on the source's host, the same request carries them again.
  const auto on_a = net.site_a->Requests();
  REQUIRE(on_a.size() == 2);
  for (const demo::HttpRequest& r : on_a) {
    INFO(r.target);
    CHECK(r.Header("cookie") == "sid=forum-session");
    CHECK(r.Header("authorization") == "Bearer forum-token");
    CHECK(r.Header("referer") == A("/"));
    CHECK(r.Header("x-forum") == "1");
    CHECK(r.Header("accept") == "application/json");  // the source's replaces the global
    CHECK(r.Header("x-everywhere") == "global");
  }

  // The same host keeps them across a redirect; no source_hosts means the URL's host.
  FetchRequest stay = request;
  stay.url = A("/stay");
  stay.source_hosts.clear();
  FetchResult same = net.FetchOne(stay);
  REQUIRE(same.ok());
  CHECK(same.redirects == 1);
  const auto after = net.site_a->Requests();
  REQUIRE(after.size() == 4);
  CHECK(after[3].target == "/home");
  CHECK(after[3].Header("cookie") == "sid=forum-session");
  CHECK(after[3].Header("authorization") == "Bearer forum-token");

  // The evidence head of a hop to another host records no Cookie or Authorization.
  FetchRequest off = request;
  off.url = A("/away");
  net.site_b->SetRoute("/landing", Route::Html("elsewhere"));
  FetchResult landed = net.FetchOne(off);
  REQUIRE(landed.ok());
  CHECK(landed.final_url == B("/landing"));
  INFO(landed.request_head);
  CHECK(landed.request_head.find("Cookie:") == std::string::npos);
  CHECK(landed.request_head.find("Authorization:") == std::string::npos);
  CHECK(landed.request_head.find("X-Forum:") == std::string::npos);
  CHECK(net.site_b->Requests().back().Header("cookie").empty());
}

TEST_CASE("caps and timeouts are recorded as such, within their limits", "[integration]") {
  Net net;
  net.options.max_page_bytes = 100 * 1024;
  net.options.max_file_bytes = 300 * 1024;
  net.options.page_total_timeout = milliseconds(1500);
  net.site_a->SetRoute("/huge", Route::Huge(50ull << 20));
  net.site_a->SetRoute("/endless", Route::Endless());
  net.site_a->SetRoute("/drip", Route::Drip(50 * 1024, 16, milliseconds(200)));
  Route slow = Route::Html("late");
  slow.latency = milliseconds(5000);
  net.site_a->SetRoute("/slow", slow);

  auto timed = [&](const std::string& url) {
    const auto start = std::chrono::steady_clock::now();
    FetchResult r = net.FetchOne(Net::Req(url));
    return std::make_pair(std::move(r), std::chrono::steady_clock::now() - start);
  };
  // Past its cap a body is not lost: what arrived up to the cap is delivered, marked.
  // /huge is application/octet-stream: a file, whatever the request said, so the file cap.
  auto [huge, huge_time] = timed(A("/huge"));
  CHECK(huge.ok());
  CHECK(huge.body_kind == BodyKind::kFile);
  REQUIRE(huge.truncated_by.has_value());
  CHECK(*huge.truncated_by == ErrorClass::kTooLarge);
  CHECK(huge.body.size() == 300 * 1024);
  CHECK(huge.object_size == std::optional<uint64_t>(50ull << 20));
  CHECK(huge_time < std::chrono::seconds(3));
  auto [endless, endless_time] = timed(A("/endless"));  // text/html: a page, the page cap
  CHECK(endless.ok());
  CHECK(endless.body_kind == BodyKind::kPage);
  CHECK(endless.truncated_by == std::optional<ErrorClass>(ErrorClass::kTooLarge));
  CHECK(endless.body.size() == 100 * 1024);
  CHECK_FALSE(endless.object_size.has_value());  // chunked: the server never said
  CHECK(endless_time < std::chrono::seconds(3));
  auto [drip, drip_time] = timed(A("/drip"));
  INFO(ErrorClassName(drip.error) << " " << drip.error_detail);
  CHECK((drip.error == ErrorClass::kTooSlow || drip.error == ErrorClass::kTimeout));
  CHECK(drip_time < std::chrono::seconds(4));
  net.options.low_speed_bytes_per_second = 0;  // only the total timeout is left
  auto [slow_r, slow_time] = timed(A("/slow"));
  CHECK(slow_r.error == ErrorClass::kTimeout);
  CHECK(slow_time < std::chrono::seconds(4));

  net.proxy->Blackhole(kOnionB);
  net.options.connect_timeout = milliseconds(700);
  auto [stuck, stuck_time] = timed(B("/"));
  CHECK(stuck.error == ErrorClass::kTimeout);
  CHECK(stuck_time < std::chrono::seconds(3));
}

TEST_CASE("SOCKS replies become named errors and a dead proxy is tor_down", "[integration]") {
  Net net;
  net.proxy->ForceReply(kOnionA, demo::kSocksOnionIntroFailed);
  FetchResult intro = net.FetchOne(Net::Req(A("/")));
  CHECK(intro.error == ErrorClass::kOnionIntroFailed);
  CHECK(intro.socks_reply == 0xF2);
  net.proxy->ForceReply(kOnionB, demo::kSocksTtlExpired);
  CHECK(net.FetchOne(Net::Req(B("/"))).error == ErrorClass::kSocksTtlExpired);
  FetchResult unknown = net.FetchOne(Net::Req("http://nowherenowherenowhere.onion/"));
  CHECK(unknown.error == ErrorClass::kOnionDescriptorNotFound);
  CHECK(RetryFor(unknown.error) == Retry::kLater);

  net.proxy.reset();  // Tor is down
  FetchResult down = net.FetchOne(Net::Req(A("/")));
  CHECK(down.error == ErrorClass::kTorDown);
  CHECK(RetryFor(down.error) == Retry::kNotSource);
}

TEST_CASE("a non-socks5h proxy is refused at start", "[integration]") {
  Net net;
  util::SystemClock clock;
  Options o = net.options;
  o.proxy_url = "socks5://127.0.0.1:9050";
  CHECK(Fetcher::Start(o, clock).error().code() == StatusCode::kInvalidArgument);
  o.proxy_url = "http://127.0.0.1:8118";
  CHECK_FALSE(Fetcher::Start(o, clock).has_value());
  o.proxy_url = "";
  auto f = Fetcher::Start(o, clock);
  REQUIRE(f.has_value());
  (*f)->Submit(Net::Req(A("/")));
  auto r = (*f)->NextResult(milliseconds(5000));
  REQUIRE(r.has_value());
  CHECK(r->error == ErrorClass::kNoProxy);  // never a silent clearnet fetch
}

TEST_CASE("HTTP features: gzip, cookies, conditional GET, Retry-After, 404", "[integration]") {
  Net net;
  leakwatch::testing::TempDir dir;
  Route gz = Route::Html(std::string(50000, 'z'));
  gz.gzip = true;
  net.site_a->SetRoute("/gz", gz);
  Route members = Route::Html("members only");
  members.required_cookie = "sid=s3cr3t";
  members.login_location = "/login";
  net.site_a->SetRoute("/members", members);
  Route tagged = Route::Html("v1");
  tagged.etag = "\"abc\"";
  tagged.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  net.site_a->SetRoute("/tagged", tagged);
  net.site_a->SetRoute("/busy", Route::TooManyRequests(120));

  FetchResult g = net.FetchOne(Net::Req(A("/gz")));
  CHECK(g.body.memory() == std::string(50000, 'z'));

  const auto cookies =
      dir.Write("cookies.txt", std::string("# Netscape HTTP Cookie File\n") + kOnionA +
                                   "\tFALSE\t/\tFALSE\t0\tsid\ts3cr3t\n");
  FetchRequest with_cookie = Net::Req(A("/members"));
  with_cookie.cookie_file = cookies.string();
  FetchResult m = net.FetchOne(with_cookie);
  CHECK(m.http_status == 200);
  CHECK(m.body.memory() == "members only");
  FetchRequest expired = Net::Req(A("/members"));
  expired.redirects.login_pattern = "/login";
  CHECK(net.FetchOne(expired).error == ErrorClass::kSessionExpired);

  FetchResult first = net.FetchOne(Net::Req(A("/tagged")));
  CHECK(first.etag == "\"abc\"");
  CHECK(first.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT");
  FetchRequest again = Net::Req(A("/tagged"));
  again.etag = first.etag;
  again.last_modified = first.last_modified;
  FetchResult second = net.FetchOne(again);
  CHECK(second.ok());
  CHECK(second.not_modified());
  CHECK(second.body.size() == 0);

  FetchResult busy = net.FetchOne(Net::Req(A("/busy")));
  CHECK(busy.error == ErrorClass::kHttpRateLimited);
  CHECK(busy.retry_after == "120");
  CHECK(net.FetchOne(Net::Req(A("/missing"))).error == ErrorClass::kHttpNotFound);
}

TEST_CASE("per-host politeness: one at a time, spaced by min_delay", "[integration]") {
  Net net;
  net.options.per_host = 1;
  net.options.min_delay = milliseconds(200);
  Route r = Route::Html("x");
  r.latency = milliseconds(50);
  for (int i = 0; i < 4; ++i) net.site_a->SetRoute("/p" + std::to_string(i), r);
  auto fetcher = net.StartFetcher();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) fetcher->Submit(Net::Req(A("/p" + std::to_string(i))));
  for (int i = 0; i < 4; ++i) REQUIRE(fetcher->NextResult(milliseconds(5000)).has_value());
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(600));
  CHECK(fetcher->Stats().peak_active == 1);
}

// What a WARC request/response pair will record: the final hop's heads as the server
// saw and sent them, our secrets redacted, the fetch time and the proxy.
TEST_CASE("evidence heads: the final hop's request as sent, secrets redacted", "[integration]") {
  Net net;
  net.site_a->SetRoute("/hop", Route::Redirect(302, A("/landing?x=1")));
  Route landing = Route::Html("landed");
  landing.headers = {{"X-Served-By", "fixture"}};
  net.site_a->SetRoute("/landing?x=1", landing);
  net.options.headers.push_back("X-Extra: from-options");
  FetchRequest request = Net::Req(A("/hop"), "src", "socks-secret-pw");
  request.cookie_header = "sid=cookie-secret-value";
  request.extra_headers = {"Authorization: Bearer auth-secret-token", "User-Agent:"};
  const auto before = net.clock.Now();
  FetchResult r = net.FetchOne(request);
  REQUIRE(r.ok());
  CHECK(r.redirects == 1);
  CHECK(r.fetched_at >= before);
  CHECK(r.fetched_at <= net.clock.Now());
  CHECK(r.via_proxy == net.proxy->ProxyUrl());
  CHECK(r.via_proxy.find("socks-secret") == std::string::npos);

  INFO(r.request_head);
  CHECK(r.request_head.rfind("GET /landing?x=1 HTTP/1.1\r\nHost: " + std::string(kOnionA) + "\r\n",
                             0) == 0);
  CHECK(r.request_head.find(std::string("Cookie: ") + kRedactedHeaderValue + "\r\n") !=
        std::string::npos);
  CHECK(r.request_head.find(std::string("Authorization: ") + kRedactedHeaderValue + "\r\n") !=
        std::string::npos);
  for (const char* secret : {"cookie-secret-value", "auth-secret-token", "socks-secret-pw"}) {
    CHECK(r.request_head.find(secret) == std::string::npos);
  }
  CHECK(r.request_head.size() >= 4);
  CHECK(r.request_head.compare(r.request_head.size() - 4, 4, "\r\n\r\n") == 0);
  // Header for header what the server received (the secrets' values aside); the
  // "User-Agent:" line removed the one libcurl adds.
  const auto received = net.site_a->Requests().at(1);
  std::map<std::string, std::string> recorded;
  std::string_view rest(r.request_head);
  rest.remove_prefix(rest.find("\r\n") + 2);
  while (rest.size() > 2) {
    const size_t eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    const size_t colon = line.find(": ");
    REQUIRE(colon != std::string_view::npos);
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    recorded[name] = std::string(line.substr(colon + 2));
    rest.remove_prefix(eol + 2);
  }
  CHECK(recorded.count("user-agent") == 0);
  CHECK(recorded["x-extra"] == "from-options");
  REQUIRE(recorded.size() == received.headers.size());
  for (const auto& [name, value] : received.headers) {
    INFO(name);
    REQUIRE(recorded.count(name) == 1);
    if (name != "cookie" && name != "authorization") CHECK(recorded[name] == value);
  }
  CHECK(received.Header("cookie") == "sid=cookie-secret-value");

  // The response head of the final hop only, as received.
  INFO(r.response_head);
  CHECK(r.response_head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(r.response_head.find("X-Served-By: fixture\r\n") != std::string::npos);
  CHECK(r.response_head.find("302") == std::string::npos);
  CHECK_FALSE(r.response_head_truncated);
}

TEST_CASE("evidence heads: a huge response head is capped, the body still arrives",
          "[integration]") {
  Net net;
  Route bloated = Route::Html("body after a bloated head");
  for (int i = 0; i < 100; ++i)
    bloated.headers.emplace_back("X-Pad-" + std::to_string(i), std::string(1000, 'p'));
  net.site_a->SetRoute("/bloated", bloated);
  FetchResult r = net.FetchOne(Net::Req(A("/bloated")));
  REQUIRE(r.ok());
  CHECK(r.body.memory() == "body after a bloated head");
  CHECK(r.response_head_truncated);
  CHECK(r.response_head.size() <= kMaxEvidenceHeadBytes);
  CHECK(r.response_head.rfind("HTTP/1.1 200", 0) == 0);
}

void RunManyLarge(int count, uint64_t size, uint64_t budget) {
  Net net;
  net.options.concurrency = count;
  net.options.per_host = count;
  net.options.queue_capacity = 8;
  net.options.memory_budget_bytes = budget;
  net.options.page_total_timeout = milliseconds(120000);
  net.options.low_speed_time = milliseconds(30000);
  // This case is about memory, not speed: `count` connections opened at once through the
  // loopback gateway can take seconds on a loaded CI machine (2 s timed out there).
  net.options.connect_timeout = milliseconds(60000);
  net.site_a->SetRecordRequests(false);
  net.site_a->SetFallback([size](const demo::HttpRequest&) { return Route::Huge(size); });
  auto fetcher = net.StartFetcher();
  for (int i = 0; i < count; ++i) fetcher->Submit(Net::Req(A("/big/" + std::to_string(i))));
  int ok = 0;
  for (int i = 0; i < count; ++i) {
    auto r = fetcher->NextResult(milliseconds(120000));
    REQUIRE(r.has_value());
    INFO(ErrorClassName(r->error) << " " << r->error_detail);
    CHECK(r->ok());
    if (r->ok() && r->body.size() == size) ++ok;
    // Read a piece from the end, wherever the body lives.
    auto tail = r->body.Read(size - 10, 10);
    REQUIRE(tail.has_value());
    CHECK(tail->size() == 10);
  }
  CHECK(ok == count);
  const FetcherStats stats = fetcher->Stats();
  CHECK(stats.peak_memory_bytes <= static_cast<int64_t>(budget));
  CHECK(stats.spooled > 0);
}

TEST_CASE("memory stays within the budget with many concurrent large bodies", "[integration]") {
  RunManyLarge(32, 2ull << 20, 8ull << 20);
}

TEST_CASE("memory stays bounded with 256 concurrent 8 MiB responses", "[integration][.slow]") {
  RunManyLarge(256, 8ull << 20, 64ull << 20);
}

TEST_CASE("a page link answered with a file is read as a file, under the file cap",
          "[integration]") {
  Net net;
  net.options.max_page_bytes = 16 * 1024;
  net.options.max_file_bytes = 1 << 20;
  std::string jpeg = "\xFF\xD8\xFF\xE0";
  jpeg.resize(200 * 1024, 'j');
  Route image = Route::Text(jpeg);
  image.content_type = "image/jpeg";
  net.site_a->SetRoute("/gallery/0001.jpg", image);
  Route mislabelled = Route::Text(jpeg);  // a server that calls everything text/html
  mislabelled.content_type = "text/html";
  net.site_a->SetRoute("/gallery/0002", mislabelled);
  Route attachment = Route::Text(std::string(64 * 1024, 'a'));
  attachment.headers.emplace_back("Content-Disposition", "attachment; filename=\"dump.001\"");
  net.site_a->SetRoute("/get?id=1", attachment);
  net.site_a->SetRoute("/page", Route::Html(std::string(8 * 1024, 'p')));

  const std::pair<const char*, size_t> files[] = {
      {"/gallery/0001.jpg", jpeg.size()}, {"/gallery/0002", jpeg.size()}, {"/get?id=1", 64 * 1024}};
  for (const auto& [path, size] : files) {
    INFO(path);
    FetchResult r = net.FetchOne(Net::Req(A(path)));  // requested as a page
    CHECK(r.ok());
    CHECK(r.body_kind == BodyKind::kFile);
    CHECK_FALSE(r.truncated_by.has_value());
    CHECK(r.body.size() == size);
  }
  FetchResult page = net.FetchOne(Net::Req(A("/page")));
  CHECK(page.body_kind == BodyKind::kPage);
  CHECK(page.body.size() == 8 * 1024);
}

TEST_CASE("a file cut by time keeps what arrived; a resumed fetch asks for the rest by Range",
          "[integration]") {
  Net net;
  net.options.file_total_timeout = milliseconds(1500);
  std::string object;
  for (int i = 0; object.size() < 256 * 1024; ++i) object += "line " + std::to_string(i) + "\n";
  Route slow = Route::Text(object);
  slow.content_type = "application/octet-stream";
  slow.etag = "\"v1\"";
  slow.ranges = true;
  slow.chunk_size = 16 * 1024;
  slow.chunk_interval = milliseconds(400);
  net.site_a->SetRoute("/dump.bin", slow);

  FetchRequest first = Net::Req(A("/dump.bin"));
  first.kind = BodyKind::kFile;
  FetchResult cut = net.FetchOne(first);
  REQUIRE(cut.ok());
  REQUIRE(cut.truncated_by.has_value());
  CHECK((*cut.truncated_by == ErrorClass::kTimeout || *cut.truncated_by == ErrorClass::kTooSlow));
  CHECK(cut.body.size() > 0);
  CHECK(cut.body.size() < object.size());
  CHECK(cut.object_size == std::optional<uint64_t>(object.size()));
  CHECK(cut.etag == std::optional<std::string>("\"v1\""));
  CHECK(cut.range_start == 0);
  CHECK(cut.body.Read(0, cut.body.size()).value() == object.substr(0, cut.body.size()));

  // The rest, from an offset: 206 with exactly the object's bytes from there.
  Route fast = slow;
  fast.chunk_interval = milliseconds(0);
  net.site_a->SetRoute("/dump.bin", fast);
  FetchRequest rest = first;
  rest.resume = FetchRequest::Resume{1000, "\"v1\""};
  FetchResult more = net.FetchOne(rest);
  REQUIRE(more.ok());
  CHECK(more.http_status == 206);
  CHECK(more.range_start == 1000);
  CHECK(more.object_size == std::optional<uint64_t>(object.size()));
  CHECK_FALSE(more.truncated_by.has_value());
  CHECK(more.body.Read(0, object.size()).value() == object.substr(1000));
  CHECK(more.request_head.find("Range: bytes=1000-\r\n") != std::string::npos);
  CHECK(more.request_head.find("If-Range: \"v1\"\r\n") != std::string::npos);
  const auto requests = net.site_a->Requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(requests.back().Header("range") == "bytes=1000-");
  CHECK(requests.back().Header("accept-encoding") == "identity");

  // The object changed (another ETag): the server sends it whole, from 0.
  rest.resume = FetchRequest::Resume{1000, "\"v0\""};
  FetchResult changed = net.FetchOne(rest);
  REQUIRE(changed.ok());
  CHECK(changed.http_status == 200);
  CHECK(changed.range_start == 0);
  CHECK(changed.body.size() == object.size());

  // A server that ignores Range: the same.
  Route plain = fast;
  plain.ranges = false;
  net.site_a->SetRoute("/dump.bin", plain);
  rest.resume = FetchRequest::Resume{1000, "\"v1\""};
  FetchResult ignored = net.FetchOne(rest);
  REQUIRE(ignored.ok());
  CHECK(ignored.http_status == 200);
  CHECK(ignored.range_start == 0);
  CHECK(ignored.body.size() == object.size());
}

TEST_CASE("a 206 that does not continue the requested range is refused", "[integration]") {
  Net net;
  Route liar = Route::Text(std::string(4096, 'x'));
  liar.status = 206;
  liar.content_type = "application/octet-stream";
  liar.headers.emplace_back("Content-Range", "bytes 0-4095/100000");
  net.site_a->SetRoute("/part", liar);
  FetchRequest unasked = Net::Req(A("/part"));
  unasked.kind = BodyKind::kFile;
  FetchResult a = net.FetchOne(unasked);  // no range was asked for
  CHECK(a.error == ErrorClass::kNetwork);
  CHECK(a.body.size() == 0);
  FetchRequest elsewhere = unasked;
  elsewhere.resume = FetchRequest::Resume{50000, "\"v1\""};
  FetchResult b = net.FetchOne(elsewhere);  // asked for 50000-, got 0-
  CHECK(b.error == ErrorClass::kNetwork);
  CHECK(b.error_detail.find("Content-Range") != std::string::npos);
}

}  // namespace
}  // namespace leakwatch::crawler
