// leakwatch doctor: checks the setup a crawl needs, one ✓/✗ line each, exit 0/1.
#include <ostream>

#include "app/commands.h"

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
  AddDatabaseChecks(ctx.DbPath(*config), list);
  list.Print(ctx.out());
  return list.all_passed() ? kExitOk : kExitFailure;
}

}  // namespace

void RegisterDoctor(CLI::App& root, Context& ctx, Action& action) {
  CLI::App* cmd = root.add_subcommand(
      "doctor",
      "Check the setup: config, secrets, database (later: pack, Tor proxy); one ✓/✗ "
      "line per check, exit 0 when all pass, 1 otherwise");
  cmd->callback([&ctx, &action] { action = [&ctx] { return RunDoctor(ctx); }; });
}

}  // namespace leakwatch::app
