#include "parsers/internal/file_tree.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <utility>

#include "parsers/charset.h"
#include "parsers/url.h"

namespace leakwatch::parsers::detail {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Replaces C0 controls, DEL and C1 controls (U+0080..U+009F) with U+FFFD; tabs and
// newlines too, since a name is one line. Returns whether any was replaced.
bool ReplaceControls(std::string& text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  bool replaced = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const bool c1 = byte == 0xC2 && i + 1 < text.size() &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (byte < 0x20 || byte == 0x7F || c1) {
      out.append(kReplacement);
      replaced = true;
      if (c1) ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  if (replaced) text = std::move(out);
  return replaced;
}

void CapUtf8(std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
  text.resize(cut);
}

std::string Trimmed(std::string_view text) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return std::string(text);
}

// Counts one kind of dropped entry and remembers the first example.
struct DropCount {
  size_t count = 0;
  std::string example;
  void Add(std::string_view what) {
    if (count++ == 0) example = SanitizeUtf8(what.substr(0, 80));
  }
};

class TreeBuilder {
 public:
  TreeBuilder(const Url& page, const Limits& limits, Extraction& out)
      : page_(page),
        host_(page.HostPort()),
        directory_(page.path().substr(0, page.path().rfind('/') + 1)),
        limits_(limits),
        out_(out),
        seen_(64, Hasher{&out}, Equal{&out}) {}

  // Adds one entry; false once the entry cap is reached (the scan stops).
  bool Add(const RawEntry& entry) {
    auto resolved = page_.Resolve(entry.href);
    if (!resolved.has_value() || !resolved->IsHttp()) {
      bad_href_.Add(entry.href);
      return true;
    }
    if (resolved->HostPort() != host_) {
      off_site_.Add(resolved->spec());
      return true;
    }
    const std::string& path = resolved->path();
    const bool ancestor_or_self =
        path == page_.path() ||
        (!path.empty() && path.back() == '/' && directory_.compare(0, path.size(), path) == 0);
    if (ancestor_or_self) return true;  // parent, "../", the listing and its sort links
    const bool folder = entry.directory_marker || (!path.empty() && path.back() == '/');
    const bool below =
        path.size() > directory_.size() && path.compare(0, directory_.size(), directory_) == 0;
    if (folder && resolved->has_query()) {
      if (!below) off_scope_.Add(resolved->spec());
      return true;  // a sort-order view of a subfolder, not a folder of its own
    }
    if (folder && !below) {
      off_scope_.Add(resolved->spec());
      return true;
    }
    if (out_.links.size() + out_.files.size() >= limits_.max_tree_entries) {
      out_.anomalies.push_back(
          {"too_many_entries",
           "entries past " + std::to_string(limits_.max_tree_entries) + " dropped"});
      return false;
    }
    Link link;
    link.url = resolved->spec();
    link.role = folder ? LinkRole::kListing : LinkRole::kFile;
    link.source = LinkSource::kProfile;
    link.anchor_text = NameOf(path, entry.display);
    link.time_text = SanitizeUtf8(entry.time_text.substr(0, limits_.max_field_bytes));
    link.time_utc = entry.time_utc;
    if (!folder) {
      link.size_bytes = entry.size_bytes;
      link.size_text = SanitizeUtf8(entry.size_text.substr(0, limits_.max_field_bytes));
      if (entry.bad_size) bad_size_.Add(entry.size_text);
    }
    std::vector<Link>& target = folder ? out_.links : out_.files;
    target.push_back(std::move(link));
    const uint32_t index = static_cast<uint32_t>(target.size() - 1) | (folder ? 0 : kFileBit);
    if (!seen_.insert(index).second) {
      target.pop_back();  // a duplicate (Apache's icon and name links, a repeated row)
      return true;
    }
    ++(folder ? out_.yield.listings : out_.yield.files);
    ++out_.yield.items;  // what adapter health reads: a tree that lists nothing shows
    AddName(target.back().anchor_text);
    return true;
  }

