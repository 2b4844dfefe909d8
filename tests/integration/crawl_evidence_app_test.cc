// `leakwatch crawl`'s wiring of evidence: a TOML config through app::PrepareCrawl and
// app::RunCrawlAndNotify ([retention] keep_unmatched, [store] evidence_dir defaulting
// to beside a --db database), on the same onion fixture as crawl_evidence_test.
#include <sys/mount.h>
#include <unistd.h>

#include "app/crawl_setup.h"
#include "config/config.h"
#include "tests/integration/evidence_site.h"
#include "tests/unit/app/cli_runner.h"

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

// A real evidence directory that refuses the run's evidence, by the strongest means
// this process has: a 64 KiB tmpfs mounted on it (root with mount rights: a really full
// volume; the warcinfo record fits, no exchange does), else a directory without write
// permission (not root), else a regular file where the directory should be (root
// without mount rights, where permissions do not bind).
class RefusingEvidenceDir {
 public:
  explicit RefusingEvidenceDir(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    if (::geteuid() == 0 &&
        ::mount("lw-full", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") == 0) {
      how_ = "a full 64 KiB tmpfs";
      mounted_ = true;
    } else if (::geteuid() != 0) {
      fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
      how_ = "a directory without write permission";
    } else {
      fs::remove(dir_);
      std::ofstream(dir_) << "not a directory";
      how_ = "a regular file in the directory's place";
    }
  }
  ~RefusingEvidenceDir() { SpaceBack(); }
  RefusingEvidenceDir(const RefusingEvidenceDir&) = delete;
  RefusingEvidenceDir& operator=(const RefusingEvidenceDir&) = delete;

  // What the operator does: frees the volume (here: the tmpfs goes, with the run's
  // warcinfo-only file), fixes the permissions or moves the file away.
  void SpaceBack() {
    if (done_) return;
    done_ = true;
    if (mounted_) {
      ::umount2(dir_.c_str(), MNT_DETACH);
    } else if (fs::is_directory(dir_)) {
      fs::permissions(dir_, fs::perms::owner_all);
    } else {
      fs::remove(dir_);
    }
  }
  const std::string& how() const { return how_; }

 private:
  fs::path dir_;
  std::string how_;
  bool mounted_ = false;
  bool done_ = false;
};

// Issue 14 item 2 through the CLI, with a real failure: `crawl` exits 1 and says why,
// `doctor` flags it, `sightings export --format warc` refuses to pass off an export
// without the evidence as complete; once the volume has room again the next crawl
// fetches the objects again and everything exits 0.
TEST_CASE("leakwatch crawl fails loudly when evidence cannot be written, and the next run heals",
          "[integration]") {
  EvidenceSite t;
  app::Cli cli;
  const fs::path config = t.dir / "leakwatch.toml";
  std::ofstream(config) << ConfigText(t, /*keep_unmatched=*/false);
  const fs::path db_path = t.data_dir / "leakwatch.db";
  const std::vector<std::string> base = {"--config", config.string(), "--db", db_path.string()};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), base.begin(), base.end());
    const int code = cli(args);
    UNSCOPED_INFO("leakwatch " << args.back() << " -> " << code << "\nstdout:\n"
                               << cli.out << "\nstderr:\n"
                               << cli.err);
    return code;
  };

  RefusingEvidenceDir refusing(t.data_dir / "evidence");
  INFO("evidence directory: " << refusing.how());
  CHECK(run({"crawl"}) == app::kExitFailure);
  CHECK(cli.out.find("EVIDENCE MISSING for 2 object(s)") != std::string::npos);
  CHECK(cli.err.find("evidence could not be written for 2 object(s)") != std::string::npos);
  CHECK(cli.err.find((t.data_dir / "evidence").string()) != std::string::npos);
  const auto without = t.Sightings();
  REQUIRE(without.size() == 4);
  for (const store::Sighting& s : without) CHECK_FALSE(s.evidence_warc.has_value());
  run({"doctor"});
  CHECK(cli.out.find("evidence could not be written") != std::string::npos);
  CHECK(cli.out.find("free space on the evidence volume") != std::string::npos);
  CHECK(run({"sightings", "export", "--format", "warc"}) == app::kExitFailure);
  CHECK(cli.err.find("4 selected sighting(s) have no evidence recorded") != std::string::npos);

  refusing.SpaceBack();
  CHECK(run({"crawl"}) == app::kExitOk);
  CHECK(cli.out.find("EVIDENCE MISSING") == std::string::npos);
  const auto warcs = t.WarcFiles();
  REQUIRE(warcs.size() == 1);
  const auto records = testing::CheckWarc(warcs[0]);
  for (const store::Sighting& s : t.Sightings()) {
    INFO(s.url << " " << s.member_path);
    REQUIRE(s.evidence_warc.has_value());
    const nlohmann::json* response = RecordAt(records, s.evidence_warc_offset.value_or(-1));
    REQUIRE(response != nullptr);
    CHECK((*response)["target"] == s.url);
  }
  run({"doctor"});
  CHECK(cli.out.find("wrote the evidence of every sighting it recorded") != std::string::npos);
  CHECK(run({"sightings", "export", "--format", "warc"}) == app::kExitOk);
  CHECK(cli.err.find("exported 2 evidence record(s); 0 sighting(s) without evidence") !=
        std::string::npos);
}

