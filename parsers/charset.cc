#include "parsers/charset.h"

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace leakwatch::parsers {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
constexpr std::string_view kFallbackCharset = "WINDOWS-1252";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Reads a charset label after "charset" at `pos` in lowercase `text`: "= 'label'" etc.
std::string LabelAfterCharset(std::string_view text, size_t pos) {
  pos += std::string_view("charset").size();
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  if (pos >= text.size() || text[pos] != '=') return {};
  ++pos;
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) ++pos;
  const size_t begin = pos;
  while (pos < text.size() && !IsSpace(text[pos]) && text[pos] != '"' && text[pos] != '\'' &&
         text[pos] != ';' && text[pos] != '>' && text[pos] != '/') {
    ++pos;
  }
  constexpr size_t kMaxLabel = 40;
  if (pos - begin > kMaxLabel) return {};
  return std::string(text.substr(begin, pos - begin));
}

// Length of the valid UTF-8 sequence at text[i], or 0 when invalid or truncated.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t length = 0;
  uint32_t min_value = 0;
  uint32_t value = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
    min_value = 0x80;
    value = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    min_value = 0x800;
    value = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    min_value = 0x10000;
    value = c & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    value = (value << 6) | (byte(i + k) & 0x3Fu);
  }
  if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  return length;
}

bool HasNonAscii(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Converts with iconv; invalid input bytes become U+FFFD one byte at a time.
std::string ConvertWithIconv(std::string_view input, const std::string& charset, size_t* replaced) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    cd = iconv_open("UTF-8", std::string(kFallbackCharset).c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) return SanitizeUtf8(input, replaced);
  }
  std::string out;
  out.reserve(input.size() + input.size() / 2 + 16);
  std::array<char, 16384> chunk{};
  // iconv's signature takes char** for input it never writes through.
  char* in_ptr = const_cast<char*>(input.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  size_t in_left = input.size();
  while (in_left > 0) {
    char* out_ptr = chunk.data();
    size_t out_left = chunk.size();
    const size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    out.append(chunk.data(), chunk.size() - out_left);
    if (rc != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    // EILSEQ (invalid) or EINVAL (truncated at the end): replace one byte, go on.
    out.append(kReplacement);
    if (replaced != nullptr) ++*replaced;
    ++in_ptr;
    --in_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  }
  char* out_ptr = chunk.data();
  size_t out_left = chunk.size();
  iconv(cd, nullptr, nullptr, &out_ptr, &out_left);  // flush stateful encodings
  out.append(chunk.data(), chunk.size() - out_left);
  iconv_close(cd);
  return out;
}

}  // namespace

std::string_view CharsetSourceName(CharsetSource source) {
  switch (source) {
    case CharsetSource::kBom:
      return "bom";
    case CharsetSource::kHttpHeader:
      return "http_header";
    case CharsetSource::kMetaTag:
      return "meta";
    case CharsetSource::kSniffed:
      return "sniffed";
  }
  return "sniffed";
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view text, size_t* replaced) {
  std::string out;
  out.reserve(text.size());
  size_t valid_from = 0;  // start of the valid run not yet copied: copied in one append
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, i);
    if (length != 0) {
      i += length;
      continue;
    }
    out.append(text.substr(valid_from, i - valid_from));
    out.append(kReplacement);
    if (replaced != nullptr) ++*replaced;
    valid_from = ++i;
  }
  out.append(text.substr(valid_from));
  return out;
}

std::string CharsetFromContentType(std::string_view content_type) {
  const std::string lower = LowerAscii(content_type.substr(0, 1024));
  const size_t pos = lower.find("charset");
  if (pos == std::string::npos) return {};
  return LabelAfterCharset(lower, pos);
}

