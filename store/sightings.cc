#include "store/sightings.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

constexpr const char* kFindSame =
    "SELECT id FROM sightings WHERE url = ?1 AND member_path = ?2 AND sha256 = ?3 AND kind = ?4";
constexpr const char* kTouch = "UPDATE sightings SET last_seen = max(last_seen, ?2) WHERE id = ?1";
constexpr const char* kInsert =
    "INSERT INTO sightings (source, url, member_path, sha256, kind, score, dataset_refs, "
    "linked_from, snippet, evidence_warc, evidence_warc_offset, run_id, first_seen, last_seen, "
    "part_offset, part_length, object_size) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16)";
#define LW_SIGHTING_COLUMNS                                                                  \
  "id, source, url, member_path, sha256, kind, score, dataset_refs, linked_from, snippet, "  \
  "evidence_warc, evidence_warc_offset, run_id, first_seen, last_seen, acked_at, acked_by, " \
  "ack_note, part_offset, part_length, object_size"
constexpr const char* kGet = "SELECT " LW_SIGHTING_COLUMNS " FROM sightings WHERE id = ?1";
constexpr const char* kQuery =
    "SELECT " LW_SIGHTING_COLUMNS
    " FROM sightings WHERE (?1 IS NULL OR first_seen >= ?1) AND (?2 IS NULL OR first_seen < ?2) "
    "AND (?3 IS NULL OR source = ?3) AND (?4 IS NULL OR kind = ?4) "
    "AND (?5 IS NULL OR score >= ?5) AND (?6 = 0 OR acked_at IS NULL) "
    "ORDER BY first_seen DESC, id DESC LIMIT ?7";
#undef LW_SIGHTING_COLUMNS
constexpr const char* kSetEvidence =
    "UPDATE sightings SET evidence_warc = ?2, evidence_warc_offset = ?3 "
    "WHERE id = ?1 AND evidence_warc IS NULL";
constexpr const char* kAck =
    "UPDATE sightings SET acked_at = ?2, acked_by = ?3, ack_note = ?4 WHERE id = ?1";
constexpr const char* kCountBySource =
    "SELECT source, count(*) FROM sightings GROUP BY source ORDER BY source";
constexpr const char* kCountByDay =
    "SELECT strftime('%Y-%m-%d', first_seen, 'unixepoch') AS day, count(*) FROM sightings "
    "WHERE (?1 IS NULL OR first_seen >= ?1) GROUP BY day ORDER BY day DESC";
constexpr const char* kCountByKind =
    "SELECT kind, count(*) FROM sightings GROUP BY kind ORDER BY kind";

Result<Sighting> ReadSighting(util::Statement& st) {
  Sighting s;
  s.id = st.ColumnInt(0);
  s.source = st.ColumnText(1);
  s.url = st.ColumnText(2);
  s.member_path = st.ColumnText(3);
  s.sha256 = st.ColumnText(4);
  LW_ASSIGN_OR_RETURN(s.kind, ParseSightingKind(st.ColumnText(5)));
  s.score = st.ColumnDouble(6);
  s.dataset_refs = st.ColumnText(7);
  s.linked_from = st.ColumnOptionalText(8);
  s.snippet = st.ColumnOptionalText(9);
  s.evidence_warc = st.ColumnOptionalText(10);
  s.evidence_warc_offset = st.ColumnOptionalInt(11);
  s.run_id = st.ColumnOptionalInt(12);
  s.first_seen = st.ColumnInt(13);
  s.last_seen = st.ColumnInt(14);
  s.seen_at = s.last_seen;
  s.acked_at = st.ColumnOptionalInt(15);
  s.acked_by = st.ColumnOptionalText(16);
  s.ack_note = st.ColumnOptionalText(17);
  if (const auto offset = st.ColumnOptionalInt(18)) {
    s.part =
        NewSighting::Part{*offset, st.ColumnOptionalInt(19).value_or(0), st.ColumnOptionalInt(20)};
  }
  return s;
}

Status Validate(const NewSighting& s) {
  if (s.url.empty()) return Status::InvalidArgument("sighting without a URL");
  if (s.sha256.empty()) return Status::InvalidArgument("sighting without a sha256: " + s.url);
  if (!std::isfinite(s.score)) return Status::InvalidArgument("sighting score is not finite");
  if (s.part && (s.part->offset < 0 || s.part->length < 0)) {
    return Status::InvalidArgument("sighting part with a negative offset or length: " + s.url);
  }
  if (!nlohmann::json::accept(s.dataset_refs)) {
    return Status::InvalidArgument("sighting dataset_refs is not JSON: " + s.url);
  }
  return Status::Ok();
}

}  // namespace

