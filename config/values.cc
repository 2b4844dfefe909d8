// Value parsers for the config loader: URLs, endpoints, byte sizes, edit distance.
#include "config/internal/values.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "config/config.h"

namespace leakwatch::config {
namespace {

constexpr size_t kMaxHostLength = 253;
constexpr size_t kMaxUrlLength = 8192;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), AsciiLower);
  return out;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Letters, digits, '-', '_' and '.', with no empty label: DNS names, onion names and
// IPv4 literals. Percent-encoded or internationalised hosts must be written in ASCII
// (punycode).
bool ValidRegName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength) return false;
  char previous = '.';
  for (size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (!(IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '.')) return false;
    if (c == '.' && previous == '.' && i + 1 != host.size()) return false;
    previous = c;
  }
  return host.front() != '.';
}

bool ValidIpv6(std::string_view host) {
  if (host.size() < 2 || host.size() > 45) return false;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return IsHex(c) || c == ':' || c == '.'; }) &&
         host.find(':') != std::string_view::npos;
}

Result<uint16_t> ParsePort(std::string_view text, uint16_t min_port) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535 ||
      value < min_port) {
    return Status::InvalidArgument("bad port \"" + std::string(text) + "\" (expected " +
                                   std::to_string(min_port) + "..65535)");
  }
  return static_cast<uint16_t>(value);
}

struct HostPort {
  std::string host;
  bool ipv6 = false;
  std::optional<uint16_t> port;
};

// Parses "host", "host:port", "[v6]" or "[v6]:port".
Result<HostPort> ParseHostPort(std::string_view text, uint16_t min_port) {
  HostPort out;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("unclosed '[' in host");
    out.host = Lower(text.substr(1, close - 1));
    out.ipv6 = true;
    if (!ValidIpv6(out.host)) return Status::InvalidArgument("bad IPv6 address");
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::InvalidArgument("unexpected text after ']'");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = text.rfind(':');
    std::string_view host = text;
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return Status::InvalidArgument("empty host");
    if (!ValidRegName(host)) {
      return Status::InvalidArgument("bad host \"" + std::string(host) +
                                     "\" (letters, digits, '-', '_' and '.' only)");
    }
    out.host = Lower(host);
  }
  if (has_port) {
    LW_ASSIGN_OR_RETURN(uint16_t port, ParsePort(port_text, min_port));
    out.port = port;
  }
  return out;
}

}  // namespace

namespace detail {

Result<ParsedUrl> ParseUrl(std::string_view text, const std::vector<std::string_view>& schemes) {
  if (text.empty()) return Status::InvalidArgument("empty URL");
  if (text.size() > kMaxUrlLength) return Status::InvalidArgument("URL longer than 8192 bytes");
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return Status::InvalidArgument(
          "URL contains a space, control or non-ASCII character (percent-encode it)");
    }
  }
  const size_t sep = text.find("://");
  std::string allowed;
  for (const std::string_view s : schemes) {
    if (!allowed.empty()) allowed += ", ";
    allowed += std::string(s) + "://";
  }
  if (sep == std::string_view::npos || sep == 0) {
    return Status::InvalidArgument("not an absolute URL (expected " + allowed + ")");
  }
  ParsedUrl url;
  url.scheme = Lower(text.substr(0, sep));
  if (std::find(schemes.begin(), schemes.end(), url.scheme) == schemes.end()) {
    return Status::InvalidArgument("scheme \"" + url.scheme + "\" is not allowed (expected " +
                                   allowed + ")");
  }
  std::string_view rest = text.substr(sep + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("credentials in URLs are not allowed");
  }
  if (authority.empty()) return Status::InvalidArgument("URL has no host");
  LW_ASSIGN_OR_RETURN(HostPort host_port, ParseHostPort(authority, 1));
  url.host = std::move(host_port.host);
  url.ipv6 = host_port.ipv6;
  url.port = host_port.port;
  if (authority_end != std::string_view::npos) url.path_and_rest = rest.substr(authority_end);
  return url;
}

