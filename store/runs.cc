#include "store/runs.h"

#include <nlohmann/json.hpp>

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

constexpr const char* kInsertRun =
    "INSERT INTO runs (started_at, status, pid) VALUES (?1, 'running', ?2)";
constexpr const char* kUpdateStats =
    "UPDATE runs SET pages = ?2, bytes = ?3, errors = ?4, errors_by_class = ?5 WHERE id = ?1";
constexpr const char* kFinishRun =
    "UPDATE runs SET status = ?2, pages = ?3, bytes = ?4, errors = ?5, errors_by_class = ?6, "
    "note = ?7, finished_at = ?8 WHERE id = ?1";
constexpr const char* kMarkAbandoned =
    "UPDATE runs SET status = 'interrupted', finished_at = ?1, "
    "note = coalesce(note, 'abandoned: the process ended without finishing the run') "
    "WHERE status = 'running' AND (?2 IS NULL OR id != ?2)";
#define LW_RUN_COLUMNS \
  "id, started_at, finished_at, status, pid, pages, bytes, errors, errors_by_class, note"
constexpr const char* kGetRun = "SELECT " LW_RUN_COLUMNS " FROM runs WHERE id = ?1";
constexpr const char* kLatestRuns =
    "SELECT " LW_RUN_COLUMNS " FROM runs ORDER BY started_at DESC, id DESC LIMIT ?1";
#undef LW_RUN_COLUMNS

std::string ErrorsToJson(const std::map<std::string, int64_t>& errors) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [error_class, count] : errors) object[error_class] = count;
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Tolerant: a damaged stats column loses the breakdown, not the run.
std::map<std::string, int64_t> ErrorsFromJson(const std::string& text) {
  std::map<std::string, int64_t> errors;
  const nlohmann::json object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return errors;
  for (const auto& [key, value] : object.items()) {
    if (value.is_number_integer()) errors[key] = value.get<int64_t>();
  }
  return errors;
}

Result<Run> ReadRun(util::Statement& st) {
  Run run;
  run.id = st.ColumnInt(0);
  run.started_at = st.ColumnInt(1);
  run.finished_at = st.ColumnOptionalInt(2);
  LW_ASSIGN_OR_RETURN(run.status, ParseRunStatus(st.ColumnText(3)));
  run.pid = st.ColumnInt(4);
  run.stats.pages = st.ColumnInt(5);
  run.stats.bytes = st.ColumnInt(6);
  run.stats.errors = st.ColumnInt(7);
  run.stats.errors_by_class = ErrorsFromJson(st.ColumnText(8));
  run.note = st.ColumnOptionalText(9);
  return run;
}

Status RequireChanged(int64_t changed, int64_t id) {
  if (changed == 0) return Status::NotFound("no run with id " + std::to_string(id));
  return Status::Ok();
}

}  // namespace

Result<int64_t> RunRepository::Start(int64_t pid) {
  return core_.Insert(kInsertRun, core_.Now(), pid);
}

Status RunRepository::UpdateStats(int64_t run_id, const RunStats& stats) {
  const std::string errors = ErrorsToJson(stats.errors_by_class);
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kUpdateStats, run_id, stats.pages, stats.bytes,
                                                   stats.errors, std::string_view(errors)));
  return RequireChanged(changed, run_id);
}

Status RunRepository::Finish(int64_t run_id, RunStatus status, const RunStats& stats,
                             const std::optional<std::string>& note) {
  const std::string errors = ErrorsToJson(stats.errors_by_class);
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kFinishRun, run_id, RunStatusName(status),
                                                   stats.pages, stats.bytes, stats.errors,
                                                   std::string_view(errors), note, core_.Now()));
  return RequireChanged(changed, run_id);
}

Result<int64_t> RunRepository::MarkAbandoned(std::optional<int64_t> current_run_id) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kMarkAbandoned, core_.Now(), current_run_id));
  return changed;
}

Result<Run> RunRepository::Get(int64_t run_id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGetRun));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(run_id).Step());
  if (!found) return Status::NotFound("no run with id " + std::to_string(run_id));
  return ReadRun(*st);
}

Result<std::vector<Run>> RunRepository::Latest(int64_t limit) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kLatestRuns));
  st->BindAll(limit);
  std::vector<Run> runs;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LW_ASSIGN_OR_RETURN(Run run, ReadRun(*st));
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace leakwatch::store
