#include "store/outbox.h"

#include <nlohmann/json.hpp>

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

constexpr const char* kEnqueue =
    "INSERT INTO outbox (sighting_id, channel, payload, created_at, next_attempt_at) "
    "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (sighting_id, channel) DO NOTHING";
#define LW_OUTBOX_COLUMNS                                                             \
  "id, sighting_id, channel, payload, state, attempts, created_at, next_attempt_at, " \
  "last_error, sent_at"
constexpr const char* kSelectDue =
    "SELECT " LW_OUTBOX_COLUMNS
    " FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 "
    "AND (?2 IS NULL OR channel = ?2) ORDER BY next_attempt_at, id LIMIT ?3";
constexpr const char* kGet = "SELECT " LW_OUTBOX_COLUMNS " FROM outbox WHERE id = ?1";
constexpr const char* kListForSighting =
    "SELECT " LW_OUTBOX_COLUMNS " FROM outbox WHERE sighting_id = ?1 ORDER BY channel";
constexpr const char* kList = "SELECT " LW_OUTBOX_COLUMNS
                              " FROM outbox WHERE (?1 IS NULL OR state = ?1) "
                              "ORDER BY id DESC LIMIT ?2";
#define LW_OUTBOX_FAILED "(state = 'failed' OR (state = 'pending' AND last_error IS NOT NULL))"
constexpr const char* kListFailures =
    "SELECT " LW_OUTBOX_COLUMNS " FROM outbox WHERE " LW_OUTBOX_FAILED
    " ORDER BY channel, state = 'pending', next_attempt_at, id LIMIT ?1";
constexpr const char* kCountFailures = "SELECT count(*) FROM outbox WHERE " LW_OUTBOX_FAILED;
#undef LW_OUTBOX_FAILED
#undef LW_OUTBOX_COLUMNS
constexpr const char* kLease = "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1";
constexpr const char* kMarkSent =
    "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL "
    "WHERE id = ?1 AND state != 'sent'";
constexpr const char* kMarkFailed =
    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 "
    "WHERE id = ?1 AND state = 'pending'";
constexpr const char* kMarkGivenUp =
    "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2 "
    "WHERE id = ?1 AND state = 'pending'";
constexpr const char* kStateOf = "SELECT state FROM outbox WHERE id = ?1";
constexpr const char* kCountsByChannel =
    "SELECT channel, sum(state = 'pending'), sum(state = 'sent'), sum(state = 'failed') "
    "FROM outbox GROUP BY channel ORDER BY channel";

Result<OutboxMessage> ReadMessage(util::Statement& st) {
  OutboxMessage m;
  m.id = st.ColumnInt(0);
  m.sighting_id = st.ColumnInt(1);
  m.channel = st.ColumnText(2);
  m.payload_json = st.ColumnText(3);
  LW_ASSIGN_OR_RETURN(m.state, ParseOutboxState(st.ColumnText(4)));
  m.attempts = st.ColumnInt(5);
  m.created_at = st.ColumnInt(6);
  m.next_attempt_at = st.ColumnInt(7);
  m.last_error = st.ColumnOptionalText(8);
  m.sent_at = st.ColumnOptionalInt(9);
  return m;
}

Result<std::vector<OutboxMessage>> ReadAll(detail::ScopedStatement& st) {
  std::vector<OutboxMessage> messages;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LW_ASSIGN_OR_RETURN(OutboxMessage m, ReadMessage(*st));
    messages.push_back(std::move(m));
  }
  return messages;
}

Status NotFoundId(int64_t id) {
  return Status::NotFound("no outbox message with id " + std::to_string(id));
}

}  // namespace

Result<bool> OutboxRepository::Enqueue(int64_t sighting_id, const NotificationRequest& request) {
  if (request.channel.empty()) return Status::InvalidArgument("outbox channel is empty");
  if (!nlohmann::json::accept(request.payload_json)) {
    return Status::InvalidArgument("outbox payload for " + request.channel + " is not JSON");
  }
  auto inserted = core_.Write(kEnqueue, sighting_id, std::string_view(request.channel),
                              std::string_view(request.payload_json), core_.Now());
  if (!inserted.has_value() && inserted.error().code() == StatusCode::kAlreadyExists) {
    // Duplicates are absorbed by ON CONFLICT: what remains is the sighting FK.
    return Status::NotFound("no sighting with id " + std::to_string(sighting_id) +
                            " to notify on " + request.channel);
  }
  if (!inserted.has_value()) return std::move(inserted).error();
  return *inserted > 0;
}

