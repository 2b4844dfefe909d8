#include "parsers/url.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

namespace leakwatch::parsers {
namespace {

// The five components of RFC 3986 appendix B, with presence flags.
struct RawParts {
  bool has_scheme = false;
  std::string scheme;
  bool has_authority = false;
  std::string authority;
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;
};

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  return ToLower(c) - 'a' + 10;
}
bool IsUnreserved(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Bytes that may not appear raw in any component and are percent-encoded.
bool MustEncode(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return true;
  switch (c) {
    case '"':
    case '<':
    case '>':
    case '`':
    case '{':
    case '}':
    case '|':
    case '\\':
    case '^':
      return true;
    default:
      return false;
  }
}

constexpr char kHexDigits[] = "0123456789ABCDEF";

void AppendEncoded(std::string& out, unsigned char c) {
  out.push_back('%');
  out.push_back(kHexDigits[c >> 4]);
  out.push_back(kHexDigits[c & 0xF]);
}

// Uppercases escapes, decodes escaped unreserved characters, encodes what may not be raw.
std::string NormalizePercent(std::string_view in, bool lowercase) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size() && IsHex(in[i + 1]) && IsHex(in[i + 2])) {
      const auto decoded = static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      if (IsUnreserved(decoded)) {
        out.push_back(lowercase ? ToLower(decoded) : decoded);
      } else {
        AppendEncoded(out, static_cast<unsigned char>(decoded));
      }
      i += 2;
    } else if (c == '%') {
      AppendEncoded(out, '%');
    } else if (MustEncode(static_cast<unsigned char>(c))) {
      AppendEncoded(out, static_cast<unsigned char>(c));
    } else {
      out.push_back(lowercase ? ToLower(c) : c);
    }
  }
  return out;
}

bool IsSpecialScheme(std::string_view scheme) {
  return scheme == "http" || scheme == "https" || scheme == "ftp" || scheme == "ws" ||
         scheme == "wss";
}

std::string_view DefaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return "80";
  if (scheme == "https" || scheme == "wss") return "443";
  if (scheme == "ftp") return "21";
  return {};
}

// Browser-style cleanup: trim spaces/controls at both ends, drop tabs and newlines.
std::string Clean(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && static_cast<unsigned char>(text[begin]) <= 0x20) ++begin;
  while (end > begin && static_cast<unsigned char>(text[end - 1]) <= 0x20) --end;
  std::string out;
  out.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    if (text[i] == '\t' || text[i] == '\n' || text[i] == '\r') continue;
    out.push_back(text[i]);
  }
  return out;
}

std::optional<size_t> SchemeEnd(std::string_view text) {
  if (text.empty() || !IsAlpha(text[0])) return std::nullopt;
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') return i;
    if (!(IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.')) return std::nullopt;
  }
  return std::nullopt;
}

// Splits per RFC 3986 appendix B. `special_hint` says backslashes count as slashes
// (http(s) and relative references against them), as browsers do.
RawParts Split(std::string_view text, bool special_hint) {
  RawParts parts;
  std::string owned;
  if (const auto scheme_end = SchemeEnd(text)) {
    parts.has_scheme = true;
    for (size_t i = 0; i < *scheme_end; ++i) parts.scheme.push_back(ToLower(text[i]));
    text.remove_prefix(*scheme_end + 1);
    special_hint = IsSpecialScheme(parts.scheme);
  }
  // Fragment and query first, so "\" only turns into "/" before them.
  if (const size_t hash = text.find('#'); hash != std::string_view::npos) {
    parts.has_fragment = true;
    parts.fragment = std::string(text.substr(hash + 1));
    text = text.substr(0, hash);
  }
  if (const size_t question = text.find('?'); question != std::string_view::npos) {
    parts.has_query = true;
    parts.query = std::string(text.substr(question + 1));
    text = text.substr(0, question);
  }
  owned = std::string(text);
  if (special_hint) {
    for (char& c : owned) {
      if (c == '\\') c = '/';
    }
  }
  std::string_view rest = owned;
  if (rest.size() >= 2 && rest[0] == '/' && rest[1] == '/') {
    rest.remove_prefix(2);
    const size_t slash = rest.find('/');
    parts.has_authority = true;
    parts.authority = std::string(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  parts.path = std::string(rest);
  return parts;
}

std::string MergePaths(const Url& base, std::string_view reference_path) {
  if (base.has_authority() && base.path().empty()) return "/" + std::string(reference_path);
  const size_t last_slash = base.path().rfind('/');
  if (last_slash == std::string::npos) return std::string(reference_path);
  return base.path().substr(0, last_slash + 1) + std::string(reference_path);
}

}  // namespace

std::string RemoveDotSegments(std::string_view input) {
  std::string output;
  output.reserve(input.size());
  std::string_view in = input;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./") {
      in.remove_prefix(2);
    } else if (in.substr(0, 3) == "/./") {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const size_t last = output.rfind('/');
      output.resize(last == std::string::npos ? 0 : last);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const size_t next = in.find('/', 1);
      const size_t count = next == std::string_view::npos ? in.size() : next;
      output.append(in.substr(0, count));
      in.remove_prefix(count);
    }
  }
  return output;
}

