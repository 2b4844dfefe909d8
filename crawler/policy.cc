#include "crawler/policy.h"

#include <curl/curl.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "parsers/url.h"
#include "util/onion.h"

namespace leakwatch::crawler {
namespace {

bool MatchesLoginPattern(const std::string& pattern, const std::string& url) {
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 re(pattern, options);
  return re.ok() && RE2::PartialMatch(url, re);
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The media type of a Content-Type value, lower case, without parameters.
std::string MediaType(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return LowerAscii(type);
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Bytes that a page never begins with: a NUL in the first bytes, or the magic of a
// common image, archive or document format.
bool LooksBinary(std::string_view first_bytes) {
  constexpr size_t kSniffBytes = 512;
  static constexpr std::string_view kMagics[] = {
      std::string_view("\xFF\xD8\xFF", 3),  // JPEG
      std::string_view("\x89PNG", 4),       // PNG
      "GIF8",                               // GIF
      std::string_view("PK\x03\x04", 4),    // zip (and docx, xlsx, jar)
      std::string_view("\x1F\x8B", 2),      // gzip
      "BZh",                                // bzip2
      std::string_view("\xFD"
                       "7zXZ",
                       5),                      // xz
      std::string_view("\x28\xB5\x2F\xFD", 4),  // zstd
      std::string_view("7z\xBC\xAF", 4),        // 7-Zip
      "Rar!",                                   // RAR
      "%PDF-",                                  // PDF
      "SQLite format 3",                        // SQLite
  };
  for (std::string_view magic : kMagics) {
    if (StartsWith(first_bytes, magic)) return true;
  }
  if (StartsWith(first_bytes, "RIFF") && first_bytes.size() >= 12 &&
      first_bytes.substr(8, 4) == "WEBP") {
    return true;
  }
  return first_bytes.substr(0, kSniffBytes).find('\0') != std::string_view::npos;
}

}  // namespace

BodyKind ResponseBodyKind(BodyKind requested, std::string_view content_type,
                          std::string_view content_disposition, std::string_view first_bytes) {
  if (requested == BodyKind::kFile) return BodyKind::kFile;
  if (LowerAscii(content_disposition).find("attachment") != std::string::npos) {
    return BodyKind::kFile;
  }
  const std::string type = MediaType(content_type);
  if (type.empty()) return LooksBinary(first_bytes) ? BodyKind::kFile : BodyKind::kPage;
  if (type == "text/html" || type == "application/xhtml+xml" || type == "text/plain") {
    // A server that labels everything text/html still serves a JPEG as a JPEG.
    return LooksBinary(first_bytes) ? BodyKind::kFile : BodyKind::kPage;
  }
  return BodyKind::kFile;
}

std::optional<ContentRange> ParseContentRange(std::string_view value) {
  auto number = [](std::string_view digits) -> std::optional<uint64_t> {
    uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
      return std::nullopt;
    }
    return n;
  };
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
  if (LowerAscii(value.substr(0, 6)) != "bytes ") return std::nullopt;
  value.remove_prefix(6);
  const size_t dash = value.find('-');
  const size_t slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  ContentRange range;
  const auto first = number(value.substr(0, dash));
  const auto last = number(value.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *last < *first) return std::nullopt;
  range.first = *first;
  range.last = *last;
  const std::string_view total = value.substr(slash + 1);
  if (total != "*") {
    range.total = number(total);
    if (!range.total || *range.total <= range.last) return std::nullopt;
  }
  return range;
}

RedirectDecision DecideRedirect(const RedirectRules& rules, std::string_view current_url,
                                std::string_view location, int hops_so_far) {
  RedirectDecision d;
  auto refuse = [&d](ErrorClass why, std::string reason) {
    d.follow = false;
    d.refusal = why;
    d.reason = std::move(reason);
    return d;
  };
  if (location.empty()) return refuse(ErrorClass::kRedirectRefused, "redirect without Location");
  auto base = parsers::Url::Parse(current_url);
  auto resolved = base ? base->Resolve(location) : base;
  if (!resolved) return refuse(ErrorClass::kRedirectRefused, "unparseable Location");
  d.target = resolved->spec();  // named in the refusal below (normalised: no raw controls)
  if (!resolved->IsHttp()) {
    return refuse(ErrorClass::kRedirectRefused, "redirect to scheme " + resolved->scheme());
  }
  // The target libcurl is handed is the normalised spec, so the host judged below is the
  // host it connects to.
  auto target = parsers::ParseHttpUrl(resolved->spec());
  if (!target) return refuse(ErrorClass::kRedirectRefused, "unparseable Location");
  d.target = target->spec();
  if (hops_so_far + 1 > rules.max_redirects) {
    return refuse(ErrorClass::kTooManyRedirects,
                  "more than " + std::to_string(rules.max_redirects) + " redirects");
  }
  if (!rules.login_pattern.empty() && MatchesLoginPattern(rules.login_pattern, d.target)) {
    return refuse(ErrorClass::kSessionExpired, "redirected to the login page");
  }
  const bool from_onion = util::IsOnionHost(base->host());
  const bool to_onion = util::IsOnionHost(target->host());
  if (from_onion && !to_onion) {
    return refuse(ErrorClass::kRedirectRefused,
                  "redirect from an onion to clearnet host " + target->host());
  }
  if (rules.direct && to_onion) {
    return refuse(ErrorClass::kRedirectRefused, "redirect from a direct source to an onion");
  }
  d.follow = true;
  return d;
}

bool SendsSourceHeaders(const std::vector<std::string>& source_hosts, std::string_view request_url,
                        std::string_view hop_url) {
  const Result<parsers::Url> request = parsers::ParseHttpUrl(request_url);
  const Result<parsers::Url> hop = parsers::ParseHttpUrl(hop_url);
  if (!request.has_value() || !hop.has_value() || hop->host().empty()) return false;
  if (request->scheme() == "https" && hop->scheme() != "https") return false;
  const auto same_host = [&hop](std::string_view host) {
    return host.size() == hop->host().size() &&
           std::equal(host.begin(), host.end(), hop->host().begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  };
  if (source_hosts.empty()) return same_host(request->host());
  return std::any_of(source_hosts.begin(), source_hosts.end(), same_host);
}

util::TimePoint NextRetryAt(const BackoffRules& rules, int64_t failures, util::TimePoint now,
                            std::optional<std::chrono::seconds> retry_after, double jitter_unit) {
  using std::chrono::seconds;
  const int64_t exponent = std::clamp<int64_t>(failures - 1, 0, 62);
  const double base = static_cast<double>(rules.base.count());
  const double cap = static_cast<double>(rules.max.count());
  double delay = std::min(cap, base * std::pow(2.0, static_cast<double>(exponent)));
  const double unit = std::clamp(jitter_unit, 0.0, 1.0);
  delay *= 1.0 + rules.jitter * (2.0 * unit - 1.0);
  delay = std::clamp(delay, 0.0, cap);
  if (retry_after) {
    const double honoured =
        std::min(cap, static_cast<double>(std::max<int64_t>(0, retry_after->count())));
    delay = std::max(delay, honoured);
  }
  return now + std::chrono::duration_cast<util::TimePoint::duration>(
                   std::chrono::duration<double>(delay));
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, util::TimePoint now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  int64_t secs = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
  if (ec == std::errc() && ptr == value.data() + value.size()) {
    return std::chrono::seconds(std::max<int64_t>(0, secs));
  }
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const int64_t delta = static_cast<int64_t>(when) - util::ToUnixSeconds(now);
  return std::chrono::seconds(std::max<int64_t>(0, delta));
}

bool HostPoliteness::CanStart(std::string_view host, util::TimePoint now, int per_host,
                              std::chrono::milliseconds min_delay) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return true;
  if (it->second.active >= std::max(1, per_host)) return false;
  return EarliestStart(host, now, min_delay) <= now;
}

util::TimePoint HostPoliteness::EarliestStart(std::string_view host, util::TimePoint now,
                                              std::chrono::milliseconds min_delay) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end() || !it->second.last_start) return now;
  return std::max(now, *it->second.last_start + min_delay);
}

void HostPoliteness::Started(std::string_view host, util::TimePoint now) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) it = hosts_.emplace(std::string(host), HostState{}).first;
  ++it->second.active;
  it->second.last_start = now;
}

void HostPoliteness::Finished(std::string_view host) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  if (it->second.active > 0) --it->second.active;
}

int HostPoliteness::Active(std::string_view host) const {
  auto it = hosts_.find(host);
  return it == hosts_.end() ? 0 : it->second.active;
}

bool LooksProfileBroken(int64_t items, std::vector<int64_t> recent_items) {
  constexpr int64_t kCollapseFactor = 10;
  constexpr int64_t kMedianForCollapse = 10;
  if (recent_items.size() < kMinYieldHistory) return false;
  const auto middle = recent_items.begin() + static_cast<std::ptrdiff_t>(recent_items.size() / 2);
  std::nth_element(recent_items.begin(), middle, recent_items.end());
  const int64_t median = *middle;
  if (items == 0) return median >= 1;
  return median >= kMedianForCollapse && items * kCollapseFactor < median;
}

}  // namespace leakwatch::crawler
