// `leakwatch runs`, `runs show` and the anomaly line of `sources`, on a real database
// holding runs and anomaly rows with hostile URLs and member paths.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "tests/support/hostile_text.h"
#include "tests/unit/app/cli_runner.h"
#include "util/clock.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

constexpr char kUrl[] =
    "http://dumpxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/dl/x.zip";
// A member name that clears the screen and reverses the text after it.
constexpr char kHostileMember[] =
    "dump/\x1b[2J\xe2\x80\xae"
    "evil.bin";
constexpr char kHostileDetail[] = "damaged archive: \x1b]0;owned\x07 bad header";

struct Fixture {
  Cli cli;
  fs::path db = cli.home / "lw.db";
  int64_t first_run = 0;
  int64_t second_run = 0;

  Fixture() {
    util::FakeClock clock(util::FromUnixSeconds(1795766400));  // 2026-11-27T08:00:00Z
    auto store = store::Store::Open(db, clock);
    REQUIRE(store.has_value());
    const int64_t source = store->sources().Upsert("dump-site", "generic").value();
    first_run = store->runs().Start(100).value();
    store::RunStats stats;
    stats.pages = 7;
    stats.bytes = 123456;
    stats.errors = 1;
    stats.errors_by_class = {{"timeout", 1}, {"anomaly", 3}};
    REQUIRE(store->runs().Finish(first_run, store::RunStatus::kOk, stats, "7 pages").ok());
    clock.Advance(std::chrono::hours(1));
    second_run = store->runs().Start(101).value();
    store::FetchLogEntry fetch;
    fetch.run_id = second_run;
    fetch.source_id = source;
    fetch.url = kUrl;
    REQUIRE(store->fetches().Log(fetch).has_value());
    REQUIRE(store->anomalies()
                .Record(second_run, source,
                        {{kUrl, "dump/zeros.bin", "limit", "expansion ratio"},
                         {kUrl, kHostileMember, "corrupt", kHostileDetail},
                         {kUrl, "", "corrupt", "cannot open archive: truncated"}})
                .has_value());
    stats.pages = 3;
    stats.errors = 0;
    stats.errors_by_class = {{"anomaly", 3}};
    REQUIRE(store->runs().Finish(second_run, store::RunStatus::kOk, stats).ok());
  }

  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db.string()});
    return cli(args);
  }
};

bool HasControlBytes(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c == '\x1b' || c == '\x07'; });
}

// Terminal escapes, or the RIGHT-TO-LEFT OVERRIDE that can disguise a name.
bool UnsafeForTerminal(const std::string& text) {
  return HasControlBytes(text) || text.find("\xe2\x80\xae") != std::string::npos;
}

TEST_CASE("runs lists recent runs newest first with pages, bytes, errors and anomalies", "[unit]") {
  Fixture f;
  REQUIRE(f.Run({"runs"}) == 0);
  INFO(f.cli.out);
  CHECK(Contains(f.cli.out, "ANOMALIES BY KIND"));
  const size_t second = f.cli.out.find("\n" + std::to_string(f.second_run) + " ");
  const size_t first = f.cli.out.find("\n" + std::to_string(f.first_run) + " ");
  REQUIRE(second != std::string::npos);
  REQUIRE(first != std::string::npos);
  CHECK(second < first);
  CHECK(Contains(f.cli.out, "2026-11-27 09:00"));
  CHECK(Contains(f.cli.out, "corrupt 2, limit 1"));
  CHECK(Contains(f.cli.out, "123456"));

  REQUIRE(f.Run({"runs", "--limit", "1"}) == 0);
  CHECK(Contains(f.cli.out, "\n" + std::to_string(f.second_run) + " "));
  CHECK_FALSE(Contains(f.cli.out, "\n" + std::to_string(f.first_run) + " "));
}

TEST_CASE("runs --format json follows docs/runs-format.md", "[unit]") {
  Fixture f;
  REQUIRE(f.Run({"runs", "--format", "json"}) == 0);
  const nlohmann::json runs = nlohmann::json::parse(f.cli.out);
  REQUIRE(runs.is_array());
  REQUIRE(runs.size() == 2);
  const nlohmann::json& newest = runs[0];
  CHECK(newest["id"] == f.second_run);
  CHECK(newest["status"] == "ok");
  CHECK(newest["started_at"] == "2026-11-27T09:00:00Z");
  CHECK(newest["pages"] == 3);
  CHECK(newest["anomalies"]["total"] == 3);
  CHECK(newest["anomalies"]["stored"] == 3);
  CHECK(newest["anomalies"]["by_kind"] == nlohmann::json({{"corrupt", 2}, {"limit", 1}}));
  const nlohmann::json& oldest = runs[1];
  CHECK(oldest["bytes"] == 123456);
  CHECK(oldest["errors"] == 1);
  CHECK(oldest["errors_by_class"]["timeout"] == 1);
  CHECK(oldest["anomalies"]["total"] == 0);
  CHECK(oldest["note"] == "7 pages");
}

