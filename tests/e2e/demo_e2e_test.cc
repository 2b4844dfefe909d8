// `leakwatch demo` end to end: the real binary, a real world on loopback, the real
// SQLite database it leaves behind.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "util/clock.h"

extern char** environ;

namespace leakwatch {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs the leakwatch binary with `args`, capturing its output through a pipe.
RunResult RunLeakwatch(const std::vector<std::string>& args) {
  std::vector<std::string> argv_storage = {LW_LEAKWATCH_BIN};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  REQUIRE(rc == 0);
  RunResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

TEST_CASE("leakwatch demo finds every seeded leak and nothing else", "[e2e]") {
  testing::TempDir dir;
  const RunResult run = RunLeakwatch({"demo", "--dir", dir.path().string(), "--seed", "5",
                                      "--min-latency-ms", "2", "--max-latency-ms", "25"});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("verdict: PASS - 6/6 seeded leaks found, 0 innocuous pages flagged, "
                        "0 duplicates") != std::string::npos);
  CHECK(run.output.find("crawl 2:") != std::string::npos);
  CHECK(run.output.find("SMTP sink received") != std::string::npos);

  // The database the demo left behind: what was recorded, by kind and score.
  util::SystemClock clock;
  auto db = store::Store::Open(dir / "leakwatch.db", clock);
  REQUIRE(db.has_value());
  store::SightingFilter all;
  all.limit = 0;
  auto sightings = db->sightings().Query(all);
  REQUIRE(sightings.has_value());
  std::map<std::string, int> by_kind;
  std::set<std::string> keys;
  for (const store::Sighting& s : *sightings) {
    ++by_kind[std::string(store::SightingKindName(s.kind))];
    const std::string key = s.url + "|" + s.member_path + "|" +
                            std::string(store::SightingKindName(s.kind)) + "|" + s.dataset_refs;
    CHECK(keys.insert(key).second);  // no duplicates after two runs
    if (s.kind == store::SightingKind::kRecords && s.member_path.empty()) {
      CHECK(s.score >= 15);  // a paste of 20 corroborated records
      CHECK(s.score <= 20);
    }
    if (s.kind == store::SightingKind::kRecords && !s.member_path.empty()) {
      CHECK(s.score > 20);  // the truncated export inside the tar.gz: most of 160 rows
    }
    if (s.kind == store::SightingKind::kImage) {
      CHECK(s.score > 0.85);
    }
    if (s.kind == store::SightingKind::kPartial) {
      CHECK(s.score > 0.3);
    }
  }
  CHECK(by_kind["records"] >= 3);  // sample paste, new paste, truncated export
  CHECK(by_kind["mention"] >= 1);  // the announcement
  CHECK(by_kind["image"] >= 3);    // the three proof images
  // Evidence of the run stays in the directory; no dataset plaintext in the config.
  CHECK(std::filesystem::exists(dir / "leakwatch.toml"));
  CHECK(std::filesystem::exists(dir / "dataset.lwfp"));
}

TEST_CASE("leakwatch demo rejects bad flags with a usage error", "[e2e]") {
  const RunResult run = RunLeakwatch({"demo", "--min-latency-ms", "-5"});
  CHECK(run.exit_code == 2);
}

}  // namespace
}  // namespace leakwatch
