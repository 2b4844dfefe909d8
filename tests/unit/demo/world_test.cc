// The demo world through its gateway, with libcurl over socks5h as the crawler uses it.
#include "demo/world.h"

#include <curl/curl.h>

#include <catch2/catch.hpp>

#include "demo/dataset.h"
#include "tests/support/temp_dir.h"
#include "util/onion.h"

namespace leakwatch::demo {
namespace {

struct Response {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string location;
};

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

Response Fetch(const std::string& proxy, const std::string& url, const std::string& cookie = "") {
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  Response r;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROXY, proxy.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  if (!cookie.empty()) curl_easy_setopt(curl, CURLOPT_COOKIE, cookie.c_str());
  r.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  char* location = nullptr;
  curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
  if (location != nullptr) r.location = location;
  curl_easy_cleanup(curl);
  return r;
}

struct Fixture {
  testing::TempDir dir;
  Dataset dataset;
  std::unique_ptr<World> world;

  Fixture() {
    auto d = GenerateDataset(dir.path(), DatasetOptions{});
    REQUIRE(d.has_value());
    dataset = *d;
    WorldOptions options;
    options.min_latency = std::chrono::milliseconds(0);
    options.max_latency = std::chrono::milliseconds(5);
    options.unavailable_rate = 0;
    auto w = World::Start(dataset, options);
    REQUIRE(w.has_value());
    world = std::move(w).value();
  }

  const WorldSource& Source(const std::string& name) const {
    static std::vector<WorldSource> sources;
    sources = world->Sources();
    for (const auto& s : sources) {
      if (s.name == name) return s;
    }
    FAIL("no source " << name);
    return sources.front();
  }
};

TEST_CASE("world: onion names are valid v3 addresses, stable per seed", "[unit]") {
  const std::string name = OnionName(1, "paste");
  CHECK(name.size() == 56 + 6);
  CHECK(util::CheckOnionV3Address(name).ok());
  CHECK(OnionName(1, "paste") == name);
  CHECK(OnionName(2, "paste") != name);
}

TEST_CASE("world: paste site, forums and file host answer through the gateway", "[integration]") {
  Fixture fx;
  const std::string proxy = fx.world->ProxyUrl();
  const WorldSource& paste = fx.Source("paste-recent");
  Response archive = Fetch(proxy, paste.start_urls[0]);
  REQUIRE(archive.code == CURLE_OK);
  CHECK(archive.status == 200);
  CHECK(archive.body.find("table class=\"maintable\"") != std::string::npos);
  CHECK(archive.body.find("rel=\"next\" href=\"/archive/2\"") != std::string::npos);

  // The sample paste is among the leaks and its raw view is the plain text.
  const auto leaks = fx.world->Leaks();
  REQUIRE(leaks.size() == 5);
  const SeededLeak& sample = leaks[0];
  CHECK(sample.id == "records-paste");
  Response raw = Fetch(proxy, sample.urls[1]);
  CHECK(raw.status == 200);
  const DemoRecord& r = fx.dataset.records[30];
  CHECK(raw.body.find(r.document_no) != std::string::npos);
  // Laid out differently from the export: no CSV row of it.
  CHECK(raw.body.find(r.plate + ",") == std::string::npos);

  // Forum attachments need the login cookie.
  const WorldSource& mybb = fx.Source("forum-mybb");
  const std::string zip_url = "http://" + mybb.onion + "/attachment.php?aid=7";
  Response anonymous = Fetch(proxy, zip_url);
  CHECK(anonymous.status == 302);
  CHECK(anonymous.location.find("member.php?action=login") != std::string::npos);
  Response logged_in = Fetch(proxy, zip_url, mybb.cookie_name + "=" + mybb.cookie_value);
  CHECK(logged_in.status == 200);
  CHECK(logged_in.body.substr(0, 2) == "PK");

  const WorldSource& host = fx.Source("filehost");
  Response tgz = Fetch(proxy, "http://" + host.onion + "/d/k3v9x2/captures_part1.tar.gz");
  CHECK(tgz.status == 200);
  CHECK(tgz.body.substr(0, 2) == "\x1f\x8b");

  // The offline onion: the gateway answers "descriptor not found".
  const WorldSource& mirror = fx.Source("paste-mirror");
  CHECK(mirror.offline);
  CHECK(Fetch(proxy, mirror.start_urls[0]).code != CURLE_OK);
  // Clearnet names are refused by the gateway.
  CHECK(Fetch(proxy, "http://example.org/").code != CURLE_OK);

  for (const SocksConnect& c : fx.world->GatewayLog()) {
    CHECK(c.address_type == 0x03);  // names, resolved by the proxy
  }
}

TEST_CASE("world: posting the new leak puts it on top of the listing, once", "[integration]") {
  Fixture fx;
  const std::string proxy = fx.world->ProxyUrl();
  REQUIRE(fx.world->PostNewLeak().ok());
  CHECK(fx.world->PostNewLeak().code() == StatusCode::kAlreadyExists);
  const auto leaks = fx.world->Leaks();
  REQUIRE(leaks.size() == 6);
  const SeededLeak& fresh = leaks.back();
  CHECK(fresh.posted_later);
  CHECK(fx.world->LeakForUrl(fresh.urls[0]) != nullptr);
  CHECK(fx.world->LeakForUrl("http://nowhere.onion/") == nullptr);
  Response archive = Fetch(proxy, fx.Source("paste-recent").start_urls[0]);
  const std::string id = fresh.urls[0].substr(fresh.urls[0].rfind('/') + 1);
  const size_t first_row = archive.body.find("<tr><td><a href=\"/");
  REQUIRE(first_row != std::string::npos);
  CHECK(archive.body.compare(first_row + 18, id.size(), id) == 0);
}

}  // namespace
}  // namespace leakwatch::demo
