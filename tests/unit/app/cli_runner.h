// tests/unit/app/cli_runner: runs the `leakwatch` CLI in-process (app::Run) with a
// private environment rooted in a temp dir, keeping what it printed.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/app.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::app {

struct Cli {
  testing::TempDir home;
  // The process environment the command sees; tests may add to it.
  std::map<std::string, std::string> vars{
      {"HOME", home.path().string()},
      {"XDG_CONFIG_HOME", (home / "config").string()},
      {"XDG_DATA_HOME", (home / "data").string()},
  };
  std::string out;
  std::string err;

  // Runs `leakwatch args...`; returns the exit code.
  int operator()(std::vector<std::string> args) {
    Environment env;
    env.vars = config::Environment::FromMap({vars.begin(), vars.end()});
    std::ostringstream o;
    std::ostringstream e;
    const int code = Run(args, o, e, env);
    out = o.str();
    err = e.str();
    return code;
  }
};

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace leakwatch::app
