// XDG base-directory rules and the config-path precedence, over an injectable
// Environment.
#include <cstdlib>

#include "config/config.h"

namespace leakwatch::config {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kAppDir = "leakwatch";

// The XDG variable when it holds an absolute path (relative values are invalid per
// the spec and ignored), else $HOME/<fallback>, else /<fallback>.
fs::path XdgBase(const Environment& env, std::string_view variable, std::string_view fallback) {
  if (const auto value = env.get(variable); value && !value->empty() && value->front() == '/') {
    return fs::path(*value);
  }
  const auto home = env.get("HOME");
  return fs::path(home && !home->empty() ? *home : "/") / fallback;
}

}  // namespace

Environment Environment::Process() {
  return Environment{[](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    const char* value = std::getenv(key.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  }};
}

Environment Environment::FromMap(std::map<std::string, std::string, std::less<>> vars) {
  return Environment{[vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }};
}

fs::path ConfigDir(const Environment& env) {
  return XdgBase(env, "XDG_CONFIG_HOME", ".config") / kAppDir;
}

fs::path DefaultDataDir(const Environment& env) {
  return XdgBase(env, "XDG_DATA_HOME", ".local/share") / kAppDir;
}

fs::path UserProfilesDir(const Environment& env) { return ConfigDir(env) / "profiles"; }

ConfigPathChoice ResolveConfigPath(const std::optional<fs::path>& flag, const Environment& env) {
  if (flag && !flag->empty()) return {*flag, ConfigPathOrigin::kFlag};
  if (const auto value = env.get("LEAKWATCH_CONFIG"); value && !value->empty()) {
    return {fs::path(*value), ConfigPathOrigin::kEnv};
  }
  return {ConfigDir(env) / "leakwatch.toml", ConfigPathOrigin::kDefault};
}

}  // namespace leakwatch::config
