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

namespace leakwatch::store {
class Store;
}
namespace leakwatch::util {
class Clock;
}

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

  // The database of a command that only reads it (sightings, show, export, summary,
  // notify status, sources): store::Store::OpenForReading on DbPath(), after refusing
  // a missing file with a hint (a typo'd --db must never create an empty database).
  // When the file can only be read as a snapshot (a read-only volume or directory), a
  // note on err() says so. `clock` must outlive the Store.
  Result<store::Store> OpenDatabaseForReading(const config::Config& config,
                                              const util::Clock& clock) const;
  // The database of a command that changes an existing one (sightings ack, notify
  // deliver, db prune): refuses a missing file the same way; store::Store::Open names
  // what stops it writing.
  Result<store::Store> OpenDatabaseForWriting(const config::Config& config,
                                              const util::Clock& clock) const;

  // Prints "leakwatch: <message>" to err() and returns the exit code for `status`:
  // 2 for invalid arguments or configuration, 1 otherwise.
  int Fail(const Status& status) const;

 private:
  std::ostream& out_;
  std::ostream& err_;
  const Environment& env_;
};

// Exit code for a failed Status (see Context::Fail).
int ExitCodeFor(const Status& status);

}  // namespace leakwatch::app
