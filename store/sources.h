// store/sources: configured sources and their health (for `leakwatch sources` and
// profile-health checks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

// A source's health state as shown to the user.
enum class SourceState {
  kOk,
  kFailing,         // consecutive transient failures (site offline, timeouts)
  kProfileBroken,   // pages fetch fine but the profile extracts nothing any more
  kSessionExpired,  // redirected to a login page: the cookies need renewing
  kTorDown,         // the proxy was unusable during the last attempt
  kDisabled,        // removed from the config / switched off
};
// "ok", "failing", "profile_broken", "session_expired", "tor_down", "disabled".
std::string_view SourceStateName(SourceState state);
Result<SourceState> ParseSourceState(std::string_view name);

struct Source {
  int64_t id = 0;
  std::string name;
  std::string profile;
  SourceState state = SourceState::kOk;
  std::optional<int64_t> last_success_at;
  std::optional<int64_t> last_failure_at;
  int64_t consecutive_failures = 0;
  std::optional<std::string> last_error;        // human message (no secrets)
  std::optional<std::string> last_error_class;  // e.g. "timeout", "socks_host_unreachable"
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Items found by one listing fetch: a profile whose listings suddenly yield nothing
// while still answering 200 is probably broken.
struct YieldSample {
  int64_t at = 0;
  std::optional<int64_t> run_id;
  std::string url;
  int64_t items = 0;
};

// Samples kept per source; older ones are dropped on insert.
inline constexpr int64_t kYieldHistoryPerSource = 50;

// Thread safety: as the owning Store.
class SourceRepository {
 public:
  explicit SourceRepository(detail::StoreCore& core) : core_(core) {}
  SourceRepository(const SourceRepository&) = delete;
  SourceRepository& operator=(const SourceRepository&) = delete;

  // Creates the source if missing, else updates its profile. Returns its id
  // (stable for the life of the database).
  Result<int64_t> Upsert(std::string_view name, std::string_view profile);
  // NotFound when absent.
  Result<Source> Get(std::string_view name);
  Result<Source> GetById(int64_t id);
  // Ordered by name.
  Result<std::vector<Source>> List();

  // A successful fetch: state ok, consecutive_failures 0, last_success_at now.
  Status RecordSuccess(int64_t source_id);
  // A failed fetch: consecutive_failures + 1, last_failure_at now, error fields, and
  // the new state (kFailing for ordinary failures).
  Status RecordFailure(int64_t source_id, SourceState state, std::string_view error_class,
                       std::string_view message);
  // Sets the state alone (e.g. kDisabled, or kOk after the user fixed cookies).
  Status SetState(int64_t source_id, SourceState state);

  // Appends a yield sample (now) and trims the history to kYieldHistoryPerSource.
  Status AddYield(int64_t source_id, std::optional<int64_t> run_id, std::string_view url,
                  int64_t items);
  // Newest first, at most `limit`.
  Result<std::vector<YieldSample>> RecentYields(int64_t source_id, int64_t limit);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
