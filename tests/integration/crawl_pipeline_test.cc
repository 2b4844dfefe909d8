// The production pipeline on loopback: RunCrawl with ParsersPageProcessor (built-in
// "generic" profile + a real fingerprint pack) finds a dataset file posted on an onion
// and records an exact sighting with its notification.
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <random>

#include "crawler/crawl.h"
#include "crawler/parsers_page_processor.h"
#include "demo/fixture_server.h"
#include "demo/socks5_server.h"
#include "match/builder.h"
#include "match/key.h"
#include "store/store.h"
#include "tests/integration/evidence_site.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::crawler {
namespace {

using std::chrono::milliseconds;

constexpr char kOnion[] = "leaksitexxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion";

using evidence_test::MakeTarGz;
using evidence_test::PackOf;
using evidence_test::RandomBytes;

std::string Url(const std::string& path) { return std::string("http://") + kOnion + path; }

// The fixture site behind the SOCKS5 gateway as kOnion.
struct OnionSite {
  OnionSite() {
    REQUIRE(site.has_value());
    REQUIRE(proxy.has_value());
    (*proxy)->MapOnion(kOnion, (*site)->port());
  }
  demo::FixtureServer& server() { return **site; }
  // One source crawling `paths` of the onion through the gateway; its DB in `dir`.
  CrawlOptions OneSource(const leakwatch::testing::TempDir& dir, std::string name,
                         const std::vector<std::string>& paths) const {
    CrawlOptions options;
    options.db_path = dir / "leakwatch.db";
    options.fetch.proxy_url = (*proxy)->ProxyUrl();
    options.fetch.min_delay = milliseconds(0);
    SourceSpec source;
    source.name = std::move(name);
    for (const std::string& path : paths) source.start_urls.push_back(Url(path));
    options.sources = {source};
    return options;
  }

