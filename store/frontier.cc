#include "store/frontier.h"

#include <utility>

#include "store/internal/core.h"
#include "store/internal/queries.h"

namespace leakwatch::store {
namespace {

constexpr const char* kInsertUrl =
    "INSERT INTO frontier (source_id, url, kind, depth, discovered_from, discovered_at, "
    "next_due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (source_id, url) DO NOTHING";
#define LW_FRONTIER_COLUMNS                                                               \
  "id, source_id, url, kind, depth, discovered_from, state, discovered_at, next_due_at, " \
  "attempts, last_status, last_attempt_at, etag, last_modified, content_hash, "           \
  "lease_run_id, last_run_id, resume_offset, resume_validator, object_size"
constexpr const char* kSelectDue = detail::kTakeDueSql;
constexpr const char* kGetById = "SELECT " LW_FRONTIER_COLUMNS " FROM frontier WHERE id = ?1";
constexpr const char* kFind =
    "SELECT " LW_FRONTIER_COLUMNS " FROM frontier WHERE source_id = ?1 AND url = ?2";
#undef LW_FRONTIER_COLUMNS
constexpr const char* kLease =
    "UPDATE frontier SET state = 'in_flight', lease_run_id = ?2, last_run_id = ?2 WHERE id = ?1";
constexpr const char* kComplete =
    "UPDATE frontier SET state = CASE WHEN ?2 IS NULL THEN 'done' ELSE 'pending' END, "
    "next_due_at = coalesce(?2, next_due_at), attempts = 0, last_status = ?3, "
    "last_attempt_at = ?4, etag = ?5, last_modified = ?6, content_hash = ?7, "
    "lease_run_id = NULL, resume_offset = ?8, resume_validator = ?9, object_size = ?10 "
    "WHERE id = ?1";
constexpr const char* kFailTransient =
    "UPDATE frontier SET state = 'pending', next_due_at = ?2, attempts = attempts + 1, "
    "last_status = ?3, last_attempt_at = ?4, lease_run_id = NULL WHERE id = ?1";
constexpr const char* kFailPermanent =
    "UPDATE frontier SET state = 'failed_permanent', attempts = attempts + 1, "
    "last_status = ?2, last_attempt_at = ?3, lease_run_id = NULL WHERE id = ?1";
constexpr const char* kReschedule =
    "UPDATE frontier SET state = 'pending', next_due_at = ?2 "
    "WHERE id = ?1 AND state IN ('pending', 'done')";
constexpr const char* kRequeueAbandoned =
    "UPDATE frontier SET state = 'pending', lease_run_id = NULL, "
    "next_due_at = min(next_due_at, ?1) WHERE state = 'in_flight' "
    "AND (?2 IS NULL OR lease_run_id IS NULL OR lease_run_id != ?2)";
constexpr const char* kRelease =
    "UPDATE frontier SET state = 'pending', lease_run_id = NULL, last_run_id = NULL "
    "WHERE state = 'in_flight' AND lease_run_id = ?1";
constexpr const char* kCounts =
    "SELECT state, count(*), sum(next_due_at <= ?1) FROM frontier "
    "WHERE (?2 IS NULL OR source_id = ?2) GROUP BY state";
constexpr const char* kPartialCounts =
    "SELECT count(*), coalesce(sum(resume_offset), 0), coalesce(sum(object_size), 0), "
    "count(*) - count(object_size) FROM frontier "
    "WHERE resume_offset > 0 AND (?1 IS NULL OR source_id = ?1)";

constexpr const char* kUrlFormKey = "frontier.url_form";
constexpr const char* kGetMeta = "SELECT value FROM meta WHERE key = ?1";
constexpr const char* kSetMeta =
    "INSERT INTO meta (key, value, updated_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
constexpr const char* kAllUrls = "SELECT id, url FROM frontier";
constexpr const char* kRekeyUrl = "UPDATE OR IGNORE frontier SET url = ?2 WHERE id = ?1";
constexpr const char* kDeleteUrl = "DELETE FROM frontier WHERE id = ?1";

Result<FrontierEntry> ReadEntry(util::Statement& st) {
  FrontierEntry e;
  e.id = st.ColumnInt(0);
  e.source_id = st.ColumnInt(1);
  e.url = st.ColumnText(2);
  LW_ASSIGN_OR_RETURN(e.kind, ParseUrlKind(st.ColumnText(3)));
  e.depth = st.ColumnInt(4);
  e.discovered_from = st.ColumnOptionalText(5);
  LW_ASSIGN_OR_RETURN(e.state, ParseFrontierState(st.ColumnText(6)));
  e.discovered_at = st.ColumnInt(7);
  e.next_due_at = st.ColumnInt(8);
  e.attempts = st.ColumnInt(9);
  e.last_status = st.ColumnOptionalText(10);
  e.last_attempt_at = st.ColumnOptionalInt(11);
  e.etag = st.ColumnOptionalText(12);
  e.last_modified = st.ColumnOptionalText(13);
  e.content_hash = st.ColumnOptionalText(14);
  e.lease_run_id = st.ColumnOptionalInt(15);
  e.last_run_id = st.ColumnOptionalInt(16);
  e.resume_offset = st.ColumnInt(17);
  e.resume_validator = st.ColumnOptionalText(18);
  e.object_size = st.ColumnOptionalInt(19);
  return e;
}

Status NotFoundId(int64_t id) {
  return Status::NotFound("no frontier URL with id " + std::to_string(id));
}

Status ChangedOrNotFound(int64_t changed, int64_t id) {
  return changed == 0 ? NotFoundId(id) : Status::Ok();
}

}  // namespace

Result<bool> FrontierRepository::AddIfNew(const NewFrontierUrl& url) {
  if (url.url.empty()) return Status::InvalidArgument("frontier URL is empty");
  if (url.depth < 0) return Status::InvalidArgument("frontier depth is negative: " + url.url);
  const int64_t now = core_.Now();
  auto inserted =
      core_.Write(kInsertUrl, url.source_id, std::string_view(url.url), UrlKindName(url.kind),
                  url.depth, url.discovered_from, now, url.due_at.value_or(now));
  if (!inserted.has_value() && inserted.error().code() == StatusCode::kAlreadyExists) {
    // ON CONFLICT DO NOTHING absorbs duplicates: what remains is the source FK.
    return Status::NotFound("no source with id " + std::to_string(url.source_id) +
                            " for frontier URL " + url.url);
  }
  if (!inserted.has_value()) return std::move(inserted).error();
  return *inserted > 0;
}

Result<int64_t> FrontierRepository::AddBatch(std::span<const NewFrontierUrl> urls) {
  int64_t added = 0;
  const Status tx = core_.InTransaction([&]() -> Status {
    added = 0;
    for (const NewFrontierUrl& url : urls) {
      LW_ASSIGN_OR_RETURN(bool is_new, AddIfNew(url));
      if (is_new) ++added;
    }
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return added;
}

Result<std::vector<FrontierEntry>> FrontierRepository::TakeDue(int64_t run_id, int64_t limit,
                                                               std::optional<int64_t> source_id) {
  std::vector<FrontierEntry> taken;
  if (limit <= 0) return taken;
  const Status tx = core_.InTransaction([&]() -> Status {
    taken.clear();
    {
      LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kSelectDue));
      st->BindAll(core_.Now(), source_id, run_id, limit);
      for (;;) {
        LW_ASSIGN_OR_RETURN(bool row, st->Step());
        if (!row) break;
        LW_ASSIGN_OR_RETURN(FrontierEntry entry, ReadEntry(*st));
        taken.push_back(std::move(entry));
      }
    }
    LW_ASSIGN_OR_RETURN(auto lease, core_.Prepare(kLease));
    for (FrontierEntry& entry : taken) {
      LW_RETURN_IF_ERROR(lease->BindAll(entry.id, run_id).Run());
      lease->Reset();
      entry.state = FrontierState::kInFlight;
      entry.lease_run_id = run_id;
      entry.last_run_id = run_id;
    }
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return taken;
}

Status FrontierRepository::Complete(int64_t id, const FetchCompletion& c) {
  if (c.resume && (c.resume->offset <= 0 || c.resume->validator.empty())) {
    return Status::InvalidArgument("frontier resume needs a positive offset and a validator");
  }
  const int64_t resume_offset = c.resume ? c.resume->offset : 0;
  std::optional<std::string> validator;
  std::optional<int64_t> object_size;
  if (c.resume) {
    validator = c.resume->validator;
    object_size = c.resume->object_size;
  }
  LW_ASSIGN_OR_RETURN(
      int64_t changed,
      core_.Write(kComplete, id, c.revisit_at, std::string_view(c.last_status), core_.Now(), c.etag,
                  c.last_modified, c.content_hash, resume_offset, validator, object_size));
  return ChangedOrNotFound(changed, id);
}

Status FrontierRepository::FailTransient(int64_t id, std::string_view last_status,
                                         int64_t next_due_at) {
  LW_ASSIGN_OR_RETURN(int64_t changed,
                      core_.Write(kFailTransient, id, next_due_at, last_status, core_.Now()));
  return ChangedOrNotFound(changed, id);
}

Status FrontierRepository::FailPermanent(int64_t id, std::string_view last_status) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kFailPermanent, id, last_status, core_.Now()));
  return ChangedOrNotFound(changed, id);
}

