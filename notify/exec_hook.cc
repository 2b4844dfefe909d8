// Exec hook delivery: the configured program, the JSON body on stdin.
#include <fmt/format.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "notify/internal/subprocess.h"
#include "notify/internal/transports.h"
#include "util/text.h"

namespace leakwatch::notify::detail {
namespace {

constexpr size_t kErrorOutputChars = 300;
constexpr const char* kInheritedVariables[] = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"};
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

}  // namespace

std::vector<std::string> ExecEnvironment(const Digest& digest) {
  std::vector<std::string> env;
  bool have_path = false;
  for (const char* name : kInheritedVariables) {
    const char* value = std::getenv(name);
    if (value == nullptr) continue;
    env.push_back(fmt::format("{}={}", name, value));
    if (std::string_view(name) == "PATH") have_path = true;
  }
  if (!have_path) env.push_back(fmt::format("PATH={}", kDefaultPath));
  std::string ids;
  for (const store::Sighting& s : digest.sightings) {
    if (!ids.empty()) ids += ',';
    ids += std::to_string(s.id);
  }
  env.push_back(fmt::format("LEAKWATCH_EVENT={}", DigestEventName(digest.event)));
  env.push_back(fmt::format("LEAKWATCH_CHANNEL={}", HeaderSafe(digest.channel)));
  env.push_back(fmt::format("LEAKWATCH_COUNT={}", digest.sightings.size()));
  env.push_back(fmt::format("LEAKWATCH_WORST_KIND={}", WorstKind(digest)));
  env.push_back(fmt::format("LEAKWATCH_MAX_SCORE={:.4f}", MaxScore(digest)));
  env.push_back(fmt::format("LEAKWATCH_SIGHTING_IDS={}", ids));
  env.push_back(fmt::format("LEAKWATCH_JSON_VERSION={}", kJsonVersion));
  return env;
}

SendResult RunExecHook(const ExecOptions& exec, const Digest& digest, const std::string& body,
                       const Limits& limits) {
  if (exec.argv.empty() || exec.argv[0].empty() || exec.argv[0].front() != '/') {
    return {Status::InvalidArgument("exec hook: command[0] must be an absolute path"),
            std::nullopt};
  }
  ProcessSpec spec;
  spec.argv = exec.argv;
  spec.env = ExecEnvironment(digest);
  spec.stdin_data = body;
  spec.timeout = exec.timeout;
  spec.max_output = limits.max_child_output_bytes;
  Result<ProcessResult> run = RunProcess(spec);
  if (!run.has_value()) return {run.error(), std::nullopt};
  const ProcessResult& r = *run;
  const std::string output = util::DisplaySafe(r.output, kErrorOutputChars);
  const std::string tail = output.empty() ? "" : ": " + output;
  if (r.timed_out) {
    return {Status::Timeout(fmt::format("exec hook {} killed after {} ms timeout{}", exec.argv[0],
                                        exec.timeout.count(), tail)),
            std::nullopt};
  }
  if (!r.exited) {
    return {Status::IOError(
                fmt::format("exec hook {} killed by signal {}{}", exec.argv[0], r.signal, tail)),
            std::nullopt};
  }
  if (r.exit_code != 0) {
    return {Status::IOError(fmt::format("exec hook {} exited with status {}{}", exec.argv[0],
                                        r.exit_code, tail)),
            std::nullopt};
  }
  return {Status::Ok(), std::nullopt};
}

}  // namespace leakwatch::notify::detail
