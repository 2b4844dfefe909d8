#include "crawler/fetcher.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "parsers/url.h"
#include "util/onion.h"

namespace leakwatch::crawler {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr int kMaxPollMs = 1000;
constexpr int kMaxEvents = 64;
constexpr std::string_view kSocks5hScheme = "socks5h://";

std::once_flag g_curl_init_once;

// A Content-Length value; nullopt when it is not a plain decimal number.
std::optional<uint64_t> ParseLength(std::string_view value) {
  uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
  return n;
}

// Whether a 2xx transfer stopped by `error` after bytes arrived is delivered as a
// truncated body: always at the cap; for a file also when time, speed, the connection
// or the run's stop cut it (what arrived is matched; the crawl resumes the rest).
bool DeliversTruncated(ErrorClass error, BodyKind kind) {
  if (error == ErrorClass::kTooLarge) return true;
  if (kind != BodyKind::kFile) return false;
  return error == ErrorClass::kTimeout || error == ErrorClass::kTooSlow ||
         error == ErrorClass::kNetwork || error == ErrorClass::kCancelled;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The lower-case name of a "Name: value" header line.
std::string HeaderName(std::string_view line) {
  return Lower(Trim(line.substr(0, line.find(':'))));
}

// Header names whose values are our own secrets: redacted in the evidence copy.
bool IsSecretHeader(std::string_view name) {
  const std::string lower = Lower(Trim(name));
  return lower == "cookie" || lower == "authorization" || lower == "proxy-authorization";
}

// The request head with secret header values replaced, capped.
std::string RedactRequestHead(std::string_view head) {
  std::string out;
  while (!head.empty()) {
    const size_t eol = head.find('\n');
    const std::string_view line =
        head.substr(0, eol == std::string_view::npos ? head.size() : eol + 1);
    head.remove_prefix(line.size());
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && IsSecretHeader(line.substr(0, colon))) {
      out.append(line.substr(0, colon));
      out += ": ";
      out += kRedactedHeaderValue;
      out += "\r\n";
    } else {
      out.append(line);
    }
  }
  if (out.size() > kMaxEvidenceHeadBytes) out.resize(kMaxEvidenceHeadBytes);
  return out;
}

// "socks5h://user:pass@host:port/" -> "socks5h://host:port".
std::string ProxyWithoutCredentials(std::string_view proxy_url) {
  std::string_view scheme;
  const size_t sep = proxy_url.find("://");
  if (sep != std::string_view::npos) {
    scheme = proxy_url.substr(0, sep + 3);
    proxy_url.remove_prefix(sep + 3);
  }
  proxy_url = proxy_url.substr(0, proxy_url.find('/'));
  const size_t at = proxy_url.rfind('@');
  if (at != std::string_view::npos) proxy_url.remove_prefix(at + 1);
  return std::string(scheme) + std::string(proxy_url);
}

// The Accept-Encoding value for every content decoder this libcurl was built with.
const std::string& AcceptEncoding() {
  static const std::string value = [] {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    std::string v;
    auto add = [&v](const char* name) { v += (v.empty() ? "" : ", ") + std::string(name); };
    if ((info->features & CURL_VERSION_LIBZ) != 0) {
      add("deflate");
      add("gzip");
    }
    if ((info->features & CURL_VERSION_BROTLI) != 0) add("br");
    if ((info->features & CURL_VERSION_ZSTD) != 0) add("zstd");
    return v.empty() ? std::string("identity") : v;
  }();
  return value;
}

// Host header value and request target of an absolute URL, as libcurl derives them
// (the port only when the URL names one).
std::string HostHeader(const std::string& url) {
  std::string out;
  CURLU* u = curl_url();
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) out = host;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) out += std::string(":") + port;
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

std::string RequestTarget(const std::string& url) {
  std::string out = "/";
  CURLU* u = curl_url();
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* path = nullptr;
    char* query = nullptr;
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) out = path;
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) out += std::string("?") + query;
    curl_free(path);
    curl_free(query);
  }
  curl_url_cleanup(u);
  return out;
}

