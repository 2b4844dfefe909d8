// tests/support/process: run a program (the built `leakwatch`, python3) as a child
// process of a test, with posix_spawn (no shell).
//
// Errors: failures to set a child up (pipe, spawn, output file) throw
// std::runtime_error, which Catch reports as a failed test. Not thread safe: one test
// thread drives its children.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace leakwatch::testing {

// Environment changes for a child: "NAME=value" entries replace (or add to) the
// test's own environment, which the child inherits otherwise.
using EnvOverrides = std::vector<std::string>;

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed
  std::string output;  // stdout and stderr together
};

// Runs `argv` (argv[0] an absolute path) to completion, capturing its output.
ProcessResult RunProcess(const std::vector<std::string>& argv, const EnvOverrides& env = {});

// A running child whose stdout and stderr go to a file. The destructor kills it
// (SIGKILL) and reaps it if the test has not waited for it.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output_file,
               const EnvOverrides& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal` unless the child was already reaped.
  void Kill(int signal);
  // Blocks until the child ends; returns its exit code as ProcessResult does.
  int Wait();
  // The exit code if the child has ended (reaping it), nullopt while it runs.
  std::optional<int> Poll();
  // Waits up to `timeout`; nullopt when it is still running then.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace leakwatch::testing
