// notify/internal/subprocess: runs a program directly (posix_spawn, no shell) with a
// given environment, feeds it bytes on stdin, captures the start of its combined
// stdout/stderr, and kills its whole process group when the timeout expires.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace leakwatch::notify::detail {

struct ProcessResult {
  bool timed_out = false;  // killed (SIGKILL to its process group) at the deadline
  int exit_code = -1;      // valid when exited
  bool exited = false;     // false: killed by a signal (see signal)
  int signal = 0;
  std::string output;         // first `max_output` bytes of stdout+stderr
  uint64_t output_bytes = 0;  // total bytes the child wrote (kept or not)
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path (no PATH search)
  std::vector<std::string> env;   // "NAME=value" entries: the child's whole environment
  std::string stdin_data;
  std::chrono::milliseconds timeout{30 * 1000};
  uint64_t max_output = 4096;
};

// Runs `spec` to completion or to its timeout. The child gets its own process group
// (so the kill reaches its children too), stdin from a socket that is closed after
// stdin_data (a child that does not read it is not an error; writes never raise
// SIGPIPE), and no other inherited descriptors.
// Errors: InvalidArgument for an empty argv; IOError when the process cannot be
// started (e.g. ENOENT, EACCES: the message names argv[0]). A child that fails or
// times out is a ProcessResult, not an error.
Result<ProcessResult> RunProcess(const ProcessSpec& spec);

}  // namespace leakwatch::notify::detail
