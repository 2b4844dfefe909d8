#include "demo/fixture_server.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <charconv>
#include <mutex>

#include "demo/internal/io_runner.h"
#include "demo/internal/loopback_server.h"

namespace leakwatch::demo {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

constexpr uint64_t kRequestBodyLimit = 1 << 20;
constexpr std::string_view kFiller =
    "leakwatch fixture filler: nothing to see here, keep scrolling. 0123456789abcdef\n";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string GzipCompress(std::string_view in) {
  z_stream zs{};
  constexpr int kGzipWindowBits = 15 + 16;
  constexpr int kMemLevel = 8;
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

bool CookieHeaderHas(std::string_view cookie_header, std::string_view pair) {
  size_t pos = 0;
  while (pos <= cookie_header.size()) {
    size_t end = cookie_header.find(';', pos);
    if (end == std::string_view::npos) end = cookie_header.size();
    std::string_view item = cookie_header.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == pair) return true;
    pos = end + 1;
  }
  return false;
}

std::string FillerBlock(size_t size) {
  std::string block;
  block.reserve(size);
  while (block.size() < size)
    block.append(kFiller.substr(0, std::min(kFiller.size(), size - block.size())));
  return block;
}

}  // namespace

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

Route Route::Html(std::string body) {
  Route r;
  r.body = std::move(body);
  return r;
}

