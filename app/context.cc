#include "app/context.h"

#include <fmt/format.h>

#include <ostream>

#include "store/store.h"
#include "util/text.h"

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

namespace {

// A command that uses an existing database refuses a missing one rather than create it.
Status RequireDatabase(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return Status::Ok();
  return Status::NotFound("no database at " + path.string() +
                          ": run `leakwatch init` (or a crawl) first, or pass --db");
}

}  // namespace

Result<store::Store> Context::OpenDatabaseForReading(const config::Config& config,
                                                     const util::Clock& clock) const {
  const std::filesystem::path path = DbPath(config);
  LW_RETURN_IF_ERROR(RequireDatabase(path));
  Result<store::Store> db = store::Store::OpenForReading(path, clock);
  if (db.has_value() && db->access() == store::Access::kSnapshot) {
    err_ << "leakwatch: note: " << path.string()
         << " is on a read-only volume or in a read-only directory: reading it as a snapshot\n";
  }
  return db;
}

Result<store::Store> Context::OpenDatabaseForWriting(const config::Config& config,
                                                     const util::Clock& clock) const {
  const std::filesystem::path path = DbPath(config);
  LW_RETURN_IF_ERROR(RequireDatabase(path));
  return store::Store::Open(path, clock);
}

int ExitCodeFor(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

int Context::Fail(const Status& status) const {
  // A message may quote a hostile site or file (a URL, a member name): each of its
  // lines is made terminal-safe, the line breaks of multi-line reports kept.
  err_ << "leakwatch: " << util::DisplaySafeLines(status.message()) << "\n";
  return ExitCodeFor(status);
}

}  // namespace leakwatch::app
