// store/runs: one row per `leakwatch crawl` run, with its outcome and statistics.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

enum class RunStatus { kRunning, kOk, kInterrupted, kFailed };
// "running", "ok", "interrupted", "failed".
std::string_view RunStatusName(RunStatus status);
Result<RunStatus> ParseRunStatus(std::string_view name);

struct RunStats {
  int64_t pages = 0;   // responses processed
  int64_t bytes = 0;   // body bytes received
  int64_t errors = 0;  // failed fetches, all classes
  // Error class (util::StatusCodeName or a crawler error name) -> count.
  std::map<std::string, int64_t> errors_by_class;
};

struct Run {
  int64_t id = 0;
  int64_t started_at = 0;
  std::optional<int64_t> finished_at;
  RunStatus status = RunStatus::kRunning;
  int64_t pid = 0;
  RunStats stats;
  std::optional<std::string> note;  // summary or failure reason
};

// Thread safety: as the owning Store (one thread at a time).
class RunRepository {
 public:
  explicit RunRepository(detail::StoreCore& core) : core_(core) {}
  RunRepository(const RunRepository&) = delete;
  RunRepository& operator=(const RunRepository&) = delete;

  // Inserts a run in state running, started now. Returns its id.
  Result<int64_t> Start(int64_t pid);
  // Stores the running totals (so a killed run still leaves its stats so far).
  Status UpdateStats(int64_t run_id, const RunStats& stats);
  // Sets the final status, stats, note and finished_at = now. NotFound for a bad id.
  Status Finish(int64_t run_id, RunStatus status, const RunStats& stats,
                const std::optional<std::string>& note = std::nullopt);
  // Marks every run still "running" other than `current_run_id` as interrupted
  // (finished now, note "abandoned"): called by a new run holding the crawl lock,
  // which proves those runs' processes are gone. Returns how many.
  Result<int64_t> MarkAbandoned(std::optional<int64_t> current_run_id);

  Result<Run> Get(int64_t run_id);
  // Newest first.
  Result<std::vector<Run>> Latest(int64_t limit);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
