#include "crawler/parsers_page_processor.h"

#include <nlohmann/json.hpp>

#include "crawler/crawl.h"
#include "parsers/extract.h"

namespace leakwatch::crawler {
namespace {

constexpr size_t kFeedChunk = 1 << 20;

store::SightingKind ToSightingKind(match::FindingKind kind) {
  switch (kind) {
    case match::FindingKind::kExact:
      return store::SightingKind::kExact;
    case match::FindingKind::kPartial:
      return store::SightingKind::kPartial;
    case match::FindingKind::kRecords:
      return store::SightingKind::kRecords;
    case match::FindingKind::kImage:
      return store::SightingKind::kImage;
    case match::FindingKind::kMention:
      return store::SightingKind::kMention;
  }
  return store::SightingKind::kExact;
}

store::UrlKind ToUrlKind(parsers::LinkRole role) {
  switch (role) {
    case parsers::LinkRole::kListing:
      return store::UrlKind::kListing;
    case parsers::LinkRole::kItem:
      return store::UrlKind::kItem;
    case parsers::LinkRole::kFile:
      return store::UrlKind::kFile;
  }
  return store::UrlKind::kItem;
}

}  // namespace

ParsersPageProcessor::ParsersPageProcessor(const parsers::ProfileSet& profiles,
                                           const match::Matcher* matcher, parsers::Limits limits)
    : profiles_(profiles), matcher_(matcher), limits_(limits) {}

ProcessedPage ParsersPageProcessor::Process(const FetchedContent& content) {
  ProcessedPage out;
  const bool page = content.kind != store::UrlKind::kFile;
  if (page && !content.body.spooled()) {
    const parsers::Page input{content.url, content.body.memory(), content.content_type};
    Result<parsers::Extraction> extraction = Status::Internal("unset");
    if (content.source.profile == "auto") {
      extraction = parsers::ExtractAuto(input, profiles_, limits_);
    } else if (const parsers::Profile* profile = profiles_.Find(content.source.profile)) {
      extraction = parsers::Extract(input, *profile, limits_);
    } else {
      out.anomalies.push_back("unknown_profile: " + content.source.profile);
    }
    if (extraction.has_value()) {
      for (const auto& link : extraction->links) {
        out.links.push_back({link.url, ToUrlKind(link.role)});
      }
      for (const auto& file : extraction->files) {
        if (file.url.rfind("http", 0) == 0) out.links.push_back({file.url, store::UrlKind::kFile});
      }
      out.next_page = extraction->next_page;
      out.items = static_cast<int64_t>(extraction->yield.items);
      for (const auto& a : extraction->anomalies) out.anomalies.push_back(a.kind + ": " + a.detail);
    } else if (out.anomalies.empty()) {
      out.anomalies.push_back("extract_failed: " + extraction.error().message());
    }
  } else if (page) {
    out.anomalies.push_back("page_spooled: page not parsed (larger than the spool threshold)");
  }

  if (matcher_ == nullptr) return out;
  match::MatchOptions options;
  options.compute_sha256 = false;  // the crawler hashed the body already
  auto stream = matcher_->NewStream(std::string(content.url), options);
  for (uint64_t offset = 0;;) {
    auto piece = content.body.Read(offset, kFeedChunk);
    if (!piece.has_value() || piece->empty()) break;
    stream->Feed(*piece);
    offset += piece->size();
  }
  match::MatchResult result = stream->Finish();
  for (const auto& a : result.anomalies) out.anomalies.push_back(a.Message());
  for (const match::Finding& f : result.findings) {
    store::NewSighting s;
    s.source = content.source.name;
    s.url = std::string(content.url);
    const size_t bang = f.path.find("!/");
    if (bang != std::string::npos) s.member_path = f.path.substr(bang + 2);
    s.sha256 = f.sha256.empty() ? std::string(content.sha256_hex) : f.sha256;
    s.kind = ToSightingKind(f.kind);
    s.score = f.score;
    s.dataset_refs = nlohmann::json(f.dataset_refs).dump();
    out.sightings.push_back(std::move(s));
  }
  return out;
}

}  // namespace leakwatch::crawler
