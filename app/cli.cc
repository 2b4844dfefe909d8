#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <iostream>

#include "app/app.h"
#include "app/commands.h"
#include "app/context.h"
#include "util/log.h"

namespace leakwatch::app {
namespace {

constexpr std::array<RegisterFn, 11> kCommandRegistrations = {
    RegisterInit,   RegisterDoctor,      RegisterDb,   RegisterSightings,
    RegisterNotify, RegisterFingerprint, RegisterScan, RegisterParse,
    RegisterCrawl,  RegisterDemo,        RegisterRuns,
};

constexpr const char* kDescription =
    "leakwatch watches dark-web paste sites and forums, through Tor, for copies of one\n"
    "stolen dataset, and alerts its owner with evidence when the data appears.\n\n"
    "Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error\n"
    "(scan: 0 match, 1 no match, 2 error).";

util::LogLevel LevelFor(const GlobalFlags& flags) {
  if (flags.quiet) return util::LogLevel::kError;
  if (flags.verbose > 0) return util::LogLevel::kDebug;
  return util::LogLevel::kInfo;
}

// CLI11 reports "a subcommand is required" for `leakwatch frobnicate`; name the
// word the user typed instead. Returns "" when the first command word is known.
std::string FirstUnknownCommand(const CLI::App& root, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--config" || arg == "--db" || arg == "--log-format") {
      ++i;  // skip the option's value
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; })) {
      if (sub->check_name(arg)) return "";
    }
    return arg;
  }
  return "";
}

}  // namespace

Environment Environment::FromProcess() {
  Environment env;
  env.vars = config::Environment::Process();
  env.out_is_tty = ::isatty(STDOUT_FILENO) == 1;
  return env;
}

void BuildCli(CLI::App& root, Context& ctx, Action& action) {
  root.description(kDescription);
  root.name("leakwatch");
  root.set_version_flag("--version", std::string("leakwatch ") + LW_VERSION);
  root.require_subcommand(1);
  root.fallthrough();  // global flags may follow the command name
  root.add_option("--config", ctx.flags.config_path,
                  "Config file (default: $LEAKWATCH_CONFIG, else "
                  "$XDG_CONFIG_HOME/leakwatch/leakwatch.toml)");
  root.add_option("--db", ctx.flags.db_path, "SQLite database (default: [store].db of the config)");
  root.add_flag("-v,--verbose", ctx.flags.verbose, "More log output (debug level)");
  root.add_flag("-q,--quiet", ctx.flags.quiet, "Only errors in the log");
  root.add_option("--log-format", ctx.flags.log_format, "Log format on stderr")
      ->check(CLI::IsMember({"text", "json"}));
  for (RegisterFn reg : kCommandRegistrations) reg(root, ctx, action);
}

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env) {
  Context ctx(out, err, env);
  CLI::App root;
  Action action;
  BuildCli(root, ctx, action);

  // CLI11 parses a reversed argv-like vector.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    root.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    out << root.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    out << root.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    const std::string unknown = FirstUnknownCommand(root, args);
    if (!unknown.empty()) {
      err << "leakwatch: unknown command '" << unknown << "'\n";
    } else {
      err << "leakwatch: " << e.what() << "\n";
    }
    err << "Run `leakwatch --help` (or `leakwatch COMMAND --help`) for usage.\n";
    return kExitUsage;
  }

  util::SetupLogging(
      ctx.flags.log_format == "json" ? util::LogFormat::kJson : util::LogFormat::kText,
      LevelFor(ctx.flags));
  if (!action) {
    err << "leakwatch: no command given; run `leakwatch --help`\n";
    return kExitUsage;
  }
  try {
    return action();
  } catch (const std::exception& e) {
    // Modules return Status; anything thrown here is a bug, reported plainly.
    err << "leakwatch: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return Run(args, std::cout, std::cerr, Environment::FromProcess());
}

}  // namespace leakwatch::app
