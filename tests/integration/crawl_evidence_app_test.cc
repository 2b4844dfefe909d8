// `leakwatch crawl`'s wiring of evidence: a TOML config through app::PrepareCrawl and
// app::RunCrawlAndNotify ([retention] keep_unmatched, [store] evidence_dir defaulting
// to beside a --db database), on the same onion fixture as crawl_evidence_test.
#include "app/crawl_setup.h"
#include "config/config.h"
#include "tests/integration/evidence_site.h"

namespace leakwatch::crawler {
namespace {

using namespace evidence_test;  // NOLINT: the fixture's names read better unqualified
namespace fs = std::filesystem;

std::string Quoted(const fs::path& p) { return nlohmann::json(p.string()).dump(); }

std::string ConfigText(const EvidenceSite& t, bool keep_unmatched) {
  std::string urls;
  for (const std::string& url : t.options.sources[0].start_urls) {
    urls += (urls.empty() ? "" : ", ") + nlohmann::json(url).dump();
  }
  return "[tor]\nsocks_proxy = " + nlohmann::json(t.proxy->ProxyUrl()).dump() +
         "\n\n[crawl]\nmin_delay = \"0s\"\nspool_dir = " + Quoted(t.dir / "spool") +
         "\n\n[match]\npack = " + Quoted(t.dir / "dataset.lwfp") +
         "\nkey_file = " + Quoted(t.dir / "dataset.key") +
         "\n\n[retention]\nkeep_unmatched = " + (keep_unmatched ? "true" : "false") +
         "\n\n[[sources]]\nname = \"dump-site\"\nprofile = \"generic\"\nurls = [" + urls + "]\n";
}

TEST_CASE("leakwatch crawl keeps evidence beside a --db database, unmatched only on request",
          "[integration]") {
  EvidenceSite t;
  const bool keep_unmatched = GENERATE(false, true);
  const config::Environment env = config::Environment::FromMap(
      {{"HOME", (t.dir / "home").string()}, {"XDG_DATA_HOME", (t.dir / "xdg-data").string()}});
  auto config = config::ParseConfig(ConfigText(t, keep_unmatched), "test.toml", env);
  REQUIRE(config.has_value());
  CHECK(config->store.evidence_dir == t.dir / "xdg-data/leakwatch/evidence");

  const fs::path db_path = t.data_dir / "leakwatch.db";  // as `--db` would give it
  auto setup = app::PrepareCrawl(*config, db_path, env);
  REQUIRE(setup.has_value());
  CHECK(setup->options.evidence_dir == t.data_dir / "evidence");
  CHECK(setup->options.keep_unmatched == keep_unmatched);
  setup->options.preflight = false;  // the fixture gateway is not a Tor control port
  util::SystemClock clock;
  auto outcome = app::RunCrawlAndNotify(*setup, clock);
  REQUIRE(outcome.has_value());
  INFO(outcome->summary.ToString());

  CHECK_FALSE(fs::exists(t.dir / "xdg-data"));
  const auto warcs = t.WarcFiles();
  REQUIRE(warcs.size() == 1);
  const auto records = testing::CheckWarc(warcs[0]);
  // warcinfo + 3 records per kept response: the file and the archive, plus the two
  // unmatched pages when asked to keep them.
  CHECK(records.size() == (keep_unmatched ? 13u : 7u));
  const auto sightings = t.Sightings();
  REQUIRE(sightings.size() == 4);
  for (const store::Sighting& s : sightings) {
    REQUIRE(s.evidence_warc.has_value());
    CHECK(fs::path(*s.evidence_warc) == fs::absolute(warcs[0]));
    const nlohmann::json* response = RecordAt(records, s.evidence_warc_offset.value_or(-1));
    REQUIRE(response != nullptr);
    CHECK((*response)["type"] == "response");
  }
  const auto with_marker = FilesContaining(t.data_dir, kInnocuousMarker);
  if (keep_unmatched) {
    CHECK(with_marker == warcs);
  } else {
    CHECK(with_marker.empty());
  }
}

}  // namespace
}  // namespace leakwatch::crawler
