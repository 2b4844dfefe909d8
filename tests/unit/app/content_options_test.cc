// app/content_options: every [match] and [parse] key of the config reaches the options
// `crawl` runs with (through PrepareCrawl), not only `scan`. The keys are read from the
// starter config, which the config tests prove documents every key the loader knows: a
// new key without a mapping here fails this test. That the options then change what a
// crawl finds is shown end to end by tests/integration/crawl_config_test.cc.
#include "app/content_options.h"

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "app/crawl_setup.h"
#include "match/builder.h"
#include "match/key.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

// "section.key" of every [match*] and [parse*] key the starter config documents,
// active or commented out ("# pack = ...").
std::set<std::string> DocumentedContentKeys() {
  static const std::regex kTable(R"(^\[\[?([a-z_.]+)\]\]?\s*$)");
  static const std::regex kKey(R"(^([a-z_]+) = )");
  std::set<std::string> keys;
  std::string table;
  std::istringstream in{std::string(config::StarterConfigText())};
  for (std::string line; std::getline(in, line);) {
    while (line.starts_with("# ")) line.erase(0, 2);
    std::smatch m;
    if (std::regex_search(line, m, kTable)) {
      table = m[1];
    } else if (std::regex_search(line, m, kKey) &&
               (table.starts_with("match") || table.starts_with("parse"))) {
      keys.insert(table + "." + m[1].str());
    }
  }
  return keys;
}

// What a crawl set up from a config does with one setting, as text to compare.
using Observe = std::function<std::string(const CrawlSetup&)>;

struct KeyCase {
  std::string base;     // TOML the comparison starts from ("" = defaults)
  std::string changed;  // the same with the key set to a non-default value
  Observe observe;
};

