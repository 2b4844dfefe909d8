// leakwatch doctor: checks the setup a crawl needs, one ✓/✗ line each, exit 0/1.
#include <ostream>

#include "app/commands.h"
#include "app/content_options.h"
#include "app/crawl_setup.h"
#include "crawler/preflight.h"
#include "store/store.h"
#include "util/onion.h"

namespace leakwatch::app {
namespace {

void CheckSecrets(const config::Config& config, const Environment& env, Checklist& list) {
  const std::vector<config::SecretCheck> checks = config::CheckSecrets(config, env.vars);
  if (checks.empty()) {
    list.Skip("secrets", "none configured");
    return;
  }
  for (const config::SecretCheck& check : checks) {
    if (check.status.ok()) {
      list.Pass("secret " + check.key_path, check.target);
    } else {
      list.Fail("secret " + check.key_path, check.status.message());
    }
  }
}

// A mistyped onion address fails every run with Tor's "invalid onion address"; the
// v3 checksum finds the typo before any run.
void CheckOnionAddresses(const config::Config& config, Checklist& list) {
  int onions = 0;
  std::vector<std::string> problems;
  for (const config::SourceConfig& source : config.sources) {
    for (const std::string& url : source.urls) {
      Result<std::string> host = config::UrlHost(url);
      if (!host.has_value() || !util::IsOnionHost(*host)) continue;
      ++onions;
      const Status status = util::CheckOnionV3Address(*host);
      if (!status.ok()) problems.push_back("source " + source.name + ": " + status.message());
    }
  }
  if (onions == 0) {
    list.Skip("onion addresses", "no source has an .onion URL");
  } else if (problems.empty()) {
    list.Pass("onion addresses",
              std::to_string(onions) + " .onion URL(s), all well-formed v3 addresses");
  } else {
    std::string detail = problems.front();
    if (problems.size() > 1) detail += " (and " + std::to_string(problems.size() - 1) + " more)";
    list.Fail("onion addresses", detail, "copy the address again from a trusted source");
  }
}

constexpr std::chrono::seconds kProxyCheckTimeout{15};

void CheckPack(const config::Config& config, Checklist& list) {
  const config::MatchConfig& match = config.match;
  if (match.pack.empty()) {
    list.Skip("pack", "no [match].pack configured: crawls find mentions and links only");
    return;
  }
  Result<std::unique_ptr<match::Matcher>> matcher = LoadMatcher(config);
  if (!matcher.has_value()) {
    list.Fail("pack", matcher.error().message());
    return;
  }
  const match::IndexStats stats = (*matcher)->stats();
  list.Pass("pack", match.pack.string() + " loads with its key (" + std::to_string(stats.files) +
                        " files, " + std::to_string(stats.chunk_fingerprints) + " chunk and " +
                        std::to_string(stats.record_fingerprints) + " record fingerprints)");
}

void CheckTor(const config::Config& config, const Environment& env, Checklist& list) {
  if (config.tor.socks_proxy.empty()) {
    list.Skip("tor", "no [tor].socks_proxy: only direct sources can be crawled");
    return;
  }
  crawler::ControlPortOptions control;
  if (config.tor.control_port) {
    control.address = config.tor.control_port->ToString();
    control.cookie_file = config.tor.control_cookie_file;
    Result<std::string> password = ReadControlPassword(config.tor.control_password, env.vars);
    if (!password.has_value()) {
      list.Fail("tor", password.error().message());
      return;
    }
    control.password = *password;
  }
  Result<crawler::ProxyHealth> health =
      crawler::CheckProxy(config.tor.socks_proxy, control, kProxyCheckTimeout);
  if (!health.has_value()) {
    list.Fail("tor", health.error().message(), "is tor running? `systemctl status tor`");
    return;
  }
  std::string detail = config.tor.socks_proxy + (health->socks_ok ? " speaks SOCKS5" : "");
  if (health->bootstrap_percent) {
    detail += ", Tor bootstrapped " + std::to_string(*health->bootstrap_percent) + "%";
    if (!health->bootstrap_summary.empty()) detail += " (" + health->bootstrap_summary + ")";
  }
  if (health->ok()) {
    list.Pass("tor", detail);
  } else if (!health->tcp_ok) {
    list.Fail("tor", config.tor.socks_proxy + ": nothing listens there",
              "is tor running? `systemctl status tor`");
  } else {
    list.Fail("tor", detail, "wait for Tor to finish bootstrapping, or check its log");
  }
}

// A crawl that could not write its evidence (volume full, directory unwritable) left
// sightings without it. Their objects are fetched again by the next run, which can
// only write the evidence once the cause is fixed: a human has to look.
void CheckEvidence(const std::filesystem::path& db_path, Checklist& list) {
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec)) return;  // the database check says so
  const util::SystemClock clock;
  Result<store::Store> db = store::Store::Open(db_path, clock);
  if (!db.has_value()) return;  // the database check names the problem
  Result<std::vector<store::Run>> runs = db->runs().Latest(1);
  if (!runs.has_value() || runs->empty()) {
    list.Skip("evidence", "no crawl has run yet");
    return;
  }
  const store::Run& run = runs->front();
  const auto missing = run.stats.errors_by_class.find("evidence");
  if (missing == run.stats.errors_by_class.end() || missing->second == 0) {
    list.Pass("evidence", "the last crawl (run " + std::to_string(run.id) +
                              ") wrote the evidence of every sighting it recorded");
    return;
  }
  list.Fail("evidence",
            "the last crawl (run " + std::to_string(run.id) + ") could not write evidence " +
                std::to_string(missing->second) + " time(s): " + run.note.value_or(""),
            "free space on the evidence volume (or make [store] evidence_dir writable); the "
            "next crawl fetches those objects again and writes their evidence");
}

int RunDoctor(Context& ctx) {
  Checklist list(ctx.env().out_is_tty);
  const std::filesystem::path config_path = ctx.ConfigPath();
  Result<config::Config> config = config::LoadConfig(config_path, ctx.env().vars);
  if (!config.has_value()) {
    list.Fail("config", config.error().message());
    list.Print(ctx.out());
    return kExitFailure;
  }
  list.Pass("config", config_path.string() + " parses and validates (" +
                          std::to_string(config->sources.size()) + " sources)");
  CheckSecrets(*config, ctx.env(), list);
  CheckOnionAddresses(*config, list);
  AddDatabaseChecks(ctx.DbPath(*config), list);
  CheckEvidence(ctx.DbPath(*config), list);
  CheckPack(*config, list);
  CheckTor(*config, ctx.env(), list);
  list.Print(ctx.out());
  return list.all_passed() ? kExitOk : kExitFailure;
}

}  // namespace

void RegisterDoctor(CLI::App& root, Context& ctx, Action& action) {
  CLI::App* cmd = root.add_subcommand(
      "doctor",
      "Check the setup: config, secrets, onion addresses, database, the last crawl's "
      "evidence, fingerprint pack, Tor proxy; one ✓/✗ "
      "line per check, exit 0 when all pass, 1 otherwise");
  cmd->callback([&ctx, &action] { action = [&ctx] { return RunDoctor(ctx); }; });
}

}  // namespace leakwatch::app
