// app/context: what one leakwatch invocation shares across its commands: the global
// flags, the output streams, the environment, and config/DB path resolution.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

#include "app/app.h"
#include "config/config.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::app {

// Global flags, filled by the CLI parser before any command runs.
struct GlobalFlags {
  std::string config_path;  // --config; empty = LEAKWATCH_CONFIG, then XDG default
  std::string db_path;      // --db; empty = [store].db from the config
  int verbose = 0;          // -v, repeatable
  bool quiet = false;       // -q
  std::string log_format = "text";
};

class Context {
 public:
  Context(std::ostream& out, std::ostream& err, const Environment& env)
      : out_(out), err_(err), env_(env) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GlobalFlags flags;

  std::ostream& out() const { return out_; }
  std::ostream& err() const { return err_; }
  const Environment& env() const { return env_; }

  // The config file this invocation uses: --config, else $LEAKWATCH_CONFIG, else
  // $XDG_CONFIG_HOME/leakwatch/leakwatch.toml.
  std::filesystem::path ConfigPath() const;
  // True when the user named the file (flag or env), so a missing file is an error
  // rather than "use the defaults".
  bool ConfigPathIsExplicit() const;

  // Loads and validates the config. A missing default file yields the defaults; a
  // missing explicit one, or any invalid one, is InvalidArgument (exit code 2).
  Result<config::Config> LoadConfig() const;

  // --db if given, else the config's [store].db.
  std::filesystem::path DbPath(const config::Config& config) const;

  // Prints "leakwatch: <message>" to err() and returns the exit code for `status`:
  // 2 for invalid arguments or configuration, 1 otherwise.
  int Fail(const Status& status) const;

 private:
  std::ostream& out_;
  std::ostream& err_;
  const Environment& env_;
};

// The database of a read-only command, opened only when the file exists: a typo'd
// path is NotFound with a hint, never a new empty database. Errors: NotFound, and
// Store::Open's. `clock` must outlive the Store.
Result<store::Store> OpenExistingStore(const std::filesystem::path& db_path,
                                       const util::Clock& clock);
// As above for the invocation's database (--db, else the config's [store].db); also
// fails with the config's errors (InvalidArgument).
Result<store::Store> OpenExistingStore(const Context& ctx, const util::Clock& clock);

// Exit code for a failed Status (see Context::Fail).
int ExitCodeFor(const Status& status);

}  // namespace leakwatch::app
