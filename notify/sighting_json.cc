#include "notify/sighting_json.h"

#include <nlohmann/json.hpp>

#include "notify/internal/json_form.h"
#include "util/clock.h"
#include "util/text.h"

namespace leakwatch::notify {
namespace detail {

nlohmann::json SightingJsonValue(const store::Sighting& s) {
  using nlohmann::json;
  auto optional_string = [](const std::optional<std::string>& v) -> json {
    return v.has_value() ? json(*v) : json(nullptr);
  };
  json refs = json::parse(s.dataset_refs, nullptr, /*allow_exceptions=*/false);
  if (refs.is_discarded()) refs = s.dataset_refs;
  json evidence = nullptr;
  if (s.evidence_warc.has_value()) {
    evidence = {{"warc", *s.evidence_warc},
                {"offset", s.evidence_warc_offset.has_value() ? json(*s.evidence_warc_offset)
                                                              : json(nullptr)}};
  }
  json ack = nullptr;
  if (s.acked_at.has_value()) {
    ack = {{"at", util::FormatRfc3339(util::FromUnixSeconds(*s.acked_at))},
           {"by", optional_string(s.acked_by)},
           {"note", optional_string(s.ack_note)}};
  }
  json out = json::object();
  out["id"] = s.id;
  out["kind"] = std::string(store::SightingKindName(s.kind));
  out["score"] = s.score;
  out["source"] = s.source;
  out["url"] = s.url;
  out["member_path"] = s.member_path;
  out["sha256"] = s.sha256;
  out["first_seen"] = util::FormatRfc3339(util::FromUnixSeconds(s.first_seen));
  out["last_seen"] = util::FormatRfc3339(util::FromUnixSeconds(s.last_seen));
  out["linked_from"] = optional_string(s.linked_from);
  out["snippet"] = optional_string(s.snippet);
  out["dataset_refs"] = std::move(refs);
  out["evidence"] = std::move(evidence);
  out["run_id"] = s.run_id.has_value() ? json(*s.run_id) : json(nullptr);
  json part = nullptr;
  if (s.part.has_value()) {
    part = {{"offset", s.part->offset},
            {"length", s.part->length},
            {"object_size", s.part->object_size ? json(*s.part->object_size) : json(nullptr)}};
  }
  out["part"] = std::move(part);
  out["ack"] = std::move(ack);
  return out;
}

std::string DumpJson(const nlohmann::json& value, int indent) {
  return util::EscapeUnsafeInJson(
      value.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace));
}

}  // namespace detail

std::string SightingToJson(const store::Sighting& sighting) {
  try {
    return detail::DumpJson(detail::SightingJsonValue(sighting), -1);
  } catch (const std::exception&) {
    // Only allocation failure can land here; an empty object keeps consumers parsing.
    return "{}";
  }
}

}  // namespace leakwatch::notify
