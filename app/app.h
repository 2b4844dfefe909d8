// app: the `leakwatch` command line. This library holds the whole CLI so that command
// parsing, output and exit codes are unit-testable; main.cc only calls Main().
//
// Exit codes everywhere: 0 success, 1 runtime failure, 2 usage or configuration error.
// Some commands document their own (scan follows grep: 0 match, 1 none, 2 error;
// crawl uses kExitCrawlLocked and kExitTorDown below).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "config/config.h"

namespace leakwatch::app {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// `leakwatch crawl` only (documented in its help), from sysexits.h so cron wrappers can
// tell "try again later" from a failure.
constexpr int kExitTorDown = 69;      // the proxy is unusable (EX_UNAVAILABLE)
constexpr int kExitCrawlLocked = 75;  // another crawl holds the lock (EX_TEMPFAIL)

// The process environment as the CLI sees it; tests pass their own.
struct Environment {
  // Environment variables (XDG_*, HOME, LEAKWATCH_CONFIG, secrets named by *_env).
  config::Environment vars;
  // True when `out` is a terminal (colour, progress bars, ✓/✗ glyphs).
  bool out_is_tty = false;

  static Environment FromProcess();
};

// Runs one leakwatch invocation. `args` excludes the program name. Output goes to
// `out`, diagnostics to `err`; logging goes to the process's stderr.
// Thread safety: one invocation at a time per process (logging is process-wide).
int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env);

// main()'s body: Run() with the process's arguments, streams and environment.
int Main(int argc, char** argv);

}  // namespace leakwatch::app
