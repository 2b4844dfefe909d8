// Fuzzes the crawler's readers of attacker-controlled header text: a Location header
// against a page URL (DecideRedirect, URL resolution and normalisation), Retry-After,
// and curl's SOCKS error text. Input: "<base>\n<location>\n<retry-after>\n<error>".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crawler/errors.h"
#include "crawler/policy.h"
#include "parsers/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace leakwatch::crawler;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view parts[4];
  size_t pos = 0;
  for (auto& part : parts) {
    const size_t nl = input.find('\n', pos);
    part = input.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  RedirectRules rules;
  rules.login_pattern = "/login";
  for (int hops = 0; hops < 2; ++hops) {
    const RedirectDecision d = DecideRedirect(rules, parts[0], parts[1], hops * 5);
    if (d.follow && d.target.empty()) __builtin_trap();
  }
  // The frontier key is a fixed point: normalising it again changes nothing.
  if (auto key = leakwatch::parsers::NormalizeHttpUrl(parts[1])) {
    auto again = leakwatch::parsers::NormalizeHttpUrl(*key);
    if (!again || *again != *key) __builtin_trap();
  }
  (void)ParseRetryAfter(parts[2], leakwatch::util::FromUnixSeconds(1'800'000'000));
  (void)ParseSocksReplyFromCurlError(parts[3]);
  return 0;
}
