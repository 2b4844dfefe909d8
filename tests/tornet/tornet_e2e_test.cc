// leakwatch through real Tor to real onion services: a private Tor network on loopback
// (scripts/tornet: 3 directory authorities, 2 relays, a client, an onion-service node)
// publishes two sites of the demo world -- the paste site and the phpBB forum -- as
// real v3 onion services. The real `leakwatch` binary crawls them through the client's
// SocksPort, must find the sites' seeded leaks and record the real .onion addresses;
// `leakwatch doctor` must report Tor bootstrapped through the client's control port
// (cookie authentication). Two more sources name onions Tor cannot reach, so Tor's
// onion-service errors must come back named. A second case runs a real Tor that can
// reach no network (`scripts/tornet start --offline`): crawl must stop early with the
// Tor-down exit code without blaming the source, and doctor must say Tor is not
// bootstrapped.
//
// Exits with 77 (CTest: skipped) when Debian's `tor` is not installed; scripts/test
// installs it first, so in CI this test really runs. Takes about a minute, mostly Tor's
// bootstrap (overlapped with building the pack); deadlines are generous (150 s per
// start attempt, two attempts) and nothing asserts on latency.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "demo/dataset.h"
#include "demo/world.h"
#include "store/store.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "util/clock.h"
#include "util/files.h"

