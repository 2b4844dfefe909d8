// Webhook delivery: an HMAC-signed JSON POST through libcurl.
#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "notify/internal/curl_handle.h"
#include "notify/internal/transports.h"
#include "util/hash.h"
#include "util/text.h"

namespace leakwatch::notify::detail {
namespace {

// Retry-After values above this are clamped (a hostile or broken server must not park
// an alert for weeks); the channel back-off cap applies on top.
constexpr int64_t kMaxRetryAfterSeconds = 24 * 60 * 60;
constexpr size_t kErrorBodyChars = 200;

struct ResponseSink {
  std::string body;
  uint64_t cap = 0;
  std::optional<std::chrono::seconds> retry_after;
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<ResponseSink*>(userdata);
  const size_t n = size * nmemb;
  const size_t room = sink->cap > sink->body.size() ? sink->cap - sink->body.size() : 0;
  sink->body.append(data, std::min(room, n));
  return n;  // the rest is dropped, not an error
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Retry-After: delta-seconds or an HTTP date.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && ptr == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(std::min(seconds, kMaxRetryAfterSeconds));
  }
  const std::string date(value);
  const time_t when = curl_getdate(date.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const int64_t delta = static_cast<int64_t>(when) - static_cast<int64_t>(std::time(nullptr));
  return std::chrono::seconds(std::clamp<int64_t>(delta, 0, kMaxRetryAfterSeconds));
}

size_t ReadHeader(char* data, size_t size, size_t nitems, void* userdata) {
  auto* sink = static_cast<ResponseSink*>(userdata);
  const size_t n = size * nitems;
  const std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == kName) sink->retry_after = ParseRetryAfter(line.substr(kName.size()));
  }
  return n;
}

}  // namespace

std::string WebhookSignature(std::string_view key, std::string_view body) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  sodium_memzero(&state, sizeof(state));
  return "sha256=" + util::HexEncode(mac, sizeof(mac));
}

SendResult SendWebhook(const WebhookOptions& webhook, const Digest& digest, const std::string& body,
                       const Limits& limits) {
  Result<util::Secret> secret = ReadSecret(webhook.secret, "webhook secret");
  if (!secret.has_value()) return {secret.error(), std::nullopt};
  if (sodium_init() < 0) return {Status::Internal("sodium_init failed"), std::nullopt};
  const std::string signature = WebhookSignature(secret->Reveal(), body);

  Result<CurlEasy> easy = NewCurlEasy();
  if (!easy.has_value()) return {easy.error(), std::nullopt};
  CURL* h = easy->get();
  CurlSlist headers;
  const bool headers_ok =
      SlistAppend(headers, "Content-Type: application/json; charset=utf-8") &&
      SlistAppend(headers, "Expect:") &&
      SlistAppend(headers, "X-Leakwatch-Signature: " + signature) &&
      SlistAppend(headers, "X-Leakwatch-Event: " + std::string(DigestEventName(digest.event))) &&
      SlistAppend(headers, "X-Leakwatch-Channel: " + HeaderSafe(digest.channel));
  if (!headers_ok) return {Status::Internal("out of memory"), std::nullopt};

  ResponseSink sink;
  sink.cap = limits.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_URL, webhook.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "leakwatch-notify/1");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(webhook.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(webhook.timeout.count()));

  const std::string where = RedactedUrl(webhook.url);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return {
        Status::Unavailable(fmt::format("webhook {} failed: {}", where, CurlErrorText(rc, errbuf))),
        std::nullopt};
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 200 && code < 300) return {Status::Ok(), std::nullopt};
  const std::string detail = util::DisplaySafe(sink.body, kErrorBodyChars);
  const std::string message = fmt::format("webhook {} answered HTTP {}{}{}", where, code,
                                          detail.empty() ? "" : ": ", detail);
  if (code == 429 || code == 408 || code >= 500) {
    return {Status::Unavailable(message), sink.retry_after};
  }
  // Other answers (3xx not followed, 4xx) are failures too; they are retried with
  // back-off because a receiver's configuration may get fixed.
  return {Status::IOError(message), std::nullopt};
}

}  // namespace leakwatch::notify::detail