Result<Endpoint> ParseEndpoint(std::string_view text, uint16_t min_port) {
  LW_ASSIGN_OR_RETURN(HostPort host_port, ParseHostPort(text, min_port));
  if (!host_port.port) return Status::InvalidArgument("missing \":port\"");
  return Endpoint{std::move(host_port.host), *host_port.port};
}

std::string FormatByteSize(uint64_t bytes) {
  static constexpr std::array<std::pair<uint64_t, std::string_view>, 4> kUnits = {{
      {kGiB * 1024, "TiB"},
      {kGiB, "GiB"},
      {kMiB, "MiB"},
      {kKiB, "KiB"},
  }};
  for (const auto& [size, name] : kUnits) {
    if (bytes != 0 && bytes % size == 0) return std::to_string(bytes / size) + std::string(name);
  }
  return std::to_string(bytes) + "B";
}

size_t EditDistance(std::string_view a, std::string_view b, size_t cap) {
  const size_t n = a.size();
  const size_t m = b.size();
  if ((n > m ? n - m : m - n) > cap) return cap + 1;
  // Three rows: two back (for transpositions), previous and current.
  std::vector<size_t> two_back(m + 1), previous(m + 1), current(m + 1);
  for (size_t j = 0; j <= m; ++j) previous[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    current[0] = i;
    size_t row_min = current[0];
    for (size_t j = 1; j <= m; ++j) {
      const bool same = AsciiLower(a[i - 1]) == AsciiLower(b[j - 1]);
      size_t best =
          std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && AsciiLower(a[i - 1]) == AsciiLower(b[j - 2]) &&
          AsciiLower(a[i - 2]) == AsciiLower(b[j - 1])) {
        best = std::min(best, two_back[j - 2] + 1);
      }
      current[j] = best;
      row_min = std::min(row_min, best);
    }
    if (row_min > cap) return cap + 1;
    std::swap(two_back, previous);
    std::swap(previous, current);
  }
  return std::min(previous[m], cap + 1);
}

std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  constexpr size_t kMaxSuggestionDistance = 2;
  std::optional<std::string> best;
  size_t best_distance = kMaxSuggestionDistance + 1;
  for (const std::string& candidate : candidates) {
    const size_t d = EditDistance(word, candidate, kMaxSuggestionDistance);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace detail

std::string Endpoint::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  struct Unit {
    std::string_view name;
    uint64_t multiplier;
  };
  static constexpr std::array<Unit, 10> kUnits = {{
      {"B", 1},
      {"KiB", kKiB},
      {"MiB", kMiB},
      {"GiB", kGiB},
      {"TiB", kGiB * 1024},
      {"kB", 1000},
      {"KB", 1000},
      {"MB", 1000 * 1000},
      {"GB", 1000 * 1000 * 1000},
      {"TB", uint64_t{1000} * 1000 * 1000 * 1000},
  }};
  const std::string quoted = "\"" + std::string(text) + "\"";
  uint64_t amount = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (text.empty() || ec != std::errc()) {
    return Status::InvalidArgument("bad size " + quoted + "; expected e.g. 512KiB, 8MiB, 1GiB");
  }
  std::string_view unit_text = text.substr(static_cast<size_t>(end - text.data()));
  while (!unit_text.empty() && unit_text.front() == ' ') unit_text.remove_prefix(1);
  if (unit_text.empty()) return amount;
  for (const Unit& unit : kUnits) {
    if (unit.name != unit_text) continue;
    if (amount > std::numeric_limits<uint64_t>::max() / unit.multiplier) {
      return Status::InvalidArgument("size " + quoted + " is too large");
    }
    return amount * unit.multiplier;
  }
  return Status::InvalidArgument("size " + quoted +
                                 " has an unknown unit (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
}

Result<std::string> UrlHost(std::string_view url) {
  LW_ASSIGN_OR_RETURN(detail::ParsedUrl parsed, detail::ParseUrl(url, {"http", "https"}));
  return parsed.host;
}

}  // namespace leakwatch::config