Result<bool> FrontierRepository::Reschedule(int64_t id, int64_t due_at) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kReschedule, id, due_at));
  if (changed > 0) return true;
  LW_ASSIGN_OR_RETURN(FrontierEntry entry, Get(id));  // NotFound, or in a state we keep
  (void)entry;
  return false;
}

Result<int64_t> FrontierRepository::RequeueAbandoned(std::optional<int64_t> current_run_id) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kRequeueAbandoned, core_.Now(), current_run_id));
  return changed;
}

Result<int64_t> FrontierRepository::Release(int64_t run_id) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kRelease, run_id));
  return changed;
}

Result<int64_t> FrontierRepository::Rekey(
    std::string_view form,
    const std::function<std::optional<std::string>(std::string_view)>& key_of) {
  int64_t changed = 0;
  const Status tx = core_.InTransaction([&]() -> Status {
    changed = 0;
    {
      LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGetMeta));
      LW_ASSIGN_OR_RETURN(bool found, st->BindAll(std::string_view(kUrlFormKey)).Step());
      if (found && st->ColumnText(0) == form) return Status::Ok();
    }
    std::vector<std::pair<int64_t, std::string>> rekeyed;  // (id, new key)
    {
      LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kAllUrls));
      for (;;) {
        LW_ASSIGN_OR_RETURN(bool row, st->Step());
        if (!row) break;
        const std::string url = st->ColumnText(1);
        std::optional<std::string> key = key_of(url);
        if (key && *key != url) rekeyed.emplace_back(st->ColumnInt(0), std::move(*key));
      }
    }
    for (const auto& [id, key] : rekeyed) {
      LW_ASSIGN_OR_RETURN(int64_t updated, core_.Write(kRekeyUrl, id, std::string_view(key)));
      if (updated == 0) {
        LW_ASSIGN_OR_RETURN(int64_t deleted, core_.Write(kDeleteUrl, id));
        (void)deleted;
      }
      ++changed;
    }
    LW_ASSIGN_OR_RETURN(int64_t set,
                        core_.Write(kSetMeta, std::string_view(kUrlFormKey), form, core_.Now()));
    (void)set;
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return changed;
}

