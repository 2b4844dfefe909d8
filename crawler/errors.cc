#include "crawler/errors.h"

#include <curl/curl.h>

#include <charconv>

namespace leakwatch::crawler {

std::string_view ErrorClassName(ErrorClass error) {
  switch (error) {
    case ErrorClass::kNone:
      return "none";
    case ErrorClass::kTorDown:
      return "tor_down";
    case ErrorClass::kSocksGeneralFailure:
      return "socks_general_failure";
    case ErrorClass::kSocksNotAllowed:
      return "socks_not_allowed";
    case ErrorClass::kSocksNetworkUnreachable:
      return "socks_network_unreachable";
    case ErrorClass::kSocksHostUnreachable:
      return "socks_host_unreachable";
    case ErrorClass::kSocksConnectionRefused:
      return "socks_connection_refused";
    case ErrorClass::kSocksTtlExpired:
      return "socks_ttl_expired";
    case ErrorClass::kSocksCommandNotSupported:
      return "socks_command_not_supported";
    case ErrorClass::kSocksAddressNotSupported:
      return "socks_address_not_supported";
    case ErrorClass::kSocksUnknownReply:
      return "socks_unknown_reply";
    case ErrorClass::kOnionDescriptorNotFound:
      return "onion_descriptor_not_found";
    case ErrorClass::kOnionDescriptorInvalid:
      return "onion_descriptor_invalid";
    case ErrorClass::kOnionIntroFailed:
      return "onion_intro_failed";
    case ErrorClass::kOnionRendezvousFailed:
      return "onion_rendezvous_failed";
    case ErrorClass::kOnionMissingClientAuth:
      return "onion_missing_client_auth";
    case ErrorClass::kOnionWrongClientAuth:
      return "onion_wrong_client_auth";
    case ErrorClass::kOnionBadAddress:
      return "onion_bad_address";
    case ErrorClass::kOnionIntroTimedOut:
      return "onion_intro_timed_out";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kTooSlow:
      return "too_slow";
    case ErrorClass::kTooLarge:
      return "too_large";
    case ErrorClass::kNetwork:
      return "network";
    case ErrorClass::kTls:
      return "tls";
    case ErrorClass::kRedirectRefused:
      return "redirect_refused";
    case ErrorClass::kTooManyRedirects:
      return "too_many_redirects";
    case ErrorClass::kSessionExpired:
      return "session_expired";
    case ErrorClass::kBadUrl:
      return "bad_url";
    case ErrorClass::kNoProxy:
      return "no_proxy";
    case ErrorClass::kHttpClientError:
      return "http_client_error";
    case ErrorClass::kHttpNotFound:
      return "http_not_found";
    case ErrorClass::kHttpRateLimited:
      return "http_rate_limited";
    case ErrorClass::kHttpServerError:
      return "http_server_error";
    case ErrorClass::kCancelled:
      return "cancelled";
    case ErrorClass::kInternal:
      return "internal";
  }
  return "internal";
}

Retry RetryFor(ErrorClass error) {
  switch (error) {
    case ErrorClass::kTorDown:
    case ErrorClass::kCancelled:
      return Retry::kNotSource;
    case ErrorClass::kSocksGeneralFailure:
    case ErrorClass::kSocksNetworkUnreachable:
    case ErrorClass::kSocksHostUnreachable:
    case ErrorClass::kSocksConnectionRefused:
    case ErrorClass::kSocksTtlExpired:
    case ErrorClass::kSocksUnknownReply:
    case ErrorClass::kOnionDescriptorNotFound:
    case ErrorClass::kOnionIntroFailed:
    case ErrorClass::kOnionRendezvousFailed:
    case ErrorClass::kOnionIntroTimedOut:
    case ErrorClass::kTimeout:
    case ErrorClass::kTooSlow:
    case ErrorClass::kNetwork:
    case ErrorClass::kTls:
    case ErrorClass::kHttpRateLimited:
    case ErrorClass::kHttpServerError:
    case ErrorClass::kSessionExpired:
    case ErrorClass::kInternal:
      return Retry::kLater;
    case ErrorClass::kNone:
    case ErrorClass::kSocksNotAllowed:
    case ErrorClass::kSocksCommandNotSupported:
    case ErrorClass::kSocksAddressNotSupported:
    case ErrorClass::kOnionDescriptorInvalid:
    case ErrorClass::kOnionMissingClientAuth:
    case ErrorClass::kOnionWrongClientAuth:
    case ErrorClass::kOnionBadAddress:
    case ErrorClass::kTooLarge:
    case ErrorClass::kRedirectRefused:
    case ErrorClass::kTooManyRedirects:
    case ErrorClass::kBadUrl:
    case ErrorClass::kNoProxy:
    case ErrorClass::kHttpClientError:
    case ErrorClass::kHttpNotFound:
      return Retry::kNo;
  }
  return Retry::kLater;
}

ErrorClass FromSocksReply(uint8_t reply) {
  switch (reply) {
    case 0x00:
      return ErrorClass::kNone;
    case 0x01:
      return ErrorClass::kSocksGeneralFailure;
    case 0x02:
      return ErrorClass::kSocksNotAllowed;
    case 0x03:
      return ErrorClass::kSocksNetworkUnreachable;
    case 0x04:
      return ErrorClass::kSocksHostUnreachable;
    case 0x05:
      return ErrorClass::kSocksConnectionRefused;
    case 0x06:
      return ErrorClass::kSocksTtlExpired;
    case 0x07:
      return ErrorClass::kSocksCommandNotSupported;
    case 0x08:
      return ErrorClass::kSocksAddressNotSupported;
    case 0xF0:
      return ErrorClass::kOnionDescriptorNotFound;
    case 0xF1:
      return ErrorClass::kOnionDescriptorInvalid;
    case 0xF2:
      return ErrorClass::kOnionIntroFailed;
    case 0xF3:
      return ErrorClass::kOnionRendezvousFailed;
    case 0xF4:
      return ErrorClass::kOnionMissingClientAuth;
    case 0xF5:
      return ErrorClass::kOnionWrongClientAuth;
    case 0xF6:
      return ErrorClass::kOnionBadAddress;
    case 0xF7:
      return ErrorClass::kOnionIntroTimedOut;
    default:
      return ErrorClass::kSocksUnknownReply;
  }
}

std::optional<uint8_t> ParseSocksReplyFromCurlError(std::string_view error_buffer) {
  constexpr std::string_view kMarker = "SOCKS5 connection to ";
  const size_t at = error_buffer.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const size_t open = error_buffer.find(". (", at + kMarker.size());
  if (open == std::string_view::npos) return std::nullopt;
  const size_t digits = open + 3;
  const size_t close = error_buffer.find(')', digits);
  if (close == std::string_view::npos || close == digits) return std::nullopt;
  unsigned value = 0;
  const char* first = error_buffer.data() + digits;
  const char* last = error_buffer.data() + close;
  const auto [ptr, ec] = std::from_chars(first, last, value);
  constexpr unsigned kMaxReply = 0xFF;
  if (ec != std::errc() || ptr != last || value > kMaxReply) return std::nullopt;
  return static_cast<uint8_t>(value);
}

ErrorClass ClassifyCurl(const CurlOutcome& outcome) {
  if (outcome.aborted_cancelled) return ErrorClass::kCancelled;
  if (outcome.aborted_too_large) return ErrorClass::kTooLarge;
  const auto code = static_cast<CURLcode>(outcome.curl_code);
  switch (code) {
    case CURLE_OK:
      return ErrorClass::kNone;
    case CURLE_COULDNT_CONNECT:  // with a proxy set, curl only ever connects to the proxy
      return outcome.direct ? ErrorClass::kNetwork : ErrorClass::kTorDown;
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ErrorClass::kTorDown;
    case CURLE_COULDNT_RESOLVE_HOST:
      return ErrorClass::kNetwork;
    case CURLE_FILESIZE_EXCEEDED:
      return ErrorClass::kTooLarge;
    case CURLE_OPERATION_TIMEDOUT:
      return outcome.error_buffer.find("too slow") != std::string_view::npos ? ErrorClass::kTooSlow
                                                                             : ErrorClass::kTimeout;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorClass::kBadUrl;
    case CURLE_ABORTED_BY_CALLBACK:
      return ErrorClass::kCancelled;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return ErrorClass::kTls;
    case CURLE_PROXY:
      break;
    default:
      return ErrorClass::kNetwork;
  }
  switch (static_cast<CURLproxycode>(outcome.proxy_code)) {
    case CURLPX_REPLY_GENERAL_SERVER_FAILURE:
      return ErrorClass::kSocksGeneralFailure;
    case CURLPX_REPLY_NOT_ALLOWED:
      return ErrorClass::kSocksNotAllowed;
    case CURLPX_REPLY_NETWORK_UNREACHABLE:
      return ErrorClass::kSocksNetworkUnreachable;
    case CURLPX_REPLY_HOST_UNREACHABLE:
      return ErrorClass::kSocksHostUnreachable;
    case CURLPX_REPLY_CONNECTION_REFUSED:
      return ErrorClass::kSocksConnectionRefused;
    case CURLPX_REPLY_TTL_EXPIRED:
      return ErrorClass::kSocksTtlExpired;
    case CURLPX_REPLY_COMMAND_NOT_SUPPORTED:
      return ErrorClass::kSocksCommandNotSupported;
    case CURLPX_REPLY_ADDRESS_TYPE_NOT_SUPPORTED:
      return ErrorClass::kSocksAddressNotSupported;
    case CURLPX_REPLY_UNASSIGNED: {
      const auto reply = ParseSocksReplyFromCurlError(outcome.error_buffer);
      return reply ? FromSocksReply(*reply) : ErrorClass::kSocksUnknownReply;
    }
    case CURLPX_LONG_HOSTNAME:
    case CURLPX_LONG_PASSWD:
    case CURLPX_LONG_USER:
    case CURLPX_BAD_ADDRESS_TYPE:
      return ErrorClass::kBadUrl;
    default:
      // Handshake failures (bad version, closed, auth refused): the proxy is not a
      // working SOCKS5 server, which is "Tor is down" for the user.
      return ErrorClass::kTorDown;
  }
}

ErrorClass FromHttpStatus(int status) {
  constexpr int kClientErrorFirst = 400;
  constexpr int kServerErrorFirst = 500;
  constexpr int kNotFound = 404;
  constexpr int kGone = 410;
  constexpr int kTooManyRequests = 429;
  if (status < kClientErrorFirst) return ErrorClass::kNone;
  if (status == kNotFound || status == kGone) return ErrorClass::kHttpNotFound;
  if (status == kTooManyRequests) return ErrorClass::kHttpRateLimited;
  if (status < kServerErrorFirst) return ErrorClass::kHttpClientError;
  return ErrorClass::kHttpServerError;
}

}  // namespace leakwatch::crawler
