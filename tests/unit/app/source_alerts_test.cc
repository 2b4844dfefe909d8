// Source health alerts are raised once, when a source enters a state needing a human.
#include "app/source_alerts.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/app.h"
#include "demo/fixture_server.h"
#include "demo/socks5_server.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::app {
namespace {

using store::SourceState;

store::Source Make(const std::string& name, SourceState state,
                   std::optional<std::string> last_error = std::nullopt) {
  store::Source s;
  s.name = name;
  s.state = state;
  s.last_error = std::move(last_error);
  return s;
}

TEST_CASE("a source entering profile_broken or session_expired raises one alert", "[unit]") {
  const std::vector<store::Source> before = {Make("a", SourceState::kOk),
                                             Make("b", SourceState::kFailing),
                                             Make("c", SourceState::kProfileBroken)};
  const std::vector<store::Source> after = {
      Make("a", SourceState::kProfileBroken),
      Make("b", SourceState::kSessionExpired, "redirected to the login page"),
      Make("c", SourceState::kProfileBroken),   // still broken: already told
      Make("d", SourceState::kSessionExpired),  // new source, broken on its first run
      Make("e", SourceState::kFailing)};        // transient: not worth a human's time
  const std::vector<notify::SourceAlert> alerts = NewSourceAlerts(before, after);
  REQUIRE(alerts.size() == 3);
  CHECK(alerts[0].source == "a");
  CHECK(alerts[0].state == SourceState::kProfileBroken);
  CHECK_FALSE(alerts[0].detail.empty());
  CHECK(alerts[1].source == "b");
  CHECK(alerts[1].detail == "redirected to the login page");
  CHECK(alerts[2].source == "d");

  CHECK(NewSourceAlerts(after, after).empty());
}

std::vector<nlohmann::json> Bodies(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<nlohmann::json> bodies;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    bodies.push_back(nlohmann::json::parse(text.str()));
  }
  return bodies;
}

TEST_CASE("a listing that stops yielding items alerts the channels once, from `crawl`",
          "[integration]") {
  testing::TempDir dir;
  const std::string onion = std::string(56, 'b') + ".onion";
  // The archive lists 12 pastes for three runs, then changes its markup.
  std::atomic<int> listing_fetches{0};
  auto site = demo::FixtureServer::Start();
  REQUIRE(site.has_value());
  (*site)->SetFallback([&](const demo::HttpRequest& request) -> std::optional<demo::Route> {
    if (request.target != "/") return demo::Route::Html("<html><body>thread</body></html>");
    const int run = ++listing_fetches;
    std::string html = "<html><body><p>visit " + std::to_string(run) + "</p>";
    html += run <= 3 ? "<table class=\"maintable\">" : "<table class=\"archive-v2\">";
    for (int i = 0; i < 12; ++i) {
      html += "<tr><td><a href=\"/Paste" + std::to_string(100 + i) + "\">paste</a></td></tr>";
    }
    return demo::Route::Html(html + "</table></body></html>");
  });
  auto proxy = demo::Socks5Server::Start();
  REQUIRE(proxy.has_value());
  (*proxy)->MapOnion(onion, (*site)->port());

  const std::filesystem::path hook = dir / "hook";
  std::filesystem::create_directories(hook);
  const std::filesystem::path config = dir.Write(
      "lw.toml", "[store]\ndb = \"" + (dir / "lw.db").string() + "\"\n[tor]\nsocks_proxy = \"" +
                     (*proxy)->ProxyUrl() +
                     "\"\n[crawl]\nmin_delay = \"0s\"\n"
                     "[[notify.exec]]\nname = \"hook\"\n"
                     "command = [\"/bin/sh\", \"-c\", \"cat > \\\"$0/$(date +%s%N).json\\\"\", \"" +
                     hook.string() +
                     "\"]\n"
                     "[[sources]]\nname = \"board\"\nprofile = \"pastebin\"\nurls = [\"http://" +
                     onion + "/\"]\n");
  const auto crawl = [&] {
    std::ostringstream out;
    std::ostringstream err;
    Environment env;
    env.vars = config::Environment::FromMap({{"HOME", dir.path().string()}});
    const int code = Run({"--config", config.string(), "crawl"}, out, err, env);
    INFO(out.str() << err.str());
    CHECK(code == 0);
    return out.str();
  };
  for (int run = 1; run <= 3; ++run) crawl();
  CHECK(Bodies(hook).empty());

  const std::string output = crawl();
  INFO(output);
  CHECK(output.find("source board is now profile_broken") != std::string::npos);
  std::vector<nlohmann::json> bodies = Bodies(hook);
  REQUIRE(bodies.size() == 1);
  CHECK(bodies[0]["type"] == "source_health");
  REQUIRE(bodies[0]["sources"].size() == 1);
  CHECK(bodies[0]["sources"][0]["source"] == "board");
  CHECK(bodies[0]["sources"][0]["state"] == "profile_broken");

  crawl();  // still broken: nothing new to say
  CHECK(Bodies(hook).size() == 1);
  CHECK(listing_fetches == 5);
}

}  // namespace
}  // namespace leakwatch::app