Result<SightingUpsert> SightingRepository::Upsert(const NewSighting& s) {
  LW_RETURN_IF_ERROR(Validate(s));
  const int64_t seen_at = s.seen_at.value_or(core_.Now());
  SightingUpsert result;
  const Status tx = core_.InTransaction([&]() -> Status {
    std::optional<int64_t> existing;
    {
      LW_ASSIGN_OR_RETURN(auto find, core_.Prepare(kFindSame));
      LW_ASSIGN_OR_RETURN(bool found,
                          find->BindAll(std::string_view(s.url), std::string_view(s.member_path),
                                        std::string_view(s.sha256), SightingKindName(s.kind))
                              .Step());
      if (found) existing = find->ColumnInt(0);
    }
    if (existing) {
      result = SightingUpsert{*existing, false};
      return core_.Execute(kTouch, *existing, seen_at);
    }
    std::optional<int64_t> part_offset, part_length, object_size;
    if (s.part) {
      part_offset = s.part->offset;
      part_length = s.part->length;
      object_size = s.part->object_size;
    }
    LW_ASSIGN_OR_RETURN(auto insert, core_.Prepare(kInsert));
    LW_RETURN_IF_ERROR(insert
                           ->BindAll(std::string_view(s.source), std::string_view(s.url),
                                     std::string_view(s.member_path), std::string_view(s.sha256),
                                     SightingKindName(s.kind), s.score,
                                     std::string_view(s.dataset_refs), s.linked_from, s.snippet,
                                     s.evidence_warc, s.evidence_warc_offset, s.run_id, seen_at,
                                     part_offset, part_length, object_size)
                           .Run());
    result = SightingUpsert{core_.db().LastInsertRowId(), true};
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return result;
}

Result<Sighting> SightingRepository::Get(int64_t id) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGet));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(id).Step());
  if (!found) return Status::NotFound("no sighting with id " + std::to_string(id));
  return ReadSighting(*st);
}

Result<std::vector<Sighting>> SightingRepository::Query(const SightingFilter& f) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kQuery));
  st->Bind(1, f.since).Bind(2, f.until).Bind(3, f.source);
  if (f.kind) {
    st->Bind(4, SightingKindName(*f.kind));
  } else {
    st->Bind(4, std::nullopt);
  }
  if (f.min_score) {
    st->Bind(5, *f.min_score);
  } else {
    st->Bind(5, std::nullopt);
  }
  st->Bind(6, int64_t{f.unacked_only ? 1 : 0}).Bind(7, f.limit > 0 ? f.limit : int64_t{-1});
  std::vector<Sighting> sightings;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LW_ASSIGN_OR_RETURN(Sighting s, ReadSighting(*st));
    sightings.push_back(std::move(s));
  }
  return sightings;
}

Result<bool> SightingRepository::SetEvidenceIfMissing(int64_t id, std::string_view warc,
                                                      int64_t offset) {
  if (warc.empty() || offset < 0) {
    return Status::InvalidArgument("evidence needs a WARC file and a non-negative offset");
  }
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kSetEvidence, id, warc, offset));
  return changed > 0;
}

Status SightingRepository::Ack(int64_t id, std::string_view by,
                               const std::optional<std::string>& note) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kAck, id, core_.Now(), by, note));
  if (changed == 0) {
    return Status::NotFound("no sighting with id " + std::to_string(id));
  }
  return Status::Ok();
}

Result<std::vector<std::pair<SightingKind, int64_t>>> SightingRepository::CountByKind() {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCountByKind));
  std::vector<std::pair<SightingKind, int64_t>> counts;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LW_ASSIGN_OR_RETURN(SightingKind kind, ParseSightingKind(st->ColumnText(0)));
    counts.emplace_back(kind, st->ColumnInt(1));
  }
  return counts;
}

namespace {

Result<std::vector<SightingCount>> ReadCounts(detail::ScopedStatement& st) {
  std::vector<SightingCount> counts;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    counts.push_back(SightingCount{st->ColumnText(0), st->ColumnInt(1)});
  }
  return counts;
}

}  // namespace

Result<std::vector<SightingCount>> SightingRepository::CountBySource() {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCountBySource));
  return ReadCounts(st);
}

Result<std::vector<SightingCount>> SightingRepository::CountByDay(std::optional<int64_t> since) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kCountByDay));
  st->BindAll(since);
  return ReadCounts(st);
}

}  // namespace leakwatch::store