Result<std::vector<OutboxMessage>> OutboxRepository::ClaimDue(int64_t limit,
                                                              std::optional<std::string> channel,
                                                              int64_t lease_seconds) {
  std::vector<OutboxMessage> claimed;
  if (limit <= 0) return claimed;
  const int64_t now = core_.Now();
  const Status tx = core_.InTransaction([&]() -> Status {
    {
      LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kSelectDue));
      st->BindAll(now, channel, limit);
      LW_ASSIGN_OR_RETURN(claimed, ReadAll(st));
    }
    LW_ASSIGN_OR_RETURN(auto lease, core_.Prepare(kLease));
    for (OutboxMessage& m : claimed) {
      m.next_attempt_at = now + lease_seconds;
      LW_RETURN_IF_ERROR(lease->BindAll(m.id, m.next_attempt_at).Run());
      lease->Reset();
    }
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return claimed;
}

namespace {

// Explains why a guarded UPDATE changed nothing.
Status ExplainNoChange(detail::StoreCore& core, int64_t id, std::string_view action) {
  LW_ASSIGN_OR_RETURN(auto st, core.Prepare(kStateOf));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(id).Step());
  if (!found) return NotFoundId(id);
  return Status::InvalidArgument("outbox message " + std::to_string(id) + " is already " +
                                 st->ColumnText(0) + "; cannot " + std::string(action));
}

}  // namespace

Status OutboxRepository::MarkSent(int64_t id) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kMarkSent, id, core_.Now()));
  if (changed > 0) return Status::Ok();
  // Already sent: keep the first delivery's sent_at.
  LW_ASSIGN_OR_RETURN(auto state, core_.Prepare(kStateOf));
  LW_ASSIGN_OR_RETURN(bool found, state->BindAll(id).Step());
  return found ? Status::Ok() : NotFoundId(id);
}

Status OutboxRepository::MarkFailed(int64_t id, std::string_view error, int64_t next_attempt_at) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kMarkFailed, id, error, next_attempt_at));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange(core_, id, "record a failed attempt");
}

Status OutboxRepository::MarkGivenUp(int64_t id, std::string_view error) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kMarkGivenUp, id, error));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange(core_, id, "give up on it");
}

Result<OutboxMessage> OutboxRepository::Get(int64_t id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGet));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(id).Step());
  if (!found) return NotFoundId(id);
  return ReadMessage(*st);
}

Result<std::vector<OutboxMessage>> OutboxRepository::ListForSighting(int64_t sighting_id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kListForSighting));
  st->BindAll(sighting_id);
  return ReadAll(st);
}

Result<std::vector<OutboxMessage>> OutboxRepository::List(std::optional<OutboxState> state,
                                                          int64_t limit) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kList));
  if (state) {
    st->Bind(1, OutboxStateName(*state));
  } else {
    st->Bind(1, std::nullopt);
  }
  st->Bind(2, limit > 0 ? limit : int64_t{-1});
  return ReadAll(st);
}

Result<std::vector<OutboxChannelCounts>> OutboxRepository::CountsByChannel() {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCountsByChannel));
  std::vector<OutboxChannelCounts> counts;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    counts.push_back(OutboxChannelCounts{st->ColumnText(0), st->ColumnInt(1), st->ColumnInt(2),
                                         st->ColumnInt(3)});
  }
  return counts;
}

Result<std::vector<OutboxMessage>> OutboxRepository::ListFailures(int64_t limit) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kListFailures));
  st->BindAll(limit > 0 ? limit : int64_t{-1});
  return ReadAll(st);
}

Result<int64_t> OutboxRepository::CountFailures() {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCountFailures));
  LW_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->ColumnInt(0) : int64_t{0};
}

}  // namespace leakwatch::store