  void Finish() {
    Report(bad_href_, "bad_entry_href", "entries with a non-http or unparsable href");
    Report(off_site_, "off_site_entry", "entries pointing to another host (not followed)");
    Report(off_scope_, "off_scope_folder", "folder links outside the listing (not followed)");
    Report(bad_size_, "bad_size", "entries with an unreadable or impossible size");
    if (control_names_ > 0) {
      out_.anomalies.push_back({"control_chars_in_name", std::to_string(control_names_) +
                                                             " entry names held control "
                                                             "characters (replaced by U+FFFD)"});
    }
    if (!names_.empty()) {
      Document document;
      document.url = out_.url;
      document.title = out_.title;
      document.text = std::move(names_);
      out_.documents.push_back(std::move(document));
    }
  }

 private:
  static constexpr uint32_t kFileBit = 0x80000000u;

  // Hash and equality over positions in Extraction::links / ::files, so the dedupe
  // index does not hold a second copy of every URL.
  struct Hasher {
    const Extraction* out;
    size_t operator()(uint32_t index) const { return std::hash<std::string>()(UrlAt(*out, index)); }
  };
  struct Equal {
    const Extraction* out;
    bool operator()(uint32_t a, uint32_t b) const { return UrlAt(*out, a) == UrlAt(*out, b); }
  };
  static const std::string& UrlAt(const Extraction& out, uint32_t index) {
    return (index & kFileBit) != 0 ? out.files[index & ~kFileBit].url : out.links[index].url;
  }

  std::string NameOf(const std::string& path, const std::string& display) {
    std::string_view segment(path);
    if (!segment.empty() && segment.back() == '/') segment.remove_suffix(1);
    segment = segment.substr(segment.rfind('/') + 1);
    std::string name = SanitizeUtf8(PercentDecode(segment));
    if (name.empty()) name = SanitizeUtf8(Trimmed(display));
    if (ReplaceControls(name)) ++control_names_;
    CapUtf8(name, limits_.max_field_bytes);
    return name;
  }

  void AddName(const std::string& name) {
    if (names_.size() + name.size() + 1 > limits_.max_document_bytes) {
      if (!names_truncated_) {
        names_truncated_ = true;
        out_.anomalies.push_back(
            {"document_truncated",
             "entry names cut at " + std::to_string(limits_.max_document_bytes) + " bytes"});
      }
      return;
    }
    names_ += name;
    names_.push_back('\n');
  }

  void Report(const DropCount& drop, std::string kind, std::string_view what) {
    if (drop.count == 0) return;
    out_.anomalies.push_back(
        {std::move(kind),
         std::to_string(drop.count) + " " + std::string(what) + ", e.g. \"" + drop.example + "\""});
  }

  const Url& page_;
  const std::string host_;
  const std::string directory_;  // the listing's path up to its last '/'
  const Limits& limits_;
  Extraction& out_;
  std::unordered_set<uint32_t, Hasher, Equal> seen_;
  DropCount bad_href_;
  DropCount off_site_;
  DropCount off_scope_;
  DropCount bad_size_;
  size_t control_names_ = 0;
  std::string names_;
  bool names_truncated_ = false;
};

// An upper bound on the entries of a listing: its anchors ("<a" + space), or the
// objects of a JSON index.
size_t CountEntryMarkers(std::string_view text, TreeFormat format) {
  size_t count = 0;
  if (format == TreeFormat::kJson) {
    for (const char c : text) count += c == '{' ? 1 : 0;
    return count;
  }
  for (size_t pos = text.find('<'); pos != std::string_view::npos && pos + 2 < text.size();
       pos = text.find('<', pos + 1)) {
    const char name = text[pos + 1];
    const char after = text[pos + 2];
    if ((name == 'a' || name == 'A') &&
        (after == ' ' || after == '\t' || after == '\n' || after == '\r')) {
      ++count;
    }
  }
  return count;
}

}  // namespace