TEST_CASE("runs show names the member that hit a limit, terminal-safe", "[unit]") {
  Fixture f;
  REQUIRE(f.Run({"runs", "show", std::to_string(f.second_run)}) == 0);
  INFO(f.cli.out);
  CHECK(Contains(f.cli.out, "limit: expansion ratio, in member dump/zeros.bin of " +
                                std::string(kUrl) + " (source dump-site)"));
  CHECK(Contains(f.cli.out, "corrupt: cannot open archive: truncated, in " + std::string(kUrl)));
  CHECK(Contains(f.cli.out, "evil.bin"));
  CHECK_FALSE(UnsafeForTerminal(f.cli.out));

  REQUIRE(f.Run({"runs", "show", std::to_string(f.second_run), "--kind", "limit"}) == 0);
  CHECK(Contains(f.cli.out, "dump/zeros.bin"));
  CHECK_FALSE(Contains(f.cli.out, "evil.bin"));

  // JSON keeps the stored text as it is (escaped by the JSON encoder, not altered).
  REQUIRE(f.Run({"runs", "show", std::to_string(f.second_run), "--format", "json"}) == 0);
  const nlohmann::json shown = nlohmann::json::parse(f.cli.out);
  REQUIRE(shown["anomaly_rows"].size() == 3);
  CHECK(shown["anomaly_rows"][1]["member_path"] == kHostileMember);
  CHECK(shown["anomaly_rows"][0]["source"] == "dump-site");
  CHECK_FALSE(HasControlBytes(f.cli.out));  // \u001b escapes, never the raw byte
}

TEST_CASE("runs refuses bad input and a missing database", "[unit]") {
  Fixture f;
  CHECK(f.Run({"runs", "show", "999"}) == 1);
  CHECK(Contains(f.cli.err, "no run with id 999"));
  CHECK(f.Run({"runs", "--format", "csv"}) == 2);
  CHECK(Contains(f.cli.err, "--format csv"));
  CHECK(f.Run({"runs", "--limit", "-3"}) == 2);

  Cli cli;
  const std::string missing = (cli.home / "typo.db").string();
  CHECK(cli({"--db", missing, "runs"}) == 1);
  CHECK(Contains(cli.err, "no database at"));
  CHECK_FALSE(fs::exists(missing));

  REQUIRE(cli({"runs", "--help"}) == 0);
  CHECK(Contains(cli.out, "--limit"));
  CHECK(Contains(cli.out, "--format"));
  CHECK(Contains(cli.out, "anomalies"));
}

TEST_CASE("runs show says when the per-run bound dropped rows", "[unit]") {
  Cli cli;
  const fs::path db = cli.home / "lw.db";
  int64_t run = 0;
  {
    util::FakeClock clock(util::FromUnixSeconds(1795766400));
    auto store = store::Store::Open(db, clock);
    REQUIRE(store.has_value());
    const int64_t source = store->sources().Upsert("s", "generic").value();
    run = store->runs().Start(1).value();
    std::vector<store::NewAnomaly> many(store::kMaxAnomalyRowsPerObject + 20,
                                        store::NewAnomaly{kUrl, "m", "corrupt", "bad"});
    REQUIRE(store->anomalies().Record(run, source, many).has_value());
  }
  REQUIRE(cli({"--db", db.string(), "runs", "show", std::to_string(run)}) == 0);
  const std::string total = std::to_string(store::kMaxAnomalyRowsPerObject + 20);
  CHECK(Contains(cli.out, total + " (corrupt " + total + ") (" +
                              std::to_string(store::kMaxAnomalyRowsPerObject) + " stored"));
}

TEST_CASE("sources shows the anomalies of each source's last run", "[unit]") {
  Fixture f;
  const fs::path config = f.cli.home.Write(
      "lw.toml", "[store]\ndb = \"" + f.db.string() +
                     "\"\n[[sources]]\nname = \"dump-site\"\nprofile = \"generic\"\n"
                     "urls = [\"http://" +
                     std::string(56, 'a') + ".onion/\"]\n");
  REQUIRE(f.cli({"--config", config.string(), "sources"}) == 0);
  INFO(f.cli.out);
  CHECK(Contains(f.cli.out, "dump-site"));
  CHECK(Contains(f.cli.out, "last run " + std::to_string(f.second_run) +
                                ": 3 anomalies (corrupt 2, limit 1): `leakwatch runs show " +
                                std::to_string(f.second_run) + "`"));
}

