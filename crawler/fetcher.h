// crawler/fetcher: the fetch engine. One thread drives every transfer through
// libcurl's multi interface; nothing else in leakwatch opens a network connection
// to a crawled site.
//
// Tor policy carried out here: every non-direct request goes through Options::proxy_url,
// which must be socks5h:// (the proxy resolves names; no crawled host is ever resolved
// locally, and NO_PROXY from the environment is overridden); each request carries its
// source's SOCKS username/password (Tor's IsolateSOCKSAuth puts sources on different
// circuits); redirects are followed by hand, one DecideRedirect() per hop, with the same
// proxy and SOCKS credentials; the source's own headers (session cookie, Authorization,
// [sources.headers]) go only to the source's hosts (SendsSourceHeaders()); only
// http/https are allowed at all.
//
// Limits: Options::concurrency transfers at once, per_host and min_delay per host
// (HostPoliteness), page/file caps (the transfer stops there and what arrived is
// delivered, marked truncated_by kTooLarge), connect / total /
// low-speed timeouts, memory: bodies above spool_threshold_bytes, or arriving while
// memory_budget_bytes is used up, go to an unlinked private temp file.
//
// Back-pressure: finished results wait in a queue of Options::queue_capacity; while it
// is full no new transfer starts. Consumers (the worker pool) call NextResult.
//
// Evidence: each result carries the request head sent (session secrets redacted), the
// response head received, the fetch time and the proxy, so the store writer can keep
// a WARC record of what was seen; the fetcher itself writes nothing to disk but spool
// files.
//
// Threads: every public member, and the destructor, may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/errors.h"
#include "crawler/options.h"
#include "crawler/policy.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::crawler {

struct FetchRequest {
  uint64_t id = 0;  // the caller's tag, returned in the result
  std::string url;  // absolute http/https URL
  BodyKind kind = BodyKind::kPage;
  // Clearnet without the proxy; only for sources explicitly marked direct.
  bool direct = false;
  // Stream isolation: the source's SOCKS credentials (ignored when direct).
  std::string socks_username;
  std::string socks_password;
  // Netscape-format cookie file read for this request (empty: none); libcurl's cookie
  // engine sends each of its cookies only to that cookie's domain.
  std::string cookie_file;
  // The source's own headers: a literal Cookie header value (empty: none) and extra
  // "Name: value" lines (an empty value removes a header), which replace an
  // Options::headers line of the same name. Sent only on hops SendsSourceHeaders()
  // allows: to the source's hosts, never to another host a redirect leads to.
  std::string cookie_header;
  std::vector<std::string> extra_headers;
  // The hosts cookie_header and extra_headers are for (the source's); empty: the host
  // of `url`.
  std::vector<std::string> source_hosts;
  // Conditional GET validators from the previous fetch.
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  // Redirect rules of the source (max_redirects defaults to Options::max_redirects
  // when left at its default).
  RedirectRules redirects;
  // Per-source politeness overrides (0 / nullopt: Options).
  int per_host = 0;
  std::optional<std::chrono::milliseconds> min_delay;
  // Continue an object received in part before: "Range: bytes=<offset>-" with
  // "If-Range: <validator>" (a strong ETag or a Last-Modified date) and
  // "Accept-Encoding: identity", so offsets count the object's own bytes. The answer is
  // a 206 whose body starts at `offset` (FetchResult::range_start), or a 200 with the
  // whole object when the server ignores ranges or the object changed.
  struct Resume {
    uint64_t offset = 0;
    std::string validator;
  };
  std::optional<Resume> resume;
};

// A response body, in memory or in an unlinked private temp file. Move-only; the
// memory budget is released and the file closed when it is destroyed.
class Body {
 public:
  Body() = default;
  Body(Body&&) noexcept;
  Body& operator=(Body&&) noexcept;
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;
  ~Body();

  uint64_t size() const { return size_; }
  bool spooled() const { return fd_ >= 0; }
  // The whole body when it is in memory; empty when spooled.
  std::string_view memory() const { return memory_; }
  // Reads up to `max` bytes at `offset` (memory or file). Empty at the end.
  Result<std::string> Read(uint64_t offset, size_t max) const;

 private:
  friend class Fetcher;
  struct Budget;
  std::string memory_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t charged_ = 0;            // bytes counted against the memory budget
  std::shared_ptr<Budget> budget_;  // shared: released from whichever thread drops the body
};

