// crawler/errors: named classes for every way a fetch can fail, and the pure
// mapping from libcurl's result (code, CURLINFO_PROXY_ERROR, error buffer) to them.
//
// The point is to tell "Tor is down" (the proxy itself is unreachable or not
// speaking SOCKS) from "the site is down" (Tor answered with a SOCKS reply code:
// host unreachable, TTL expired, Tor's onion-service errors 0xF0-0xF7, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace leakwatch::crawler {

enum class ErrorClass {
  kNone,
  // The proxy: nothing listens, or it does not speak SOCKS5, or it refused our auth.
  kTorDown,
  // SOCKS5 reply codes (RFC 1928), as Tor sends them.
  kSocksGeneralFailure,       // 0x01
  kSocksNotAllowed,           // 0x02
  kSocksNetworkUnreachable,   // 0x03
  kSocksHostUnreachable,      // 0x04 (an onion that is offline)
  kSocksConnectionRefused,    // 0x05
  kSocksTtlExpired,           // 0x06
  kSocksCommandNotSupported,  // 0x07
  kSocksAddressNotSupported,  // 0x08
  kSocksUnknownReply,         // any other code
  // Tor's extended onion-service errors (ExtendedErrors, socks-extensions.txt).
  kOnionDescriptorNotFound,  // 0xF0
  kOnionDescriptorInvalid,   // 0xF1
  kOnionIntroFailed,         // 0xF2
  kOnionRendezvousFailed,    // 0xF3
  kOnionMissingClientAuth,   // 0xF4
  kOnionWrongClientAuth,     // 0xF5
  kOnionBadAddress,          // 0xF6
  kOnionIntroTimedOut,       // 0xF7
  // Transfer.
  kTimeout,   // connect or total timeout
  kTooSlow,   // below the low-speed limit for too long
  kTooLarge,  // past the page or file cap
  kNetwork,   // the connection broke mid-transfer, bad HTTP
  kTls,       // TLS handshake failed or a clearnet certificate did not verify
  // Policy.
  kRedirectRefused,  // to a scheme other than http/https, or off the onion space
  kTooManyRedirects,
  kSessionExpired,  // redirected to the source's login page
  kBadUrl,
  kNoProxy,  // a non-direct fetch without a socks5h proxy: refused
  // HTTP status classes (a response did come back).
  kHttpClientError,  // 4xx other than below
  kHttpNotFound,     // 404, 410
  kHttpRateLimited,  // 429
  kHttpServerError,  // 5xx
  kCancelled,        // the run stopped
  kInternal,
};

// Stable lowercase names for error rows and run stats, e.g. "socks_ttl_expired",
// "onion_intro_failed", "tor_down", "too_large".
std::string_view ErrorClassName(ErrorClass error);

// What the frontier does with the URL after this failure.
enum class Retry {
  kNo,         // permanent: recorded, never retried (404, 410, too_large, refused redirect)
  kLater,      // transient: retried in a later run with exponential back-off
  kNotSource,  // Tor itself is down: the source is not blamed, the URL is not charged
};
Retry RetryFor(ErrorClass error);

// The error class for a SOCKS5 reply code.
ErrorClass FromSocksReply(uint8_t reply);

// Extracts the SOCKS reply code from curl's error buffer: curl 7.88 writes
// "Can't complete SOCKS5 connection to HOST. (N)". nullopt when absent.
std::optional<uint8_t> ParseSocksReplyFromCurlError(std::string_view error_buffer);

// Everything libcurl tells about a finished transfer that matters for the class.
struct CurlOutcome {
  int curl_code = 0;   // CURLcode
  int proxy_code = 0;  // CURLINFO_PROXY_ERROR (CURLproxycode)
  std::string_view error_buffer;
  bool aborted_too_large = false;  // our write callback stopped the transfer at a cap
  bool aborted_cancelled = false;  // the run is stopping
  // A direct (no proxy) transfer: failing to connect means the site is down, not Tor.
  bool direct = false;
};
// kNone when curl succeeded (HTTP status is judged separately by FromHttpStatus).
ErrorClass ClassifyCurl(const CurlOutcome& outcome);

// kNone for 1xx-3xx (and 304); the classes above for 4xx / 5xx.
ErrorClass FromHttpStatus(int status);

}  // namespace leakwatch::crawler