Route Route::Text(std::string body) {
  Route r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Route Route::Status(int status, std::string body) {
  Route r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Route Route::Redirect(int status, std::string location) {
  Route r;
  r.status = status;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

Route Route::TooManyRequests(int retry_after_seconds) {
  constexpr int kTooManyRequests = 429;
  Route r;
  r.status = kTooManyRequests;
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  r.body = "slow down";
  return r;
}

Route Route::Huge(uint64_t size) {
  Route r;
  r.content_type = "application/octet-stream";
  r.body_kind = BodyKind::kGenerated;
  r.generated_size = size;
  return r;
}

Route Route::Drip(uint64_t size, size_t chunk, std::chrono::milliseconds interval) {
  Route r = Huge(size);
  r.content_type = "text/html; charset=utf-8";
  r.chunk_size = chunk;
  r.chunk_interval = interval;
  return r;
}

Route Route::Endless() {
  Route r;
  r.content_type = "text/html; charset=utf-8";
  r.body_kind = BodyKind::kEndless;
  return r;
}

struct FixtureServer::Impl {
  explicit Impl(Options o) : runner(o.io_threads), acceptor(runner.io()) {}

  detail::IoRunner runner;  // declared first: destroyed last
  tcp::acceptor acceptor;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  std::map<std::string, Route> routes;
  Fallback fallback;
  bool record_requests = true;
  std::vector<HttpRequest> requests;
  std::map<std::string, int> hits;
  int64_t total = 0;

  Route Lookup(const HttpRequest& request) {
    Fallback fb;
    {
      std::lock_guard lock(mu);
      ++total;
      ++hits[request.target];
      if (record_requests) requests.push_back(request);
      auto it = routes.find(request.target);
      if (it != routes.end()) return it->second;
      fb = fallback;
    }
    if (fb) {
      if (auto r = fb(request)) return *std::move(r);
    }
    constexpr int kNotFound = 404;
    return Route::Status(kNotFound, "not found");
  }

  static std::string Head(int status, const Route& route, std::string_view length_header,
                          bool keep_alive,
                          const std::vector<std::pair<std::string, std::string>>& extra) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
    head += std::string(http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status))));
    head += "\r\nServer: leakwatch-fixture\r\nContent-Type: " + route.content_type + "\r\n";
    head += std::string(length_header);
    for (const auto& [name, value] : route.headers) head += name + ": " + value + "\r\n";
    for (const auto& [name, value] : extra) head += name + ": " + value + "\r\n";
    head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    return head;
  }

  // Where a 206 answer starts, when the route serves ranges and the request asks for a
  // satisfiable "bytes=N-" whose If-Range (if any) still names the route's validator.
  static std::optional<size_t> RangeStart(const Route& route, const HttpRequest& request,
                                          size_t size) {
    const std::string range = request.Header("range");
    if (!route.ranges || route.gzip || range.rfind("bytes=", 0) != 0 || range.back() != '-') {
      return std::nullopt;
    }
    const std::string if_range = request.Header("if-range");
    if (!if_range.empty() && if_range != route.etag && if_range != route.last_modified) {
      return std::nullopt;
    }
    size_t from = 0;
    const char* first = range.data() + 6;
    const char* last = range.data() + range.size() - 1;
    const auto [ptr, ec] = std::from_chars(first, last, from);
    if (ec != std::errc() || ptr != last || from == 0 || from >= size) return std::nullopt;
    return from;
  }

  static bool NotModified(const Route& route, const HttpRequest& request) {
    if (!route.etag.empty() && request.Header("if-none-match") == route.etag) return true;
    return !route.last_modified.empty() &&
           request.Header("if-modified-since") == route.last_modified;
  }

  // Writes one response; returns whether the connection may be kept alive.
  static awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request, Route route,
                                 bool keep_alive) {
    if (route.latency.count() > 0) {
      asio::steady_timer timer(socket.get_executor(), route.latency);
      co_await timer.async_wait(use_awaitable);
    }
    std::vector<std::pair<std::string, std::string>> extra;
    if (!route.etag.empty()) extra.emplace_back("ETag", route.etag);
    if (!route.last_modified.empty()) extra.emplace_back("Last-Modified", route.last_modified);

    if (!route.required_cookie.empty() &&
        !CookieHeaderHas(request.Header("cookie"), route.required_cookie)) {
      constexpr int kFound = 302;
      constexpr int kForbidden = 403;
      Route denied = route.login_location.empty() ? Route::Status(kForbidden, "login required")
                                                  : Route::Redirect(kFound, route.login_location);
      const std::string head =
          Head(denied.status, denied,
               "Content-Length: " + std::to_string(denied.body.size()) + "\r\n", keep_alive, {});
      co_await asio::async_write(socket, asio::buffer(head + denied.body), use_awaitable);
      co_return keep_alive;
    }
    if (NotModified(route, request)) {
      constexpr int kNotModified = 304;
      const std::string head = Head(kNotModified, route, "", keep_alive, extra);
      co_await asio::async_write(socket, asio::buffer(head), use_awaitable);
      co_return keep_alive;
    }

    const size_t chunk = std::max<size_t>(1, route.chunk_size);
    asio::steady_timer pace(socket.get_executor());
    if (route.body_kind == Route::BodyKind::kFixed) {
      std::string body = route.gzip ? GzipCompress(route.body) : route.body;
      if (route.gzip) extra.emplace_back("Content-Encoding", "gzip");
      int status = route.status;
      if (const auto from = RangeStart(route, request, body.size())) {
        constexpr int kPartialContent = 206;
        status = kPartialContent;
        extra.emplace_back("Content-Range", "bytes " + std::to_string(*from) + "-" +
                                                std::to_string(body.size() - 1) + "/" +
                                                std::to_string(body.size()));
        body.erase(0, *from);
      }
      if (route.ranges) extra.emplace_back("Accept-Ranges", "bytes");
      const std::string head =
          Head(status, route, "Content-Length: " + std::to_string(body.size()) + "\r\n", keep_alive,
               extra);
      if (request.method == "HEAD" || route.chunk_interval.count() == 0) {
        // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
        std::string message = head;
        if (request.method != "HEAD") message += body;
        co_await asio::async_write(socket, asio::buffer(message), use_awaitable);
        co_return keep_alive;
      }
      co_await asio::async_write(socket, asio::buffer(head), use_awaitable);
      for (size_t at = 0; at < body.size(); at += chunk) {
        const size_t n = std::min(chunk, body.size() - at);
        co_await asio::async_write(socket, asio::buffer(body.data() + at, n), use_awaitable);
        if (at + n < body.size()) {
          pace.expires_after(route.chunk_interval);
          co_await pace.async_wait(use_awaitable);
        }
      }
      co_return keep_alive;
    }

    const std::string block = FillerBlock(chunk);
    if (route.body_kind == Route::BodyKind::kGenerated) {
      const std::string head =
          Head(route.status, route,
               "Content-Length: " + std::to_string(route.generated_size) + "\r\n", false, extra);
      co_await asio::async_write(socket, asio::buffer(head), use_awaitable);
      uint64_t left = route.generated_size;
      while (left > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, block.size()));
        co_await asio::async_write(socket, asio::buffer(block.data(), n), use_awaitable);
        left -= n;
        if (route.chunk_interval.count() > 0 && left > 0) {
          pace.expires_after(route.chunk_interval);
          co_await pace.async_wait(use_awaitable);
        }
      }
      co_return false;
    }

    const std::string head =
        Head(route.status, route, "Transfer-Encoding: chunked\r\n", false, extra);
    co_await asio::async_write(socket, asio::buffer(head), use_awaitable);
    std::array<char, 32> hex{};
    const auto res = std::to_chars(hex.data(), hex.data() + hex.size(), block.size(), 16);
    const std::string framed = std::string(hex.data(), res.ptr) + "\r\n" + block + "\r\n";
    for (;;) {
      co_await asio::async_write(socket, asio::buffer(framed), use_awaitable);
      if (route.chunk_interval.count() > 0) {
        pace.expires_after(route.chunk_interval);
        co_await pace.async_wait(use_awaitable);
      }
    }
  }

  awaitable<void> Session(std::shared_ptr<tcp::socket> socket) {
    try {
      beast::flat_buffer buffer;
      for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(kRequestBodyLimit);
        co_await http::async_read(*socket, buffer, parser, use_awaitable);
        const auto& message = parser.get();
        HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message) {
          request.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
        }
        const bool keep_alive = message.keep_alive();
        Route route = Lookup(request);
        const bool again = co_await Respond(*socket, request, std::move(route), keep_alive);
        if (!again) break;
      }
    } catch (const std::exception&) {
      // Clients hang up, abort transfers and send garbage: all normal here.
    }
    boost::system::error_code ignored;
    socket->shutdown(tcp::socket::shutdown_both, ignored);
    socket->close(ignored);
  }

  awaitable<void> AcceptLoop() {
    return detail::AcceptLoop(
        runner.io(), acceptor, stopped,
        [this](std::shared_ptr<tcp::socket> s) { return Session(std::move(s)); });
  }
};

