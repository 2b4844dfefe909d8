// notify/internal/curl_handle: the libcurl easy handle shared by the SMTP and webhook
// transports (global init once, RAII cleanup, error text).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "util/status.h"

namespace leakwatch::notify::detail {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// A new easy handle with NOSIGNAL set (libcurl initialised once per process).
// Internal on allocation failure.
Result<CurlEasy> NewCurlEasy();

// Appends `item` to `list` (which may be null). Returns false on allocation failure.
bool SlistAppend(CurlSlist& list, const std::string& item);

// "scheme://host[:port]" of `url` without user info, path or query (which may hold a
// token), for messages; "(invalid URL)" when it does not parse.
std::string RedactedUrl(const std::string& url);

// "<curl error text>: <detail from the error buffer>".
std::string CurlErrorText(CURLcode code, const char* error_buffer);

}  // namespace leakwatch::notify::detail
