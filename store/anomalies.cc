#include "store/anomalies.h"

#include <algorithm>
#include <string_view>

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

constexpr const char* kStoredInRun =
    "SELECT coalesce(sum(stored), 0) FROM anomaly_counts WHERE run_id = ?1";
constexpr const char* kInsertAnomaly =
    "INSERT INTO anomalies (run_id, source_id, at, url, member_path, kind, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kAddCounts =
    "INSERT INTO anomaly_counts (run_id, source_id, kind, counted, stored) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, source_id, kind) DO UPDATE SET "
    "counted = counted + excluded.counted, stored = stored + excluded.stored";
constexpr const char* kCounts =
    "SELECT kind, sum(counted), sum(stored) FROM anomaly_counts "
    "WHERE run_id = ?1 AND (?2 IS NULL OR source_id = ?2) GROUP BY kind ORDER BY kind";
constexpr const char* kListByRun =
    "SELECT a.id, a.run_id, a.source_id, s.name, a.at, a.url, a.member_path, a.kind, a.detail "
    "FROM anomalies a LEFT JOIN sources s ON s.id = a.source_id "
    "WHERE a.run_id = ?1 AND (?2 IS NULL OR a.kind = ?2) ORDER BY a.id LIMIT ?3";

constexpr std::string_view kCutMark = "...";
constexpr const char* kUnnamedKind = "unknown";

// `text` cut to at most `max_bytes` bytes at a UTF-8 character boundary, ending in
// kCutMark when cut.
std::string Capped(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes > kCutMark.size() ? max_bytes - kCutMark.size() : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
  return std::string(text.substr(0, cut)) + std::string(kCutMark);
}

struct KindCount {
  int64_t counted = 0;
  int64_t stored = 0;
};

}  // namespace

Result<int64_t> AnomalyRepository::Record(int64_t run_id, int64_t source_id,
                                          const std::vector<NewAnomaly>& anomalies) {
  if (anomalies.empty()) return int64_t{0};
  int64_t stored = 0;
  const Status tx = core_.InTransaction([&]() -> Status {
    stored = 0;
    int64_t stored_in_run = 0;
    {
      LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kStoredInRun));
      LW_ASSIGN_OR_RETURN(bool row, st->BindAll(run_id).Step());
      if (row) stored_in_run = st->ColumnInt(0);
    }
    const int64_t room = std::max<int64_t>(
        0, std::min(kMaxAnomalyRowsPerObject, kMaxAnomalyRowsPerRun - stored_in_run));
    const int64_t now = core_.Now();
    std::map<std::string, KindCount> counts;
    for (const NewAnomaly& a : anomalies) {
      std::string kind = Capped(a.kind, kMaxAnomalyKindBytes);
      if (kind.empty()) kind = kUnnamedKind;
      KindCount& count = counts[kind];
      ++count.counted;
      if (stored >= room) continue;
      const std::string url = Capped(a.url, kMaxAnomalyUrlBytes);
      const std::string member = Capped(a.member_path, kMaxAnomalyMemberPathBytes);
      const std::string detail = Capped(a.detail, kMaxAnomalyDetailBytes);
      LW_RETURN_IF_ERROR(core_.Execute(kInsertAnomaly, run_id, source_id, now,
                                       std::string_view(url), std::string_view(member),
                                       std::string_view(kind), std::string_view(detail)));
      ++count.stored;
      ++stored;
    }
    for (const auto& [kind, count] : counts) {
      LW_RETURN_IF_ERROR(core_.Execute(kAddCounts, run_id, source_id, std::string_view(kind),
                                       count.counted, count.stored));
    }
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return stored;
}

Result<AnomalyCounts> AnomalyRepository::Counts(int64_t run_id, std::optional<int64_t> source_id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCounts));
  st->BindAll(run_id, source_id);
  AnomalyCounts counts;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    const int64_t counted = st->ColumnInt(1);
    counts.by_kind[st->ColumnText(0)] = counted;
    counts.total += counted;
    counts.stored += st->ColumnInt(2);
  }
  return counts;
}

Result<std::vector<Anomaly>> AnomalyRepository::ListByRun(int64_t run_id, int64_t limit,
                                                          const std::optional<std::string>& kind) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kListByRun));
  st->BindAll(run_id, kind, limit > 0 ? limit : int64_t{-1});  // LIMIT -1: no limit
  std::vector<Anomaly> rows;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    Anomaly a;
    a.id = st->ColumnInt(0);
    a.run_id = st->ColumnInt(1);
    a.source_id = st->ColumnOptionalInt(2);
    a.source = st->ColumnOptionalText(3);
    a.at = st->ColumnInt(4);
    a.url = st->ColumnText(5);
    a.member_path = st->ColumnText(6);
    a.kind = st->ColumnText(7);
    a.detail = st->ColumnText(8);
    rows.push_back(std::move(a));
  }
  return rows;
}

}  // namespace leakwatch::store
