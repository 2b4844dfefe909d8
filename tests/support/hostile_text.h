// tests/support/hostile_text: text that tries every trick on an analyst's terminal,
// and a checker for outputs that must have neutralised it. The checker is written
// apart from util/text on purpose, so a gap there cannot hide itself.
#pragma once

#include <cstdint>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace leakwatch::testing {

// Encodes one code point as UTF-8.
inline std::string Utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

// The code points no output may show raw: C0 controls, DEL, C1 controls (U+009B CSI,
// U+009D OSC) and Unicode's Bidi_Control set (U+202E RIGHT-TO-LEFT OVERRIDE & co).
inline bool IsHostileCodePoint(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// "x" then each hostile code point followed by "x", then invalid UTF-8 (a stray
// continuation byte, an overlong '/', a CESU surrogate, a cut 3-byte sequence, 0xFF).
// U+0000 comes last, after all of that, so a store that stops at NUL loses no other case.
inline std::string EveryHostileCodePoint() {
  std::string out = "x";
  for (char32_t c = 1; c < 0x2070; ++c) {
    if (IsHostileCodePoint(c)) out += Utf8(c) + "x";
  }
  out += "\x80x\xC0\xAFx\xED\xA0\x80x\xE2\x80x\xFFx";
  out += std::string(1, '\0') + "x";
  return out;
}

// The first hostile code point or invalid UTF-8 byte in `output`, described with its
// offset; nullopt when there is none. Characters in `allowed` (the output's own line
// structure, e.g. "\n" or "\r\n") are not counted.
inline std::optional<std::string> FirstHostile(std::string_view output,
                                               std::string_view allowed = "\n") {
  size_t i = 0;
  while (i < output.size()) {
    const auto lead = static_cast<unsigned char>(output[i]);
    size_t len = 0;
    char32_t c = 0;
    if (lead < 0x80) {
      len = 1;
      c = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2;
      c = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      len = 3;
      c = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4;
      c = lead & 0x07u;
    }
    bool valid = len != 0 && i + len <= output.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto b = static_cast<unsigned char>(output[i + k]);
      valid = (b & 0xC0) == 0x80;
      c = (c << 6) | (b & 0x3Fu);
    }
    valid = valid && !(len == 3 && c < 0x800) && !(len == 4 && c < 0x10000) &&
            !(c >= 0xD800 && c <= 0xDFFF) && c <= 0x10FFFF;
    std::ostringstream where;
    where << " at byte " << i << " of " << output.size();
    if (!valid) return "invalid UTF-8" + where.str();
    const bool structure = c < 0x80 && allowed.find(static_cast<char>(c)) != std::string_view::npos;
    if (IsHostileCodePoint(c) && !structure) {
      std::ostringstream what;
      what << "U+" << std::hex << std::uppercase << std::setw(4) << std::setfill('0')
           << static_cast<uint32_t>(c);
      return what.str() + where.str();
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace leakwatch::testing
