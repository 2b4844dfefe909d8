// Evidence on the real pipeline: RunCrawl through the SOCKS5 gateway to fixture onion
// sites, with the production ParsersPageProcessor and a real fingerprint pack. Checks
// that what matched is kept in the run's WARC file (offsets on the sightings point at
// verifiable `response` records, read back by an independent strict reader) and that
// what matched nothing is written nowhere under the data directory, unless
// keep_unmatched; and that our session secrets never reach the evidence.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>

#include "crawler/crawl.h"
#include "crawler/parsers_page_processor.h"
#include "demo/fixture_server.h"
#include "demo/socks5_server.h"
#include "match/builder.h"
#include "match/key.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/warc_check.h"
#include "util/hash.h"

namespace leakwatch::crawler {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kOnion[] = "evidencexxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion";
// In unmatched pages only: must never reach the disk unless keep_unmatched.
constexpr char kInnocuousMarker[] = "lw-innocuous-marker-q7Zk2pWm";
// Our own secrets: never in the evidence or anywhere under the data directory.
constexpr char kSessionCookieValue[] = "lw-session-secret-Hx81vQ";
constexpr char kSocksSecret[] = "lw-socks-secret-Jd02nR";

std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
  return bytes;
}

std::string Url(const std::string& path) { return std::string("http://") + kOnion + path; }

// A gzip-compressed tar holding `content` as `member`, written by libarchive.
std::string MakeTarGz(const std::string& member, const std::string& content) {
  std::string out(content.size() + 64 * 1024, '\0');
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_gzip(a);
  REQUIRE(archive_write_open_memory(a, out.data(), out.size(), &used) == ARCHIVE_OK);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, member.c_str());
  archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0644);
  REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
  REQUIRE(archive_write_data(a, content.data(), content.size()) ==
          static_cast<la_ssize_t>(content.size()));
  archive_entry_free(entry);
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

// Every regular file under `dir` whose bytes contain `needle`.
std::vector<fs::path> FilesContaining(const fs::path& dir, const std::string& needle) {
  std::vector<fs::path> hits;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (testing::ReadWholeFile(entry.path()).find(needle) != std::string::npos) {
      hits.push_back(entry.path());
    }
  }
  return hits;
}

std::string Join(const std::vector<fs::path>& paths) {
  std::string out;
  for (const auto& p : paths) out += p.string() + " ";
  return out;
}

const nlohmann::json* RecordAt(const std::vector<nlohmann::json>& records, int64_t offset) {
  for (const auto& r : records) {
    if (r["offset"] == offset) return &r;
  }
  return nullptr;
}

std::string HttpHeader(const nlohmann::json& record, const std::string& name) {
  for (const auto& h : record["http_headers"]) {
    if (h[0] == name) return h[1];
  }
  return "";
}

// A dataset with one leaked file, an onion with: a listing and a thread page that
// match nothing (they carry the marker), the leaked file served gzip-encoded, and an
// archive holding it as a member. Bodies over 32 KiB are spooled to disk.
struct EvidenceSite {
  leakwatch::testing::TempDir dir;
  std::string leaked = RandomBytes(200 * 1024, 11);
  std::string archive = MakeTarGz("dump/photos/0001.jpg", leaked);
  std::unique_ptr<match::Matcher> matcher;
  std::unique_ptr<demo::FixtureServer> site;
  std::unique_ptr<demo::Socks5Server> proxy;
  CrawlOptions options;
  fs::path data_dir = dir / "data";

  EvidenceSite() {
    dir.Write("dataset/photos/traveler-0001.jpg", leaked);
    REQUIRE(match::GenerateKeyFile(dir / "dataset.key").ok());
    auto key = match::DatasetKey::Load(dir / "dataset.key");
    REQUIRE(key.has_value());
    match::BuildOptions build;
    build.dataset_dir = dir / "dataset";
    build.output = dir / "dataset.lwfp";
    REQUIRE(match::BuildPack(build, *key).has_value());
    auto loaded = match::Matcher::Load(dir / "dataset.lwfp", std::move(*key));
    REQUIRE(loaded.has_value());
    matcher = std::move(loaded).value();

    auto started = demo::FixtureServer::Start();
    REQUIRE(started.has_value());
    site = std::move(started).value();
    demo::Socks5Server::Options socks;
    socks.require_auth = true;
    auto gateway = demo::Socks5Server::Start(socks);
    REQUIRE(gateway.has_value());
    proxy = std::move(gateway).value();
    proxy->MapOnion(kOnion, site->port());
    site->SetRoute(
        "/", demo::Route::Html(std::string("<html><body><h1>board</h1><p>") + kInnocuousMarker +
                               "</p><a href=\"/t/1\">thread</a></body></html>"));
    site->SetRoute("/t/1", demo::Route::Html(std::string("<html><body><p>hello ") +
                                             kInnocuousMarker + " world</p></body></html>"));
    demo::Route file = demo::Route::Text(leaked);
    file.content_type = "application/octet-stream";
    file.gzip = true;  // the stored head must describe the decoded body
    site->SetRoute("/dl/photos.bin", file);
    demo::Route tgz = demo::Route::Text(archive);
    tgz.content_type = "application/gzip";
    site->SetRoute("/dl/dump.tar.gz", tgz);

    options.db_path = data_dir / "leakwatch.db";
    options.evidence_dir = data_dir / "evidence";
    options.fetch.proxy_url = proxy->ProxyUrl();
    options.fetch.min_delay = milliseconds(0);
    options.fetch.spool_threshold_bytes = 32 * 1024;
    options.fetch.spool_dir = dir / "spool";  // outside the data directory
    fs::create_directories(options.fetch.spool_dir);
    options.isolation_salt = kSocksSecret;
    SourceSpec source;
    source.name = "dump-site";
    source.profile = "generic";
    source.cookie_header = std::string("lwsession=") + kSessionCookieValue;
    source.start_urls = {Url("/"), Url("/t/1"), Url("/dl/photos.bin"), Url("/dl/dump.tar.gz")};
    options.sources = {source};
  }