namespace {

// The charset declared by a <meta> tag in the first kMetaPrescanBytes of `body`, or empty.
std::string CharsetFromMetaTags(std::string_view body) {
  const std::string lower = LowerAscii(body.substr(0, kMetaPrescanBytes));
  size_t pos = 0;
  while ((pos = lower.find("<meta", pos)) != std::string::npos) {
    const size_t end = lower.find('>', pos);
    const std::string_view tag = std::string_view(lower).substr(
        pos, end == std::string::npos ? std::string::npos : end - pos);
    const size_t charset = tag.find("charset");
    if (charset != std::string_view::npos) {
      std::string label = LabelAfterCharset(tag, charset);
      if (!label.empty()) return label;
    }
    pos += 5;
  }
  return {};
}

// Maps a WHATWG label to the iconv name we decode with ("latin1" -> "WINDOWS-1252",
// "shift_jis" -> "CP932", "gb2312" -> "GB18030", "utf8" -> "UTF-8"). Unknown labels
// are returned uppercased.
std::string CanonicalCharset(std::string_view label) {
  const std::string lower = LowerAscii(label);
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 31> kAliases = {{
      {"utf-8", "UTF-8"},
      {"utf8", "UTF-8"},
      {"unicode-1-1-utf-8", "UTF-8"},
      {"utf-16", "UTF-8"},  // a <meta> claiming UTF-16 means UTF-8 (HTML standard)
      {"utf-16le", "UTF-8"},
      {"utf-16be", "UTF-8"},
      {"iso-8859-1", "WINDOWS-1252"},
      {"iso8859-1", "WINDOWS-1252"},
      {"latin1", "WINDOWS-1252"},
      {"l1", "WINDOWS-1252"},
      {"us-ascii", "WINDOWS-1252"},
      {"ascii", "WINDOWS-1252"},
      {"cp1252", "WINDOWS-1252"},
      {"cp1251", "WINDOWS-1251"},
      {"x-cp1251", "WINDOWS-1251"},
      {"shift_jis", "CP932"},
      {"shift-jis", "CP932"},
      {"sjis", "CP932"},
      {"x-sjis", "CP932"},
      {"ms_kanji", "CP932"},
      {"windows-31j", "CP932"},
      {"gb2312", "GB18030"},
      {"gbk", "GB18030"},
      {"x-gbk", "GB18030"},
      {"euc-kr", "CP949"},
      {"ks_c_5601-1987", "CP949"},
      {"tis-620", "WINDOWS-874"},
      {"iso-8859-9", "WINDOWS-1254"},
      {"iso-8859-8-i", "ISO-8859-8"},
      {"big5-hkscs", "BIG5-HKSCS"},
      {"x-user-defined", "WINDOWS-1252"},
  }};
  for (const auto& [alias, name] : kAliases) {
    if (lower == alias) return std::string(name);
  }
  std::string upper(label);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

}  // namespace

DecodedText DecodeToUtf8(std::string_view body, std::string_view content_type) {
  DecodedText result;
  // 1. Byte-order marks are authoritative.
  if (body.substr(0, 3) == "\xEF\xBB\xBF") {
    result.source = CharsetSource::kBom;
    result.charset = "UTF-8";
    result.utf8 = SanitizeUtf8(body.substr(3), &result.replaced_sequences);
    return result;
  }
  if (body.substr(0, 2) == "\xFF\xFE" || body.substr(0, 2) == "\xFE\xFF") {
    result.source = CharsetSource::kBom;
    result.charset = body[0] == '\xFF' ? "UTF-16LE" : "UTF-16BE";
    result.utf8 = ConvertWithIconv(body.substr(2), result.charset, &result.replaced_sequences);
    return result;
  }
  // 2./3. Declarations.
  std::string declared = CharsetFromContentType(content_type);
  result.source = CharsetSource::kHttpHeader;
  if (declared.empty()) {
    declared = CharsetFromMetaTags(body);
    result.source = CharsetSource::kMetaTag;
  }
  std::string charset = declared.empty() ? std::string() : CanonicalCharset(declared);
  if (iconv_t probe =
          charset.empty() ? reinterpret_cast<iconv_t>(-1) : iconv_open("UTF-8", charset.c_str());
      probe != reinterpret_cast<iconv_t>(-1)) {
    iconv_close(probe);
  } else {
    charset.clear();  // unknown label: sniff as if undeclared
  }
  if (charset.empty()) {
    result.source = CharsetSource::kSniffed;
    charset = IsValidUtf8(body) ? "UTF-8" : std::string(kFallbackCharset);
  } else if (charset != "UTF-8" && HasNonAscii(body) && IsValidUtf8(body)) {
    // A lying declaration: legacy text is practically never valid UTF-8.
    result.declared = declared;
    result.declaration_overruled = true;
    charset = "UTF-8";
  }
  result.charset = charset;
  if (charset == "UTF-8") {
    result.utf8 = SanitizeUtf8(body, &result.replaced_sequences);
  } else {
    result.utf8 = ConvertWithIconv(body, charset, &result.replaced_sequences);
  }
  return result;
}

}  // namespace leakwatch::parsers
