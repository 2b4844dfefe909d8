// crawler/policy: the crawler's decisions as pure functions of (state, now, event):
// redirects, retry back-off, Retry-After, per-host politeness. No sockets, no
// clock reads: the event loop passes "now" in and carries the decisions out, and
// tests drive them directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/errors.h"
#include "util/clock.h"

namespace leakwatch::crawler {

// ---- Redirects -------------------------------------------------------------------

struct RedirectRules {
  int max_redirects = 5;
  // A direct (clearnet, no Tor) source: redirects to .onion are refused (no proxy).
  bool direct = false;
  // When non-empty, an RE2 pattern: a redirect whose target URL it matches (anywhere
  // in the URL) means the source's session expired (it is the login page): refused
  // with kSessionExpired. An invalid pattern never matches (config validates it).
  std::string login_pattern;
};

struct RedirectDecision {
  bool follow = false;
  std::string target;  // the absolute target URL (also when refused, for the record)
  ErrorClass refusal = ErrorClass::kNone;
  std::string reason;  // why it was refused, for the error row
};

// Decides on a 3xx with `location`, received for `current_url` after `hops_so_far`
// redirects. Followed only when: the target resolves to an absolute http/https URL,
// the hop count stays within max_redirects, it is not the login page, and it stays
// in the same network: from an .onion page only to .onion hosts (a redirect to a
// clearnet host is a classic de-anonymisation trick), from a direct source never to
// an .onion. The fetch of the target goes through the same proxy and credentials.
RedirectDecision DecideRedirect(const RedirectRules& rules, std::string_view current_url,
                                std::string_view location, int hops_so_far);

// ---- Credentials -------------------------------------------------------------------

// Whether a hop to `hop_url`, reached from the request for `request_url`, may carry the
// source's own headers (its literal Cookie header and every [sources.headers] entry,
// Authorization among them): only when the hop's host is one of `source_hosts`
// (compared case-insensitively; empty: the host of `request_url`), and never over
// plain http when the request was https. This is libcurl's rule for credentials on
// redirects (CURLOPT_UNRESTRICTED_AUTH off), applied here because the fetcher follows
// redirects itself: to libcurl every hop is a new request that would get them all.
// Cookies from a cookie file need no such rule: libcurl's cookie engine sends each
// only to its own domain. False for an unparseable URL.
bool SendsSourceHeaders(const std::vector<std::string>& source_hosts, std::string_view request_url,
                        std::string_view hop_url);

// ---- Back-off ----------------------------------------------------------------------

struct BackoffRules {
  std::chrono::seconds base{60};
  std::chrono::seconds max{std::chrono::hours(24)};
  // The delay is multiplied by a factor in [1 - jitter, 1 + jitter].
  double jitter = 0.2;
};

// When a URL that failed transiently for the `failures`-th time in a row (>= 1) is due
// again: base * 2^(failures-1), capped at max, jittered with `jitter_unit` in [0, 1)
// (the caller's random draw), and never before `retry_after` (429/503 Retry-After,
// itself capped at max: a hostile site cannot park a URL forever).
util::TimePoint NextRetryAt(const BackoffRules& rules, int64_t failures, util::TimePoint now,
                            std::optional<std::chrono::seconds> retry_after, double jitter_unit);

// Parses a Retry-After value: delta-seconds or an HTTP-date (relative to `now`).
// nullopt when unparseable; negative delays become 0.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, util::TimePoint now);

// ---- Politeness --------------------------------------------------------------------

// Per-host limits: at most `per_host` transfers at once, and `min_delay` between two
// starts. State only; not thread safe (the I/O thread owns it).
class HostPoliteness {
 public:
  // True when a transfer to `host` may start at `now`.
  bool CanStart(std::string_view host, util::TimePoint now, int per_host,
                std::chrono::milliseconds min_delay) const;
  // The earliest time a start could be allowed by the delay rule alone (now when
  // nothing holds it back). Slots held by running transfers are not predicted.
  util::TimePoint EarliestStart(std::string_view host, util::TimePoint now,
                                std::chrono::milliseconds min_delay) const;
  void Started(std::string_view host, util::TimePoint now);
  void Finished(std::string_view host);
  int Active(std::string_view host) const;

 private:
  struct HostState {
    int active = 0;
    std::optional<util::TimePoint> last_start;
  };
  std::map<std::string, HostState, std::less<>> hosts_;
};

// ---- Bodies ------------------------------------------------------------------------

// How a response body is read: a page is parsed for links and text (under the page
// cap); a file is matched as one object, archives expanded (under the file cap).
enum class BodyKind { kPage, kFile };

// What a response turned out to be, decided once its first body bytes arrive. A request
// made for a file stays a file. A request made for a page stays a page only when the
// response is one: Content-Type text/html, application/xhtml+xml or text/plain, or,
// without a Content-Type, bytes that do not look binary (no NUL or known file magic in
// `first_bytes`). Anything else (an image, an archive, application/octet-stream, a
// Content-Disposition "attachment") is a file, whatever the link looked like: a listing
// links JPEGs and split archive parts as plain hrefs.
BodyKind ResponseBodyKind(BodyKind requested, std::string_view content_type,
                          std::string_view content_disposition, std::string_view first_bytes);

// A Content-Range response header, "bytes FIRST-LAST/TOTAL" (TOTAL may be "*").
struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  std::optional<uint64_t> total;
};
// nullopt when `value` is not a well-formed byte range (last before first, overflow).
std::optional<ContentRange> ParseContentRange(std::string_view value);

// ---- Adapter health ------------------------------------------------------------------

// Recent yields needed before a listing's yield is judged at all.
inline constexpr size_t kMinYieldHistory = 3;

// True when a listing page that fetched fine yielded `items` while the same page's
// `recent_items` (earlier fetches) say it usually yields far more: nothing at all
// against a median of at least 1, or under a tenth of a median of at least 10. That
// is what a site changing its markup under a profile looks like; the source is then
// marked profile_broken instead of silently watching nothing.
bool LooksProfileBroken(int64_t items, std::vector<int64_t> recent_items);

}  // namespace leakwatch::crawler