Result<Url> Url::Parse(std::string_view text, const UrlOptions& options) {
  if (text.size() > kMaxUrlBytes) return Status::InvalidArgument("URL longer than 8 KiB");
  const std::string cleaned = Clean(text);
  RawParts parts = Split(cleaned, false);
  if (!parts.has_scheme) {
    return Status::InvalidArgument("not an absolute URL (no scheme): " + cleaned.substr(0, 200));
  }
  Url url;
  url.scheme_ = std::move(parts.scheme);
  url.has_authority_ = parts.has_authority;
  if (parts.has_authority) {
    std::string_view authority = parts.authority;
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
      url.has_userinfo_ = true;
      url.userinfo_ = NormalizePercent(authority.substr(0, at), false);
      authority.remove_prefix(at + 1);
    }
    std::string_view host = authority;
    std::string_view port;
    const size_t colon = authority.rfind(':');
    const size_t bracket = authority.rfind(']');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    // A colon outside an IP literal's brackets can only start the port ("h:1:80" would
    // lose its ":1" to a second normalisation), and brackets enclose the whole host.
    const bool literal = host.starts_with('[');
    if (literal ? !host.ends_with(']') || host.find(']') != host.size() - 1
                : host.find_first_of(":[]") != std::string_view::npos) {
      return Status::InvalidArgument("bad host in URL: " + std::string(host.substr(0, 200)));
    }
    url.host_ = NormalizePercent(host, true);
    if (!port.empty()) {
      uint32_t number = 0;
      const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
      if (ec != std::errc() || end != port.data() + port.size() || number > 65535) {
        return Status::InvalidArgument("bad port in URL: " + std::string(port.substr(0, 20)));
      }
      url.port_ = std::to_string(number);
      if (url.port_ == DefaultPort(url.scheme_)) url.port_.clear();
    }
    if (IsSpecialScheme(url.scheme_) && url.host_.empty()) {
      return Status::InvalidArgument("URL has an empty host: " + cleaned.substr(0, 200));
    }
  }
  url.path_ = NormalizePercent(parts.path, false);
  if (url.has_authority_ || (!url.path_.empty() && url.path_[0] == '/')) {
    url.path_ = RemoveDotSegments(url.path_);
  }
  if (url.has_authority_ && url.path_.empty()) url.path_ = "/";
  url.has_query_ = parts.has_query;
  url.query_ = NormalizePercent(parts.query, false);
  url.has_fragment_ = parts.has_fragment;
  url.fragment_ = NormalizePercent(parts.fragment, false);
  url.Rebuild(options);
  return url;
}

void Url::Rebuild(const UrlOptions& options) {
  spec_.clear();
  spec_.reserve(scheme_.size() + host_.size() + path_.size() + query_.size() + 8);
  spec_ += scheme_;
  spec_ += ':';
  if (has_authority_) {
    spec_ += "//";
    if (has_userinfo_) {
      spec_ += userinfo_;
      spec_ += '@';
    }
    spec_ += host_;
    if (!port_.empty()) {
      spec_ += ':';
      spec_ += port_;
    }
  }
  spec_ += path_;
  if (has_query_) {
    spec_ += '?';
    spec_ += query_;
  }
  if (!options.keep_fragment) {
    has_fragment_ = false;
    fragment_.clear();
  }
  if (has_fragment_) {
    spec_ += '#';
    spec_ += fragment_;
  }
}