// Caps and placeholder for the evidence heads in FetchResult.
inline constexpr size_t kMaxEvidenceHeadBytes = 64 * 1024;
inline constexpr char kRedactedHeaderValue[] = "[redacted by leakwatch]";

struct FetchResult {
  uint64_t id = 0;
  std::string url;        // as requested
  std::string final_url;  // after followed redirects
  int redirects = 0;
  int http_status = 0;  // 0 when no response came back
  ErrorClass error = ErrorClass::kNone;
  std::string error_detail;  // curl's message or the policy's reason; no secrets
  std::optional<uint8_t> socks_reply;
  std::optional<std::string> refused_redirect;  // target of a refused redirect
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::optional<std::string> content_type;
  std::optional<std::string> retry_after;  // raw header value
  Body body;                               // only for 2xx responses
  int64_t duration_ms = 0;

  // What the body was read as (ResponseBodyKind in policy.h): a page request answered
  // with an image or an archive is a file, read under the file cap.
  BodyKind body_kind = BodyKind::kPage;
  // Set when a 2xx body is delivered although it ended early: at its cap (kTooLarge),
  // or, for a file, at a timeout, a too-slow transfer, a broken connection or the run's
  // stop (kTimeout, kTooSlow, kNetwork, kCancelled) after bytes had arrived. The body
  // is then matched as a truncated object, not recorded as a failure.
  std::optional<ErrorClass> truncated_by;
  // The object's whole length when the server stated it: a 200's Content-Length, a
  // 206's Content-Range total. Unset when the body was content-decoded (the length
  // counted encoded bytes).
  std::optional<uint64_t> object_size;
  // Where `body` starts in the object: 0, or a 206 answer's first byte.
  uint64_t range_start = 0;
  // The response had a Content-Encoding that libcurl decoded: body offsets are not
  // object offsets, so such a body cannot be resumed by Range.
  bool content_decoded = false;

  // Evidence of the final hop (what a WARC request/response pair records), kept for
  // every response that came back:
  // The request head of the final hop (request line, Host, User-Agent,
  // Accept-Encoding, Cookie, the headers sent on that hop), built from the very settings
  // handed to libcurl, except that Cookie, Authorization and Proxy-Authorization values
  // are replaced by kRedactedHeaderValue: they are our own session secrets, not
  // evidence. At most kMaxEvidenceHeadBytes.
  std::string request_head;
  // The status line and headers as received, with its blank line, at most
  // kMaxEvidenceHeadBytes (then response_head_truncated). They describe the body on
  // the wire: libcurl has removed chunking and content coding from `body` since.
  std::string response_head;
  bool response_head_truncated = false;
  // When the final hop's request started (the injected clock).
  util::TimePoint fetched_at{};
  // The proxy the request went through as "socks5h://host:port" (no credentials),
  // or "direct".
  std::string via_proxy;

  bool ok() const { return error == ErrorClass::kNone; }
  bool not_modified() const { return http_status == 304; }
};

struct FetcherStats {
  int64_t started = 0;
  int64_t finished = 0;
  int64_t spooled = 0;
  int64_t peak_active = 0;
  int64_t peak_memory_bytes = 0;   // bodies in memory, in flight and queued
  int64_t backpressure_waits = 0;  // loop turns where a full queue held starts back
};

class Fetcher {
 public:
  // Validates the options (a non-empty proxy_url must be socks5h://) and starts the
  // I/O thread. `clock` must outlive the Fetcher.
  static Result<std::unique_ptr<Fetcher>> Start(const Options& options, const util::Clock& clock);
  ~Fetcher();  // aborts what is still running and joins the thread
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Queues a request; never blocks. Requests not yet started when StopStarting() is
  // called are dropped without a result.
  void Submit(FetchRequest request);

  // The next finished transfer, waiting up to `timeout`. nullopt on timeout.
  std::optional<FetchResult> NextResult(std::chrono::milliseconds timeout);

  // Stops starting transfers and drops queued requests; running ones continue.
  void StopStarting();
  // Aborts running transfers: each yields a kCancelled result.
  void AbortRunning();

  // Requests submitted but not yet returned by NextResult.
  int64_t Outstanding() const;
  FetcherStats Stats() const;

 private:
  struct Impl;
  explicit Fetcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::crawler
