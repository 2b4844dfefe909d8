// demo/fixture_server: HTTP/1.1 servers on Boost.Beast that play hostile or slow
// dark-web sites on loopback, for tests, benchmarks and `leakwatch demo`.
//
// A server answers each request from a table of routes (exact request target, query
// included) or, failing that, from a fallback handler. A Route describes the whole
// behaviour: status, headers, latency before the response, a fixed body (optionally
// gzip-encoded), a generated body of any size streamed in chunks at a chosen pace
// (huge bodies, slow drip), an endless body, redirects, a required cookie and
// conditional GET (ETag / Last-Modified answered with 304).
//
// Threads: the server runs its own io threads; public methods are thread safe. The
// fallback handler runs on io threads and must be thread safe itself. Binds
// 127.0.0.1 on an ephemeral port only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace leakwatch::demo {

// A request as the fixture saw it. Header names are lower-cased.
struct HttpRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;

  // The header's value, or "" when absent. `name` must be lower case.
  std::string Header(std::string_view name) const;
};

struct Route {
  enum class BodyKind {
    kFixed,      // `body`
    kGenerated,  // `generated_size` filler bytes with a Content-Length
    kEndless,    // chunked filler that never ends
  };

  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  std::chrono::milliseconds latency{0};  // wait before sending the response head

  BodyKind body_kind = BodyKind::kFixed;
  std::string body;
  bool gzip = false;  // send `body` gzip-compressed with Content-Encoding: gzip
  uint64_t generated_size = 0;
  size_t chunk_size = 64 * 1024;                // bodies go out in chunks of this size
  std::chrono::milliseconds chunk_interval{0};  // pause between chunks (slow drip)

  // A fixed, uncompressed body answers "Range: bytes=N-" with 206 and the rest from N
  // (Content-Range), unless an If-Range names another ETag / Last-Modified than the
  // route's (then 200 with the whole body, as the object changed). Off: Range headers
  // are ignored, as many servers do.
  bool ranges = false;

  // When set, a request whose Cookie header lacks this "name=value" pair gets a 302 to
  // `login_location` (or a 403 when that is empty).
  std::string required_cookie;
  std::string login_location;

  // When set, a matching If-None-Match / If-Modified-Since gets a 304 without body.
  std::string etag;
  std::string last_modified;

  static Route Html(std::string body);
  static Route Text(std::string body);
  static Route Status(int status, std::string body = {});
  static Route Redirect(int status, std::string location);
  static Route TooManyRequests(int retry_after_seconds);
  static Route Huge(uint64_t size);
  static Route Drip(uint64_t size, size_t chunk, std::chrono::milliseconds interval);
  static Route Endless();
};

class FixtureServer {
 public:
  struct Options {
    int io_threads = 1;
  };
  // Called for requests no route matches; nullopt gives a 404.
  using Fallback = std::function<std::optional<Route>(const HttpRequest&)>;

  // Binds 127.0.0.1:0 and starts serving on its own threads.
  static Result<std::unique_ptr<FixtureServer>> Start(Options options);
  static Result<std::unique_ptr<FixtureServer>> Start() { return Start(Options{}); }

  ~FixtureServer();  // stops and joins
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  // Sets (or replaces) the route for the exact request target, e.g. "/p/1?x=2".
  void SetRoute(std::string target, Route route);
  void SetFallback(Fallback fallback);
  // When false, requests are not kept (long benchmarks); counts still are.
  void SetRecordRequests(bool record);

  uint16_t port() const;
  // "http://127.0.0.1:PORT".
  std::string BaseUrl() const;

  std::vector<HttpRequest> Requests() const;
  // How many requests named `target` so far.
  int Hits(std::string_view target) const;
  int64_t TotalRequests() const;

  // Stops accepting and serving. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit FixtureServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::demo
