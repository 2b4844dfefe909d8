// Fuzzes the whole page path: charset detection and conversion, the nesting
// pre-filter, Gumbo, every built-in profile's selectors, the onion/magnet/file-host
// scan and JSON rendering. The first input byte picks the profile and content type.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parsers/charset.h"
#include "parsers/extract.h"
#include "parsers/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace leakwatch::parsers;
  static const ProfileSet* profiles = new ProfileSet(*ProfileSet::WithBuiltins());
  if (size == 0) return 0;
  const uint8_t selector_byte = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  static constexpr const char* kContentTypes[] = {"", "text/html; charset=windows-1251",
                                                  "text/html; charset=shift_jis",
                                                  "text/plain; charset=utf-8"};
  const char* content_type = kContentTypes[selector_byte & 3u];
  Limits limits;
  limits.max_page_bytes = 256 * 1024;
  limits.max_extract_time = std::chrono::milliseconds(500);
  const Page page{"http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion/f/v?t=1",
                  body, content_type};
  const auto& all = profiles->profiles();
  const size_t pick = (selector_byte >> 2u) % (all.size() + 1);
  auto extraction =
      pick == all.size() ? ExtractAuto(page, *profiles, limits) : Extract(page, all[pick], limits);
  if (!extraction.has_value()) __builtin_trap();  // the URL is valid: must not fail
  const std::string json = ExtractionToJson(*extraction, -1);
  if (!IsValidUtf8(json)) __builtin_trap();
  return 0;
}