std::string Url::HostPort() const { return port_.empty() ? host_ : host_ + ":" + port_; }

Result<Url> Url::Resolve(std::string_view reference, const UrlOptions& options) const {
  if (reference.size() > kMaxUrlBytes) return Status::InvalidArgument("URL longer than 8 KiB");
  const std::string cleaned = Clean(reference);
  const RawParts ref = Split(cleaned, IsSpecialScheme(scheme_));
  if (ref.has_scheme) return Parse(cleaned, options);

  // RFC 3986 section 5.2.2, with the base already normalised.
  std::string target;
  target.reserve(spec_.size() + cleaned.size());
  target += scheme_;
  target += ':';
  auto append_authority = [&] {
    if (!has_authority_) return;
    target += "//";
    if (has_userinfo_) target += userinfo_ + "@";
    target += HostPort();
  };
  auto append_query_fragment = [&](bool has_query, const std::string& query) {
    if (has_query) target += "?" + query;
    if (ref.has_fragment) target += "#" + ref.fragment;
  };
  if (ref.has_authority) {
    target += "//" + ref.authority + RemoveDotSegments(ref.path);
    append_query_fragment(ref.has_query, ref.query);
  } else if (ref.path.empty()) {
    append_authority();
    target += path_;
    append_query_fragment(ref.has_query || has_query_, ref.has_query ? ref.query : query_);
  } else if (ref.path[0] == '/') {
    append_authority();
    target += RemoveDotSegments(ref.path);
    append_query_fragment(ref.has_query, ref.query);
  } else {
    append_authority();
    target += RemoveDotSegments(MergePaths(*this, ref.path));
    append_query_fragment(ref.has_query, ref.query);
  }
  return Parse(target, options);
}

Result<std::string> ResolveUrl(std::string_view base, std::string_view reference,
                               const UrlOptions& options) {
  LW_ASSIGN_OR_RETURN(const Url base_url, Url::Parse(base));
  LW_ASSIGN_OR_RETURN(const Url resolved, base_url.Resolve(reference, options));
  return resolved.spec();
}

Result<std::string> NormalizeUrl(std::string_view text, const UrlOptions& options) {
  LW_ASSIGN_OR_RETURN(const Url url, Url::Parse(text, options));
  return url.spec();
}

namespace {

bool IsHostNameChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '.'; }

// A DNS name or IPv4 address (both lowercased already), or "[IPv6]".
bool IsFetchableHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::string_view inside = host.substr(1, host.size() - 2);
    return inside.find(':') != std::string_view::npos &&
           std::all_of(inside.begin(), inside.end(),
                       [](char c) { return IsHex(c) || c == ':' || c == '.'; });
  }
  return !host.empty() && std::all_of(host.begin(), host.end(), IsHostNameChar);
}

Result<Url> CheckHttp(Result<Url> url) {
  if (!url.has_value()) return url;
  if (!url->IsHttp()) {
    return Status::InvalidArgument("not an http(s) URL: " + url->spec().substr(0, 200));
  }
  if (!url->has_authority() || !IsFetchableHost(url->host())) {
    return Status::InvalidArgument("URL without a valid host: " + url->spec().substr(0, 200));
  }
  return url;
}

}  // namespace

Result<Url> ParseHttpUrl(std::string_view text) { return CheckHttp(Url::Parse(text)); }

Result<Url> ResolveHttpUrl(std::string_view base, std::string_view reference) {
  LW_ASSIGN_OR_RETURN(const Url base_url, Url::Parse(base));
  return CheckHttp(base_url.Resolve(reference));
}

Result<std::string> NormalizeHttpUrl(std::string_view text) {
  LW_ASSIGN_OR_RETURN(const Url url, ParseHttpUrl(text));
  return url.spec();
}

}  // namespace leakwatch::parsers
