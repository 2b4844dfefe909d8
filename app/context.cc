#include "app/context.h"

#include <fmt/format.h>

#include <ostream>

namespace leakwatch::app {

std::filesystem::path Context::ConfigPath() const {
  std::optional<std::filesystem::path> flag;
  if (!flags.config_path.empty()) flag = flags.config_path;
  return config::ResolveConfigPath(flag, env_.vars).path;
}

bool Context::ConfigPathIsExplicit() const {
  std::optional<std::filesystem::path> flag;
  if (!flags.config_path.empty()) flag = flags.config_path;
  return config::ResolveConfigPath(flag, env_.vars).origin != config::ConfigPathOrigin::kDefault;
}

Result<config::Config> Context::LoadConfig() const {
  const std::filesystem::path path = ConfigPath();
  Result<config::Config> loaded = config::LoadConfig(path, env_.vars);
  if (loaded.has_value()) return loaded;
  if (loaded.error().code() == StatusCode::kNotFound) {
    if (!ConfigPathIsExplicit()) return config::DefaultConfig(env_.vars);
    // A file the user named must exist: that is a usage error, not a runtime one.
    return Status::InvalidArgument(loaded.error().message());
  }
  return loaded;
}

std::filesystem::path Context::DbPath(const config::Config& config) const {
  if (!flags.db_path.empty()) return flags.db_path;
  return config.store.db;
}

Result<store::Store> OpenExistingStore(const Context& ctx, const util::Clock& clock) {
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return config.error();
  return OpenExistingStore(ctx.DbPath(*config), clock);
}

Result<store::Store> OpenExistingStore(const std::filesystem::path& path,
                                       const util::Clock& clock) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound(fmt::format(
        "no database at {}: run `leakwatch init` (or a crawl) first, or pass --db", path.string()));
  }
  return store::Store::Open(path, clock);
}

int ExitCodeFor(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

int Context::Fail(const Status& status) const {
  err_ << "leakwatch: " << status.message() << "\n";
  return ExitCodeFor(status);
}

}  // namespace leakwatch::app