template <typename T>
std::string Str(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string WatchHits(const CrawlSetup& s, std::string_view text) {
  return std::to_string(s.watchlist.Scan("page", text).size());
}

struct Fixture {
  testing::TempDir dir;
  config::Environment env = config::Environment::FromMap(
      {{"HOME", (dir / "home").string()}, {"XDG_CONFIG_HOME", (dir / "xdg").string()}});
  std::string pack_toml;  // pack and key_file of a real pack

  Fixture() {
    dir.Write("dataset/a.bin", std::string(100 * 1024, 'x') + "leakwatch content options");
    REQUIRE(match::GenerateKeyFile(dir / "dataset.key").ok());
    auto key = match::DatasetKey::Load(dir / "dataset.key");
    REQUIRE(key.has_value());
    match::BuildOptions build;
    build.dataset_dir = dir / "dataset";
    build.output = dir / "dataset.lwfp";
    REQUIRE(match::BuildPack(build, *key).has_value());
    pack_toml = "pack = \"" + (dir / "dataset.lwfp").string() + "\"\nkey_file = \"" +
                (dir / "dataset.key").string() + "\"\n";
  }

  CrawlSetup Setup(const std::string& toml) const {
    auto config = config::ParseConfig(toml, "test.toml", env);
    INFO(toml);
    REQUIRE(config.has_value());
    auto setup = PrepareCrawl(*config, dir / "leakwatch.db", env);
    REQUIRE(setup.has_value());
    return std::move(setup).value();
  }
};

TEST_CASE("every [match] and [parse] key changes what crawl runs with", "[unit]") {
  Fixture fx;
  const auto& c = [](const CrawlSetup& s) -> const ContentOptions& { return s.content; };
  const std::map<std::string, KeyCase> cases = {
      {"match.pack",
       {"", "[match]\n" + fx.pack_toml,
        [](const CrawlSetup& s) { return Str(s.matcher != nullptr); }}},
      {"match.key_file",
       {"", "[match]\n" + fx.pack_toml,
        [](const CrawlSetup& s) { return Str(s.matcher != nullptr); }}},
      {"match.image_threshold",
       {"", "[match]\nimage_threshold = 12\n",
        [&](const CrawlSetup& s) { return Str(c(s).image.threshold); }}},
      {"match.dihedral",
       {"", "[match]\ndihedral = false\n",
        [&](const CrawlSetup& s) { return Str(c(s).image.dihedral); }}},
      {"match.watch.terms",
       {"", "[match.watch]\nterms = [\"Perceptics\"]\n",
        [](const CrawlSetup& s) { return WatchHits(s, "a perceptics dump"); }}},
      {"match.watch.regex",
       {"", "[match.watch]\nregex = ['percep\\w+']\n",
        [](const CrawlSetup& s) { return WatchHits(s, "a perceptics dump"); }}},
      {"match.watch.ignore_case",
       {"[match.watch]\nterms = [\"Perceptics\"]\n",
        "[match.watch]\nterms = [\"Perceptics\"]\nignore_case = false\n",
        [](const CrawlSetup& s) { return WatchHits(s, "a perceptics dump"); }}},
      {"match.records.proximity_tokens",
       {"", "[match.records]\nproximity_tokens = 100\n",
        [&](const CrawlSetup& s) { return Str(c(s).match.record_window_tokens); }}},
      {"match.limits.archive_depth",
       {"", "[match.limits]\narchive_depth = 1\n",
        [&](const CrawlSetup& s) { return Str(c(s).archive.max_depth); }}},
      {"match.limits.archive_total_bytes",
       {"", "[match.limits]\narchive_total_bytes = \"2GiB\"\n",
        [&](const CrawlSetup& s) { return Str(c(s).archive.max_total_bytes); }}},
      {"match.limits.archive_ratio",
       {"", "[match.limits]\narchive_ratio = 50\n",
        [&](const CrawlSetup& s) { return Str(c(s).archive.max_ratio); }}},
      {"match.limits.archive_members",
       {"", "[match.limits]\narchive_members = 10\n",
        [&](const CrawlSetup& s) { return Str(c(s).archive.max_members); }}},
      {"match.limits.image_max_pixels",
       {"", "[match.limits]\nimage_max_pixels = 1000000\n",
        [&](const CrawlSetup& s) { return Str(c(s).image.limits.max_pixels); }}},
      {"parse.limits.max_page_bytes",
       {"", "[parse.limits]\nmax_page_bytes = \"1MiB\"\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_page_bytes); }}},
      {"parse.limits.max_nodes",
       {"", "[parse.limits]\nmax_nodes = 5000\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_nodes); }}},
      {"parse.limits.max_depth",
       {"", "[parse.limits]\nmax_depth = 64\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_parse_depth); }}},
      {"parse.limits.max_selector_steps",
       {"", "[parse.limits]\nmax_selector_steps = 100000\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_selector_steps); }}},
      {"parse.limits.max_time",
       {"", "[parse.limits]\nmax_time = \"500ms\"\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_extract_time.count()); }}},
      {"parse.limits.max_links",
       {"", "[parse.limits]\nmax_links = 10\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_links); }}},
      {"parse.limits.max_documents",
       {"", "[parse.limits]\nmax_documents = 10\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_documents); }}},
      {"parse.limits.max_document_bytes",
       {"", "[parse.limits]\nmax_document_bytes = \"64KiB\"\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_document_bytes); }}},
      {"parse.limits.max_field_bytes",
       {"", "[parse.limits]\nmax_field_bytes = 64\n",
        [&](const CrawlSetup& s) { return Str(c(s).parse.max_field_bytes); }}},
  };
  // Inputs of `fingerprint build` (which columns the pack fingerprints): a crawl
  // matches against the pack, which already holds their effect.
  const std::set<std::string> build_only = {"match.records.identifier",
                                            "match.records.corroborating"};

  // Read by `scan` only (a crawl bounds a response by [crawl] page_max_bytes and
  // file_max_bytes): checked below on the options scan takes.
  const std::set<std::string> scan_only = {"match.limits.scan_max_bytes"};

  const std::set<std::string> documented = DocumentedContentKeys();
  CHECK(documented.size() == cases.size() + build_only.size() + scan_only.size());
  for (const std::string& key : documented) {
    INFO(key);
    if (build_only.count(key) != 0 || scan_only.count(key) != 0) continue;
    const auto it = cases.find(key);
    REQUIRE(it != cases.end());  // a new key: map it in ContentOptionsFromConfig, test it here
    const KeyCase& k = it->second;
    const std::string before = k.observe(fx.Setup(k.base));
    const std::string after = k.observe(fx.Setup(k.changed));
    CHECK(before != after);
  }
}

TEST_CASE("[match.limits] scan_max_bytes reaches the options scan takes", "[unit]") {
  const config::Environment env = config::Environment::FromMap({});
  auto config = config::ParseConfig("[match.limits]\nscan_max_bytes = \"3MiB\"\n", "t.toml", env);
  REQUIRE(config.has_value());
  CHECK(ContentOptionsFromConfig(*config).scan_max_bytes == 3u << 20);
}

TEST_CASE("the config's defaults are the libraries' defaults", "[unit]") {
  // Two copies of each default (config.h cannot see the parsers and match headers):
  // they must agree, or an empty config would quietly change behaviour.
  const ContentOptions o =
      ContentOptionsFromConfig(config::DefaultConfig(config::Environment::FromMap({})));
  const parsers::Limits parse;
  CHECK(o.parse.max_page_bytes == parse.max_page_bytes);
  CHECK(o.parse.max_nodes == parse.max_nodes);
  CHECK(o.parse.max_parse_depth == parse.max_parse_depth);
  CHECK(o.parse.max_selector_steps == parse.max_selector_steps);
  CHECK(o.parse.max_extract_time == parse.max_extract_time);
  CHECK(o.parse.max_links == parse.max_links);
  CHECK(o.parse.max_documents == parse.max_documents);
  CHECK(o.parse.max_document_bytes == parse.max_document_bytes);
  CHECK(o.parse.max_field_bytes == parse.max_field_bytes);
  const match::ArchiveLimits archive;
  CHECK(o.archive.max_depth == archive.max_depth);
  CHECK(o.archive.max_total_bytes == archive.max_total_bytes);
  CHECK(o.archive.max_ratio == archive.max_ratio);
  CHECK(o.archive.max_members == archive.max_members);
  CHECK(o.match.record_window_tokens == match::MatchOptions{}.record_window_tokens);
  const match::ImageMatchOptions image;
  CHECK(o.image.threshold == image.threshold);
  CHECK(o.image.dihedral == image.dihedral);
  CHECK(o.image.limits.max_pixels == image.limits.max_pixels);
  CHECK(o.scan_max_bytes == match::ScanOptions{}.max_object_bytes);
}

TEST_CASE("a key file without a pack, or a pack without a key, is refused", "[unit]") {
  const ContentOptions options;
  CHECK(LoadMatcher("", "", options).has_value());
  CHECK(LoadMatcher("", "", options)->get() == nullptr);
  CHECK(LoadMatcher("/x/pack.lwfp", "", options).error().code() == StatusCode::kInvalidArgument);
  CHECK(LoadMatcher("", "/x/key", options).error().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace leakwatch::app
