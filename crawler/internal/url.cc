#include "crawler/internal/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace leakwatch::crawler::detail {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool GetPart(CURLU* u, CURLUPart part, unsigned flags, std::string* out) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, flags) != CURLUE_OK) return false;
  std::unique_ptr<char, CurlFree> owned(raw);
  *out = raw;
  return true;
}

Result<UrlHandle> Parse(std::string_view url) {
  UrlHandle u(curl_url());
  if (!u) return Status::Internal("curl_url failed");
  const std::string text(url);
  if (text.find('\0') != std::string::npos ||
      curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return Status::InvalidArgument("not a valid absolute URL: " + text.substr(0, 200));
  }
  return u;
}

}  // namespace

Result<UrlParts> SplitUrl(std::string_view url) {
  LW_ASSIGN_OR_RETURN(UrlHandle u, Parse(url));
  UrlParts parts;
  std::string query;
  if (!GetPart(u.get(), CURLUPART_SCHEME, 0, &parts.scheme) ||
      !GetPart(u.get(), CURLUPART_PATH, 0, &parts.path)) {
    return Status::InvalidArgument("URL without scheme or path: " +
                                   std::string(url.substr(0, 200)));
  }
  if (!GetPart(u.get(), CURLUPART_HOST, 0, &parts.host)) parts.host.clear();  // file:///x
  if (GetPart(u.get(), CURLUPART_QUERY, 0, &query)) parts.path += "?" + query;
  parts.scheme = Lower(parts.scheme);
  parts.host = Lower(parts.host);
  if (parts.host.size() > 2 && parts.host.front() == '[' && parts.host.back() == ']') {
    parts.host = parts.host.substr(1, parts.host.size() - 2);
  }
  return parts;
}

Result<std::string> ResolveUrl(std::string_view base, std::string_view reference) {
  LW_ASSIGN_OR_RETURN(UrlHandle u, Parse(base));
  const std::string ref(reference);
  if (ref.find('\0') != std::string::npos ||
      curl_url_set(u.get(), CURLUPART_URL, ref.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return Status::InvalidArgument("cannot resolve URL reference: " + ref.substr(0, 200));
  }
  std::string out;
  if (!GetPart(u.get(), CURLUPART_URL, 0, &out)) {
    return Status::InvalidArgument("cannot resolve URL reference: " + ref.substr(0, 200));
  }
  return out;
}

Result<std::string> NormalizeUrl(std::string_view url) {
  LW_ASSIGN_OR_RETURN(UrlHandle u, Parse(url));
  std::string scheme;
  std::string host;
  if (!GetPart(u.get(), CURLUPART_SCHEME, 0, &scheme) ||
      !GetPart(u.get(), CURLUPART_HOST, 0, &host)) {
    return Status::InvalidArgument("URL without scheme or host: " +
                                   std::string(url.substr(0, 200)));
  }
  scheme = Lower(scheme);
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("only http and https URLs are crawled: " +
                                   std::string(url.substr(0, 200)));
  }
  curl_url_set(u.get(), CURLUPART_SCHEME, scheme.c_str(), 0);
  curl_url_set(u.get(), CURLUPART_HOST, Lower(host).c_str(), 0);
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  std::string out;
  if (!GetPart(u.get(), CURLUPART_URL, CURLU_NO_DEFAULT_PORT, &out)) {
    return Status::InvalidArgument("cannot normalise URL: " + std::string(url.substr(0, 200)));
  }
  return out;
}

}  // namespace leakwatch::crawler::detail
