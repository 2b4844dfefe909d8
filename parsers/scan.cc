#include "parsers/scan.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_set>

namespace leakwatch::parsers {
namespace {

constexpr size_t kOnionV3Length = 56;

constexpr std::array<std::string_view, 40> kFileHosts = {
    "mega.nz",
    "mega.co.nz",
    "mega.io",
    "gofile.io",
    "anonfiles.com",
    "anonfile.com",
    "bayfiles.com",
    "letsupload.cc",
    "mediafire.com",
    "dropbox.com",
    "drive.google.com",
    "docs.google.com",
    "sendspace.com",
    "rapidgator.net",
    "rg.to",
    "uploaded.net",
    "ul.to",
    "nitroflare.com",
    "turbobit.net",
    "1fichier.com",
    "zippyshare.com",
    "pixeldrain.com",
    "catbox.moe",
    "litterbox.catbox.moe",
    "transfer.sh",
    "wetransfer.com",
    "we.tl",
    "file.io",
    "upload.ee",
    "krakenfiles.com",
    "workupload.com",
    "uptobox.com",
    "megaup.net",
    "ufile.io",
    "send.cm",
    "files.fm",
    "disk.yandex.ru",
    "yadi.sk",
    "cloud.mail.ru",
    "oshi.at",
};

constexpr std::array<std::string_view, 17> kFileExtensions = {
    ".zip", ".rar",  ".7z",   ".tar", ".gz", ".tgz",    ".bz2", ".xz",   ".sql",
    ".csv", ".json", ".xlsx", ".xls", ".db", ".sqlite", ".bak", ".dump",
};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsBase32(char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }

constexpr std::array<bool, 256> kDelimiters = [] {
  std::array<bool, 256> table{};
  for (size_t c = 0; c <= 0x20; ++c) table[c] = true;
  for (const char c : std::string_view("\"'<>()[]{}`|"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool IsDelimiter(char c) { return kDelimiters[static_cast<unsigned char>(c)]; }

bool IsTrailingPunctuation(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '*';
}

std::string LowerCopy(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool PathLooksLikeFile(std::string_view path) {
  const std::string lower = LowerCopy(path);
  return std::any_of(kFileExtensions.begin(), kFileExtensions.end(),
                     [&](std::string_view ext) { return EndsWith(lower, ext); });
}

// Classifies an absolute URL; fills link.url/role when it is of interest.
bool ClassifyAbsolute(std::string_view text, Link& link) {
  if (LowerCopy(text.substr(0, 8)) == "magnet:?") {
    link.url = std::string(text);
    link.role = LinkRole::kFile;
    return true;
  }
  auto parsed = Url::Parse(text, UrlOptions{.keep_fragment = true});
  if (!parsed.has_value() || !parsed->IsHttp()) return false;
  if (IsOnionV3Host(parsed->host())) {
    auto plain = Url::Parse(text);
    if (!plain.has_value()) return false;
    link.url = plain->spec();
    link.role = PathLooksLikeFile(parsed->path()) ? LinkRole::kFile : LinkRole::kItem;
    return true;
  }
  if (IsFileHost(parsed->host())) {
    link.url = parsed->spec();
    link.role = LinkRole::kFile;
    return true;
  }
  return false;
}

// Turns one whitespace-delimited token into a link, if it is one.
bool ClassifyToken(std::string_view token, Link& link) {
  while (!token.empty() && IsTrailingPunctuation(token.back())) token.remove_suffix(1);
  if (token.size() < 6) return false;
  const std::string lower = LowerCopy(token);
  if (lower.rfind("magnet:?", 0) == 0) return ClassifyAbsolute(token, link);
  if (const size_t scheme = lower.find("://"); scheme != std::string::npos) {
    const size_t start = lower.rfind("http", scheme);
    if (start == std::string::npos) return false;
    return ClassifyAbsolute(token.substr(start), link);
  }
  // No scheme: an onion address or a file-host domain at the token's start.
  if (const size_t onion = lower.find(".onion"); onion != std::string::npos) {
    size_t begin = onion;
    while (begin > 0 && (IsBase32(lower[begin - 1]) || lower[begin - 1] == '.')) --begin;
    return ClassifyAbsolute("http://" + std::string(token.substr(begin)), link);
  }
  const size_t slash = lower.find('/');
  if (slash == std::string::npos || lower.find('.') > slash) return false;
  if (!IsFileHost(std::string_view(lower).substr(0, slash))) return false;
  return ClassifyAbsolute("https://" + std::string(token), link);
}

}  // namespace

bool LooksLikeFileUrl(const Url& url) { return PathLooksLikeFile(url.path()); }

bool IsFileHost(std::string_view host) {
  return std::any_of(kFileHosts.begin(), kFileHosts.end(), [&](std::string_view known) {
    if (host == known) return true;
    return host.size() > known.size() && EndsWith(host, known) &&
           host[host.size() - known.size() - 1] == '.';
  });
}

bool IsOnionV3Host(std::string_view host) {
  if (!EndsWith(host, ".onion")) return false;
  host.remove_suffix(6);
  if (const size_t dot = host.rfind('.'); dot != std::string_view::npos) {
    host.remove_prefix(dot + 1);
  }
  return host.size() == kOnionV3Length && std::all_of(host.begin(), host.end(), IsBase32);
}

bool ClassifyScannedUrl(std::string_view href, const Url* base, Link& link) {
  if (LowerCopy(href.substr(0, 8)) == "magnet:?") return ClassifyAbsolute(href, link);
  if (base == nullptr) return ClassifyAbsolute(href, link);
  auto resolved = base->Resolve(href, UrlOptions{.keep_fragment = true});
  if (!resolved.has_value()) return false;
  return ClassifyAbsolute(resolved->spec(), link);
}

std::vector<Link> ScanTextForLinks(std::string_view text, int post_index, size_t max_links) {
  std::vector<Link> links;
  std::unordered_set<std::string> seen;
  size_t pos = 0;
  while (pos < text.size() && links.size() < max_links) {
    while (pos < text.size() && IsDelimiter(text[pos])) ++pos;
    size_t end = pos;
    while (end < text.size() && !IsDelimiter(text[end])) ++end;
    constexpr size_t kMaxToken = kMaxUrlBytes;
    const std::string_view token = text.substr(pos, end - pos);
    pos = end;
    if (token.size() > kMaxToken) continue;
    // Cheap pre-check before any allocation: most tokens are plain words.
    if (token.find('.') == std::string_view::npos && token.find(':') == std::string_view::npos) {
      continue;
    }
    Link link;
    if (!ClassifyToken(token, link)) continue;
    if (!seen.insert(link.url).second) continue;
    link.source = LinkSource::kTextScan;
    link.post_index = post_index;
    links.push_back(std::move(link));
  }
  return links;
}

}  // namespace leakwatch::parsers
