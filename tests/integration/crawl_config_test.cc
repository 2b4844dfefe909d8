// `leakwatch crawl` honours the config's [match] settings, not only `scan` does: a TOML
// config through app::PrepareCrawl and app::RunCrawlAndNotify (what the crawl command
// runs) against an onion behind the SOCKS5 gateway, with a real records pack. The crawl
// path once built a default MatchOptions and ignored [match.records] proximity_tokens.
// Also: the spellings of one URL that forums produce land on one frontier row.
#include <catch2/catch.hpp>

#include "app/crawl_setup.h"
#include "config/config.h"
#include "demo/fixture_server.h"
#include "demo/socks5_server.h"
#include "match/builder.h"
#include "match/key.h"
#include "store/store.h"
#include "tests/integration/evidence_site.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

constexpr char kOnion[] = "configxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion";
constexpr int kRecords = 12;
// Words between a record's plate and its name: beyond the default proximity (32
// tokens), within 100.
constexpr int kFillerWords = 45;

std::string Url(const std::string& path) { return std::string("http://") + kOnion + path; }
std::string Quoted(const fs::path& p) { return nlohmann::json(p.string()).dump(); }

// A records pack (plate identifies, traveler_name corroborates) in `dir`.
void BuildRecordsPack(const testing::TempDir& dir) {
  std::string csv = "plate,traveler_name\n";
  for (int i = 0; i < kRecords; ++i) {
    csv += "KX" + std::to_string(20000 + i) + "Q,traveler number " + std::to_string(i) +
           " delacroix\n";
  }
  dir.Write("records.csv", csv);
  REQUIRE(match::GenerateKeyFile(dir / "dataset.key").ok());
  auto key = match::DatasetKey::Load(dir / "dataset.key");
  REQUIRE(key.has_value());
  match::BuildOptions build;
  build.record_files = {dir / "records.csv"};
  build.identifiers = {{"plate", match::FieldType::kPlate}};
  build.corroborating = {{"traveler_name", match::FieldType::kName}};
  build.output = dir / "dataset.lwfp";
  REQUIRE(match::BuildPack(build, *key).has_value());
}

// Each record on its own long line, its name kFillerWords words after its plate.
std::string SpreadOutPaste() {
  std::string paste;
  for (int i = 0; i < kRecords; ++i) {
    paste += "KX-" + std::to_string(20000 + i) + "-Q";
    for (int w = 0; w < kFillerWords; ++w) paste += " lorem";
    paste += " traveler number " + std::to_string(i) + " delacroix";
    for (int w = 0; w < kFillerWords; ++w) paste += " ipsum";
    paste += "\n\n";
  }
  return paste;
}

struct OnionSite {
  OnionSite() {
    REQUIRE(site.has_value());
    REQUIRE(proxy.has_value());
    (*proxy)->MapOnion(kOnion, (*site)->port());
  }
  demo::FixtureServer& server() { return **site; }

  // A config crawling `urls` through the gateway, with `extra` TOML appended.
  std::string Config(const testing::TempDir& dir, const std::vector<std::string>& urls,
                     const std::string& extra) const {
    return "[tor]\nsocks_proxy = " + nlohmann::json((*proxy)->ProxyUrl()).dump() +
           "\n\n[crawl]\nmin_delay = \"0s\"\n\n[store]\nevidence_dir = " +
           Quoted(dir / "evidence") + "\n\n" + extra + "\n\n[[sources]]\nname = \"paste\"\n" +
           "profile = \"generic\"\nurls = " + nlohmann::json(urls).dump() + "\n";
  }

  Result<std::unique_ptr<demo::FixtureServer>> site = demo::FixtureServer::Start();
  Result<std::unique_ptr<demo::Socks5Server>> proxy = demo::Socks5Server::Start();
};

Result<CrawlOutcome> Crawl(const testing::TempDir& dir, const std::string& toml) {
  const config::Environment env = config::Environment::FromMap(
      {{"HOME", (dir / "home").string()}, {"XDG_DATA_HOME", (dir / "xdg-data").string()}});
  auto config = config::ParseConfig(toml, "test.toml", env);
  INFO(toml);
  REQUIRE(config.has_value());
  auto setup = PrepareCrawl(*config, dir / "leakwatch.db", env);
  REQUIRE(setup.has_value());
  setup->options.preflight = false;  // the fixture gateway is not a Tor control port
  util::SystemClock clock;
  return RunCrawlAndNotify(*setup, clock);
}

std::vector<store::Sighting> Sightings(const fs::path& db_path) {
  util::SystemClock clock;
  auto store = store::Store::Open(db_path, clock);
  REQUIRE(store.has_value());
  auto sightings = store->sightings().Query({});
  REQUIRE(sightings.has_value());
  return std::move(sightings).value();
}

// The best records score among sightings of the object at `url` (`member` "" = the body
// itself); -1 when there is none.
double RecordsScore(const std::vector<store::Sighting>& sightings, const std::string& url,
                    const std::string& member) {
  double best = -1;
  for (const store::Sighting& s : sightings) {
    if (s.kind == store::SightingKind::kRecords && s.url == url && s.member_path == member) {
      best = std::max(best, s.score);
    }
  }
  return best;
}

