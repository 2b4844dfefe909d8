// leakwatch init: a commented starter config and the private data directory at the
// XDG locations. Never overwrites: an existing config is kept as it is.
#include <filesystem>
#include <ostream>

#include "app/commands.h"
#include "store/store.h"
#include "util/files.h"

namespace leakwatch::app {
namespace {
namespace fs = std::filesystem;

int RunInit(Context& ctx) {
  const fs::path config_path = ctx.ConfigPath();
  std::error_code ec;
  if (fs::exists(config_path, ec)) {
    ctx.out() << "config: " << config_path.string() << " exists, kept as it is\n";
  } else {
    if (config_path.has_parent_path()) {
      if (Status st = util::EnsurePrivateDirectory(config_path.parent_path()); !st.ok()) {
        return ctx.Fail(st);
      }
    }
    if (Status st = util::WriteFileAtomic(config_path, config::StarterConfigText()); !st.ok()) {
      return ctx.Fail(st);
    }
    ctx.out() << "config: wrote " << config_path.string() << " (edit it: sources, pack, notify)\n";
  }

  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  const fs::path db_path = ctx.DbPath(*config);
  const bool existed = fs::exists(db_path, ec);
  util::SystemClock clock;
  Result<store::Store> db = store::Store::Open(db_path, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  ctx.out() << "database: " << db_path.string() << (existed ? " exists, kept" : " created")
            << " (schema " << store::kLatestSchemaVersion << ")\n";
  ctx.out() << "next: `leakwatch doctor` checks the setup\n";
  return kExitOk;
}

}  // namespace

void RegisterInit(CLI::App& root, Context& ctx, Action& action) {
  CLI::App* cmd = root.add_subcommand(
      "init",
      "Write a commented starter config and create the data directory and database "
      "(never overwrites an existing file)");
  cmd->callback([&ctx, &action] { action = [&ctx] { return RunInit(ctx); }; });
}

}  // namespace leakwatch::app
