// Config path precedence (--config > $LEAKWATCH_CONFIG > XDG) and the XDG directories,
// over injected environments so the test process's own environment is never changed.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "config/config.h"

namespace leakwatch::config {
namespace {

TEST_CASE("config path precedence: flag, then LEAKWATCH_CONFIG, then XDG", "[unit]") {
  const Environment all = Environment::FromMap({{"HOME", "/home/ana"},
                                                {"XDG_CONFIG_HOME", "/xdg/config"},
                                                {"LEAKWATCH_CONFIG", "/env/lw.toml"}});
  const ConfigPathChoice from_flag = ResolveConfigPath(std::filesystem::path("/flag/lw.toml"), all);
  CHECK(from_flag.path == "/flag/lw.toml");
  CHECK(from_flag.origin == ConfigPathOrigin::kFlag);

  const ConfigPathChoice from_env = ResolveConfigPath(std::nullopt, all);
  CHECK(from_env.path == "/env/lw.toml");
  CHECK(from_env.origin == ConfigPathOrigin::kEnv);

  const Environment xdg =
      Environment::FromMap({{"HOME", "/home/ana"}, {"XDG_CONFIG_HOME", "/xdg/config"}});
  const ConfigPathChoice from_xdg = ResolveConfigPath(std::nullopt, xdg);
  CHECK(from_xdg.path == "/xdg/config/leakwatch/leakwatch.toml");
  CHECK(from_xdg.origin == ConfigPathOrigin::kDefault);

  // An empty flag or variable counts as unset.
  const Environment empty_env = Environment::FromMap(
      {{"HOME", "/home/ana"}, {"XDG_CONFIG_HOME", "/xdg/config"}, {"LEAKWATCH_CONFIG", ""}});
  CHECK(ResolveConfigPath(std::filesystem::path(), empty_env).path ==
        "/xdg/config/leakwatch/leakwatch.toml");
}

TEST_CASE("XDG directories fall back to $HOME, ignoring relative XDG values", "[unit]") {
  const Environment home_only = Environment::FromMap({{"HOME", "/home/ana"}});
  CHECK(ConfigDir(home_only) == "/home/ana/.config/leakwatch");
  CHECK(DefaultDataDir(home_only) == "/home/ana/.local/share/leakwatch");
  CHECK(UserProfilesDir(home_only) == "/home/ana/.config/leakwatch/profiles");
  CHECK(ResolveConfigPath(std::nullopt, home_only).path ==
        "/home/ana/.config/leakwatch/leakwatch.toml");

  // The XDG spec says relative values are invalid and must be ignored.
  const Environment relative = Environment::FromMap(
      {{"HOME", "/home/ana"}, {"XDG_CONFIG_HOME", "cfg"}, {"XDG_DATA_HOME", "data"}});
  CHECK(ConfigDir(relative) == "/home/ana/.config/leakwatch");
  CHECK(DefaultDataDir(relative) == "/home/ana/.local/share/leakwatch");

  const Environment xdg = Environment::FromMap(
      {{"HOME", "/home/ana"}, {"XDG_CONFIG_HOME", "/c"}, {"XDG_DATA_HOME", "/d"}});
  CHECK(UserProfilesDir(xdg) == "/c/leakwatch/profiles");
  CHECK(DefaultDataDir(xdg) == "/d/leakwatch");
  CHECK(DefaultConfig(xdg).store.db == "/d/leakwatch/leakwatch.db");
  CHECK(DefaultConfig(xdg).store.evidence_dir == "/d/leakwatch/evidence");

  const Environment nothing = Environment::FromMap({});
  CHECK(ConfigDir(nothing) == "/.config/leakwatch");
}

TEST_CASE("Environment::Process reads the real environment", "[unit]") {
  const Environment process = Environment::Process();
  const char* path = std::getenv("PATH");
  REQUIRE(path != nullptr);
  CHECK(process.get("PATH") == std::optional<std::string>(path));
  CHECK_FALSE(process.get("LEAKWATCH_TEST_SURELY_UNSET_VARIABLE").has_value());
}

TEST_CASE("StarterConfigText is the example file, byte for byte", "[unit]") {
  std::ifstream in(std::filesystem::path(LW_SOURCE_DIR) / "config/leakwatch.example.toml",
                   std::ios::binary);
  REQUIRE(in);
  const std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(StarterConfigText() == on_disk);
}

}  // namespace
}  // namespace leakwatch::config
