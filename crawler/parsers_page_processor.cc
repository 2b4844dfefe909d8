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

// Reads a fetched body (memory or spool file) in order for the archive expander.
class BodySource final : public match::ByteSource {
 public:
  explicit BodySource(const Body& body) : body_(body) {}
  Result<size_t> Read(char* buffer, size_t capacity) override {
    LW_ASSIGN_OR_RETURN(std::string piece, body_.Read(offset_, capacity));
    std::copy(piece.begin(), piece.end(), buffer);
    offset_ += piece.size();
    return piece.size();
  }

 private:
  const Body& body_;
  uint64_t offset_ = 0;
};

// The member path of an object the expander named "<url>!/dir/inner.zip!/file":
// "dir/inner.zip!/file"; "" for the fetched object itself.
std::string MemberPath(std::string_view object_path, std::string_view url) {
  if (object_path.size() > url.size() + 2 && object_path.substr(0, url.size()) == url &&
      object_path.substr(url.size(), 2) == "!/") {
    return std::string(object_path.substr(url.size() + 2));
  }
  if (object_path == url) return "";
  const size_t bang = object_path.find("!/");
  return bang == std::string_view::npos ? "" : std::string(object_path.substr(bang + 2));
}

store::NewAnomaly FromMatch(const match::Anomaly& a, std::string_view url) {
  return {std::string(url), MemberPath(a.path, url), a.kind, a.detail};
}

store::NewAnomaly OfPage(std::string_view url, std::string kind, std::string detail) {
  return {std::string(url), "", std::move(kind), std::move(detail)};
}

// Matches one object (the body or an archive member) and collects its findings.
class CollectingSink final : public match::ObjectSink {
 public:
  CollectingSink(const match::Matcher& matcher, std::string path,
                 const match::MatchOptions& options, std::string_view url,
                 std::vector<match::Finding>& findings, std::vector<store::NewAnomaly>& anomalies)
      : stream_(matcher.NewStream(std::move(path), options)),
        url_(url),
        findings_(findings),
        anomalies_(anomalies) {}
  void Feed(std::string_view bytes) override { stream_->Feed(bytes); }
  void Close() override {
    match::MatchResult r = stream_->Finish();
    for (const auto& a : r.anomalies) anomalies_.push_back(FromMatch(a, url_));
    for (auto& f : r.findings) findings_.push_back(std::move(f));
  }

 private:
  std::unique_ptr<match::MatchStream> stream_;
  std::string_view url_;
  std::vector<match::Finding>& findings_;
  std::vector<store::NewAnomaly>& anomalies_;
};

bool IsPlainText(std::string_view content_type) { return content_type.rfind("text/plain", 0) == 0; }

}  // namespace

ParsersPageProcessor::ParsersPageProcessor(const parsers::ProfileSet& profiles,
                                           const match::Matcher* matcher,
                                           const match::WatchList* watchlist,
                                           ProcessOptions options)
    : profiles_(profiles), matcher_(matcher), watchlist_(watchlist), options_(options) {}

ProcessedPage ParsersPageProcessor::Process(const FetchedContent& content) {
  ProcessedPage out;
  std::vector<match::Finding> findings;
  const bool page = content.kind != store::UrlKind::kFile;
  if (page && !content.body.spooled()) {
    const parsers::Page input{content.url, content.body.memory(), content.content_type};
    Result<parsers::Extraction> extraction = Status::Internal("unset");
    if (content.source.profile == "auto") {
      extraction = parsers::ExtractAuto(input, profiles_, options_.parse);
    } else if (const parsers::Profile* profile = profiles_.Find(content.source.profile)) {
      extraction = parsers::Extract(input, *profile, options_.parse);
    } else {
      out.anomalies.push_back(OfPage(content.url, "unknown_profile", content.source.profile));
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
      for (const auto& a : extraction->anomalies) {
        out.anomalies.push_back(OfPage(content.url, a.kind, a.detail));
      }
      if (watchlist_ != nullptr && !IsPlainText(content.content_type)) {
        for (const parsers::Document& doc : extraction->documents) {
          for (auto& f : watchlist_->Scan(content.url, doc.text)) findings.push_back(std::move(f));
        }
      }
    } else if (out.anomalies.empty()) {
      out.anomalies.push_back(OfPage(content.url, "extract_failed", extraction.error().message()));
    }
  } else if (page) {
    out.anomalies.push_back(
        OfPage(content.url, "page_spooled", "page not parsed (larger than the spool threshold)"));
  }
  if (page && content.part) {
    out.anomalies.push_back(OfPage(
        content.url, "page_truncated",
        "page cut at " + std::to_string(content.body.size()) + " bytes; the rest was not read"));
  }

  if (watchlist_ != nullptr && page && IsPlainText(content.content_type) &&
      !content.body.spooled()) {
    for (auto& f : watchlist_->Scan(content.url, content.body.memory())) {
      findings.push_back(std::move(f));
    }
  }

  if (matcher_ != nullptr) {
    // The crawler hashed the body itself; archive members need their own hash.
    match::MatchOptions body_options = options_.match;
    body_options.compute_sha256 = false;
    const match::MatchOptions& member_options = options_.match;
    const match::SinkFactory open_sink = [&](const std::string& object_path, int depth) {
      return std::make_unique<CollectingSink>(*matcher_, object_path,
                                              depth == 0 ? body_options : member_options,
                                              content.url, findings, out.anomalies);
    };
    const match::AnomalyCallback on_anomaly = [&](const match::Anomaly& a) {
      out.anomalies.push_back(FromMatch(a, content.url));
    };
    BodySource source(content.body);
    auto expanded = match::ExpandObject(source, std::string(content.url), options_.archive,
                                        open_sink, on_anomaly);
    if (!expanded.has_value()) {
      out.anomalies.push_back(OfPage(content.url, "read", expanded.error().message()));
    }
  }

  for (const match::Finding& f : findings) {
    store::RecordSightingRequest request;
    store::NewSighting& s = request.sighting;
    s.source = content.source.name;
    s.url = std::string(content.url);
    s.member_path = MemberPath(f.path, content.url);
    s.sha256 = f.sha256.empty() ? std::string(content.sha256_hex) : f.sha256;
    s.kind = ToSightingKind(f.kind);
    s.score = f.score;
    s.dataset_refs = nlohmann::json(f.dataset_refs).dump();
    if (!f.snippet.empty()) s.snippet = f.snippet;
    s.part = content.part;
    // A records finding's dataset_refs name only its first match::kMaxRefsPerFinding
    // records: coverage takes every one. Other findings leave it to the store, which
    // derives it from dataset_refs.
    for (const uint32_t id : f.record_ids) {
      request.coverage.push_back({store::CoverageKind::kRecord, std::to_string(id)});
    }
    out.sightings.push_back(std::move(request));
  }
  return out;
}

}  // namespace leakwatch::crawler