bool IsRedirectStatus(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

// ---- Body ----------------------------------------------------------------------------

struct Body::Budget {
  explicit Budget(uint64_t limit_bytes) : limit(limit_bytes) {}
  const uint64_t limit;
  std::atomic<uint64_t> used{0};
  std::atomic<uint64_t> peak{0};

  bool TryCharge(uint64_t n) {
    uint64_t current = used.load();
    while (current + n <= limit) {
      if (used.compare_exchange_weak(current, current + n)) {
        uint64_t p = peak.load();
        while (current + n > p && !peak.compare_exchange_weak(p, current + n)) {
        }
        return true;
      }
    }
    return false;
  }
  void Release(uint64_t n) { used.fetch_sub(n); }
};

Body::Body(Body&& other) noexcept
    : memory_(std::move(other.memory_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(std::exchange(other.size_, 0)),
      charged_(std::exchange(other.charged_, 0)),
      budget_(std::move(other.budget_)) {}

Body& Body::operator=(Body&& other) noexcept {
  if (this != &other) {
    Body dying(std::move(*this));
    memory_ = std::move(other.memory_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    charged_ = std::exchange(other.charged_, 0);
    budget_ = std::move(other.budget_);
  }
  return *this;
}

Body::~Body() {
  if (budget_ && charged_ > 0) budget_->Release(charged_);
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string> Body::Read(uint64_t offset, size_t max) const {
  if (offset >= size_) return std::string();
  const size_t n = static_cast<size_t>(std::min<uint64_t>(max, size_ - offset));
  if (fd_ < 0) return memory_.substr(static_cast<size_t>(offset), n);
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      return Status::IOError(std::string("spool file read failed: ") + std::strerror(errno));
    got += static_cast<size_t>(r);
  }
  return out;
}

// ---- Transfers -----------------------------------------------------------------------

struct Fetcher::Impl {
  struct Transfer {
    FetchRequest request;
    std::string current_url;
    std::string host;
    int hops = 0;
    bool source_headers = false;  // this hop carries the source's own headers
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    char error[CURL_ERROR_SIZE] = {};
    Body body;
    uint64_t cap = 0;
    BodyKind body_kind = BodyKind::kPage;  // decided at the first body byte of each hop
    bool body_kind_decided = false;
    bool too_large = false;
    bool spool_failed = false;
    bool cancelled = false;
    size_t header_bytes = 0;
    std::string request_head;   // this hop's, as configured (secrets redacted)
    std::string response_head;  // as received, this hop, capped
    bool response_head_truncated = false;
    util::TimePoint fetched_at{};
    std::optional<std::string> etag, last_modified, retry_after, location, content_type;
    std::optional<std::string> content_disposition, content_range, content_encoding;
    std::optional<uint64_t> content_length;
    std::chrono::steady_clock::time_point started{};
    Impl* impl = nullptr;

    ~Transfer() {
      if (headers != nullptr) curl_slist_free_all(headers);
      if (easy != nullptr) curl_easy_cleanup(easy);
    }
  };

  Impl(const Options& o, const util::Clock& c)
      : options(o), clock(c), budget(std::make_shared<Body::Budget>(o.memory_budget_bytes)) {}

  ~Impl() {
    {
      std::lock_guard lock(mu);
      shutdown = true;
    }
    Wake();
    if (thread.joinable()) thread.join();
    for (auto& [easy, t] : running) curl_multi_remove_handle(multi, easy);
    running.clear();
    pending.clear();
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (wake_fd >= 0) ::close(wake_fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
  }

  // Interrupts the I/O thread's wait (any thread).
  void Wake() const {
    if (wake_fd < 0) return;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd, &one, sizeof(one));
  }

  const Options options;
  const util::Clock& clock;
  std::shared_ptr<Body::Budget> budget;
  CURLM* multi = nullptr;
  // The loop waits in epoll on curl's sockets (CURLMOPT_SOCKETFUNCTION) and wake_fd,
  // and tells curl which socket is ready (curl_multi_socket_action), so a wakeup
  // costs work for the ready transfers only: curl_multi_perform visits every running
  // transfer and polls its socket, which at 256 slow transfers was most of the
  // crawler's CPU.
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread thread;

  // Shared with other threads.
  mutable std::mutex mu;
  std::condition_variable results_cv;
  std::deque<FetchRequest> submitted;
  std::deque<FetchResult> results;
  bool shutdown = false;
  bool stop_starting = false;
  bool abort_running = false;
  std::atomic<int64_t> outstanding{0};
  FetcherStats stats;

  // I/O thread only.
  // When curl wants CURL_SOCKET_TIMEOUT handled (CURLMOPT_TIMERFUNCTION); none if unset.
  std::optional<std::chrono::steady_clock::time_point> curl_deadline;
  std::deque<std::unique_ptr<Transfer>> pending;
  std::map<CURL*, std::unique_ptr<Transfer>> running;
  HostPoliteness politeness;

  static size_t OnWrite(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * n;
    if (!t->body_kind_decided) {
      t->body_kind_decided = true;
      t->body_kind =
          ResponseBodyKind(t->request.kind, t->content_type.value_or(""),
                           t->content_disposition.value_or(""), std::string_view(data, len));
      if (t->body_kind == BodyKind::kFile) t->cap = t->impl->options.max_file_bytes;
    }
    if (t->body.size_ + len > t->cap) {
      // Keep what fits: the body up to the cap is delivered as a truncated object.
      const size_t fits = static_cast<size_t>(t->cap - t->body.size_);
      if (fits > 0 && !t->impl->Append(*t, std::string_view(data, fits))) return 0;
      t->too_large = true;
      return 0;
    }
    return t->impl->Append(*t, std::string_view(data, len)) ? len : 0;
  }

  static size_t OnHeader(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * n;
    const std::string_view line(data, len);
    if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 1xx or a proxy hop)
      t->etag.reset();
      t->last_modified.reset();
      t->retry_after.reset();
      t->location.reset();
      t->content_type.reset();
      t->content_disposition.reset();
      t->content_range.reset();
      t->content_encoding.reset();
      t->content_length.reset();
      t->header_bytes = 0;
      t->response_head.assign(line.substr(0, kMaxEvidenceHeadBytes));
      t->response_head_truncated = line.size() > kMaxEvidenceHeadBytes;
      return len;
    }
    if (t->response_head.size() + len <= kMaxEvidenceHeadBytes) {
      t->response_head.append(line);
    } else {
      t->response_head_truncated = true;
    }
    t->header_bytes += len;
    if (t->header_bytes > kMaxHeaderBytes) return len;  // ignore the excess, keep going
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return len;
    const std::string name = Lower(Trim(line.substr(0, colon)));
    std::string value(Trim(line.substr(colon + 1)));
    if (name == "etag")
      t->etag = std::move(value);
    else if (name == "last-modified")
      t->last_modified = std::move(value);
    else if (name == "retry-after")
      t->retry_after = std::move(value);
    else if (name == "location")
      t->location = std::move(value);
    else if (name == "content-type")
      t->content_type = std::move(value);
    else if (name == "content-disposition")
      t->content_disposition = std::move(value);
    else if (name == "content-range")
      t->content_range = std::move(value);
    else if (name == "content-encoding" && Lower(value) != "identity")
      t->content_encoding = std::move(value);
    else if (name == "content-length")
      t->content_length = ParseLength(value);
    return len;
  }

  bool SpillToFile(Transfer& t) {
    std::string pattern = (options.spool_dir / "leakwatch-spool-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) return false;
    ::unlink(pattern.c_str());  // private and gone even if we are killed
    Body& b = t.body;
    size_t written = 0;
    while (written < b.memory_.size()) {
      const ssize_t w = ::write(fd, b.memory_.data() + written, b.memory_.size() - written);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ::close(fd);
        return false;
      }
      written += static_cast<size_t>(w);
    }
    b.fd_ = fd;
    if (b.charged_ > 0) budget->Release(b.charged_);
    b.charged_ = 0;
    std::string().swap(b.memory_);
    std::lock_guard lock(mu);
    ++stats.spooled;
    return true;
  }

  bool Append(Transfer& t, std::string_view data) {
    Body& b = t.body;
    if (b.fd_ < 0) {
      const bool fits = b.size_ + data.size() <= options.spool_threshold_bytes;
      if (fits && budget->TryCharge(data.size())) {
        b.charged_ += data.size();
        b.memory_.append(data);
        b.size_ += data.size();
        return true;
      }
      if (!SpillToFile(t)) {
        t.spool_failed = true;
        return false;
      }
    }
    size_t written = 0;
    while (written < data.size()) {
      const ssize_t w = ::write(b.fd_, data.data() + written, data.size() - written);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        t.spool_failed = true;
        return false;
      }
      written += static_cast<size_t>(w);
    }
    b.size_ += data.size();
    return true;
  }

  // The custom header lines this hop sends, in order: Options::headers, except those the
  // source replaces; the source's extra_headers when SendsSourceHeaders allowed them
  // (t.source_headers); the conditional GET validators on the first hop only; the
  // resume range (FetchRequest::resume).
  std::vector<std::string> HopHeaders(const Transfer& t) const {
    const FetchRequest& r = t.request;
    std::vector<std::string> lines;
    const auto replaced = [&](const std::string& line) {
      return t.source_headers && std::any_of(r.extra_headers.begin(), r.extra_headers.end(),
                                             [&](const std::string& own) {
                                               return HeaderName(own) == HeaderName(line);
                                             });
    };
    for (const std::string& h : options.headers) {
      if (!replaced(h)) lines.push_back(h);
    }
    if (t.source_headers) lines.insert(lines.end(), r.extra_headers.begin(), r.extra_headers.end());
    if (t.hops == 0) {
      if (r.etag) lines.push_back("If-None-Match: " + *r.etag);
      if (r.last_modified) lines.push_back("If-Modified-Since: " + *r.last_modified);
    }
    // The resume range on every hop: a redirect to a mirror still asks for the rest of
    // the same object.
    if (r.resume) {
      lines.push_back("Range: bytes=" + std::to_string(r.resume->offset) + "-");
      lines.push_back("If-Range: " + r.resume->validator);
      lines.push_back("Accept-Encoding: identity");
    }
    return lines;
  }

  // The request head this hop sends, built from the same settings Configure hands to
  // libcurl, in libcurl's order (request line, Host, User-Agent, Accept-Encoding,
  // Cookie, then the custom headers, which replace a built-in one of the same name;
  // "Name:" lines remove one). Not taken from libcurl's trace: CURLOPT_VERBOSE made
  // large concurrent crawls miss connect timeouts. A cookie file's cookies cannot be
  // known in advance: when one is configured the Cookie line says so, redacted like
  // every Cookie value.
  std::string EvidenceRequestHead(const Transfer& t, const std::vector<std::string>& custom) const {
    const FetchRequest& r = t.request;
    auto overridden = [&](std::string_view name) {
      return std::any_of(custom.begin(), custom.end(),
                         [&](const std::string& h) { return HeaderName(h) == name; });
    };
    std::string head = "GET " + RequestTarget(t.current_url) + " HTTP/1.1\r\n";
    if (!overridden("host")) head += "Host: " + HostHeader(t.current_url) + "\r\n";
    if (!overridden("user-agent")) head += "User-Agent: " + options.user_agent + "\r\n";
    if (!overridden("accept-encoding")) head += "Accept-Encoding: " + AcceptEncoding() + "\r\n";
    if ((t.source_headers && !r.cookie_header.empty()) || !r.cookie_file.empty()) {
      head += std::string("Cookie: ") + kRedactedHeaderValue + "\r\n";
    }
    for (const std::string& h : custom) {
      const size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      const std::string_view value = Trim(std::string_view(h).substr(colon + 1));
      if (value.empty()) continue;  // "Name:" removes a header
      head += h + "\r\n";
    }
    head += "\r\n";
    head = RedactRequestHead(head);
    return head;
  }

  void Configure(Transfer& t) {
    CURL* e = t.easy;
    curl_easy_reset(e);
    if (t.headers != nullptr) {
      curl_slist_free_all(t.headers);
      t.headers = nullptr;
    }
    const FetchRequest& r = t.request;
    curl_easy_setopt(e, CURLOPT_URL, t.current_url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    // Environment proxies (http_proxy, no_proxy) never apply: the proxy is ours alone.
    curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    if (r.direct) {
      curl_easy_setopt(e, CURLOPT_PROXY, "");
    } else {
      curl_easy_setopt(e, CURLOPT_PROXY, options.proxy_url.c_str());
      if (!r.socks_username.empty()) {
        curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, r.socks_username.c_str());
        curl_easy_setopt(e, CURLOPT_PROXYPASSWORD, r.socks_password.c_str());
      }
    }
    // An onion address is the hash of the service's own key, so Tor has authenticated
    // the endpoint already, and onion services nearly always present self-signed
    // certificates: a CA check would only refuse them. Clearnet hops keep full
    // verification (this is decided per hop, so a redirect off the onion gets it back).
    const Result<parsers::Url> hop = parsers::ParseHttpUrl(t.current_url);
    if (hop.has_value() && util::IsOnionHost(hop->host())) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    // No CURLOPT_MAXFILESIZE: a body over its cap is read up to the cap and delivered
    // truncated (OnWrite), not refused on its Content-Length.
    const bool file = r.kind == BodyKind::kFile;
    t.cap = file ? options.max_file_bytes : options.max_page_bytes;
    t.body_kind = r.kind;
    t.body_kind_decided = false;
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    const auto total = file ? options.file_total_timeout : options.page_total_timeout;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
                     static_cast<long>(options.low_speed_bytes_per_second));
    const long low_speed_seconds =
        std::max<long>(1, static_cast<long>(options.low_speed_time.count() / 1000));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, low_speed_seconds);
    // Every decoder this libcurl has, named explicitly so the evidence copy of the
    // request states exactly what was sent.
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, AcceptEncoding().c_str());
    curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
    t.source_headers = SendsSourceHeaders(r.source_hosts, r.url, t.current_url);
    const std::vector<std::string> custom = HopHeaders(t);
    for (const std::string& h : custom) t.headers = curl_slist_append(t.headers, h.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
    if (!r.cookie_file.empty()) curl_easy_setopt(e, CURLOPT_COOKIEFILE, r.cookie_file.c_str());
    if (t.source_headers && !r.cookie_header.empty()) {
      curl_easy_setopt(e, CURLOPT_COOKIE, r.cookie_header.c_str());
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::OnWrite);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    t.request_head = EvidenceRequestHead(t, custom);
    t.response_head.clear();
    t.response_head_truncated = false;
    t.fetched_at = clock.Now();
    t.error[0] = '\0';
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  }

  void PushResult(FetchResult result) {
    {
      std::lock_guard lock(mu);
      ++stats.finished;
      results.push_back(std::move(result));
    }
    results_cv.notify_one();
  }

  FetchResult BaseResult(const Transfer& t) {
    FetchResult r;
    r.id = t.request.id;
    r.url = t.request.url;
    r.final_url = t.current_url;
    r.redirects = t.hops;
    r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - t.started)
                        .count();
    r.request_head = t.request_head;
    r.response_head = t.response_head;
    r.response_head_truncated = t.response_head_truncated;
    r.fetched_at = t.fetched_at;
    r.via_proxy = t.request.direct ? "direct" : ProxyWithoutCredentials(options.proxy_url);
    return r;
  }

  void FailBeforeStart(std::unique_ptr<Transfer> t, ErrorClass error, std::string detail) {
    FetchResult r = BaseResult(*t);
    r.error = error;
    r.error_detail = std::move(detail);
    PushResult(std::move(r));
  }

  static int OnSocket(CURL*, curl_socket_t socket, int what, void* user, void*) {
    auto* self = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
      return 0;
    }
    epoll_event event{};
    event.events = 0;
    if ((what & CURL_POLL_IN) != 0) event.events |= EPOLLIN;
    if ((what & CURL_POLL_OUT) != 0) event.events |= EPOLLOUT;
    event.data.fd = socket;
    if (::epoll_ctl(self->epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0 && errno == ENOENT) {
      ::epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, socket, &event);
    }
    return 0;
  }

  static int OnTimer(CURLM*, long timeout_ms, void* user) {
    auto* self = static_cast<Impl*>(user);
    if (timeout_ms < 0) {
      self->curl_deadline.reset();
    } else {
      self->curl_deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  // Waits up to `timeout_ms` (less if curl's timer is due sooner) and lets curl act on
  // what is ready.
  void WaitAndAct(int timeout_ms) {
    if (curl_deadline) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
                             *curl_deadline - std::chrono::steady_clock::now())
                             .count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(until, 0, timeout_ms));
    }
    epoll_event events[kMaxEvents];
    const int n = ::epoll_wait(epoll_fd, events, kMaxEvents, timeout_ms);
    int still_running = 0;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == wake_fd) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd, &count, sizeof(count));
        continue;
      }
      int flags = 0;
      if ((events[i].events & EPOLLIN) != 0) flags |= CURL_CSELECT_IN;
      if ((events[i].events & EPOLLOUT) != 0) flags |= CURL_CSELECT_OUT;
      if ((events[i].events & (EPOLLERR | EPOLLHUP)) != 0) flags |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi, events[i].data.fd, flags, &still_running);
    }
    if (curl_deadline && std::chrono::steady_clock::now() >= *curl_deadline) {
      curl_deadline.reset();  // curl sets the next one from inside the call
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &still_running);
    }
    DrainFinished();
  }

  void Admit(FetchRequest request) {
    auto t = std::make_unique<Transfer>();
    t->impl = this;
    t->current_url = request.url;
    t->request = std::move(request);
    t->started = std::chrono::steady_clock::now();
    t->body.budget_ = budget;
    if (t->request.redirects.max_redirects == RedirectRules{}.max_redirects) {
      t->request.redirects.max_redirects = options.max_redirects;
    }
    t->request.redirects.direct = t->request.direct;
    // libcurl is handed the normalised spec, so the host judged here and by the redirect
    // policy is the host it connects to.
    auto parsed = parsers::ParseHttpUrl(t->current_url);
    if (!parsed) {
      FailBeforeStart(std::move(t), ErrorClass::kBadUrl, "not an http(s) URL");
      return;
    }
    t->current_url = parsed->spec();
    if (!t->request.direct && options.proxy_url.rfind(kSocks5hScheme, 0) != 0) {
      FailBeforeStart(std::move(t), ErrorClass::kNoProxy, "no socks5h proxy configured");
      return;
    }
    t->host = parsed->host();
    pending.push_back(std::move(t));
  }

  bool QueueFull() {
    std::lock_guard lock(mu);
    return results.size() >= static_cast<size_t>(std::max(1, options.queue_capacity));
  }

  // Returns the poll timeout wanted by the politeness delays of waiting requests.
  int StartTransfers() {
    const util::TimePoint now = clock.Now();
    int timeout_ms = kMaxPollMs;
    if (pending.empty()) return timeout_ms;
    if (QueueFull()) {
      std::lock_guard lock(mu);
      ++stats.backpressure_waits;
      return timeout_ms;
    }
    const int concurrency = std::max(1, options.concurrency);
    for (auto it = pending.begin(); it != pending.end();) {
      if (static_cast<int>(running.size()) >= concurrency) break;
      Transfer& t = **it;
      const int per_host = t.request.per_host > 0 ? t.request.per_host : options.per_host;
      const auto delay = t.request.min_delay.value_or(options.min_delay);
      if (!politeness.CanStart(t.host, now, per_host, delay)) {
        const auto earliest = politeness.EarliestStart(t.host, now, delay);
        if (earliest > now) {
          const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - now);
          timeout_ms = std::clamp(static_cast<int>(wait.count()) + 1, 1, timeout_ms);
        }
        ++it;
        continue;
      }
      if (t.easy == nullptr) t.easy = curl_easy_init();
      Configure(t);
      politeness.Started(t.host, now);
      curl_multi_add_handle(multi, t.easy);
      CURL* key = t.easy;
      running.emplace(key, std::move(*it));
      it = pending.erase(it);
      std::lock_guard lock(mu);
      ++stats.started;
      stats.peak_active =
          std::max<int64_t>(stats.peak_active, static_cast<int64_t>(running.size()));
    }
    return timeout_ms;
  }

  void Finish(CURL* easy, CURLcode code) {
    auto node = running.extract(easy);
    if (node.empty()) return;
    std::unique_ptr<Transfer> t = std::move(node.mapped());
    curl_multi_remove_handle(multi, easy);
    politeness.Finished(t->host);

    long status = 0;
    long proxy_code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_PROXY_ERROR, &proxy_code);
    CurlOutcome outcome;
    outcome.curl_code = static_cast<int>(code);
    outcome.proxy_code = static_cast<int>(proxy_code);
    outcome.error_buffer = t->error;
    outcome.aborted_too_large = t->too_large;
    outcome.aborted_cancelled = t->cancelled;
    outcome.direct = t->request.direct;
    ErrorClass error = ClassifyCurl(outcome);

    if (error == ErrorClass::kNone && IsRedirectStatus(status)) {
      const RedirectDecision d =
          DecideRedirect(t->request.redirects, t->current_url, t->location.value_or(""), t->hops);
      if (d.follow) {
        t->hops += 1;
        t->current_url = d.target;
        if (auto parsed = parsers::ParseHttpUrl(d.target)) t->host = parsed->host();
        t->body = Body();
        t->body.budget_ = budget;
        t->too_large = false;
        t->spool_failed = false;
        t->location.reset();
        pending.push_front(std::move(t));
        return;
      }
      FetchResult r = BaseResult(*t);
      r.http_status = static_cast<int>(status);
      r.error = d.refusal;
      r.error_detail = d.reason;
      r.refused_redirect = d.target;
      PushResult(std::move(r));
      return;
    }

    FetchResult r = BaseResult(*t);
    r.http_status = static_cast<int>(status);
    r.etag = std::move(t->etag);
    r.last_modified = std::move(t->last_modified);
    r.content_type = std::move(t->content_type);
    r.retry_after = std::move(t->retry_after);
    r.body_kind = t->body_kind;
    r.content_decoded = t->content_encoding.has_value();
    constexpr long kFirstSuccess = 200;
    constexpr long kFirstRedirect = 300;
    constexpr long kPartialContent = 206;
    const bool success = status >= kFirstSuccess && status < kFirstRedirect;
    if (error == ErrorClass::kNone) {
      error = FromHttpStatus(static_cast<int>(status));
    } else if (success && t->body.size() > 0 && !t->spool_failed &&
               DeliversTruncated(error, t->body_kind)) {
      r.truncated_by = error;
      error = ErrorClass::kNone;
    } else {
      r.error_detail = t->spool_failed ? "cannot write spool file" : std::string(t->error);
      if (code == CURLE_PROXY) r.socks_reply = ParseSocksReplyFromCurlError(t->error);
      if (error == ErrorClass::kTooLarge) {
        r.error_detail = "nothing received before the " + std::to_string(t->cap) + "-byte cap";
      }
    }
    if (error == ErrorClass::kNone && status == kPartialContent) {
      // Only an answer to our own resume range is accepted, and only at its offset:
      // bytes from anywhere else would be matched as if they were the rest.
      const auto range = ParseContentRange(t->content_range.value_or(""));
      if (!t->request.resume || !range || range->first != t->request.resume->offset) {
        error = ErrorClass::kNetwork;
        r.error_detail = "206 answer that does not continue the requested range (Content-Range: " +
                         t->content_range.value_or("none") + ")";
      } else {
        r.range_start = range->first;
        r.object_size = range->total;
      }
    } else if (error == ErrorClass::kNone && !r.content_decoded) {
      r.object_size = t->content_length;
    }
    r.error = error;
    if (error == ErrorClass::kNone && success) r.body = std::move(t->body);
    PushResult(std::move(r));
  }

  void DrainFinished() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) Finish(msg->easy_handle, msg->data.result);
    }
  }

  void AbortAll() {
    std::vector<CURL*> handles;
    for (auto& [easy, t] : running) {
      t->cancelled = true;
      handles.push_back(easy);
    }
    for (CURL* easy : handles) Finish(easy, CURLE_ABORTED_BY_CALLBACK);
  }

  void DropPending() {
    const auto dropped = static_cast<int64_t>(pending.size());
    pending.clear();
    outstanding -= dropped;
  }

  void Loop() {
    for (;;) {
      bool stopping = false;
      bool aborting = false;
      {
        std::lock_guard lock(mu);
        if (shutdown) break;
        stopping = stop_starting;
        aborting = abort_running;
        abort_running = false;
        while (!submitted.empty()) {
          if (stopping) {
            --outstanding;
          } else {
            FetchRequest next = std::move(submitted.front());
            submitted.pop_front();
            mu.unlock();
            Admit(std::move(next));
            mu.lock();
            continue;
          }
          submitted.pop_front();
        }
      }
      if (stopping) DropPending();
      if (aborting) AbortAll();
      WaitAndAct(stopping ? kMaxPollMs : StartTransfers());
    }
    AbortAll();
  }
};

