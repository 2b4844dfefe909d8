#include "util/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace leakwatch::util {
namespace {

constexpr std::string_view kCutMark = "...";

struct Decoded {
  char32_t code_point = 0;
  size_t length = 0;  // 0: not valid UTF-8 at this position
};

// The UTF-8 sequence starting at text[i]. Overlong forms, surrogates and code points
// above U+10FFFF are invalid.
Decoded DecodeAt(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return {lead, 1};
  size_t len = 0;
  char32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
    cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    cp = lead & 0x07u;
  } else {
    return {};
  }
  if (i + len > text.size()) return {};
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (overlong || surrogate || cp > 0x10FFFF) return {};
  return {cp, len};
}

}  // namespace

bool IsUnsafeCodePoint(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

std::string DisplaySafe(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + kCutMark.size());
  size_t i = 0;
  while (i < text.size()) {
    if (out.size() >= max_bytes) {
      out += kCutMark;
      break;
    }
    const Decoded d = DecodeAt(text, i);
    if (d.length == 0) {
      out += '?';
      ++i;
      continue;
    }
    if (d.code_point == '\t' || d.code_point == '\n' || d.code_point == '\r') {
      out += ' ';
    } else if (IsUnsafeCodePoint(d.code_point)) {
      out += '?';
    } else {
      out.append(text.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

std::string DisplaySafeLines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t eol = text.find('\n'); eol != std::string_view::npos; eol = text.find('\n')) {
    out += DisplaySafe(text.substr(0, eol));
    out += '\n';
    text.remove_prefix(eol + 1);
  }
  out += DisplaySafe(text);
  return out;
}

std::string EscapeUnsafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const Decoded d = DecodeAt(text, i);
    if (d.length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i++]));
      continue;
    }
    if (IsUnsafeCodePoint(d.code_point)) {
      out += fmt::format("\\u{:04x}", static_cast<uint32_t>(d.code_point));
    } else {
      out.append(text.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

std::string EscapeUnsafeInJson(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  size_t i = 0;
  while (i < json.size()) {
    const Decoded d = DecodeAt(json, i);
    if (d.length == 0) {
      out += json[i++];
      continue;
    }
    const bool whitespace = d.code_point == '\t' || d.code_point == '\n' || d.code_point == '\r';
    if (IsUnsafeCodePoint(d.code_point) && !whitespace) {
      out += fmt::format("\\u{:04x}", static_cast<uint32_t>(d.code_point));
    } else {
      out.append(json.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

}  // namespace leakwatch::util
