// Fuzzes the config loader: arbitrary bytes as leakwatch.toml must give a Config or an
// InvalidArgument with a file:line:col message, never a crash, hang or exception.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"
#include "util/onion.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const leakwatch::config::Environment env =
      leakwatch::config::Environment::FromMap({{"HOME", "/home/fuzz"}});
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = leakwatch::config::ParseConfig(text, "fuzz.toml", env);
  if (!config.has_value()) {
    const leakwatch::Status& status = config.error();
    // Every rejection is a user-facing configuration error; each problem is one line
    // that names the file, with no control characters that could garble a terminal.
    if (status.code() != leakwatch::StatusCode::kInvalidArgument) std::abort();
    size_t lines = 0;
    for (size_t start = 0; start <= status.message().size(); ++lines) {
      const size_t end = std::min(status.message().find('\n', start), status.message().size());
      const std::string_view line = std::string_view(status.message()).substr(start, end - start);
      if (!line.starts_with("fuzz.toml")) std::abort();
      for (const char c : line) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
      }
      start = end + 1;
    }
    if (lines > leakwatch::config::kMaxReportedErrors + 1) std::abort();
    return 0;
  }
  // Whatever loads must satisfy the invariants users of Config rely on.
  for (const auto& source : config->sources) {
    if (source.name.empty() || source.urls.empty()) std::abort();
    for (const auto& url : source.urls) {
      auto host = leakwatch::config::UrlHost(url);
      if (!host.has_value()) std::abort();
      if (leakwatch::util::IsOnionHost(*host) &&
          (source.direct || config->tor.socks_proxy.empty())) {
        std::abort();
      }
    }
  }
  if (config->crawl.concurrency < 1 || config->crawl.concurrency > 1024) std::abort();
  if (config->tor.socks_proxy.empty() != !config->tor.socks_endpoint.has_value()) std::abort();
  return 0;
}