FixtureServer::FixtureServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FixtureServer::~FixtureServer() { Stop(); }

Result<std::unique_ptr<FixtureServer>> FixtureServer::Start(Options options) {
  auto impl = std::make_unique<Impl>(options);
  LW_ASSIGN_OR_RETURN(impl->port, detail::ListenOnLoopback(impl->acceptor, "fixture server"));
  Impl* raw = impl.get();
  asio::co_spawn(raw->runner.io(), raw->AcceptLoop(), asio::detached);
  raw->runner.Run();
  return std::unique_ptr<FixtureServer>(new FixtureServer(std::move(impl)));
}

void FixtureServer::SetRoute(std::string target, Route route) {
  std::lock_guard lock(impl_->mu);
  impl_->routes[std::move(target)] = std::move(route);
}

void FixtureServer::SetFallback(Fallback fallback) {
  std::lock_guard lock(impl_->mu);
  impl_->fallback = std::move(fallback);
}

void FixtureServer::SetRecordRequests(bool record) {
  std::lock_guard lock(impl_->mu);
  impl_->record_requests = record;
}

uint16_t FixtureServer::port() const { return impl_->port; }

std::string FixtureServer::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<HttpRequest> FixtureServer::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

int FixtureServer::Hits(std::string_view target) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->hits.find(std::string(target));
  return it == impl_->hits.end() ? 0 : it->second;
}

int64_t FixtureServer::TotalRequests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->total;
}

void FixtureServer::Stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->runner.Stop();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace leakwatch::demo