  CrawlSummary Crawl() {
    auto profiles = parsers::ProfileSet::WithBuiltins();
    REQUIRE(profiles.has_value());
    ParsersPageProcessor processor(*profiles, matcher.get());
    util::SystemClock clock;
    auto summary = RunCrawl(options, processor, clock);
    REQUIRE(summary.has_value());
    INFO(summary->ToString());
    CHECK(summary->stats.errors == 0);
    CHECK(summary->stats.errors_by_class.count("evidence") == 0);
    return *summary;
  }

  std::vector<store::Sighting> Sightings() {
    util::SystemClock clock;
    auto store = store::Store::Open(options.db_path, clock);
    REQUIRE(store.has_value());
    auto sightings = store->sightings().Query({});
    REQUIRE(sightings.has_value());
    return *sightings;
  }

  std::vector<fs::path> WarcFiles() const {
    std::vector<fs::path> files;
    if (!fs::exists(data_dir / "evidence")) return files;
    for (const auto& e : fs::directory_iterator(data_dir / "evidence")) files.push_back(e.path());
    return files;
  }
};

TEST_CASE("matched content is kept as WARC evidence, unmatched content nowhere on disk",
          "[integration]") {
  EvidenceSite t;
  const CrawlSummary summary = t.Crawl();
  CHECK(t.site->Hits("/t/1") == 1);  // the unmatched page really was fetched
  const auto sightings = t.Sightings();
  // The file (exact), and the archive: its member (exact) plus chunk matches of the
  // .tar.gz and the inner .tar (partial). All point at two response records.
  REQUIRE(sightings.size() == 4);

  const auto warcs = t.WarcFiles();
  REQUIRE(warcs.size() == 1);
  CHECK(warcs[0].filename() == "run-" + std::to_string(summary.run_id) + ".warc");
  const auto records = testing::CheckWarc(warcs[0]);
  // warcinfo + (request, response, metadata) for the file and for the archive only.
  REQUIRE(records.size() == 7);

  bool file_seen = false;
  bool member_seen = false;
  std::set<int64_t> cited;
  for (const store::Sighting& s : sightings) {
    INFO(s.url << " " << s.member_path);
    REQUIRE(s.evidence_warc.has_value());
    REQUIRE(s.evidence_warc_offset.has_value());
    CHECK(fs::path(*s.evidence_warc) == fs::absolute(warcs[0]));
    cited.insert(*s.evidence_warc_offset);
    const nlohmann::json* response = RecordAt(records, *s.evidence_warc_offset);
    REQUIRE(response != nullptr);
    CHECK((*response)["type"] == "response");
    CHECK((*response)["target"] == s.url);
    CHECK((*response)["status"] == 200);
    if (s.url == Url("/dl/photos.bin")) {
      file_seen = true;
      CHECK(s.member_path.empty());
      // The payload is the leaked file itself (decoded from gzip), digest verified.
      CHECK((*response)["payload_sha256"] == s.sha256);
      CHECK((*response)["payload_sha256"] == util::Sha256Hex(t.leaked));
      CHECK(HttpHeader(*response, "X-Leakwatch-Orig-Content-Encoding") == "gzip");
      CHECK(HttpHeader(*response, "Content-Length") == std::to_string(t.leaked.size()));
    } else {
      // An archive member's evidence is the outer response.
      CHECK(s.url == Url("/dl/dump.tar.gz"));
      member_seen = member_seen || s.member_path == "dump/photos/0001.jpg";
      CHECK((*response)["payload_sha256"] == util::Sha256Hex(t.archive));
    }
  }
  CHECK(cited.size() == 2);
  CHECK(file_seen);
  CHECK(member_seen);

  for (const auto& r : records) {
    if (r["type"] == "request") {
      // The request as sent, our session cookie redacted.
      CHECK(HttpHeader(r, "Cookie") == kRedactedHeaderValue);
      CHECK(HttpHeader(r, "Host") == kOnion);
    }
    if (r["type"] == "metadata") {
      CHECK(r["fields"]["via-proxy"] == t.proxy->ProxyUrl());
      CHECK(r["fields"]["source"] == "dump-site");
      CHECK(r["fields"]["run-id"] == std::to_string(summary.run_id));
      CHECK(r["fields"].contains("fetch-time"));
      CHECK(r["fields"]["sightings"] != "0");
    }
  }
  // The request record states what the server received, header for header (the
  // cookie's value aside).
  for (const auto& r : records) {
    if (r["type"] != "request" || r["target"] != Url("/dl/photos.bin")) continue;
    const auto received = t.site->Requests();
    const auto it = std::find_if(received.begin(), received.end(), [](const demo::HttpRequest& q) {
      return q.target == "/dl/photos.bin";
    });
    REQUIRE(it != received.end());
    std::set<std::string> names;
    for (const auto& h : r["http_headers"]) {
      std::string name = h[0];
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      names.insert(name);
      INFO(name);
      if (name != "cookie") CHECK(it->Header(name) == h[1].get<std::string>());
    }
    std::set<std::string> sent;
    for (const auto& [name, value] : it->headers) sent.insert(name);
    CHECK(names == sent);
  }
  // The server really got the cookie (so the redaction above is not vacuous).
  bool cookie_sent = false;
  for (const auto& request : t.site->Requests()) {
    cookie_sent =
        cookie_sent || request.Header("cookie").find(kSessionCookieValue) != std::string::npos;
  }
  CHECK(cookie_sent);
  bool socks_secret_sent = false;
  for (const auto& connect : t.proxy->Connects()) {
    socks_secret_sent = socks_secret_sent || connect.password == kSocksSecret;
  }
  CHECK(socks_secret_sent);

  // Nothing unmatched and none of our secrets anywhere under the data directory
  // (the DB, its WAL, the evidence).
  CHECK(Join(FilesContaining(t.data_dir, kInnocuousMarker)).empty());
  CHECK(Join(FilesContaining(t.data_dir, kSessionCookieValue)).empty());
  CHECK(Join(FilesContaining(t.data_dir, kSocksSecret)).empty());
  // ... while the leaked bytes are in the evidence.
  CHECK(testing::ReadWholeFile(warcs[0]).find(t.leaked) != std::string::npos);

  SECTION("a run that finds nothing new creates no evidence file") {
    const CrawlSummary second = t.Crawl();
    CHECK(second.new_sightings == 0);
    CHECK(t.WarcFiles().size() == 1);
    CHECK(Join(FilesContaining(t.data_dir, kInnocuousMarker)).empty());
  }
}