TEST_CASE("crawl honours [match] proximity_tokens and archive limits", "[integration]") {
  struct Variant {
    std::string match_toml;
    double paste_score;   // records corroborated in the paste; 0 = identifier-only
    double member_score;  // in the archive member; -1 = not matched at all
  };
  const Variant v = GENERATE(
      Variant{"", 0, 0}, Variant{"[match.records]\nproximity_tokens = 100\n", kRecords, kRecords},
      Variant{"[match.records]\nproximity_tokens = 100\n\n[match.limits]\narchive_depth = 0\n",
              kRecords, -1});
  INFO(v.match_toml);
  testing::TempDir dir;
  BuildRecordsPack(dir);
  OnionSite onion;
  const std::string paste = SpreadOutPaste();
  onion.server().SetRoute("/raw/1", demo::Route::Text(paste));
  demo::Route archive =
      demo::Route::Text(crawler::evidence_test::MakeTarGz("dump/travelers.txt", paste));
  archive.content_type = "application/gzip";
  onion.server().SetRoute("/dl/dump.tar.gz", archive);

  const std::string toml =
      onion.Config(dir, {Url("/raw/1"), Url("/dl/dump.tar.gz")},
                   "[match]\npack = " + Quoted(dir / "dataset.lwfp") +
                       "\nkey_file = " + Quoted(dir / "dataset.key") + "\n\n" + v.match_toml);
  auto outcome = Crawl(dir, toml);
  REQUIRE(outcome.has_value());
  INFO(outcome->summary.ToString());
  CHECK(onion.server().Hits("/raw/1") == 1);
  CHECK(onion.server().Hits("/dl/dump.tar.gz") == 1);

  const std::vector<store::Sighting> sightings = Sightings(dir / "leakwatch.db");
  CHECK(RecordsScore(sightings, Url("/raw/1"), "") == v.paste_score);
  CHECK(RecordsScore(sightings, Url("/dl/dump.tar.gz"), "dump/travelers.txt") == v.member_score);
}

TEST_CASE("the spellings of one URL that forums produce are one frontier row", "[integration]") {
  testing::TempDir dir;
  OnionSite onion;
  std::string upper = kOnion;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // One thread, linked as a forum's pages spell it: %7E vs ~, default port, dot
  // segments, fragments (post anchors), case of scheme and host, relative links.
  onion.server().SetRoute("/forum/", demo::Route::Html("<html><body>"
                                                       "<a href=\"/%7Eadmin/t?id=7\">a</a>"
                                                       "<a href=\"/~admin/t?id=7#pid3\">b</a>"
                                                       "<a href=\"http://" +
                                                       upper +
                                                       ":80/~admin/./t?id=7\">c</a>"
                                                       "<a href=\"../%7eadmin/t?id=%37\">d</a>"
                                                       "<a href=\"HTTP://" +
                                                       std::string(kOnion) +
                                                       "/x/../~admin/t?id=7#\">e</a>"
                                                       "</body></html>"));
  onion.server().SetRoute("/~admin/t?id=7", demo::Route::Html("<html><body>thread</body></html>"));
  {
    // A database from before one URL identity: the thread stored in libcurl's spelling.
    util::SystemClock clock;
    auto store = store::Store::Open(dir / "leakwatch.db", clock);
    REQUIRE(store.has_value());
    store::NewFrontierUrl old;
    old.source_id = store->sources().Upsert("paste", "generic").value();
    old.url = Url("/%7Eadmin/t?id=7");
    old.depth = 1;
    REQUIRE(store->frontier().AddIfNew(old).value());
  }
  // The start URL, three times, spelled differently (the config accepts each).
  const std::vector<std::string> seeds = {Url("/forum/"), "HTTP://" + upper + ":80/forum/#top",
                                          Url("/x/../forum/./")};
  auto outcome = Crawl(dir, onion.Config(dir, seeds, ""));
  REQUIRE(outcome.has_value());
  INFO(outcome->summary.ToString());

  CHECK(onion.server().Hits("/forum/") == 1);
  CHECK(onion.server().Hits("/~admin/t?id=7") == 1);
  CHECK(onion.server().TotalRequests() == 2);
  util::SystemClock clock;
  auto store = store::Store::Open(dir / "leakwatch.db", clock);
  REQUIRE(store.has_value());
  auto counts = store->frontier().Counts();
  REQUIRE(counts.has_value());
  CHECK(counts->pending + counts->in_flight + counts->done + counts->failed_permanent == 2);
  auto sources = store->sources().List();
  REQUIRE(sources.has_value());
  REQUIRE(sources->size() == 1);
  for (const std::string& key : {Url("/forum/"), Url("/~admin/t?id=7")}) {
    INFO(key);
    auto row = store->frontier().Find(sources->at(0).id, key);
    REQUIRE(row.has_value());
    CHECK(row->has_value());
  }
  CHECK_FALSE(store->frontier().Find(sources->at(0).id, Url("/%7Eadmin/t?id=7"))->has_value());
}

}  // namespace
}  // namespace leakwatch::app