  Result<std::unique_ptr<demo::FixtureServer>> site = demo::FixtureServer::Start();
  Result<std::unique_ptr<demo::Socks5Server>> proxy = demo::Socks5Server::Start();
};

// A pack of `count` records (plate KX<10000+i>Q identifies, "traveler number i morales"
// corroborates, lane is neither) built in `dir`, and its matcher.
std::unique_ptr<match::Matcher> RecordsMatcher(const leakwatch::testing::TempDir& dir, int count) {
  std::string csv = "plate,traveler_name,lane\n";
  for (int i = 0; i < count; ++i) {
    csv += "KX" + std::to_string(10000 + i) + "Q,traveler number " + std::to_string(i) +
           " morales,lane-" + std::to_string(i % 9) + "\n";
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
  auto matcher = match::Matcher::Load(dir / "dataset.lwfp", std::move(*key));
  REQUIRE(matcher.has_value());
  return std::move(matcher).value();
}

std::vector<store::Sighting> SightingsIn(store::Store& store) {
  auto sightings = store.sightings().Query({});
  REQUIRE(sightings.has_value());
  return std::move(sightings).value();
}

TEST_CASE("a leaked dataset file on an onion becomes an exact sighting", "[integration]") {
  leakwatch::testing::TempDir dir;
  const std::string leaked = RandomBytes(200 * 1024, 42);
  auto matcher = PackOf(dir, "photos/traveler-0001.jpg", leaked);
  auto profiles = parsers::ProfileSet::WithBuiltins();
  REQUIRE(profiles.has_value());

  OnionSite onion;
  onion.server().SetRoute(
      "/", demo::Route::Html("<html><body><h1>free dumps</h1><a href=\"/t/1\">border agency "
                             "photos</a></body></html>"));
  onion.server().SetRoute(
      "/t/1", demo::Route::Html("<html><body><p>enjoy</p>"
                                "<a href=\"/dl/photos.bin\">download</a></body></html>"));
  demo::Route file = demo::Route::Text(leaked);
  file.content_type = "application/octet-stream";
  onion.server().SetRoute("/dl/photos.bin", file);

  // The download is also a start URL, so this test does not depend on how the
  // profile classifies links (parsers' own tests cover extraction).
  CrawlOptions options = onion.OneSource(dir, "dump-site", {"/", "/dl/photos.bin"});
  options.sources[0].profile = "generic";
  options.route_alerts = [](const store::NewSighting&) {
    return std::vector<store::NotificationRequest>{{"webhook:0", "{}"}};
  };
  ParsersPageProcessor processor(*profiles, matcher.get());
  util::SystemClock clock;
  auto summary = RunCrawl(options, processor, clock);
  REQUIRE(summary.has_value());
  INFO(summary->ToString());
  CHECK(onion.server().Hits("/dl/photos.bin") == 1);
  CHECK(summary->new_sightings >= 1);

  auto store = store::Store::Open(options.db_path, clock);
  REQUIRE(store.has_value());
  bool exact = false;
  for (const auto& s : SightingsIn(*store)) {
    if (s.kind == store::SightingKind::kExact && s.url == Url("/dl/photos.bin")) {
      exact = true;
      CHECK(s.source == "dump-site");
      CHECK(s.score == 1.0);
      CHECK(s.run_id == summary->run_id);
    }
  }
  CHECK(exact);
  auto pending = store->outbox().List(store::OutboxState::kPending, 10);
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() >= 1);
  CHECK(pending->at(0).channel == "webhook:0");
}

TEST_CASE("archive members and watch-list mentions become sightings", "[integration]") {
  leakwatch::testing::TempDir dir;
  const std::string leaked = RandomBytes(120 * 1024, 7);
  auto matcher = PackOf(dir, "plates/0001.jpg", leaked);
  auto profiles = parsers::ProfileSet::WithBuiltins();
  REQUIRE(profiles.has_value());
  auto watchlist = match::WatchList::Compile({"Perceptics"}, {}, true);
  REQUIRE(watchlist.has_value());

  OnionSite onion;
  onion.server().SetRoute("/raw/1", demo::Route::Text("new dump: perceptics plate reader database, "
                                                      "150k travelers, link below\n"));
  demo::Route archive = demo::Route::Text(MakeTarGz("dump/plates/0001.jpg", leaked));
  archive.content_type = "application/gzip";
  onion.server().SetRoute("/dl/dump.tar.gz", archive);

  const CrawlOptions options = onion.OneSource(dir, "paste", {"/raw/1", "/dl/dump.tar.gz"});
  ParsersPageProcessor processor(*profiles, matcher.get(), &*watchlist);
  util::SystemClock clock;
  auto summary = RunCrawl(options, processor, clock);
  REQUIRE(summary.has_value());
  INFO(summary->ToString());

  auto store = store::Store::Open(options.db_path, clock);
  REQUIRE(store.has_value());
  bool member = false;
  bool mention = false;
  for (const auto& s : SightingsIn(*store)) {
    if (s.kind == store::SightingKind::kExact && s.member_path == "dump/plates/0001.jpg") {
      member = true;
      CHECK(s.url == Url("/dl/dump.tar.gz"));
      CHECK(s.sha256.size() == 64);
    }
    if (s.kind == store::SightingKind::kMention) {
      mention = true;
      REQUIRE(s.snippet.has_value());
      CHECK(s.snippet->find("perceptics plate reader") != std::string::npos);
    }
  }
  CHECK(member);
  CHECK(mention);
}

// Issue 14 item 1: a repetitive member first used to stop the whole download at the
// expansion ratio, so the crawl recorded nothing.
TEST_CASE("a padded log first in a downloaded tar.gz does not hide the member after it",
          "[integration]") {
  leakwatch::testing::TempDir dir;
  const std::string leaked = RandomBytes(120 * 1024, 11);
  auto matcher = PackOf(dir, "plates/0002.jpg", leaked);
  auto profiles = parsers::ProfileSet::WithBuiltins();
  REQUIRE(profiles.has_value());
  std::string log;
  while (log.size() < (16u << 20)) log += "2026-03-14T08:31:07 lane-3 INFO reader idle\n";

  OnionSite onion;
  demo::Route archive =
      demo::Route::Text(MakeTarGz({{"logs/reader.log", log}, {"dump/plates/0002.jpg", leaked}}));
  archive.content_type = "application/gzip";
  onion.server().SetRoute("/dl/dump.tar.gz", archive);
  const CrawlOptions options = onion.OneSource(dir, "paste", {"/dl/dump.tar.gz"});
  ProcessOptions process;
  process.archive.max_ratio = 20;  // a small budget keeps the test fast; the mechanism is the same
  ParsersPageProcessor processor(*profiles, matcher.get(), nullptr, process);
  util::SystemClock clock;
  auto summary = RunCrawl(options, processor, clock);
  REQUIRE(summary.has_value());
  INFO(summary->ToString());

  auto store = store::Store::Open(options.db_path, clock);
  REQUIRE(store.has_value());
  bool member = false;
  for (const auto& s : SightingsIn(*store)) {
    member |= s.kind == store::SightingKind::kExact && s.member_path == "dump/plates/0002.jpg";
  }
  CHECK(member);
}

TEST_CASE("every corroborated record of a large paste counts towards coverage", "[integration]") {
  // A finding names at most match::kMaxRefsPerFinding records in its dataset_refs;
  // the coverage count ("N of M records seen") must still see all of them.
  constexpr int kRecords = 250;
  static_assert(kRecords > match::kMaxRefsPerFinding);
  leakwatch::testing::TempDir dir;
  auto matcher = RecordsMatcher(dir, kRecords);
  auto profiles = parsers::ProfileSet::WithBuiltins();
  REQUIRE(profiles.has_value());

  OnionSite onion;
  // The paste shows the records with their columns reordered, as a leaker would.
  std::string paste = "name | plate\n";
  for (int i = 0; i < kRecords; ++i) {
    paste += "traveler number " + std::to_string(i) + " morales | KX-" + std::to_string(10000 + i) +
             "-Q\n";
  }
  onion.server().SetRoute("/raw/big", demo::Route::Text(paste));

  const CrawlOptions options = onion.OneSource(dir, "paste", {"/raw/big"});
  ParsersPageProcessor processor(*profiles, matcher.get());
  util::SystemClock clock;
  auto summary = RunCrawl(options, processor, clock);
  REQUIRE(summary.has_value());
  INFO(summary->ToString());

  auto store = store::Store::Open(options.db_path, clock);
  REQUIRE(store.has_value());
  const std::vector<store::Sighting> sightings = SightingsIn(*store);
  REQUIRE(sightings.size() == 1);
  CHECK(sightings[0].kind == store::SightingKind::kRecords);
  CHECK(sightings[0].score == kRecords);
  CHECK(store->coverage().CountSeen(store::CoverageKind::kRecord).value() == kRecords);
}

// Issue 15: a file is never dropped for its size. Past the file cap the part received
// is matched, and each later run continues with a Range request where the last one
// stopped (less an overlap, so records cut at a boundary are seen whole), until the
// whole object has been seen.
TEST_CASE("a file larger than its cap is matched in parts, resumed by Range across runs",
          "[integration]") {
  constexpr int kRecords = 300;
  leakwatch::testing::TempDir dir;
  auto matcher = RecordsMatcher(dir, kRecords);
  std::string leaked = "lane,name,plate\n";  // the records with their columns reordered
  for (int i = 0; i < kRecords; ++i) {
    leaked += "lane-" + std::to_string(i % 9) + ",traveler number " + std::to_string(i) +
              " morales,KX-" + std::to_string(10000 + i) + "-Q\n";
  }
  auto profiles = parsers::ProfileSet::WithBuiltins();
  REQUIRE(profiles.has_value());

  OnionSite onion;
  demo::Route file = demo::Route::Text(leaked);
  file.content_type = "text/csv";
  file.etag = "\"dump-v1\"";
  file.ranges = true;
  onion.server().SetRoute("/dl/travelers.csv", file);
  CrawlOptions options = onion.OneSource(dir, "dump-site", {"/dl/travelers.csv"});
  constexpr uint64_t kCap = 4 * 1024;
  options.fetch.max_file_bytes = kCap;
  REQUIRE(leaked.size() > 3 * kCap);
  ParsersPageProcessor processor(*profiles, matcher.get());
  util::SystemClock clock;

  std::vector<int64_t> offsets;  // where each run's part began
  for (int run = 0; run < 20; ++run) {
    auto summary = RunCrawl(options, processor, clock);
    REQUIRE(summary.has_value());
    INFO(summary->ToString());
    auto store = store::Store::Open(options.db_path, clock);
    REQUIRE(store.has_value());
    const int64_t source = store->sources().Get("dump-site")->id;
    const store::FrontierEntry entry =
        store->frontier().Find(source, Url("/dl/travelers.csv"))->value();
    if (entry.last_status != "partial") {  // read to its end
      CHECK(entry.last_status == "206");
      CHECK(entry.resume_offset == 0);
      break;
    }
    CHECK(entry.state == store::FrontierState::kPending);
    CHECK(entry.resume_validator == std::optional<std::string>("\"dump-v1\""));
    CHECK(entry.object_size == std::optional<int64_t>(leaked.size()));
    REQUIRE(entry.resume_offset > (offsets.empty() ? 0 : offsets.back()));
    offsets.push_back(entry.resume_offset);
  }
  // Every run after the first asked for the rest from where the one before left it.
  const auto requests = onion.server().Requests();
  REQUIRE(requests.size() == offsets.size() + 1);
  CHECK(requests[0].Header("range").empty());
  for (size_t i = 0; i < offsets.size(); ++i) {
    CHECK(requests[i + 1].Header("range") == "bytes=" + std::to_string(offsets[i]) + "-");
    CHECK(requests[i + 1].Header("if-range") == "\"dump-v1\"");
  }

  auto store = store::Store::Open(options.db_path, clock);
  REQUIRE(store.has_value());
  const std::vector<store::Sighting> sightings = SightingsIn(*store);
  REQUIRE(sightings.size() == offsets.size() + 1);
  for (const store::Sighting& s : sightings) {
    CHECK(s.kind == store::SightingKind::kRecords);
    REQUIRE(s.part.has_value());
    CHECK(s.part->length > 0);
    CHECK(s.part->length <= static_cast<int64_t>(kCap));
    CHECK(s.part->object_size == std::optional<int64_t>(leaked.size()));
  }
  // The overlap between parts means no record cut at a boundary is missed.
  CHECK(store->coverage().CountSeen(store::CoverageKind::kRecord).value() == kRecords);
}

}  // namespace
}  // namespace leakwatch::crawler
