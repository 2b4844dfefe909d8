// Fuzzes directory-listing extraction: server recognition, the tag scanner, the row
// scanner with its size and time readers, the streaming JSON index reader, scope and
// dedupe, and JSON rendering. The first input byte picks the file-tree profile (or
// "auto") and the content type; the rest is the page.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/charset.h"
#include "parsers/extract.h"
#include "parsers/internal/dir_listing.h"
#include "parsers/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace leakwatch::parsers;
  static const ProfileSet* profiles = new ProfileSet(*ProfileSet::WithBuiltins());
  static const std::vector<const Profile*>* trees = [] {
    auto* list = new std::vector<const Profile*>();
    for (const auto& profile : profiles->profiles()) {
      if (profile.kind == ProfileKind::kFileTree) list->push_back(&profile);
    }
    return list;
  }();
  if (size == 0 || trees->empty()) return 0;
  const uint8_t selector_byte = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  static constexpr const char* kContentTypes[] = {"text/html", "application/json",
                                                  "text/html; charset=windows-1252", ""};
  Limits limits;
  limits.max_tree_page_bytes = 256 * 1024;
  limits.max_tree_entries = 2000;
  const Page page{"http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion/a/b/",
                  body, kContentTypes[selector_byte & 3u]};
  const size_t pick = (selector_byte >> 2u) % (trees->size() + 1);
  auto extraction = pick == trees->size() ? ExtractAuto(page, *profiles, limits)
                                          : Extract(page, *(*trees)[pick], limits);
  if (!extraction.has_value()) __builtin_trap();  // the URL is valid: must not fail
  if (extraction->links.size() + extraction->files.size() > limits.max_tree_entries &&
      extraction->page_kind == PageKind::kFileTree) {
    __builtin_trap();
  }
  for (const Link& link : extraction->links) {
    // A folder to follow is always on the listing's host, below the listing.
    if (extraction->page_kind == PageKind::kFileTree &&
        link.url.rfind("http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion/a/b/",
                       0) != 0) {
      __builtin_trap();
    }
  }
  const std::string json = ExtractionToJson(*extraction, -1);
  if (!IsValidUtf8(json)) __builtin_trap();
  // The size and time readers on raw slices of the input.
  const std::string_view slice = body.substr(0, 64);
  (void)leakwatch::parsers::detail::ParseSizeText(slice);
  (void)leakwatch::parsers::detail::ParseListingTime(slice);
  return 0;
}
