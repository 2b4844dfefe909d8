// store/frontier: the persistent crawl frontier, one row per (source, normalised URL).
//
// Life of a URL: AddIfNew -> pending; TakeDue leases it to a run -> in_flight; then
// Complete (done, or pending again at `revisit_at` for listings), FailTransient
// (pending again at the caller's back-off time) or FailPermanent (never retried).
// A run killed while holding leases leaves in_flight rows behind; the next run calls
// RequeueAbandoned and they are pending again, with nothing lost.
//
// URL normalisation is the caller's job (crawler): the store de-duplicates on the
// exact string it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

enum class UrlKind { kListing, kItem, kFile };
// "listing", "item", "file".
std::string_view UrlKindName(UrlKind kind);
Result<UrlKind> ParseUrlKind(std::string_view name);

enum class FrontierState { kPending, kInFlight, kDone, kFailedPermanent };
// From the stored names "pending", "in_flight", "done", "failed_permanent".
Result<FrontierState> ParseFrontierState(std::string_view name);

struct NewFrontierUrl {
  int64_t source_id = 0;
  std::string url;  // normalised
  UrlKind kind = UrlKind::kItem;
  int64_t depth = 0;
  std::optional<std::string> discovered_from;  // URL of the page that linked it
  std::optional<int64_t> due_at;               // default: now
};

struct FrontierEntry {
  int64_t id = 0;
  int64_t source_id = 0;
  std::string url;
  UrlKind kind = UrlKind::kItem;
  int64_t depth = 0;
  std::optional<std::string> discovered_from;
  FrontierState state = FrontierState::kPending;
  int64_t discovered_at = 0;
  int64_t next_due_at = 0;
  int64_t attempts = 0;                    // failures since the last success (drives the back-off)
  std::optional<std::string> last_status;  // "200", "timeout", "socks_ttl_expired", ...
  std::optional<int64_t> last_attempt_at;
  std::optional<std::string> etag;           // for conditional GET
  std::optional<std::string> last_modified;  // for conditional GET
  std::optional<std::string> content_hash;   // hex SHA-256 of the last body
  std::optional<int64_t> lease_run_id;       // set while in_flight
  std::optional<int64_t> last_run_id;        // the last run that took it
  // A file received in part by an earlier fetch (FetchCompletion::resume): the next
  // fetch asks for the rest from `resume_offset` if `resume_validator` still holds.
  int64_t resume_offset = 0;  // 0: nothing to resume
  std::optional<std::string> resume_validator;
  std::optional<int64_t> object_size;  // the whole object, when the server stated it
};

// Outcome of a successful fetch (2xx, or 304 Not Modified).
struct FetchCompletion {
  std::string last_status = "200";
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::optional<std::string> content_hash;  // keep the previous one on 304: pass it back
  // When set, the URL becomes pending again at this time (listings, revisited items);
  // when unset it is done for good.
  std::optional<int64_t> revisit_at;
  // Set when the object was received only in part and can be continued: the bytes of
  // the object received so far (> 0), the validator (a strong ETag or a Last-Modified
  // date, non-empty) that must still hold for the rest to belong to them, and the
  // object's size when known. Pair it with revisit_at. Unset: the resume state is
  // cleared.
  struct Resume {
    int64_t offset = 0;
    std::string validator;
    std::optional<int64_t> object_size;
  };
  std::optional<Resume> resume;
};

struct FrontierCounts {
  int64_t pending = 0;
  int64_t in_flight = 0;
  int64_t done = 0;
  int64_t failed_permanent = 0;
  int64_t due_now = 0;  // pending with next_due_at <= now
  // Files received in part, to be continued by later runs (FrontierEntry::resume_offset):
  // how many, the sum of their resume offsets (bytes covered so far), the sum of the
  // sizes their servers stated, and how many stated none.
  int64_t partial = 0;
  int64_t partial_bytes_received = 0;
  int64_t partial_bytes_known_size = 0;
  int64_t partial_size_unknown = 0;
};

// Thread safety: as the owning Store.
class FrontierRepository {
 public:
  explicit FrontierRepository(detail::StoreCore& core) : core_(core) {}
  FrontierRepository(const FrontierRepository&) = delete;
  FrontierRepository& operator=(const FrontierRepository&) = delete;

  // Inserts the URL unless (source_id, url) is already known, whatever its state.
  // Returns true when it was new.
  Result<bool> AddIfNew(const NewFrontierUrl& url);
  // AddIfNew for many URLs in one transaction. Returns how many were new.
  Result<int64_t> AddBatch(std::span<const NewFrontierUrl> urls);

  // Leases up to `limit` pending URLs due now (optionally of one source) to `run_id`
  // and marks them in_flight, in one transaction. Order: listings, then items, then
  // files; within a kind the most recently discovered first. A URL is taken at most
  // once per run (rows whose last_run_id == run_id are skipped), so a listing
  // completed with revisit_at = now is not fetched again in the same run.
  Result<std::vector<FrontierEntry>> TakeDue(int64_t run_id, int64_t limit,
                                             std::optional<int64_t> source_id = std::nullopt);

  // Every outcome clears the lease and sets last_status and last_attempt_at = now.
  // Complete resets attempts to 0; the failures add one. NotFound for an unknown id.
  // Safe to repeat after a failed commit (the whole outcome was rolled back).
  Status Complete(int64_t id, const FetchCompletion& completion);
  // Pending again at `next_due_at` (the caller computed the back-off from attempts).
  Status FailTransient(int64_t id, std::string_view last_status, int64_t next_due_at);
  Status FailPermanent(int64_t id, std::string_view last_status);

  // Makes a done or pending URL due at `due_at` without recording an outcome (no
  // change to attempts, last_status, validators or hash): e.g. a listing page seen
  // again through pagination. Returns false, changing nothing, when the URL is
  // in_flight or failed_permanent. NotFound for an unknown id.
  Result<bool> Reschedule(int64_t id, int64_t due_at);

  // Returns every in_flight URL NOT leased to `current_run_id` to pending (due now,
  // attempts unchanged). Call at run start, holding the crawl lock. Returns the count.
  Result<int64_t> RequeueAbandoned(std::optional<int64_t> current_run_id);
  // Returns the URLs leased to `run_id` to pending, not counted as taken by that run
  // (graceful shutdown, or work handed back under back-pressure).
  Result<int64_t> Release(int64_t run_id);

  // Rewrites every stored URL whose key `key_of` gives differently (the URL normal form
  // changed), once per `form`: the form is recorded in the meta table and a store already
  // at `form` is left alone. A row whose new key another row of its source already has
  // is deleted: that row is the one lookups by the new key find. `key_of` returns nullopt
  // for a URL it cannot key: such a row is left as it is. One transaction. Returns how
  // many rows were rewritten or deleted.
  Result<int64_t> Rekey(std::string_view form,
                        const std::function<std::optional<std::string>(std::string_view)>& key_of);

  Result<FrontierEntry> Get(int64_t id);
  Result<std::optional<FrontierEntry>> Find(int64_t source_id, std::string_view url);
  Result<FrontierCounts> Counts(std::optional<int64_t> source_id = std::nullopt);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
