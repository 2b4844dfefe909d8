// store/outbox: notifications waiting for, or done with, delivery.
//
// One row per (sighting, channel), so a sighting is never queued twice on a channel.
// Delivery protocol (notify/): ClaimDue -> deliver -> MarkSent only after the channel
// accepted the message (SMTP 250 after DATA, HTTP 2xx, exit 0), or MarkFailed with a
// back-off time. ClaimDue leases the rows for `lease_seconds` by moving their
// next_attempt_at, so a second process does not claim them too; a crash between
// delivery and MarkSent is the one window in which a message can go out twice (after
// the lease expires).
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

enum class OutboxState { kPending, kSent, kFailed };
// "pending", "sent", "failed" (failed = given up; still visible).
std::string_view OutboxStateName(OutboxState state);
Result<OutboxState> ParseOutboxState(std::string_view name);

struct NotificationRequest {
  std::string channel;              // e.g. "email:0", "webhook:1", "exec:0"
  std::string payload_json = "{}";  // channel-specific extras; the sighting is by id
};

struct OutboxMessage {
  int64_t id = 0;
  int64_t sighting_id = 0;
  std::string channel;
  std::string payload_json;
  OutboxState state = OutboxState::kPending;
  int64_t attempts = 0;
  int64_t created_at = 0;
  int64_t next_attempt_at = 0;
  std::optional<std::string> last_error;
  std::optional<int64_t> sent_at;
};

struct OutboxChannelCounts {
  std::string channel;
  int64_t pending = 0;
  int64_t sent = 0;
  int64_t failed = 0;
};

inline constexpr int64_t kDefaultOutboxLeaseSeconds = 300;

// Thread safety: as the owning Store.
class OutboxRepository {
 public:
  explicit OutboxRepository(detail::StoreCore& core) : core_(core) {}
  OutboxRepository(const OutboxRepository&) = delete;
  OutboxRepository& operator=(const OutboxRepository&) = delete;

  // Queues a message due now. Returns false (and changes nothing) when this sighting
  // is already queued on this channel. NotFound when the sighting does not exist.
  Result<bool> Enqueue(int64_t sighting_id, const NotificationRequest& request);
  // Pending messages due now (optionally of one channel), oldest first, leased for
  // `lease_seconds`, in one transaction.
  Result<std::vector<OutboxMessage>> ClaimDue(int64_t limit,
                                              std::optional<std::string> channel = std::nullopt,
                                              int64_t lease_seconds = kDefaultOutboxLeaseSeconds);
  // pending -> sent, sent_at = now, attempts + 1. Already sent: OK, nothing changes
  // (sent_at keeps the first delivery). NotFound for an unknown id.
  Status MarkSent(int64_t id);
  // Stays pending, attempts + 1, last_error, retried at `next_attempt_at`.
  // InvalidArgument when it was already sent (a delivered message never goes back).
  Status MarkFailed(int64_t id, std::string_view error, int64_t next_attempt_at);
  // pending -> failed (given up after too many attempts); kept for `notify status`.
  Status MarkGivenUp(int64_t id, std::string_view error);

  Result<OutboxMessage> Get(int64_t id);
  // All messages of a sighting, by channel.
  Result<std::vector<OutboxMessage>> ListForSighting(int64_t sighting_id);
  // Newest first (by id), optionally only one state, at most `limit` (<= 0: all).
  Result<std::vector<OutboxMessage>> List(std::optional<OutboxState> state, int64_t limit);
  // Per channel, ordered by channel (for `notify status`).
  Result<std::vector<OutboxChannelCounts>> CountsByChannel();
  // Failed deliveries (for `notify status`): messages given up (state failed) and
  // pending ones whose last attempt failed (last_error set, retried at
  // next_attempt_at), at most `limit` (<= 0: all). Ordered by channel, then given-up
  // before pending, then next_attempt_at and id, so the messages of one failed digest
  // (same channel, error and retry time) are adjacent.
  Result<std::vector<OutboxMessage>> ListFailures(int64_t limit);
  // How many messages ListFailures would return without a limit.
  Result<int64_t> CountFailures();

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
