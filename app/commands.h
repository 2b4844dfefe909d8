// app/commands: every command group registers itself on the root CLI11 app here.
//
// Pattern: RegisterX adds its subcommand(s) to `root` with their flags bound to
// locals captured by a callback; when CLI11 selects the subcommand, the callback
// stores in `action` the function that runs the command after parsing finishes and
// returns its exit code. Command output goes to ctx.out(), errors via ctx.Fail().
// To add a command: write app/cmd_<name>.cc with a RegisterX, declare it below and
// add one line to kCommandRegistrations in cli.cc.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "app/checklist.h"
#include "app/context.h"

namespace leakwatch::app {

using Action = std::function<int()>;
using RegisterFn = void (*)(CLI::App& root, Context& ctx, Action& action);

// The whole command tree on `root`: name, description, --version, the global flags bound
// to ctx.flags, then every command. Run() parses with it; app/cli_docs renders the man
// page and the shell completion from it. `ctx` and `action` must outlive `root`.
void BuildCli(CLI::App& root, Context& ctx, Action& action);

void RegisterInit(CLI::App& root, Context& ctx, Action& action);
void RegisterDoctor(CLI::App& root, Context& ctx, Action& action);
void RegisterDb(CLI::App& root, Context& ctx, Action& action);
void RegisterSightings(CLI::App& root, Context& ctx, Action& action);
void RegisterNotify(CLI::App& root, Context& ctx, Action& action);
void RegisterFingerprint(CLI::App& root, Context& ctx, Action& action);
void RegisterScan(CLI::App& root, Context& ctx, Action& action);
void RegisterParse(CLI::App& root, Context& ctx, Action& action);
void RegisterCrawl(CLI::App& root, Context& ctx, Action& action);  // crawl and sources
void RegisterDemo(CLI::App& root, Context& ctx, Action& action);
void RegisterRuns(CLI::App& root, Context& ctx, Action& action);

// "corrupt 2, limit 1": anomaly (or error) counts by kind, terminal-safe; "-" when
// empty. Shared by `runs` and `sources`.
std::string AnomalyKindsText(const std::map<std::string, int64_t>& by_kind);

// The database lines of `db check`, shared with `doctor`: opens the file read-only,
// never creates or migrates it.
void AddDatabaseChecks(const std::filesystem::path& db_path, Checklist& list);

}  // namespace leakwatch::app