Result<FrontierEntry> FrontierRepository::Get(int64_t id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGetById));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(id).Step());
  if (!found) return NotFoundId(id);
  return ReadEntry(*st);
}

Result<std::optional<FrontierEntry>> FrontierRepository::Find(int64_t source_id,
                                                              std::string_view url) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kFind));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(source_id, url).Step());
  if (!found) return std::optional<FrontierEntry>();
  LW_ASSIGN_OR_RETURN(FrontierEntry entry, ReadEntry(*st));
  return std::optional<FrontierEntry>(std::move(entry));
}

Result<FrontierCounts> FrontierRepository::Counts(std::optional<int64_t> source_id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCounts));
  st->BindAll(core_.Now(), source_id);
  FrontierCounts counts;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LW_ASSIGN_OR_RETURN(FrontierState state, ParseFrontierState(st->ColumnText(0)));
    const int64_t n = st->ColumnInt(1);
    switch (state) {
      case FrontierState::kPending:
        counts.pending = n;
        counts.due_now = st->ColumnInt(2);
        break;
      case FrontierState::kInFlight:
        counts.in_flight = n;
        break;
      case FrontierState::kDone:
        counts.done = n;
        break;
      case FrontierState::kFailedPermanent:
        counts.failed_permanent = n;
        break;
    }
  }
  LW_ASSIGN_OR_RETURN(auto partial, core_.Prepare(kPartialCounts));
  LW_ASSIGN_OR_RETURN(bool row, partial->BindAll(source_id).Step());
  if (row) {
    counts.partial = partial->ColumnInt(0);
    counts.partial_bytes_received = partial->ColumnInt(1);
    counts.partial_bytes_known_size = partial->ColumnInt(2);
    counts.partial_size_unknown = partial->ColumnInt(3);
  }
  return counts;
}

}  // namespace leakwatch::store
