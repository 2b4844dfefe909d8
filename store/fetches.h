// store/fetches: the fetch log, one row per attempt (retention: aged out by
// DeleteOlderThan; `db prune` and the daily crawl call it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

struct FetchLogEntry {
  int64_t id = 0;  // ignored by Log
  std::optional<int64_t> run_id;
  std::optional<int64_t> source_id;
  std::string url;
  std::optional<int64_t> fetched_at;       // Log: default now
  std::optional<int64_t> http_status;      // absent when no HTTP response came back
  std::optional<std::string> error_class;  // absent on success; "timeout", "too_large", ...
  int64_t bytes = 0;
  int64_t duration_ms = 0;
  std::optional<std::string> content_sha256;  // hex
};

// Thread safety: as the owning Store.
class FetchRepository {
 public:
  explicit FetchRepository(detail::StoreCore& core) : core_(core) {}
  FetchRepository(const FetchRepository&) = delete;
  FetchRepository& operator=(const FetchRepository&) = delete;

  // Appends one attempt. Returns its id.
  Result<int64_t> Log(const FetchLogEntry& entry);
  // Oldest first, at most `limit`.
  Result<std::vector<FetchLogEntry>> ListByRun(int64_t run_id, int64_t limit);
  // The newest run that logged a fetch for `source_id` (the last run that crawled it,
  // while retention keeps its rows); nullopt when none did.
  Result<std::optional<int64_t>> LatestRunOfSource(int64_t source_id);
  // Deletes rows fetched before `cutoff`. Returns how many.
  Result<int64_t> DeleteOlderThan(int64_t cutoff);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
