#include "store/coverage.h"

#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

// RETURNING times_seen tells a first sighting (1) from a repeat.
constexpr const char* kMarkSeen =
    "INSERT INTO coverage (kind, ref, first_sighting_id, first_seen, last_seen) "
    "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (kind, ref) DO UPDATE SET "
    "last_seen = max(last_seen, excluded.last_seen), times_seen = times_seen + 1, "
    "first_sighting_id = coalesce(first_sighting_id, excluded.first_sighting_id) "
    "RETURNING times_seen";
constexpr const char* kCountSeen = "SELECT count(*) FROM coverage WHERE kind = ?1";
constexpr const char* kGet =
    "SELECT first_sighting_id, first_seen, last_seen, times_seen FROM coverage "
    "WHERE kind = ?1 AND ref = ?2";

}  // namespace

std::vector<CoverageRef> CoverageRefsFromDatasetRefs(std::string_view dataset_refs_json) {
  std::vector<CoverageRef> refs;
  const nlohmann::json parsed = nlohmann::json::parse(dataset_refs_json, nullptr,
                                                      /*allow_exceptions=*/false);
  if (!parsed.is_array()) return refs;
  std::set<std::pair<CoverageKind, std::string>> seen;
  for (const nlohmann::json& item : parsed) {
    if (!item.is_string()) continue;
    const std::string& text = item.get_ref<const std::string&>();
    if (text.size() < 3 || text[1] != ':') continue;
    CoverageKind kind;
    if (text[0] == 'f') {
      kind = CoverageKind::kFile;
    } else if (text[0] == 'r') {
      kind = CoverageKind::kRecord;
    } else {
      continue;
    }
    std::string id = text.substr(2);
    if (seen.emplace(kind, id).second) refs.push_back(CoverageRef{kind, std::move(id)});
  }
  return refs;
}

Result<int64_t> CoverageRepository::MarkSeen(const std::vector<CoverageRef>& refs,
                                             std::optional<int64_t> sighting_id) {
  int64_t newly_seen = 0;
  const int64_t now = core_.Now();
  const Status tx = core_.InTransaction([&]() -> Status {
    newly_seen = 0;
    LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kMarkSeen));
    for (const CoverageRef& ref : refs) {
      if (ref.ref.empty()) return Status::InvalidArgument("empty coverage ref");
      st->BindAll(CoverageKindName(ref.kind), std::string_view(ref.ref), sighting_id, now);
      LW_ASSIGN_OR_RETURN(bool row, st->Step());
      if (row && st->ColumnInt(0) == 1) ++newly_seen;
      LW_RETURN_IF_ERROR(st->Run());  // finish the statement before reuse
      st->Reset();
    }
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return newly_seen;
}

Result<int64_t> CoverageRepository::CountSeen(CoverageKind kind) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCountSeen));
  LW_ASSIGN_OR_RETURN(bool row, st->BindAll(CoverageKindName(kind)).Step());
  return row ? st->ColumnInt(0) : int64_t{0};
}

Result<std::optional<CoverageEntry>> CoverageRepository::Get(CoverageKind kind,
                                                             std::string_view ref) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGet));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(CoverageKindName(kind), ref).Step());
  if (!found) return std::optional<CoverageEntry>();
  return std::optional<CoverageEntry>(CoverageEntry{kind, std::string(ref),
                                                    st->ColumnOptionalInt(0), st->ColumnInt(1),
                                                    st->ColumnInt(2), st->ColumnInt(3)});
}

}  // namespace leakwatch::store
