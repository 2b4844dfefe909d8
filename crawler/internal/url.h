// crawler/internal/url: URL splitting, resolution and normalisation on libcurl's URL
// API (no local parser to get wrong, and curl is what fetches the URL anyway).
// Pure functions: no I/O, no DNS.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::crawler::detail {

struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // lower case, no brackets for IPv6; empty for file:///x
  std::string path;    // path and query, "/" at least
};

// InvalidArgument for anything curl cannot parse as an absolute URL.
Result<UrlParts> SplitUrl(std::string_view url);

// `reference` (absolute or relative, e.g. a Location header) against `base`.
Result<std::string> ResolveUrl(std::string_view base, std::string_view reference);

// The frontier's identity for a URL: scheme and host lower-cased, default port
// dropped, fragment dropped, dot segments resolved. Only http and https.
Result<std::string> NormalizeUrl(std::string_view url);

}  // namespace leakwatch::crawler::detail