Fetcher::Fetcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Fetcher::~Fetcher() = default;

Result<std::unique_ptr<Fetcher>> Fetcher::Start(const Options& options, const util::Clock& clock) {
  if (!options.proxy_url.empty() && options.proxy_url.rfind(kSocks5hScheme, 0) != 0) {
    return Status::InvalidArgument("proxy must be a socks5h:// URL (names resolved by Tor), got: " +
                                   options.proxy_url);
  }
  if (options.concurrency < 1 || options.per_host < 1 || options.queue_capacity < 1) {
    return Status::InvalidArgument("concurrency, per_host and queue_capacity must be >= 1");
  }
  std::call_once(g_curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto impl = std::make_unique<Impl>(options, clock);
  impl->multi = curl_multi_init();
  if (impl->multi == nullptr) return Status::Internal("curl_multi_init failed");
  impl->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->epoll_fd < 0 || impl->wake_fd < 0) {
    return Status::Internal(std::string("cannot create the fetcher's epoll/eventfd: ") +
                            std::strerror(errno));
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = impl->wake_fd;
  if (::epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, impl->wake_fd, &wake) != 0) {
    return Status::Internal(std::string("epoll_ctl: ") + std::strerror(errno));
  }
  curl_multi_setopt(impl->multi, CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
  curl_multi_setopt(impl->multi, CURLMOPT_SOCKETDATA, impl.get());
  curl_multi_setopt(impl->multi, CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
  curl_multi_setopt(impl->multi, CURLMOPT_TIMERDATA, impl.get());
  curl_multi_setopt(impl->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(options.concurrency));
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] { raw->Loop(); });
  return std::unique_ptr<Fetcher>(new Fetcher(std::move(impl)));
}

void Fetcher::Submit(FetchRequest request) {
  ++impl_->outstanding;
  {
    std::lock_guard lock(impl_->mu);
    impl_->submitted.push_back(std::move(request));
  }
  impl_->Wake();
}

std::optional<FetchResult> Fetcher::NextResult(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  if (!impl_->results_cv.wait_for(lock, timeout, [this] { return !impl_->results.empty(); })) {
    return std::nullopt;
  }
  FetchResult r = std::move(impl_->results.front());
  impl_->results.pop_front();
  lock.unlock();
  --impl_->outstanding;
  impl_->Wake();  // room in the queue: the loop may start transfers again
  return r;
}

void Fetcher::StopStarting() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop_starting = true;
  }
  impl_->Wake();
}

void Fetcher::AbortRunning() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->abort_running = true;
  }
  impl_->Wake();
}

int64_t Fetcher::Outstanding() const { return impl_->outstanding.load(); }

FetcherStats Fetcher::Stats() const {
  std::lock_guard lock(impl_->mu);
  FetcherStats s = impl_->stats;
  s.peak_memory_bytes = static_cast<int64_t>(impl_->budget->peak.load());
  return s;
}

}  // namespace leakwatch::crawler
