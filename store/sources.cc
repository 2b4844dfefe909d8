#include "store/sources.h"

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

constexpr const char* kUpsertSource =
    "INSERT INTO sources (name, profile, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) "
    "ON CONFLICT (name) DO UPDATE SET profile = excluded.profile, "
    "updated_at = CASE WHEN profile = excluded.profile THEN updated_at ELSE excluded.updated_at "
    "END";
constexpr const char* kSourceIdByName = "SELECT id FROM sources WHERE name = ?1";
#define LW_SOURCE_COLUMNS                                                              \
  "id, name, profile, state, last_success_at, last_failure_at, consecutive_failures, " \
  "last_error, last_error_class, created_at, updated_at"
constexpr const char* kGetSourceByName =
    "SELECT " LW_SOURCE_COLUMNS " FROM sources WHERE name = ?1";
constexpr const char* kGetSourceById = "SELECT " LW_SOURCE_COLUMNS " FROM sources WHERE id = ?1";
constexpr const char* kListSources = "SELECT " LW_SOURCE_COLUMNS " FROM sources ORDER BY name";
#undef LW_SOURCE_COLUMNS
constexpr const char* kRecordSuccess =
    "UPDATE sources SET state = 'ok', consecutive_failures = 0, last_success_at = ?2, "
    "updated_at = ?2 WHERE id = ?1";
constexpr const char* kRecordFailure =
    "UPDATE sources SET state = ?2, consecutive_failures = consecutive_failures + 1, "
    "last_failure_at = ?3, last_error_class = ?4, last_error = ?5, updated_at = ?3 "
    "WHERE id = ?1";
constexpr const char* kSetState = "UPDATE sources SET state = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char* kInsertYield =
    "INSERT INTO source_yields (source_id, run_id, at, url, items) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kTrimYields =
    "DELETE FROM source_yields WHERE source_id = ?1 AND id NOT IN "
    "(SELECT id FROM source_yields WHERE source_id = ?1 ORDER BY id DESC LIMIT ?2)";
constexpr const char* kRecentYields =
    "SELECT at, run_id, url, items FROM source_yields WHERE source_id = ?1 "
    "ORDER BY id DESC LIMIT ?2";

Result<Source> ReadSource(util::Statement& st) {
  Source source;
  source.id = st.ColumnInt(0);
  source.name = st.ColumnText(1);
  source.profile = st.ColumnText(2);
  // A state written by a newer build reads as failing rather than losing the row.
  source.state = ParseSourceState(st.ColumnText(3)).value_or(SourceState::kFailing);
  source.last_success_at = st.ColumnOptionalInt(4);
  source.last_failure_at = st.ColumnOptionalInt(5);
  source.consecutive_failures = st.ColumnInt(6);
  source.last_error = st.ColumnOptionalText(7);
  source.last_error_class = st.ColumnOptionalText(8);
  source.created_at = st.ColumnInt(9);
  source.updated_at = st.ColumnInt(10);
  return source;
}

Status NotFoundId(int64_t id) {
  return Status::NotFound("no source with id " + std::to_string(id));
}

}  // namespace

Result<int64_t> SourceRepository::Upsert(std::string_view name, std::string_view profile) {
  if (name.empty()) return Status::InvalidArgument("source name is empty");
  int64_t id = 0;
  const Status tx = core_.InTransaction([&]() -> Status {
    LW_RETURN_IF_ERROR(core_.Execute(kUpsertSource, name, profile, core_.Now()));
    LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kSourceIdByName));
    LW_ASSIGN_OR_RETURN(bool found, st->BindAll(name).Step());
    if (!found) return Status::Internal("source vanished after upsert");
    id = st->ColumnInt(0);
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return id;
}

Result<Source> SourceRepository::Get(std::string_view name) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGetSourceByName));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(name).Step());
  if (!found) return Status::NotFound("no source named \"" + std::string(name) + "\"");
  return ReadSource(*st);
}

Result<Source> SourceRepository::GetById(int64_t id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGetSourceById));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(id).Step());
  if (!found) return NotFoundId(id);
  return ReadSource(*st);
}

Result<std::vector<Source>> SourceRepository::List() {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kListSources));
  std::vector<Source> sources;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LW_ASSIGN_OR_RETURN(Source source, ReadSource(*st));
    sources.push_back(std::move(source));
  }
  return sources;
}

Status SourceRepository::RecordSuccess(int64_t source_id) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kRecordSuccess, source_id, core_.Now()));
  return changed == 0 ? NotFoundId(source_id) : Status::Ok();
}

Status SourceRepository::RecordFailure(int64_t source_id, SourceState state,
                                       std::string_view error_class, std::string_view message) {
  LW_ASSIGN_OR_RETURN(int64_t changed,
                      core_.Write(kRecordFailure, source_id, SourceStateName(state), core_.Now(),
                                  error_class, message));
  return changed == 0 ? NotFoundId(source_id) : Status::Ok();
}

Status SourceRepository::SetState(int64_t source_id, SourceState state) {
  LW_ASSIGN_OR_RETURN(int64_t changed,
                      core_.Write(kSetState, source_id, SourceStateName(state), core_.Now()));
  return changed == 0 ? NotFoundId(source_id) : Status::Ok();
}

Status SourceRepository::AddYield(int64_t source_id, std::optional<int64_t> run_id,
                                  std::string_view url, int64_t items) {
  return core_.InTransaction([&]() -> Status {
    LW_RETURN_IF_ERROR(core_.Execute(kInsertYield, source_id, run_id, core_.Now(), url, items));
    return core_.Execute(kTrimYields, source_id, kYieldHistoryPerSource);
  });
}

Result<std::vector<YieldSample>> SourceRepository::RecentYields(int64_t source_id, int64_t limit) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kRecentYields));
  st->BindAll(source_id, limit);
  std::vector<YieldSample> samples;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    samples.push_back(YieldSample{st->ColumnInt(0), st->ColumnOptionalInt(1), st->ColumnText(2),
                                  st->ColumnInt(3)});
  }
  return samples;
}

}  // namespace leakwatch::store