namespace leakwatch {
namespace {

namespace fs = std::filesystem;

constexpr char kTornetScript[] = LW_SOURCE_DIR "/scripts/tornet";
// Per attempt of scripts/tornet start (ready in 15-45 s here, even at load 10 on 2
// cores); a network that does not get ready is replaced by a fresh one once.
constexpr int kReadinessTimeoutSeconds = 150;
constexpr int kStartAttempts = 2;
constexpr uint64_t kSeed = 11;

// A valid v3 onion address (a real ed25519 key, made by tor in a throwaway network)
// that no private network publishes: Tor's answer is "descriptor not found".
constexpr char kUnpublishedOnion[] =
    "mpceugphbfeloqjp576otijw6ogemijgbvj7q366vokuwlgzwe6f2dqd.onion";

bool TorInstalled() {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}) {
    if (access((std::string(dir) + "/tor").c_str(), X_OK) == 0 &&
        access((std::string(dir) + "/tor-gencert").c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

using testing::ProcessResult;
using testing::RunProcess;

// Progress lines on stdout (shown by ctest --output-on-failure): where the time went.
class Progress {
 public:
  void Line(const std::string& text) const {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::cout << "[tornet test " << std::fixed << std::setprecision(1) << s << "s] " << text << "\n"
              << std::flush;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The private Tor network of scripts/tornet, stopped (by PID) when this goes out of
// scope, whether the test passed, failed or threw. Every tor is also started with
// __OwningControllerProcess = this test's PID, so a crashed test leaves nothing behind.
class PrivateTorNetwork {
 public:
  explicit PrivateTorNetwork(fs::path dir) : dir_(std::move(dir)) {}
  ~PrivateTorNetwork() {
    try {
      const ProcessResult stop = RunProcess({kTornetScript, "stop", dir_.string()});
      if (stop.exit_code != 0) std::cerr << "tornet stop failed:\n" << stop.output;
    } catch (const std::exception& e) {
      std::cerr << "tornet stop: " << e.what() << "\n";
    }
  }
  PrivateTorNetwork(const PrivateTorNetwork&) = delete;
  PrivateTorNetwork& operator=(const PrivateTorNetwork&) = delete;

  // Runs `scripts/tornet start` with one onion service per web port, which returns
  // once each onion answers HTTP through the client. Asserts nothing (RunProcess
  // throws only when it cannot run the script), so it may run on another thread while
  // the test prepares the rest; pass its result to Adopt().
  ProcessResult Launch(const std::vector<uint16_t>& web_ports) const {
    std::vector<std::string> args;
    for (uint16_t port : web_ports) {
      args.push_back("--web-port");
      args.push_back(std::to_string(port));
    }
    return Launch(args);
  }
  // Only a client that can reach no network: Tor is up but never bootstraps.
  ProcessResult LaunchOffline() const { return Launch(std::vector<std::string>{"--offline"}); }

  // Checks that start succeeded and reads the addresses from DIR/env (the lines start
  // prints).
  void Adopt(const ProcessResult& start) {
    INFO("scripts/tornet start:\n" << start.output);
    REQUIRE(start.exit_code == 0);
    auto env = util::ReadFileCapped(dir_ / "env", 64 * 1024);
    REQUIRE(env.has_value());
    std::istringstream lines(*env);
    for (std::string line; std::getline(lines, line);) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq);
      const std::string value = line.substr(eq + 1);
      if (key == "socks") socks = value;
      if (key == "control") control = value;
      if (key == "cookie") cookie = value;
      if (key == "onion") onions.push_back(value);
    }
    REQUIRE(!socks.empty());
    REQUIRE(!control.empty());
    REQUIRE(fs::exists(cookie));
  }

  std::string socks;    // "127.0.0.1:PORT"
  std::string control;  // "127.0.0.1:PORT"
  std::string cookie;   // the client's control_auth_cookie
  std::vector<std::string> onions;

 private:
  ProcessResult Launch(const std::vector<std::string>& extra_args) const {
    std::vector<std::string> args = {kTornetScript,
                                     "start",
                                     dir_.string(),
                                     "--owner-pid",
                                     std::to_string(getpid()),
                                     "--timeout",
                                     std::to_string(kReadinessTimeoutSeconds),
                                     "--attempts",
                                     std::to_string(kStartAttempts)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return RunProcess(args);
  }

  fs::path dir_;
};

std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// "http://<demo onion>/x" -> "http://<real onion>/x".
std::string OnRealOnion(const std::string& url, const std::string& demo_onion,
                        const std::string& real_onion) {
  const size_t at = url.find(demo_onion);
  return at == std::string::npos
             ? url
             : url.substr(0, at) + real_onion + url.substr(at + demo_onion.size());
}

// Ends the whole test program with CTest's SKIP_RETURN_CODE when tor is missing.
void SkipUnlessTorInstalled() {
  if (TorInstalled()) return;
  std::cout << "SKIPPED: Debian's `tor` (with tor-gencert) is not installed; "
               "scripts/install-deps installs it\n"
            << std::flush;
  std::_Exit(77);
}

// Runs the built leakwatch with HOME and XDG dirs inside `dir`, so the user's own
// config and profiles stay out of the test.
ProcessResult Leakwatch(const testing::TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), LW_LEAKWATCH_BIN);
  return RunProcess(
      args, {"HOME=" + dir.path().string(), "XDG_CONFIG_HOME=" + (dir / "xdg-config").string(),
             "XDG_DATA_HOME=" + (dir / "xdg-data").string()});
}

// The [tor] section for the client of `tor`: SOCKS, control port, cookie.
std::string TorSection(const PrivateTorNetwork& tor, bool newnym) {
  return "[tor]\nsocks_proxy = " + TomlString("socks5h://" + tor.socks) +
         "\ncontrol_port = " + TomlString(tor.control) +
         "\ncontrol_cookie_file = " + TomlString(tor.cookie) +
         "\nnewnym = " + (newnym ? "true" : "false") + "\n\n";
}

TEST_CASE("leakwatch crawls demo sites published as real onion services through real Tor",
          "[tornet]") {
  SkipUnlessTorInstalled();
  testing::TempDir dir;
  auto leakwatch = [&](std::vector<std::string> args) { return Leakwatch(dir, std::move(args)); };

  Progress progress;

  // The demo world, small and quick: Tor adds the latency.
  demo::DatasetOptions dataset_options;
  dataset_options.seed = kSeed;
  auto dataset = demo::GenerateDataset(dir / "dataset", dataset_options);
  REQUIRE(dataset.has_value());
  demo::WorldOptions world_options;
  world_options.seed = kSeed;
  world_options.min_latency = std::chrono::milliseconds(0);
  world_options.max_latency = std::chrono::milliseconds(5);
  world_options.unavailable_rate = 0;
  world_options.innocuous_pastes = 40;
  world_options.pastes_per_page = 20;
  auto world = demo::World::Start(*dataset, world_options);
  REQUIRE(world.has_value());
  std::map<std::string, demo::WorldSource> sources;
  for (const demo::WorldSource& s : (*world)->Sources()) sources[s.name] = s;
  const std::vector<std::string> published = {"paste-recent", "forum-phpbb"};
  std::vector<uint16_t> web_ports;
  for (const std::string& name : published) {
    web_ports.push_back((*world)->SitePort(name));
    REQUIRE(web_ports.back() != 0);
  }
  progress.Line("dataset and demo world ready; starting the private Tor network");

  // Tor bootstraps (mostly waiting) while the pack is built (mostly CPU). `tor` stops
  // the network on every way out of this scope; the future, destroyed first, waits
  // for start to return.
  PrivateTorNetwork tor(dir / "tornet");
  std::future<ProcessResult> tor_started =
      std::async(std::launch::async, [&tor, &web_ports] { return tor.Launch(web_ports); });

  // The dataset's pack, made by the real CLI.
  const fs::path pack = dir / "dataset.lwfp";
  const fs::path key = dir / "dataset.key";
  {
    const ProcessResult keygen = leakwatch({"fingerprint", "keygen", key.string()});
    INFO(keygen.output);
    REQUIRE(keygen.exit_code == 0);
    const ProcessResult build =
        leakwatch({"fingerprint", "build", "--dataset", dataset->dir.string(), "--records",
                   (dataset->dir / dataset->records_file).string(), "--identifier",
                   demo::kIdentifierColumns, "--corroborating", demo::kCorroboratingColumns,
                   "--out", pack.string(), "--key-file", key.string()});
    INFO(build.output);
    REQUIRE(build.exit_code == 0);
  }
  progress.Line("pack built");

  tor.Adopt(tor_started.get());
  REQUIRE(tor.onions.size() == published.size());
  progress.Line("Tor network ready: both onions answer through the client");
  std::map<std::string, std::string> real_onion;  // source name -> real onion
  for (size_t i = 0; i < published.size(); ++i) real_onion[published[i]] = tor.onions[i];
  for (const auto& [name, onion] : real_onion) {
    CHECK(onion.size() == 56 + 6);  // a v3 address made by Tor, not one of the demo's names
    CHECK(onion != sources[name].onion);
  }

  // The config a user would write for Tor with a control port; sources name the real
  // onions. The forum's login cookie is set for the real onion's name.
  std::string toml =
      "[store]\ndb = " + TomlString((dir / "leakwatch.db").string()) +
      "\nevidence_dir = " + TomlString((dir / "evidence").string()) + "\n\n" +
      TorSection(tor, /*newnym=*/true) +
      "[crawl]\nconcurrency = 32\nper_host = 8\nmin_delay = \"0s\"\nmax_duration = \"150s\"\n"
      "connect_timeout = \"60s\"\ntotal_timeout = \"90s\"\nretry_base_backoff = \"1s\"\n"
      "retry_max_backoff = \"10s\"\nworkers = 2\n\n"
      "[match]\npack = " +
      TomlString(pack.string()) + "\nkey_file = " + TomlString(key.string()) +
      "\n\n[match.watch]\nterms = [\"Northreach Border Agency\", \"Perimetrix\"]\n\n";
  for (const std::string& name : published) {
    const demo::WorldSource& s = sources[name];
    toml += "[[sources]]\nname = " + TomlString(name) + "\nprofile = " + TomlString(s.profile) +
            "\nurls = [" + TomlString(OnRealOnion(s.start_urls.at(0), s.onion, real_onion[name])) +
            "]\n";
    if (!s.cookie_name.empty()) {
      const fs::path cookies = dir / (name + ".cookies");
      REQUIRE(util::WriteFileAtomic(cookies, "# Netscape HTTP Cookie File\n" + real_onion[name] +
                                                 "\tFALSE\t/\tFALSE\t0\t" + s.cookie_name + "\t" +
                                                 s.cookie_value + "\n")
                  .ok());
      toml += "cookies_file = " + TomlString(cookies.string()) + "\n";
    }
    toml += "\n";
  }
  // Two onions Tor cannot reach: a well-formed address that nobody publishes, and the
  // demo's offline mirror, whose v3-shaped name has no valid checksum.
  toml += "[[sources]]\nname = \"unpublished\"\nprofile = \"pastebin\"\nurls = [" +
          TomlString(std::string("http://") + kUnpublishedOnion + "/archive") + "]\n\n";
  toml += "[[sources]]\nname = \"bad-address\"\nprofile = \"pastebin\"\nurls = [" +
          TomlString(sources["paste-mirror"].start_urls.at(0)) + "]\n\n";
  const fs::path config = dir / "leakwatch.toml";
  REQUIRE(util::WriteFileAtomic(config, toml).ok());

  const ProcessResult crawl = leakwatch({"--config", config.string(), "crawl"});
  progress.Line("crawl done");
  INFO("crawl output:\n" << crawl.output);
  REQUIRE(crawl.exit_code == 0);
  CHECK(crawl.output.find("NEWNYM failed") == std::string::npos);

  // What the crawl recorded: every seeded leak of the two sites, under the real onion.
  util::SystemClock clock;
  auto db = store::Store::Open(dir / "leakwatch.db", clock);
  REQUIRE(db.has_value());
  store::SightingFilter all;
  all.limit = 0;
  auto sightings = db->sightings().Query(all);
  REQUIRE(sightings.has_value());
  std::ostringstream listing;
  for (const store::Sighting& s : *sightings) {
    listing << store::SightingKindName(s.kind) << " " << s.score << " " << s.source << " " << s.url
            << "\n";
  }
  INFO("sightings:\n" << listing.str());
  CHECK(!sightings->empty());
  for (const store::Sighting& s : *sightings) {
    REQUIRE(real_onion.count(s.source) == 1);
    CHECK(s.url.rfind("http://" + real_onion[s.source] + "/", 0) == 0);
    CHECK(s.url.find(sources[s.source].onion) == std::string::npos);
  }
  int leaks_checked = 0;
  for (const demo::SeededLeak& leak : (*world)->Leaks()) {
    if (real_onion.count(leak.source) == 0) continue;
    ++leaks_checked;
    std::set<std::string> urls;
    for (const std::string& url : leak.urls) {
      urls.insert(OnRealOnion(url, sources[leak.source].onion, real_onion[leak.source]));
    }
    bool found = false;
    for (const store::Sighting& s : *sightings) {
      const std::string kind(store::SightingKindName(s.kind));
      found = found || (urls.count(s.url) != 0 &&
                        std::find(leak.kinds.begin(), leak.kinds.end(), kind) != leak.kinds.end());
    }
    INFO("seeded leak " << leak.id << ": " << leak.description);
    CHECK(found);
  }
  CHECK(leaks_checked == 3);  // records paste, announcement, proof images

  // Tor's own onion-service errors (ExtendedErrors) name why the two unreachable onions
  // failed: in the run's summary, and in the health of the source that will be retried
  // (a bad address is permanent: recorded for its URL, never retried).
  CHECK(crawl.output.find("onion_descriptor_not_found 1") != std::string::npos);
  CHECK(crawl.output.find("onion_bad_address 1") != std::string::npos);
  auto health = db->sources().List();
  REQUIRE(health.has_value());
  std::map<std::string, store::Source> by_name;
  for (const store::Source& s : *health) by_name[s.name] = s;
  CHECK(by_name["unpublished"].last_error_class.value_or("") == "onion_descriptor_not_found");
  CHECK(by_name["unpublished"].consecutive_failures == 1);
  for (const std::string& name : published) {
    CHECK(by_name[name].consecutive_failures == 0);
    CHECK(by_name[name].last_success_at.has_value());
  }

  // The CLI's JSON view shows the same real addresses.
  const ProcessResult json =
      leakwatch({"--config", config.string(), "sightings", "--format", "json", "--limit", "0"});
  INFO(json.output);
  CHECK(json.exit_code == 0);
  for (const auto& [name, onion] : real_onion) {
    CHECK(json.output.find("http://" + onion + "/") != std::string::npos);
  }

  // doctor asks the client's control port (cookie authentication) for its bootstrap.
  const ProcessResult doctor = leakwatch({"--config", config.string(), "doctor"});
  progress.Line("doctor done");
  INFO("doctor output:\n" << doctor.output);
  CHECK(doctor.exit_code == 0);
  CHECK(doctor.output.find("socks5h://" + tor.socks + " speaks SOCKS5, Tor bootstrapped 100%") !=
        std::string::npos);
}

TEST_CASE("a real Tor that cannot reach the network: crawl stops early, doctor says why",
          "[tornet]") {
  SkipUnlessTorInstalled();
  testing::TempDir dir;
  PrivateTorNetwork tor(dir / "tornet");
  tor.Adopt(tor.LaunchOffline());
  REQUIRE(tor.onions.empty());
  const std::string toml =
      "[store]\ndb = " + TomlString((dir / "leakwatch.db").string()) +
      "\nevidence_dir = " + TomlString((dir / "evidence").string()) + "\n\n" +
      TorSection(tor, /*newnym=*/true) + "[crawl]\nconnect_timeout = \"10s\"\n\n" +
      "[[sources]]\nname = \"paste\"\nprofile = \"pastebin\"\nurls = [" +
      TomlString(std::string("http://") + kUnpublishedOnion + "/archive") + "]\n";
  const fs::path config = dir / "leakwatch.toml";
  REQUIRE(util::WriteFileAtomic(config, toml).ok());

  // One clear error and the Tor-down exit code; the source is not blamed.
  const ProcessResult crawl = Leakwatch(dir, {"--config", config.string(), "crawl"});
  INFO("crawl output:\n" << crawl.output);
  CHECK(crawl.exit_code == 69);  // app::kExitTorDown
  CHECK(crawl.output.find("Tor is not bootstrapped yet") != std::string::npos);
  util::SystemClock clock;
  auto db = store::Store::Open(dir / "leakwatch.db", clock);
  REQUIRE(db.has_value());
  auto health = db->sources().List();
  REQUIRE(health.has_value());
  for (const store::Source& s : *health) {
    INFO(s.name);
    CHECK(s.consecutive_failures == 0);
  }

  // doctor reaches the control port and reports the stalled bootstrap.
  const ProcessResult doctor = Leakwatch(dir, {"--config", config.string(), "doctor"});
  INFO("doctor output:\n" << doctor.output);
  CHECK(doctor.exit_code == 1);
  CHECK(doctor.output.find("speaks SOCKS5, Tor bootstrapped ") != std::string::npos);
  CHECK(doctor.output.find("Tor bootstrapped 100%") == std::string::npos);
  CHECK(doctor.output.find("wait for Tor to finish bootstrapping") != std::string::npos);
}

}  // namespace
}  // namespace leakwatch