TEST_CASE("keep_unmatched keeps unmatched responses as WARC records without sightings",
          "[integration]") {
  EvidenceSite t;
  t.options.keep_unmatched = true;
  t.Crawl();
  const auto sightings = t.Sightings();
  REQUIRE(sightings.size() == 4);
  const auto warcs = t.WarcFiles();
  REQUIRE(warcs.size() == 1);
  const auto records = testing::CheckWarc(warcs[0]);
  // warcinfo + 3 records for each of "/", "/t/1", the file and the archive.
  REQUIRE(records.size() == 13);
  std::set<int64_t> cited;
  for (const store::Sighting& s : sightings) cited.insert(*s.evidence_warc_offset);
  int unmatched = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r["type"] != "response") continue;
    const std::string target = r["target"];
    if (target == Url("/") || target == Url("/t/1")) {
      ++unmatched;
      CHECK(cited.count(r["offset"].get<int64_t>()) == 0);
      REQUIRE(i + 1 < records.size());
      CHECK(records[i + 1]["fields"]["sightings"] == "0");
      CHECK(records[i + 1]["fields"]["kept-because"] == "retention.keep_unmatched = true");
    }
  }
  CHECK(unmatched == 2);
  CHECK(FilesContaining(t.data_dir, kInnocuousMarker) == warcs);
}

TEST_CASE("no evidence directory configured: sightings are recorded without evidence",
          "[integration]") {
  EvidenceSite t;
  t.options.evidence_dir.clear();
  t.Crawl();
  const auto sightings = t.Sightings();
  REQUIRE(sightings.size() == 4);
  for (const store::Sighting& s : sightings) CHECK_FALSE(s.evidence_warc.has_value());
  CHECK(t.WarcFiles().empty());
}

}  // namespace
}  // namespace leakwatch::crawler
