// JSON rendering of an Extraction (schema: docs/profiles.md, "Output").
#include <nlohmann/json.hpp>

#include "parsers/extract.h"
#include "parsers/time_text.h"

namespace leakwatch::parsers {
namespace {

using Json = nlohmann::ordered_json;

Json TimeJson(const std::optional<int64_t>& time) {
  return time ? Json(FormatUtc(*time)) : Json(nullptr);
}

Json LinkJson(const Link& link) {
  Json json = {
      {"url", link.url},
      {"role", LinkRoleName(link.role)},
      {"source", LinkSourceName(link.source)},
      {"text", link.anchor_text},
  };
  if (link.post_index >= 0) json["post_index"] = link.post_index;
  if (!link.author.empty()) json["author"] = link.author;
  if (link.replies) json["replies"] = *link.replies;
  if (!link.time_text.empty()) {
    json["time_text"] = link.time_text;
    json["time_utc"] = TimeJson(link.time_utc);
  }
  if (!link.size_text.empty() || link.size_bytes) {
    json["size_text"] = link.size_text;
    json["size_bytes"] = link.size_bytes ? Json(*link.size_bytes) : Json(nullptr);
  }
  return json;
}

}  // namespace

std::string ExtractionToJson(const Extraction& extraction, int indent) {
  Json json;
  json["url"] = extraction.url;
  json["base_url"] = extraction.base_url;
  json["profile"] = extraction.profile;
  json["engine"] = extraction.engine;
  json["page_kind"] = PageKindName(extraction.page_kind);
  json["charset"] = extraction.charset;
  json["charset_source"] = extraction.charset_source;
  json["title"] = extraction.title;
  json["next_page"] = extraction.next_page ? Json(*extraction.next_page) : Json(nullptr);
  json["yield"] = {
      {"items", extraction.yield.items},
      {"listings", extraction.yield.listings},
      {"posts", extraction.yield.posts},
      {"files", extraction.yield.files},
  };
  json["links"] = Json::array();
  for (const auto& link : extraction.links) json["links"].push_back(LinkJson(link));
  json["files"] = Json::array();
  for (const auto& link : extraction.files) json["files"].push_back(LinkJson(link));
  json["documents"] = Json::array();
  for (const auto& document : extraction.documents) {
    json["documents"].push_back({
        {"url", document.url},
        {"post_index", document.post_index},
        {"title", document.title},
        {"author", document.author},
        {"time_text", document.time_text},
        {"time_utc", TimeJson(document.time_utc)},
        {"text", document.text},
    });
  }
  json["anomalies"] = Json::array();
  for (const auto& anomaly : extraction.anomalies) {
    json["anomalies"].push_back({{"kind", anomaly.kind}, {"detail", anomaly.detail}});
  }
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace leakwatch::parsers
