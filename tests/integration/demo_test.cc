// The simulated dark web itself: SOCKS5 gateway and fixture servers, driven by a plain
// libcurl client over real loopback sockets.
#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "demo/fixture_server.h"
#include "demo/socks5_server.h"

namespace leakwatch::demo {
namespace {

constexpr char kOnion[] = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion";

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  long proxy_error = 0;
  std::string body;
  std::string error;
};

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

Fetched Fetch(const std::string& url, const std::string& proxy, const std::string& userpwd = "",
              const std::string& cookie = "") {
  Fetched f;
  CURL* curl = curl_easy_init();
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (!proxy.empty()) curl_easy_setopt(curl, CURLOPT_PROXY, proxy.c_str());
  if (!userpwd.empty()) curl_easy_setopt(curl, CURLOPT_PROXYUSERPWD, userpwd.c_str());
  if (!cookie.empty()) curl_easy_setopt(curl, CURLOPT_COOKIE, cookie.c_str());
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  f.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f.status);
  curl_easy_getinfo(curl, CURLINFO_PROXY_ERROR, &f.proxy_error);
  f.error = error;
  curl_easy_cleanup(curl);
  return f;
}

struct World {
  World() {
    auto s = FixtureServer::Start();
    REQUIRE(s.has_value());
    site = std::move(s).value();
    auto p = Socks5Server::Start();
    REQUIRE(p.has_value());
    proxy = std::move(p).value();
    proxy->MapOnion(kOnion, site->port());
  }
  std::unique_ptr<FixtureServer> site;
  std::unique_ptr<Socks5Server> proxy;
};

TEST_CASE("gateway relays .onion names and records name, port and auth pair", "[integration]") {
  World w;
  w.site->SetRoute("/", Route::Html("<p>hello</p>"));
  const Fetched f = Fetch(std::string("http://") + kOnion + "/", w.proxy->ProxyUrl(), "src-a:pw-a");
  REQUIRE(f.code == CURLE_OK);
  CHECK(f.status == 200);
  CHECK(f.body == "<p>hello</p>");
  const auto connects = w.proxy->Connects();
  REQUIRE(connects.size() == 1);
  CHECK(connects[0].address_type == 0x03);
  CHECK(connects[0].host == kOnion);
  CHECK(connects[0].port == 80);
  CHECK(connects[0].username == "src-a");
  CHECK(connects[0].password == "pw-a");
  CHECK(connects[0].reply == kSocksSucceeded);
  CHECK(w.site->Hits("/") == 1);
}

TEST_CASE("gateway refuses addresses, clearnet names and unknown onions", "[integration]") {
  World w;
  const std::string port = std::to_string(w.proxy->port());
  SECTION("an IPv4 address (the client resolved locally) is not allowed") {
    const Fetched f = Fetch(w.site->BaseUrl() + "/", "socks5://127.0.0.1:" + port);
    CHECK(f.code == CURLE_PROXY);
    CHECK(f.proxy_error == CURLPX_REPLY_NOT_ALLOWED);
    REQUIRE(w.proxy->Connects().size() == 1);
    CHECK(w.proxy->Connects()[0].address_type == 0x01);
  }
  SECTION("a clearnet name is not allowed") {
    const Fetched f = Fetch("http://example.org/", w.proxy->ProxyUrl());
    CHECK(f.code == CURLE_PROXY);
    CHECK(f.proxy_error == CURLPX_REPLY_NOT_ALLOWED);
  }
  SECTION("an unknown onion gets Tor's descriptor-not-found code") {
    const Fetched f = Fetch("http://unknownunknownunknown.onion/", w.proxy->ProxyUrl());
    CHECK(f.code == CURLE_PROXY);
    CHECK(f.proxy_error == CURLPX_REPLY_UNASSIGNED);
    CHECK(f.error.find("(240)") != std::string::npos);
  }
  SECTION("a forced reply code is sent as is") {
    w.proxy->ForceReply(kOnion, kSocksTtlExpired);
    const Fetched f = Fetch(std::string("http://") + kOnion + "/", w.proxy->ProxyUrl());
    CHECK(f.proxy_error == CURLPX_REPLY_TTL_EXPIRED);
  }
  SECTION("a mapped onion whose site is gone gets connection refused") {
    w.site->Stop();
    w.site.reset();
    const Fetched f = Fetch(std::string("http://") + kOnion + "/", w.proxy->ProxyUrl());
    CHECK(f.proxy_error == CURLPX_REPLY_CONNECTION_REFUSED);
  }
}

TEST_CASE("fixture routes: gzip, redirects, cookies, conditional GET, 429, sizes",
          "[integration]") {
  World w;
  const std::string base = std::string("http://") + kOnion;
  const std::string proxy = w.proxy->ProxyUrl();

  Route gz = Route::Html(std::string(10000, 'x'));
  gz.gzip = true;
  w.site->SetRoute("/gz", gz);
  Fetched f = Fetch(base + "/gz", proxy);
  CHECK(f.body == std::string(10000, 'x'));

  w.site->SetRoute("/r", Route::Redirect(302, "file:///etc/passwd"));
  f = Fetch(base + "/r", proxy);
  CHECK(f.status == 302);

  Route members = Route::Html("secret board");
  members.required_cookie = "sid=42";
  members.login_location = "/login";
  w.site->SetRoute("/board", members);
  CHECK(Fetch(base + "/board", proxy).status == 302);
  f = Fetch(base + "/board", proxy, "", "a=1; sid=42");
  CHECK(f.status == 200);
  CHECK(f.body == "secret board");

  Route tagged = Route::Html("v1");
  tagged.etag = "\"v1\"";
  w.site->SetRoute("/tagged", tagged);
  CHECK(Fetch(base + "/tagged", proxy).status == 200);
  CHECK(w.site->Requests().back().Header("user-agent").empty());

  w.site->SetRoute("/busy", Route::TooManyRequests(7));
  CHECK(Fetch(base + "/busy", proxy).status == 429);

  w.site->SetRoute("/huge", Route::Huge(3 * 1024 * 1024 + 5));
  f = Fetch(base + "/huge", proxy);
  CHECK(f.body.size() == 3 * 1024 * 1024 + 5);

  const auto start = std::chrono::steady_clock::now();
  w.site->SetRoute("/drip", Route::Drip(40, 10, std::chrono::milliseconds(100)));
  f = Fetch(base + "/drip", proxy);
  CHECK(f.body.size() == 40);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
}

}  // namespace
}  // namespace leakwatch::demo