// Issue 14 items 6 and 7: every [sources.headers] entry reaches the source's site
// through `leakwatch crawl`'s wiring, and none of them (nor the session cookie)
// follows a redirect to another host.
TEST_CASE("leakwatch crawl sends every source header, to the source's host only", "[integration]") {
  EvidenceSite t;
  constexpr char kOtherOnion[] = "otherxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion";
  auto started = demo::FixtureServer::Start();
  REQUIRE(started.has_value());
  std::unique_ptr<demo::FixtureServer> other = std::move(started).value();
  t.proxy->MapOnion(kOtherOnion, other->port());
  other->SetRoute("/landing", demo::Route::Html("<html><body><p>elsewhere</p></body></html>"));
  t.site->SetRoute("/moved",
                   demo::Route::Redirect(302, std::string("http://") + kOtherOnion + "/landing"));

  const config::Environment env = config::Environment::FromMap(
      {{"HOME", (t.dir / "home").string()}, {"XDG_DATA_HOME", (t.dir / "xdg-data").string()}});
  const std::string text =
      "[tor]\nsocks_proxy = " + nlohmann::json(t.proxy->ProxyUrl()).dump() +
      "\n\n[crawl]\nmin_delay = \"0s\"\n\n[[sources]]\nname = \"forum\"\nurls = [" +
      nlohmann::json(Url("/")).dump() + ", " + nlohmann::json(Url("/moved")).dump() +
      "]\n[sources.headers]\nCookie = \"lwsession=" + kSessionCookieValue +
      "\"\nAuthorization = \"Bearer forum-token\"\nReferer = " + nlohmann::json(Url("/")).dump() +
      "\nX-Forum-Token = \"t0k\"\nAccept-Language = \"de\"\n";
  auto config = config::ParseConfig(text, "test.toml", env);
  INFO((config.has_value() ? "" : config.error().message()));
  REQUIRE(config.has_value());
  auto setup = app::PrepareCrawl(*config, t.data_dir / "leakwatch.db", env);
  REQUIRE(setup.has_value());
  setup->options.preflight = false;  // the fixture gateway is not a Tor control port
  util::SystemClock clock;
  auto outcome = app::RunCrawlAndNotify(*setup, clock);
  REQUIRE(outcome.has_value());
  INFO(outcome->summary.ToString());

  const auto on_site = t.site->Requests();
  REQUIRE(on_site.size() >= 3);  // the two start URLs and the thread they link to
  for (const demo::HttpRequest& r : on_site) {
    INFO(r.target);
    CHECK(r.Header("cookie") == std::string("lwsession=") + kSessionCookieValue);
    CHECK(r.Header("authorization") == "Bearer forum-token");
    CHECK(r.Header("referer") == Url("/"));
    CHECK(r.Header("x-forum-token") == "t0k");
    CHECK(r.Header("accept-language") == "de");
  }
  const auto elsewhere = other->Requests();
  REQUIRE(elsewhere.size() == 1);
  CHECK(elsewhere[0].target == "/landing");
  for (const char* own : {"cookie", "authorization", "referer", "x-forum-token"}) {
    INFO(own);
    CHECK(elsewhere[0].Header(own).empty());
  }
  CHECK(elsewhere[0].Header("accept-language") == "en-US,en;q=0.5");  // the [crawl] default
}

}  // namespace
}  // namespace leakwatch::crawler
