#include "notify/internal/curl_handle.h"

#include <fmt/format.h>

#include <mutex>

namespace leakwatch::notify::detail {

Result<CurlEasy> NewCurlEasy() {
  static std::once_flag once;
  static CURLcode init_code = CURLE_OK;
  std::call_once(once, [] { init_code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init_code != CURLE_OK) {
    return Status::Internal(fmt::format("curl_global_init: {}", curl_easy_strerror(init_code)));
  }
  CurlEasy handle(curl_easy_init());
  if (!handle) return Status::Internal("curl_easy_init failed");
  curl_easy_setopt(handle.get(), CURLOPT_NOSIGNAL, 1L);
  return handle;
}

bool SlistAppend(CurlSlist& list, const std::string& item) {
  curl_slist* appended = curl_slist_append(list.get(), item.c_str());
  if (appended == nullptr) return false;
  static_cast<void>(list.release());
  list.reset(appended);
  return true;
}

std::string RedactedUrl(const std::string& url) {
  CURLU* parsed = curl_url();
  if (parsed == nullptr) return "(invalid URL)";
  std::string out = "(invalid URL)";
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
      out = fmt::format("{}://{}", scheme, host);
      if (curl_url_get(parsed, CURLUPART_PORT, &port, 0) == CURLUE_OK)
        out += fmt::format(":{}", port);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(parsed);
  return out;
}

std::string CurlErrorText(CURLcode code, const char* error_buffer) {
  if (error_buffer != nullptr && error_buffer[0] != '\0') {
    return fmt::format("{}: {}", curl_easy_strerror(code), error_buffer);
  }
  return curl_easy_strerror(code);
}

}  // namespace leakwatch::notify::detail
