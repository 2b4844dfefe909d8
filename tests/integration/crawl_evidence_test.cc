// Evidence on the real pipeline: RunCrawl through the SOCKS5 gateway to fixture onion
// sites, with the production ParsersPageProcessor and a real fingerprint pack. Checks
// that what matched is kept in the run's WARC file (offsets on the sightings point at
// verifiable `response` records, read back by an independent strict reader) and that
// what matched nothing is written nowhere under the data directory, unless
// keep_unmatched; and that our session secrets never reach the evidence.
#include "tests/integration/evidence_site.h"

namespace leakwatch::crawler {
namespace {

using namespace evidence_test;  // NOLINT: the fixture's names read better unqualified
namespace fs = std::filesystem;

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

  SECTION("a later run with evidence fills it in for sightings seen again") {
    // The archive is re-packed at the same URL: the member is the same sighting (only
    // last_seen moves), the new outer object is fetched and kept as evidence.
    const std::string repacked =
        MakeTarGz({{"dump/photos/0001.jpg", t.leaked}, {"readme.txt", "enjoy"}});
    demo::Route tgz = demo::Route::Text(repacked);
    tgz.content_type = "application/gzip";
    t.site->SetRoute("/dl/dump.tar.gz", tgz);
    t.options.evidence_dir = t.data_dir / "evidence";
    const CrawlSummary second = t.Crawl();
    const auto warcs = t.WarcFiles();
    REQUIRE(warcs.size() == 1);
    const auto records = testing::CheckWarc(warcs[0]);
    bool member_filled = false;
    for (const store::Sighting& s : t.Sightings()) {
      if (s.member_path != "dump/photos/0001.jpg") continue;
      CHECK(s.run_id != second.run_id);  // recorded by the first run
      REQUIRE(s.evidence_warc.has_value());
      const nlohmann::json* response = RecordAt(records, s.evidence_warc_offset.value_or(-1));
      REQUIRE(response != nullptr);
      CHECK((*response)["payload_sha256"] == util::Sha256Hex(repacked));
      member_filled = true;
    }
    CHECK(member_filled);
  }
}

// Issue 14 item 2: with the evidence volume full, a run used to record the sightings
// without evidence, complete their objects and exit 0; the next run, with space back,
// saw the same hash and fetched nothing again, so the evidence was lost for good.
TEST_CASE("evidence that could not be written is fetched again and filled in by the next run",
          "[integration]") {
  EvidenceSite t;
  // The archive is a file linked from the board (fetched once, unless re-queued); the
  // leaked file is a start URL (a listing, revisited every run but unchanged).
  t.site->SetRoute("/", demo::Route::Html(std::string("<html><body><p>") + kInnocuousMarker +
                                          "</p><a href=\"/t/1\">thread</a> <a "
                                          "href=\"/dl/dump.tar.gz\">dump</a></body></html>"));
  t.options.sources[0].start_urls = {Url("/"), Url("/dl/photos.bin")};
  t.options.route_alerts = [](const store::NewSighting&) {
    return std::vector<store::NotificationRequest>{{"webhook:0", "{}"}};
  };
  // Room for the warcinfo record only: every exchange meets a full volume.
  t.options.evidence_max_file_size_for_testing = 1024;
  auto first = t.TryCrawl();
  REQUIRE(first.has_value());
  INFO(first->ToString());
  CHECK(first->status == store::RunStatus::kFailed);
  CHECK(first->evidence_missing == 2);
  CHECK(first->stats.errors_by_class["evidence"] == 2);
  CHECK(first->ToString().find("EVIDENCE MISSING for 2 object(s)") != std::string::npos);
  const auto before = t.Sightings();
  REQUIRE(before.size() == 4);
  for (const store::Sighting& s : before) CHECK_FALSE(s.evidence_warc.has_value());
  {
    util::SystemClock clock;
    auto store = store::Store::Open(t.options.db_path, clock);
    REQUIRE(store.has_value());
    auto run = store->runs().Get(first->run_id);
    REQUIRE(run.has_value());
    CHECK(run->status == store::RunStatus::kFailed);
    CHECK(run->note.value_or("").find("evidence could not be written for 2 object(s)") !=
          std::string::npos);
    CHECK(run->note.value_or("").find("No space left on device") != std::string::npos);
    // Not completed: due again, with no hash or validators that would make the next
    // run skip it as unchanged.
    auto source = store->sources().List();
    REQUIRE(source.has_value());
    REQUIRE(source->size() == 1);
    for (const char* path : {"/dl/dump.tar.gz", "/dl/photos.bin"}) {
      INFO(path);
      auto entry = store->frontier().Find(source->front().id, Url(path));
      REQUIRE(entry.has_value());
      REQUIRE(entry->has_value());
      CHECK((*entry)->state == store::FrontierState::kPending);
      CHECK_FALSE((*entry)->content_hash.has_value());
      CHECK_FALSE((*entry)->etag.has_value());
    }
  }
  CHECK(t.site->Hits("/dl/dump.tar.gz") == 1);

  // Space back: the next run fetches both objects again and fills their evidence in.
  t.options.evidence_max_file_size_for_testing = 0;
  const CrawlSummary second = t.Crawl();
  CHECK(second.status == store::RunStatus::kOk);
  CHECK(second.evidence_missing == 0);
  CHECK(second.new_sightings == 0);
  CHECK(t.site->Hits("/dl/dump.tar.gz") == 2);
  std::map<std::string, std::vector<nlohmann::json>> files;
  for (const fs::path& warc : t.WarcFiles()) {
    files[fs::absolute(warc).string()] = testing::CheckWarc(warc);
  }
  util::SystemClock clock;
  auto store = store::Store::Open(t.options.db_path, clock);
  REQUIRE(store.has_value());
  const auto after = t.Sightings();
  REQUIRE(after.size() == 4);
  for (const store::Sighting& s : after) {
    INFO(s.url << " " << s.member_path);
    REQUIRE(s.evidence_warc.has_value());
    REQUIRE(files.count(*s.evidence_warc) == 1);
    const nlohmann::json* response =
        RecordAt(files[*s.evidence_warc], s.evidence_warc_offset.value_or(-1));
    REQUIRE(response != nullptr);
    CHECK((*response)["type"] == "response");
    CHECK((*response)["target"] == s.url);
    // Alerted once, when it was new; the evidence filled in later alerts nobody again.
    auto messages = store->outbox().ListForSighting(s.id);
    REQUIRE(messages.has_value());
    CHECK(messages->size() == 1);
  }
  // Nothing is fetched a third time: the objects are complete now.
  t.Crawl();
  CHECK(t.site->Hits("/dl/dump.tar.gz") == 2);
}

TEST_CASE("a run that dies at any store commit leaves only verifiable evidence behind",
          "[integration][.slow]") {
  EvidenceSite t;
  bool clean_run = false;
  int runs_with_orphans = 0;  // a failed run's records that no sighting cites
  constexpr int kMaxCommits = 200;
  for (int k = 1; k <= kMaxCommits && !clean_run; ++k) {
    INFO("commit fault at k = " << k);
    fs::remove_all(t.data_dir);
    t.options.commit_fault_for_testing = k;
    clean_run = t.TryCrawl().has_value();  // fails once the k-th commit is reached
    t.options.commit_fault_for_testing = 0;
    t.Crawl();  // the next run picks up where the failed one stopped

    // Every WARC file is a clean sequence of records (the failed run's unreferenced
    // records included); every sighting points at a response record of its URL.
    std::map<std::string, std::vector<nlohmann::json>> files;
    for (const fs::path& warc : t.WarcFiles()) {
      files[fs::absolute(warc).string()] = testing::CheckWarc(warc);
    }
    const auto sightings = t.Sightings();
    REQUIRE(sightings.size() == 4);
    std::set<std::pair<std::string, int64_t>> cited;
    for (const store::Sighting& s : sightings) {
      REQUIRE(s.evidence_warc.has_value());
      REQUIRE(files.count(*s.evidence_warc) == 1);
      cited.insert({*s.evidence_warc, s.evidence_warc_offset.value_or(-1)});
      const nlohmann::json* response =
          RecordAt(files[*s.evidence_warc], s.evidence_warc_offset.value_or(-1));
      REQUIRE(response != nullptr);
      CHECK((*response)["type"] == "response");
      CHECK((*response)["target"] == s.url);
    }
    size_t responses = 0;
    for (const auto& [file, records] : files) {
      for (const auto& r : records) responses += r["type"] == "response" ? 1u : 0u;
    }
    if (responses > cited.size()) ++runs_with_orphans;
    CHECK(Join(FilesContaining(t.data_dir, kInnocuousMarker)).empty());
  }
  CHECK(clean_run);
  // Whether some fault landed after a WARC sync and before its commit depends on how
  // the results were batched into transactions in this run (a fresh-clone CI run saw
  // none once); the properties above are what must hold either way.
  if (runs_with_orphans == 0) WARN("no fault landed between a WARC sync and its commit");
}

}  // namespace
}  // namespace leakwatch::crawler
