// parsers/charset: finding a page's character encoding and converting it to UTF-8.
//
// Order of authority (as the HTML standard's encoding sniffing, simplified):
//   1. a byte-order mark (UTF-8, UTF-16LE/BE);
//   2. the charset parameter of the HTTP Content-Type header;
//   3. <meta charset=...> or <meta http-equiv="Content-Type" content="...charset=...">
//      in the first kMetaPrescanBytes bytes;
//   4. otherwise UTF-8 when the bytes are valid UTF-8, else windows-1252.
// Servers and templates lie: a declared single- or multi-byte legacy charset on bytes
// that are valid UTF-8 with non-ASCII sequences is overruled in favour of UTF-8 (legacy
// text is almost never valid UTF-8 by accident), and the mismatch is reported.
//
// Conversion uses iconv (glibc). Invalid or truncated sequences become U+FFFD and are
// counted; conversion never fails and never crashes. An unknown label decodes as
// windows-1252. Output is always valid UTF-8.
//
// Thread safety: all functions are pure and safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace leakwatch::parsers {

inline constexpr size_t kMetaPrescanBytes = 4096;

enum class CharsetSource {
  kBom,
  kHttpHeader,
  kMetaTag,
  kSniffed,  // no declaration: valid UTF-8 or the windows-1252 fallback
};
std::string_view CharsetSourceName(CharsetSource source);

struct DecodedText {
  std::string utf8;
  std::string charset;  // canonical name actually used, e.g. "UTF-8", "WINDOWS-1251"
  CharsetSource source = CharsetSource::kSniffed;
  std::string declared;  // the declaration overruled, when overruled
  bool declaration_overruled = false;
  size_t replaced_sequences = 0;  // invalid input sequences turned into U+FFFD
};

// Detects the encoding of `body` (see the order above) and converts it to UTF-8. The
// BOM is removed. `content_type` is the HTTP header value, or empty.
DecodedText DecodeToUtf8(std::string_view body, std::string_view content_type);

// The charset parameter of a Content-Type value ("text/html; charset=\"koi8-r\"" ->
// "koi8-r"), or empty.
std::string CharsetFromContentType(std::string_view content_type);

bool IsValidUtf8(std::string_view text);

// Replaces each invalid UTF-8 sequence with U+FFFD; `replaced` counts them if non-null.
std::string SanitizeUtf8(std::string_view text, size_t* replaced = nullptr);

}  // namespace leakwatch::parsers
