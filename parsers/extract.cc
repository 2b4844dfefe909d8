#include "parsers/extract.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <unordered_set>
#include <utility>

#include "parsers/charset.h"
#include "parsers/internal/dom.h"
#include "parsers/internal/file_tree.h"
#include "parsers/scan.h"
#include "parsers/time_text.h"
#include "parsers/url.h"

namespace leakwatch::parsers {
namespace {

using detail::Budget;
using detail::HtmlTree;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Collapses a field value to one trimmed line.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (const char c : text) {
    if (IsSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// First integer in text, ignoring thousands separators: "1,234 replies" -> 1234.
std::optional<int64_t> FirstInteger(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size() && (text[pos] < '0' || text[pos] > '9')) ++pos;
  if (pos == text.size()) return std::nullopt;
  std::string digits;
  constexpr size_t kMaxDigits = 15;
  while (pos < text.size() && digits.size() < kMaxDigits) {
    const char c = text[pos];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (!((c == ',' || c == '.' || c == ' ') && pos + 1 < text.size() &&
                 text[pos + 1] >= '0' && text[pos + 1] <= '9')) {
      break;
    }
    ++pos;
  }
  int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

// A decoded, pre-filtered and parsed page, shared by detection and extraction.
struct PreparedPage {
  std::optional<Url> url;
  std::optional<Url> base;
  std::unique_ptr<HtmlTree> tree;  // null for text/plain
  std::string plain_text;          // text/plain bodies
  std::string charset;
  std::string charset_source;
  std::vector<Anomaly> anomalies;
};

bool IsPlainText(std::string_view content_type) {
  const std::string lower = Lowercase(content_type.substr(0, 64));
  return lower.rfind("text/plain", 0) == 0;
}

Result<PreparedPage> Prepare(const Page& page, const Limits& limits) {
  PreparedPage prepared;
  auto url = Url::Parse(page.url);
  if (!url.has_value()) {
    return Status::InvalidArgument("page URL: " + url.error().message());
  }
  prepared.url = *url;
  prepared.base = *url;
  std::string_view body = page.body;
  if (body.empty()) prepared.anomalies.push_back({"empty_page", "the body has zero bytes"});
  if (body.size() > limits.max_page_bytes) {
    prepared.anomalies.push_back({"truncated", "body of " + std::to_string(body.size()) +
                                                   " bytes cut to " +
                                                   std::to_string(limits.max_page_bytes)});
    body = body.substr(0, limits.max_page_bytes);
  }
  DecodedText decoded = DecodeToUtf8(body, page.content_type);
  prepared.charset = decoded.charset;
  prepared.charset_source = std::string(CharsetSourceName(decoded.source));
  detail::AddDecodingAnomalies(decoded, prepared.anomalies);
  if (IsPlainText(page.content_type)) {
    prepared.plain_text = std::move(decoded.utf8);
    return prepared;
  }
  detail::Prefiltered filtered =
      detail::PrefilterHtml(decoded.utf8, limits.max_parse_depth, limits.max_nodes);
  if (filtered.dropped_tags > 0) {
    prepared.anomalies.push_back(
        {"deep_nesting", std::to_string(filtered.dropped_tags) + " tags nested deeper than " +
                             std::to_string(limits.max_parse_depth) + " dropped"});
  }
  if (filtered.nodes_capped) {
    prepared.anomalies.push_back(
        {"too_many_nodes", "markup after " + std::to_string(limits.max_nodes) + " elements cut"});
  }
  std::string html = filtered.storage.empty() && filtered.html.data() == decoded.utf8.data()
                         ? std::move(decoded.utf8)
                         : std::string(filtered.html);
  prepared.tree = std::make_unique<HtmlTree>(std::move(html));
  // <base href> (the first one with an href counts, as in browsers).
  detail::ForEachElement(prepared.tree->document(), [&](const GumboNode* element) {
    if (element->v.element.tag != GUMBO_TAG_BASE) return true;
    const char* href = detail::Attribute(element, "href");
    if (href == nullptr) return true;
    auto base = prepared.url->Resolve(href);
    if (base.has_value() && base->IsHttp()) {
      prepared.base = *base;
    } else {
      prepared.anomalies.push_back({"bad_base_href", std::string(href).substr(0, 200)});
    }
    return false;
  });
  return prepared;
}

class Extractor {
 public:
  Extractor(const PreparedPage& page, const Profile& profile, const Limits& limits, Extraction& out)
      : page_(page),
        profile_(profile),
        limits_(limits),
        out_(out),
        budget_(limits.max_selector_steps,
                std::chrono::steady_clock::now() + limits.max_extract_time) {}

  void Run() {
    out_.url = page_.url->spec();
    out_.base_url = page_.base->spec();
    out_.profile = profile_.name;
    if (out_.engine.empty()) out_.engine = profile_.engine;
    out_.charset = page_.charset;
    out_.charset_source = page_.charset_source;
    out_.anomalies = page_.anomalies;
    seen_.insert(out_.url);
    if (page_.tree == nullptr) {
      RunPlainText();
    } else {
      out_.title = PageTitle();
      const GumboNode* root = page_.tree->root();
      switch (profile_.kind) {
        case ProfileKind::kGeneric:
          RunGeneric(root);
          break;
        case ProfileKind::kForum:
        case ProfileKind::kPasteSite:
          RunProfile(root);
          break;
        case ProfileKind::kFileTree:  // not reached: file trees go to ExtractFileTree
          RunGeneric(root);
          break;
      }
    }
    ScanDocuments();
    if (budget_.exhausted()) {
      AddAnomaly("budget_exhausted",
                 "selector work or time cap hit; the extraction may be incomplete");
    }
  }

 private:
  void AddAnomaly(std::string kind, std::string detail) {
    for (const auto& anomaly : out_.anomalies) {
      if (anomaly.kind == kind) return;  // once per kind
    }
    out_.anomalies.push_back({std::move(kind), std::move(detail)});
  }

  std::string Field(std::string_view text) const {
    std::string line = OneLine(text);
    if (line.size() > limits_.max_field_bytes) {
      size_t cut = limits_.max_field_bytes;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0u) == 0x80u) --cut;
      line.resize(cut);
    }
    return line;
  }

  std::string ValueIn(const GumboNode* scope, const std::optional<Selector>& selector) {
    if (!selector || scope == nullptr) return {};
    const GumboNode* node = detail::SelectFirstByPriority(scope, *selector, budget_);
    if (node == nullptr) return {};
    return Field(detail::ValueOf(node, *selector, limits_.max_field_bytes * 4, budget_));
  }

  // The URL a matched element points to: the selector's @attribute, else the href of
  // the element or of its first descendant link.
  std::optional<std::string> HrefOf(const GumboNode* node, const Selector& selector) {
    const char* href = nullptr;
    const std::string_view attribute = detail::GroupAttribute(node, selector, budget_);
    if (!attribute.empty()) href = detail::Attribute(node, attribute);
    if (href == nullptr) {
      href = detail::Attribute(node, "href");
      if (href == nullptr) {
        detail::ForEachElement(node, [&](const GumboNode* element) {
          href = detail::Attribute(element, "href");
          return href == nullptr;
        });
      }
    }
    if (href == nullptr) return std::nullopt;
    return Resolve(href);
  }

  std::optional<std::string> Resolve(std::string_view href) {
    auto resolved = page_.base->Resolve(href);
    if (!resolved.has_value() || !resolved->IsHttp()) return std::nullopt;
    return resolved->spec();
  }

  // Text-scan finds on the site's own host are navigation (quote links, permalinks on
  // an onion forum), not discoveries; file links are kept wherever they point.
  bool IsOwnSiteDiscovery(const Link& link) const {
    if (link.source != LinkSource::kTextScan || link.role == LinkRole::kFile) return false;
    auto url = Url::Parse(link.url);
    return url.has_value() && url->HostPort() == page_.url->HostPort();
  }

  // Adds a link unless seen or over the cap. Returns whether it was added.
  bool AddLink(Link link) {
    if (IsOwnSiteDiscovery(link)) return false;
    if (out_.links.size() + out_.files.size() >= limits_.max_links) {
      AddAnomaly("too_many_links", "links past " + std::to_string(limits_.max_links) + " dropped");
      return false;
    }
    if (!seen_.insert(link.url).second) return false;
    link.anchor_text = Field(link.anchor_text);
    if (link.role == LinkRole::kFile) {
      out_.files.push_back(std::move(link));
    } else {
      out_.links.push_back(std::move(link));
    }
    return true;
  }

  void AddDocument(Document document) {
    if (out_.documents.size() >= limits_.max_documents) {
      AddAnomaly("too_many_documents",
                 "documents past " + std::to_string(limits_.max_documents) + " dropped");
      return;
    }
    document.url = out_.url;
    document.post_index = static_cast<int>(out_.documents.size());
    if (document.time_utc == std::nullopt && !document.time_text.empty()) {
      document.time_utc = ParseTimeToUtc(document.time_text);
    }
    out_.documents.push_back(std::move(document));
  }

  std::string TextOf(const GumboNode* node) {
    bool truncated = false;
    std::string text = detail::TextOf(node, limits_.max_document_bytes, &truncated);
    if (truncated) {
      AddAnomaly("document_truncated",
                 "text cut at " + std::to_string(limits_.max_document_bytes) + " bytes");
    }
    return text;
  }

  std::string PageTitle() {
    std::string title;
    detail::ForEachElement(page_.tree->document(), [&](const GumboNode* element) {
      if (element->v.element.tag != GUMBO_TAG_TITLE) return true;
      title = Field(detail::TextOf(element, limits_.max_field_bytes * 4));
      return false;
    });
    return title;
  }

  const GumboNode* Body() const {
    const GumboNode* body = nullptr;
    detail::ForEachElement(page_.tree->root(), [&](const GumboNode* element) {
      if (element->v.element.tag == GUMBO_TAG_BODY) body = element;
      return body == nullptr;
    });
    return body != nullptr ? body : page_.tree->root();
  }

  void RunPlainText() {
    out_.page_kind = PageKind::kPaste;
    Document document;
    document.text = SanitizeUtf8(
        page_.plain_text.substr(0, std::min(page_.plain_text.size(), limits_.max_document_bytes)));
    if (page_.plain_text.size() > limits_.max_document_bytes) {
      AddAnomaly("document_truncated",
                 "text cut at " + std::to_string(limits_.max_document_bytes) + " bytes");
    }
    AddDocument(std::move(document));
  }

  void RunGeneric(const GumboNode* root) {
    out_.page_kind = PageKind::kGeneric;
    const std::string host = page_.url->HostPort();
    detail::ForEachElement(root, [&](const GumboNode* element) {
      if (!budget_.Step()) return false;
      const char* href = detail::Attribute(element, "href");
      if (href == nullptr ||
          (element->v.element.tag != GUMBO_TAG_A && element->v.element.tag != GUMBO_TAG_AREA)) {
        return true;
      }
      Link link;
      link.anchor_text = detail::TextOf(element, limits_.max_field_bytes);
      auto resolved = page_.base->Resolve(href);
      if (resolved.has_value() && resolved->IsHttp() && resolved->HostPort() == host) {
        link.url = resolved->spec();
        link.role = LooksLikeFileUrl(*resolved) ? LinkRole::kFile : LinkRole::kListing;
        link.source = LinkSource::kPageLink;
        AddLink(std::move(link));
        return true;
      }
      if (ClassifyScannedUrl(href, &*page_.base, link)) {
        link.source = LinkSource::kTextScan;
        AddLink(std::move(link));
        return true;
      }
      if (!resolved.has_value() || !resolved->IsHttp() || profile_.generic.same_site_only) {
        return true;
      }
      link.url = resolved->spec();
      link.role = LinkRole::kListing;
      link.source = LinkSource::kPageLink;
      AddLink(std::move(link));
      return true;
    });
    Document document;
    document.title = out_.title;
    document.text = TextOf(Body());
    AddDocument(std::move(document));
  }

  void RunProfile(const GumboNode* root) {
    RunListing(root);
    RunContent(root);
    if (out_.yield.posts > 0) {
      out_.page_kind =
          profile_.kind == ProfileKind::kPasteSite ? PageKind::kPaste : PageKind::kThread;
    } else if (out_.yield.items > 0 || out_.yield.listings > 0) {
      out_.page_kind = PageKind::kListing;
    }
    RunNextPage(root);
    RunRawView();
    if (out_.page_kind == PageKind::kUnknown) {
      AddAnomaly("profile_no_match", "no selector of profile \"" + profile_.name +
                                         "\" matched; the whole page was kept as one document");
      Document document;
      document.title = out_.title;
      document.text = TextOf(Body());
      AddDocument(std::move(document));
    }
  }

  // Applies the paste raw-view template to a URL; nullopt when it does not apply.
  std::optional<std::string> RawUrlFor(const std::string& url) {
    const auto& content = profile_.content;
    if (content.raw_url_regex.empty()) return std::nullopt;
    auto parsed = Url::Parse(url);
    if (!parsed.has_value()) return std::nullopt;
    if (raw_regex_ == nullptr) {
      raw_regex_ = std::make_unique<RE2>(content.raw_url_regex, RE2::Quiet);
    }
    std::string id;
    if (!raw_regex_->ok() || !RE2::FullMatch(parsed->path(), *raw_regex_, &id) || id.empty()) {
      return std::nullopt;
    }
    std::string raw = content.raw_url_template;
    for (size_t pos = raw.find("{id}"); pos != std::string::npos; pos = raw.find("{id}")) {
      raw.replace(pos, 4, id);
    }
    auto resolved = parsed->Resolve(raw);
    if (!resolved.has_value() || resolved->spec() == url) return std::nullopt;
    return resolved->spec();
  }

  void AddItemLink(const GumboNode* link_node, const Selector& link_selector,
                   const GumboNode* row) {
    auto url = HrefOf(link_node, link_selector);
    if (!url) return;
    const auto& rules = profile_.listing;
    Link link;
    link.role = LinkRole::kItem;
    link.anchor_text = detail::TextOf(link_node, limits_.max_field_bytes);
    if (row != nullptr) {
      if (rules.title) {
        const std::string title = ValueIn(row, rules.title);
        if (!title.empty()) link.anchor_text = title;
      }
      link.author = ValueIn(row, rules.author);
      if (rules.replies) link.replies = FirstInteger(ValueIn(row, rules.replies));
      link.time_text = ValueIn(row, rules.time);
      if (!link.time_text.empty()) link.time_utc = ParseTimeToUtc(link.time_text);
    }
    link.url = RawUrlFor(*url).value_or(*url);
    if (AddLink(std::move(link))) ++out_.yield.items;
  }

  void RunListing(const GumboNode* root) {
    const auto& rules = profile_.listing;
    if (rules.row && rules.item_link) {
      for (const GumboNode* row : detail::SelectAll(root, *rules.row, budget_)) {
        const GumboNode* link_node = detail::SelectFirst(row, *rules.item_link, budget_);
        if (link_node == nullptr && detail::Matches(row, *rules.item_link, budget_)) {
          link_node = row;
        }
        if (link_node != nullptr) AddItemLink(link_node, *rules.item_link, row);
      }
    } else if (rules.item_link) {
      for (const GumboNode* node : detail::SelectAll(root, *rules.item_link, budget_)) {
        AddItemLink(node, *rules.item_link, nullptr);
      }
    }
    if (rules.listing_links) {
      for (const GumboNode* node : detail::SelectAll(root, *rules.listing_links, budget_)) {
        auto url = HrefOf(node, *rules.listing_links);
        if (!url) continue;
        Link link;
        link.url = *url;
        link.role = LinkRole::kListing;
        link.anchor_text = detail::TextOf(node, limits_.max_field_bytes);
        if (AddLink(std::move(link))) ++out_.yield.listings;
      }
    }
  }

  void AddAttachments(const GumboNode* scope, int post_index) {
    const auto& rules = profile_.content;
    if (!rules.attachments) return;
    for (const GumboNode* node : detail::SelectAll(scope, *rules.attachments, budget_)) {
      auto url = HrefOf(node, *rules.attachments);
      if (!url) continue;
      Link link;
      link.url = *url;
      link.role = LinkRole::kFile;
      link.post_index = post_index;
      link.anchor_text = detail::TextOf(node, limits_.max_field_bytes);
      if (AddLink(std::move(link))) ++out_.yield.files;
    }
  }

  // Onion, magnet and file-host hrefs inside a post body.
  void ScanBodyLinks(const GumboNode* body, int post_index) {
    detail::ForEachElement(body, [&](const GumboNode* element) {
      if (!budget_.Step()) return false;
      if (element->v.element.tag != GUMBO_TAG_A) return true;
      const char* href = detail::Attribute(element, "href");
      if (href == nullptr) return true;
      Link link;
      if (!ClassifyScannedUrl(href, &*page_.base, link)) return true;
      link.source = LinkSource::kTextScan;
      link.post_index = post_index;
      link.anchor_text = detail::TextOf(element, limits_.max_field_bytes);
      AddLink(std::move(link));
      return true;
    });
  }

  void RunContent(const GumboNode* root) {
    const auto& rules = profile_.content;
    std::string title = ValueIn(root, rules.title);
    if (title.empty()) title = out_.title;
    if (rules.post) {
      for (const GumboNode* post : detail::SelectAll(root, *rules.post, budget_)) {
        const GumboNode* body =
            rules.body ? detail::SelectFirstByPriority(post, *rules.body, budget_) : post;
        if (body == nullptr) continue;
        const int index = static_cast<int>(out_.documents.size());
        Document document;
        document.title = title;
        document.author = ValueIn(post, rules.author);
        document.time_text = ValueIn(post, rules.time);
        document.text = TextOf(body);
        AddDocument(std::move(document));
        ++out_.yield.posts;
        AddAttachments(post, index);
        ScanBodyLinks(body, index);
      }
      return;
    }
    if (!rules.body) return;
    const GumboNode* body = detail::SelectFirstByPriority(root, *rules.body, budget_);
    if (body == nullptr) return;
    Document document;
    document.title = title;
    document.author = ValueIn(root, rules.author);
    document.time_text = ValueIn(root, rules.time);
    document.text = TextOf(body);
    AddDocument(std::move(document));
    ++out_.yield.posts;
    AddAttachments(root, 0);
    ScanBodyLinks(body, 0);
  }

  void RunNextPage(const GumboNode* root) {
    const bool thread = out_.page_kind == PageKind::kThread;
    const std::optional<Selector>& first =
        thread ? profile_.content.next_page : profile_.listing.next_page;
    const std::optional<Selector>& second =
        thread ? profile_.listing.next_page : profile_.content.next_page;
    for (const auto* selector : {&first, &second}) {
      if (!*selector) continue;
      const GumboNode* node = detail::SelectFirstByPriority(root, **selector, budget_);
      if (node == nullptr) continue;
      auto url = HrefOf(node, **selector);
      if (!url || *url == out_.url) continue;
      out_.next_page = *url;
      Link link;
      link.url = *url;
      link.role = thread ? LinkRole::kItem : LinkRole::kListing;
      link.anchor_text = detail::TextOf(node, limits_.max_field_bytes);
      AddLink(std::move(link));
      return;
    }
  }

  // On a paste's HTML page, also point at its raw view (exact text, no markup).
  void RunRawView() {
    if (out_.page_kind != PageKind::kPaste) return;
    auto raw = RawUrlFor(out_.url);
    if (!raw) return;
    Link link;
    link.url = *raw;
    link.role = LinkRole::kItem;
    link.anchor_text = "raw";
    AddLink(std::move(link));
  }

  void ScanDocuments() {
    for (size_t i = 0; i < out_.documents.size(); ++i) {
      for (Link& link :
           ScanTextForLinks(out_.documents[i].text, static_cast<int>(i), limits_.max_links)) {
        AddLink(std::move(link));
      }
    }
  }

  const PreparedPage& page_;
  const Profile& profile_;
  const Limits& limits_;
  Extraction& out_;
  Budget budget_;
  std::unordered_set<std::string> seen_;
  std::unique_ptr<RE2> raw_regex_;  // compiled on first use, once per page
};

std::string GeneratorText(const PreparedPage& page) {
  std::string generator;
  detail::ForEachElement(page.tree->document(), [&](const GumboNode* element) {
    if (element->v.element.tag != GUMBO_TAG_META) return true;
    const char* name = detail::Attribute(element, "name");
    const char* content = detail::Attribute(element, "content");
    if (name != nullptr && content != nullptr && Lowercase(name) == "generator") {
      generator += Lowercase(std::string_view(content).substr(0, 200));
      generator += '\n';
    }
    return true;
  });
  return generator;
}

const Profile* Detect(const PreparedPage& page, const ProfileSet& profiles, const Limits& limits) {
  if (page.tree == nullptr) return nullptr;
  const std::string generator = GeneratorText(page);
  Budget budget(limits.max_selector_steps,
                std::chrono::steady_clock::now() + limits.max_extract_time);
  // All markers of all profiles are tested in one pass over the document (about 50
  // selectors); a marker stops being tested once it has matched.
  struct MarkerRef {
    const Selector* selector;
    size_t profile_index;
    bool matched = false;
  };
  const auto& all = profiles.profiles();
  std::vector<MarkerRef> markers;
  for (size_t i = 0; i < all.size(); ++i) {
    for (const auto& marker : all[i].detect.markers) markers.push_back({&marker, i});
  }
  size_t unmatched = markers.size();
  detail::ForEachElement(page.tree->document(), [&](const GumboNode* element) {
    for (auto& marker : markers) {
      if (!marker.matched && detail::Matches(element, *marker.selector, budget)) {
        marker.matched = true;
        --unmatched;
      }
    }
    return unmatched > 0 && !budget.exhausted();
  });
  std::vector<int> scores(all.size(), 0);
  for (const auto& marker : markers) {
    if (marker.matched) ++scores[marker.profile_index];
  }
  const Profile* best = nullptr;
  int best_score = 0;
  constexpr int kGeneratorScore = 3;
  for (size_t i = 0; i < all.size(); ++i) {
    const Profile& profile = all[i];
    int score = scores[i];
    for (const auto& needle : profile.detect.generator) {
      if (!needle.empty() && generator.find(needle) != std::string::npos) {
        score += kGeneratorScore;
        break;
      }
    }
    if (score >= profile.detect.min_score && score > best_score) {
      best = &profile;
      best_score = score;
    }
  }
  return best;
}

const Profile& GenericProfile(const ProfileSet& profiles) {
  static const Profile kFallback = [] {
    Profile profile;
    profile.name = "generic";
    profile.engine = "generic";
    profile.kind = ProfileKind::kGeneric;
    return profile;
  }();
  const Profile* generic = profiles.Find("generic");
  return generic != nullptr ? *generic : kFallback;
}

}  // namespace

std::string_view LinkRoleName(LinkRole role) {
  switch (role) {
    case LinkRole::kListing:
      return "listing";
    case LinkRole::kItem:
      return "item";
    case LinkRole::kFile:
      return "file";
  }
  return "listing";
}

std::string_view LinkSourceName(LinkSource source) {
  switch (source) {
    case LinkSource::kProfile:
      return "profile";
    case LinkSource::kTextScan:
      return "text_scan";
    case LinkSource::kPageLink:
      return "page_link";
  }
  return "profile";
}

std::string_view PageKindName(PageKind kind) {
  switch (kind) {
    case PageKind::kUnknown:
      return "unknown";
    case PageKind::kListing:
      return "listing";
    case PageKind::kThread:
      return "thread";
    case PageKind::kPaste:
      return "paste";
    case PageKind::kGeneric:
      return "generic";
    case PageKind::kFileTree:
      return "file_tree";
  }
  return "unknown";
}

Result<Extraction> Extract(const Page& page, const Profile& profile, const Limits& limits) {
  if (profile.kind == ProfileKind::kFileTree) return detail::ExtractFileTree(page, profile, limits);
  LW_ASSIGN_OR_RETURN(const PreparedPage prepared, Prepare(page, limits));
  Extraction extraction;
  Extractor(prepared, profile, limits, extraction).Run();
  return extraction;
}

Result<Extraction> ExtractAuto(const Page& page, const ProfileSet& profiles, const Limits& limits) {
  // Directory listings are recognised from the raw page before any tree is built: a
  // big one is read by the row scanner only.
  if (const Profile* tree = detail::DetectFileTree(page, profiles)) {
    return detail::ExtractFileTree(page, *tree, limits);
  }
  LW_ASSIGN_OR_RETURN(const PreparedPage prepared, Prepare(page, limits));
  const Profile* detected = Detect(prepared, profiles, limits);
  if (detected != nullptr && detected->kind == ProfileKind::kFileTree) {
    return detail::ExtractFileTree(page, *detected, limits);  // a user profile's [detect]
  }
  const Profile& profile = detected != nullptr ? *detected : GenericProfile(profiles);
  Extraction extraction;
  extraction.engine = detected != nullptr ? detected->engine : "generic";
  Extractor(prepared, profile, limits, extraction).Run();
  return extraction;
}

bool LooksLikeFileTree(const Page& page) {
  return detail::SniffTreeFormat(page.body, page.content_type).has_value();
}

std::string DetectProfile(const Page& page, const ProfileSet& profiles, const Limits& limits) {
  if (const Profile* tree = detail::DetectFileTree(page, profiles)) return tree->name;
  auto prepared = Prepare(page, limits);
  if (!prepared.has_value()) return "generic";
  const Profile* detected = Detect(*prepared, profiles, limits);
  return detected != nullptr ? detected->name : "generic";
}

}  // namespace leakwatch::parsers