// Issue 14 item 8: every C0, C1 and bidi control (and invalid UTF-8) stored from a
// hostile site, through every output of runs, runs show, sources and doctor.
TEST_CASE("runs, sources and doctor show no C0, C1 or bidi control of any stored text", "[unit]") {
  using testing::FirstHostile;
  const std::string hostile = testing::EveryHostileCodePoint();
  Cli cli;
  const fs::path db = cli.home / "lw.db";
  int64_t run = 0;
  {
    util::FakeClock clock(util::FromUnixSeconds(1795766400));
    auto store = store::Store::Open(db, clock);
    REQUIRE(store.has_value());
    const int64_t source = store->sources().Upsert("dump-site", "generic").value();
    REQUIRE(store->sources()
                .RecordFailure(source, store::SourceState::kFailing, "redirect", hostile)
                .ok());
    run = store->runs().Start(1).value();
    store::FetchLogEntry fetch;
    fetch.run_id = run;
    fetch.source_id = source;
    fetch.url = kUrl;
    REQUIRE(store->fetches().Log(fetch).has_value());
    REQUIRE(store->anomalies()
                .Record(run, source, {{"http://a.onion/" + hostile, hostile, hostile, hostile}})
                .has_value());
    store::RunStats stats;
    stats.errors = 1;
    stats.errors_by_class = {{"evidence", 1}};
    REQUIRE(store->runs().Finish(run, store::RunStatus::kFailed, stats, hostile).ok());
  }
  const fs::path config =
      cli.home.Write("lw.toml", "[store]\ndb = \"" + db.string() +
                                    "\"\n[[sources]]\nname = \"dump-site\"\nprofile = \"generic\"\n"
                                    "urls = [\"http://" +
                                    std::string(56, 'a') + ".onion/\"]\n");
  const std::vector<std::vector<std::string>> commands = {
      {"runs"},
      {"runs", "--format", "json"},
      {"runs", "show", std::to_string(run)},
      {"runs", "show", std::to_string(run), "--format", "json"},
      {"sources"},
      {"doctor"}};
  for (const auto& args : commands) {
    std::vector<std::string> full = {"--config", config.string()};
    full.insert(full.end(), args.begin(), args.end());
    const int code = cli(full);
    INFO(args.front() + " " + (args.size() > 1 ? args[1] : "") + " exit " + std::to_string(code) +
         "\n" + cli.out + cli.err);
    CHECK(code <= 1);
    CHECK(FirstHostile(cli.out, "\n").value_or("") == "");
    CHECK(FirstHostile(cli.err, "\n").value_or("") == "");
  }
  // The JSON still carries the stored values (escaped, not altered).
  REQUIRE(cli({"--config", config.string(), "runs", "show", std::to_string(run), "--format",
               "json"}) == 0);
  const nlohmann::json shown = nlohmann::json::parse(cli.out);
  REQUIRE(shown["anomaly_rows"].size() == 1);
  const std::string detail = shown["anomaly_rows"][0]["detail"];
  CHECK(detail.find("\xc2\x9b"
                    "x\xc2\x9c") != std::string::npos);
  CHECK(detail.find("\xe2\x80\xae"
                    "x") != std::string::npos);
}

TEST_CASE("sources says how much of the files received in part is left", "[unit]") {
  Fixture f;
  {
    util::FakeClock clock(util::FromUnixSeconds(1795780000));
    auto store = store::Store::Open(f.db, clock);
    REQUIRE(store.has_value());
    const int64_t source = store->sources().Get("dump-site")->id;
    const int64_t run = store->runs().Start(102).value();
    const std::pair<std::string, std::optional<int64_t>> files[] = {
        {"/dl/a.tar.gz", int64_t{4} << 30}, {"/dl/b.zip", std::nullopt}, {"/dl/c.csv", 100}};
    for (const auto& [path, size] : files) {
      store::NewFrontierUrl url;
      url.source_id = source;
      url.url = std::string(kUrl) + path;
      url.kind = store::UrlKind::kFile;
      REQUIRE(store->frontier().AddIfNew(url).has_value());
      const auto taken = store->frontier().TakeDue(run, 1, source).value();
      REQUIRE(taken.size() == 1);
      store::FetchCompletion c;
      c.last_status = "partial";
      c.revisit_at = 1795780000;
      c.resume = store::FetchCompletion::Resume{int64_t{1} << 29, "\"v1\"", size};
      if (path == "/dl/c.csv") c.resume.reset();  // read to its end: nothing left
      REQUIRE(store->frontier().Complete(taken[0].id, c).ok());
    }
  }
  const fs::path config = f.cli.home.Write(
      "lw.toml", "[store]\ndb = \"" + f.db.string() +
                     "\"\n[[sources]]\nname = \"dump-site\"\nprofile = \"generic\"\n"
                     "urls = [\"http://" +
                     std::string(56, 'a') + ".onion/\"]\n");
  REQUIRE(f.cli({"--config", config.string(), "sources"}) == 0);
  INFO(f.cli.out);
  CHECK(Contains(f.cli.out, "files in part: 2, 1.0 GiB received of 4.0 GiB (1 of unknown size)"));
}

}  // namespace
}  // namespace leakwatch::app
