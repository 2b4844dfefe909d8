// Test support for the evidence tests: a fingerprint pack of one leaked file and an
// onion (fixture site behind the SOCKS5 gateway) with pages that match nothing (they
// carry kInnocuousMarker), the leaked file served gzip-encoded and an archive holding
// it; plus helpers to search a data directory and read warc_check.py's records.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
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

namespace leakwatch::crawler::evidence_test {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kOnion[] = "evidencexxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion";
// In unmatched pages only: must never reach the disk unless keep_unmatched.
constexpr char kInnocuousMarker[] = "lw-innocuous-marker-q7Zk2pWm";
// Our own secrets: never in the evidence or anywhere under the data directory.
constexpr char kSessionCookieValue[] = "lw-session-secret-Hx81vQ";
constexpr char kSocksSecret[] = "lw-socks-secret-Jd02nR";

inline std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
  return bytes;
}

// A one-file dataset (`content` at dataset/`name` under `dir`), its pack
// (dir/dataset.lwfp) and key (dir/dataset.key), loaded.
inline std::unique_ptr<match::Matcher> PackOf(const leakwatch::testing::TempDir& dir,
                                              const std::string& name, const std::string& content) {
  dir.Write("dataset/" + name, content);
  REQUIRE(match::GenerateKeyFile(dir / "dataset.key").ok());
  auto key = match::DatasetKey::Load(dir / "dataset.key");
  REQUIRE(key.has_value());
  match::BuildOptions build;
  build.dataset_dir = dir / "dataset";
  build.output = dir / "dataset.lwfp";
  REQUIRE(match::BuildPack(build, *key).has_value());
  auto matcher = match::Matcher::Load(dir / "dataset.lwfp", std::move(*key));
  REQUIRE(matcher.has_value());
  return std::move(matcher).value();
}

inline std::string Url(const std::string& path) { return std::string("http://") + kOnion + path; }

// A gzip-compressed tar of `members` (name, content), written by libarchive.
inline std::string MakeTarGz(const std::vector<std::pair<std::string, std::string>>& members) {
  size_t total = 0;
  for (const auto& [name, content] : members) total += content.size();
  std::string out(total + 64 * 1024, '\0');
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_gzip(a);
  REQUIRE(archive_write_open_memory(a, out.data(), out.size(), &used) == ARCHIVE_OK);
  for (const auto& [name, content] : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, content.data(), content.size()) ==
            static_cast<la_ssize_t>(content.size()));
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

inline std::string MakeTarGz(const std::string& member, const std::string& content) {
  return MakeTarGz({{member, content}});
}

// Every regular file under `dir` whose bytes contain `needle`.
inline std::vector<fs::path> FilesContaining(const fs::path& dir, const std::string& needle) {
  std::vector<fs::path> hits;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (testing::ReadWholeFile(entry.path()).find(needle) != std::string::npos) {
      hits.push_back(entry.path());
    }
  }
  return hits;
}

inline std::string Join(const std::vector<fs::path>& paths) {
  std::string out;
  for (const auto& p : paths) out += p.string() + " ";
  return out;
}

inline const nlohmann::json* RecordAt(const std::vector<nlohmann::json>& records, int64_t offset) {
  for (const auto& r : records) {
    if (r["offset"] == offset) return &r;
  }
  return nullptr;
}

inline std::string HttpHeader(const nlohmann::json& record, const std::string& name) {
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
    matcher = PackOf(dir, "photos/traveler-0001.jpg", leaked);

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

  // One run, whatever its outcome.
  Result<CrawlSummary> TryCrawl() {
    auto profiles = parsers::ProfileSet::WithBuiltins();
    REQUIRE(profiles.has_value());
    ParsersPageProcessor processor(*profiles, matcher.get());
    util::SystemClock clock;
    return RunCrawl(options, processor, clock);
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

}  // namespace leakwatch::crawler::evidence_test
