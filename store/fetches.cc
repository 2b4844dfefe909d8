#include "store/fetches.h"

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

constexpr const char* kLog =
    "INSERT INTO fetches (run_id, source_id, url, fetched_at, http_status, error_class, bytes, "
    "duration_ms, content_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kListByRun =
    "SELECT id, run_id, source_id, url, fetched_at, http_status, error_class, bytes, "
    "duration_ms, content_sha256 FROM fetches WHERE run_id = ?1 ORDER BY id LIMIT ?2";
constexpr const char* kLatestRunOfSource = "SELECT max(run_id) FROM fetches WHERE source_id = ?1";
constexpr const char* kDeleteOlder = "DELETE FROM fetches WHERE fetched_at < ?1";

}  // namespace

Result<int64_t> FetchRepository::Log(const FetchLogEntry& e) {
  if (e.url.empty()) return Status::InvalidArgument("fetch log entry without a URL");
  return core_.Insert(kLog, e.run_id, e.source_id, std::string_view(e.url),
                      e.fetched_at.value_or(core_.Now()), e.http_status, e.error_class, e.bytes,
                      e.duration_ms, e.content_sha256);
}

Result<std::vector<FetchLogEntry>> FetchRepository::ListByRun(int64_t run_id, int64_t limit) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kListByRun));
  st->BindAll(run_id, limit);
  std::vector<FetchLogEntry> entries;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    FetchLogEntry e;
    e.id = st->ColumnInt(0);
    e.run_id = st->ColumnOptionalInt(1);
    e.source_id = st->ColumnOptionalInt(2);
    e.url = st->ColumnText(3);
    e.fetched_at = st->ColumnInt(4);
    e.http_status = st->ColumnOptionalInt(5);
    e.error_class = st->ColumnOptionalText(6);
    e.bytes = st->ColumnInt(7);
    e.duration_ms = st->ColumnInt(8);
    e.content_sha256 = st->ColumnOptionalText(9);
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<std::optional<int64_t>> FetchRepository::LatestRunOfSource(int64_t source_id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kLatestRunOfSource));
  LW_ASSIGN_OR_RETURN(bool row, st->BindAll(source_id).Step());
  if (!row) return std::optional<int64_t>();
  return st->ColumnOptionalInt(0);
}

Result<int64_t> FetchRepository::DeleteOlderThan(int64_t cutoff) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kDeleteOlder, cutoff));
  return changed;
}

}  // namespace leakwatch::store