void AddDecodingAnomalies(const DecodedText& decoded, std::vector<Anomaly>& anomalies) {
  if (decoded.declaration_overruled) {
    anomalies.push_back({"charset_mismatch", "declared \"" + decoded.declared.substr(0, 40) +
                                                 "\" but the bytes are valid UTF-8; decoded as "
                                                 "UTF-8"});
  }
  if (decoded.replaced_sequences > 0) {
    anomalies.push_back({"invalid_bytes", std::to_string(decoded.replaced_sequences) + " invalid " +
                                              decoded.charset + " sequences replaced with U+FFFD"});
  }
}

Result<Extraction> ExtractFileTree(const Page& page, const Profile& profile, const Limits& limits) {
  auto url = Url::Parse(page.url);
  if (!url.has_value()) return Status::InvalidArgument("page URL: " + url.error().message());
  Extraction out;
  out.url = url->spec();
  out.base_url = out.url;
  out.profile = profile.name;
  out.engine = profile.engine;
  out.page_kind = PageKind::kFileTree;
  std::string_view body = page.body;
  if (body.empty()) out.anomalies.push_back({"empty_page", "the body has zero bytes"});
  if (body.size() > limits.max_tree_page_bytes) {
    out.anomalies.push_back({"truncated", "body of " + std::to_string(body.size()) +
                                              " bytes cut to " +
                                              std::to_string(limits.max_tree_page_bytes)});
    body = body.substr(0, limits.max_tree_page_bytes);
  }
  TreeFormat format = TreeFormatFromName(profile.file_tree.format).value_or(TreeFormat::kAny);
  if (format == TreeFormat::kAny) {
    format = SniffTreeFormat(body, page.content_type).value_or(TreeFormat::kAny);
  }
  DecodedText decoded = DecodeToUtf8(body, page.content_type);
  out.charset = decoded.charset;
  out.charset_source = std::string(CharsetSourceName(decoded.source));
  AddDecodingAnomalies(decoded, out.anomalies);
  // Room for every entry up front: growing the vector by doubling would hold the
  // entries twice while it moves them, and leave up to half its capacity unused.
  out.files.reserve(std::min(CountEntryMarkers(decoded.utf8, format), limits.max_tree_entries));
  TreeBuilder builder(*url, limits, out);
  const EntryVisitor visit = [&builder](RawEntry& entry) { return builder.Add(entry); };
  const ScanStats stats = format == TreeFormat::kJson ? ScanJsonListing(decoded.utf8, visit)
                                                      : ScanHtmlListing(decoded.utf8, visit);
  out.title = Trimmed(stats.title);
  CapUtf8(out.title, limits.max_field_bytes);
  builder.Finish();
  if (!stats.json_error.empty()) out.anomalies.push_back({"bad_json", stats.json_error});
  if (stats.anchors_without_href > 0) {
    out.anomalies.push_back({"entry_without_href", std::to_string(stats.anchors_without_href) +
                                                       " entry links had no href"});
  }
  if (stats.rows == 0) {
    out.anomalies.push_back(
        {"profile_no_match",
         "no entry of a " + std::string(TreeFormatName(format)) + " listing found on the page"});
  }
  return out;
}

const Profile* DetectFileTree(const Page& page, const ProfileSet& profiles) {
  const std::optional<TreeFormat> sniffed = SniffTreeFormat(page.body, page.content_type);
  if (!sniffed) return nullptr;
  const Profile* fallback = nullptr;
  for (const Profile& profile : profiles.profiles()) {
    if (profile.kind != ProfileKind::kFileTree) continue;
    const auto format = TreeFormatFromName(profile.file_tree.format);
    if (format == sniffed) return &profile;
    if (format == TreeFormat::kAny && fallback == nullptr) fallback = &profile;
  }
  return fallback;
}

}  // namespace leakwatch::parsers::detail
