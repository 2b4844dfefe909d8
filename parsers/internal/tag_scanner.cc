#include "parsers/internal/tag_scanner.h"

#include <array>
#include <cstdint>

namespace leakwatch::parsers::detail {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (IsAsciiDigit(c)) return c - '0';
  const char lower = ToLower(c);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

void AppendUtf8(uint32_t code_point, std::string& out) {
  constexpr uint32_t kReplacement = 0xFFFD;
  if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    code_point = kReplacement;
  }
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

struct NamedReference {
  std::string_view name;
  uint32_t code_point;
};
constexpr std::array<NamedReference, 10> kNamedReferences = {{
    {"amp", '&'},
    {"lt", '<'},
    {"gt", '>'},
    {"quot", '"'},
    {"apos", '\''},
    {"nbsp", 0xA0},
    {"mdash", 0x2014},
    {"ndash", 0x2013},
    {"hellip", 0x2026},
    {"copy", 0xA9},
}};

// Decodes the reference at text[pos] == '&'. Returns the bytes consumed, 0 if none.
size_t DecodeReference(std::string_view text, size_t pos, std::string& out) {
  size_t i = pos + 1;
  if (i < text.size() && text[i] == '#') {
    ++i;
    const bool hex = i < text.size() && (text[i] == 'x' || text[i] == 'X');
    if (hex) ++i;
    const size_t digits_start = i;
    uint32_t value = 0;
    constexpr size_t kMaxDigits = 8;
    while (i < text.size() && i - digits_start < kMaxDigits) {
      const int digit = hex ? HexValue(text[i]) : (IsAsciiDigit(text[i]) ? text[i] - '0' : -1);
      if (digit < 0) break;
      value = value * (hex ? 16u : 10u) + static_cast<uint32_t>(digit);
      ++i;
    }
    if (i == digits_start) return 0;
    if (i < text.size() && text[i] == ';') ++i;
    AppendUtf8(value, out);
    return i - pos;
  }
  const size_t name_start = i;
  constexpr size_t kMaxNameBytes = 8;
  while (i < text.size() && i - name_start < kMaxNameBytes && IsAsciiAlpha(text[i])) ++i;
  if (i >= text.size() || text[i] != ';') return 0;
  const std::string_view name = text.substr(name_start, i - name_start);
  for (const auto& reference : kNamedReferences) {
    if (reference.name == name) {
      AppendUtf8(reference.code_point, out);
      return i + 1 - pos;
    }
  }
  return 0;
}

// Position of `lower_needle` in `haystack` from `from`, ASCII case-insensitive; npos if absent.
size_t FindCaseless(std::string_view haystack, std::string_view lower_needle, size_t from) {
  if (lower_needle.empty() || haystack.size() < lower_needle.size()) return std::string_view::npos;
  for (size_t pos = haystack.find('<', from); pos != std::string_view::npos;
       pos = haystack.find('<', pos + 1)) {
    if (haystack.size() - pos < lower_needle.size()) return std::string_view::npos;
    size_t k = 0;
    while (k < lower_needle.size() && ToLower(haystack[pos + k]) == lower_needle[k]) ++k;
    if (k == lower_needle.size()) return pos;
  }
  return std::string_view::npos;
}

}  // namespace

std::string DecodeCharacterReferences(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, amp - pos));
    const size_t consumed = DecodeReference(text, amp, out);
    if (consumed == 0) {
      out.push_back('&');
      pos = amp + 1;
    } else {
      pos = amp + consumed;
    }
  }
  return out;
}

const std::string* Tag::Attribute(std::string_view attribute_name) const {
  for (const auto& [key, value] : attributes) {
    if (key == attribute_name) return &value;
  }
  return nullptr;
}

TagScanner::Token TagScanner::Next() {
  while (pos_ < html_.size()) {
    if (!raw_text_end_.empty()) {
      size_t end = FindCaseless(html_, raw_text_end_, pos_);
      if (end == std::string_view::npos) end = html_.size();
      raw_text_end_.clear();
      if (end > pos_) {
        text_ = html_.substr(pos_, end - pos_);
        pos_ = end;
        return Token::kText;
      }
      continue;
    }
    if (html_[pos_] == '<') {
      const size_t start = pos_;
      if (ScanMarkup()) return Token::kTag;
      if (pos_ != start) continue;  // a comment or declaration was skipped
      // A '<' that starts no markup is text, up to the next '<'.
      size_t next = html_.find('<', pos_ + 1);
      if (next == std::string_view::npos) next = html_.size();
      text_ = html_.substr(pos_, next - pos_);
      pos_ = next;
      return Token::kText;
    }
    size_t next = html_.find('<', pos_);
    if (next == std::string_view::npos) next = html_.size();
    text_ = html_.substr(pos_, next - pos_);
    pos_ = next;
    return Token::kText;
  }
  return Token::kEnd;
}

bool TagScanner::ScanMarkup() {
  const size_t size = html_.size();
  if (html_.compare(pos_, 4, "<!--") == 0) {
    const size_t end = html_.find("-->", pos_ + 4);
    pos_ = end == std::string_view::npos ? size : end + 3;
    return false;
  }
  if (pos_ + 1 >= size) return false;
  const char next = html_[pos_ + 1];
  if (next == '!' || next == '?' ||
      (next == '/' && (pos_ + 2 >= size || !IsAsciiAlpha(html_[pos_ + 2])))) {
    const size_t end = html_.find('>', pos_ + 1);
    pos_ = end == std::string_view::npos ? size : end + 1;
    return false;
  }
  const bool end_tag = next == '/';
  if (!end_tag && !IsAsciiAlpha(next)) return false;
  size_t i = pos_ + (end_tag ? 2 : 1);
  tag_.name.clear();
  tag_.attributes.clear();
  tag_.end = end_tag;
  while (i < size && !IsSpace(html_[i]) && html_[i] != '/' && html_[i] != '>') {
    tag_.name.push_back(ToLower(html_[i]));
    ++i;
  }
  pos_ = i;
  if (end_tag) {
    const size_t end = html_.find('>', pos_);
    pos_ = end == std::string_view::npos ? size : end + 1;
    return true;
  }
  ScanAttributes();
  if (tag_.name == "script" || tag_.name == "style") {
    SkipRawText(tag_.name);
  } else if (tag_.name == "title" || tag_.name == "textarea") {
    raw_text_end_ = "</" + tag_.name;
  }
  return true;
}

void TagScanner::ScanAttributes() {
  const size_t size = html_.size();
  while (pos_ < size) {
    while (pos_ < size && (IsSpace(html_[pos_]) || html_[pos_] == '/')) ++pos_;
    if (pos_ >= size) return;
    if (html_[pos_] == '>') {
      ++pos_;
      return;
    }
    const size_t name_start = pos_;
    ++pos_;  // the first character is part of the name even when it is '='
    while (pos_ < size && !IsSpace(html_[pos_]) && html_[pos_] != '/' && html_[pos_] != '>' &&
           html_[pos_] != '=') {
      ++pos_;
    }
    const std::string_view name = html_.substr(name_start, pos_ - name_start);
    while (pos_ < size && IsSpace(html_[pos_])) ++pos_;
    std::string_view value;
    if (pos_ < size && html_[pos_] == '=') {
      ++pos_;
      while (pos_ < size && IsSpace(html_[pos_])) ++pos_;
      if (pos_ < size && (html_[pos_] == '"' || html_[pos_] == '\'')) {
        const char quote = html_[pos_++];
        size_t end = html_.find(quote, pos_);
        if (end == std::string_view::npos) end = size;
        value = html_.substr(pos_, end - pos_);
        pos_ = end < size ? end + 1 : size;
      } else {
        const size_t value_start = pos_;
        while (pos_ < size && !IsSpace(html_[pos_]) && html_[pos_] != '>') ++pos_;
        value = html_.substr(value_start, pos_ - value_start);
      }
    }
    if (tag_.attributes.size() >= kMaxAttributes) continue;
    std::string lower_name;
    lower_name.reserve(name.size());
    for (const char c : name) lower_name.push_back(ToLower(c));
    if (tag_.Attribute(lower_name) != nullptr) continue;  // the first one wins, as in browsers
    tag_.attributes.emplace_back(std::move(lower_name), DecodeCharacterReferences(value));
  }
}

void TagScanner::SkipRawText(std::string_view name) {
  const size_t end = FindCaseless(html_, "</" + std::string(name), pos_);
  pos_ = end == std::string_view::npos ? html_.size() : end;
}

}  // namespace leakwatch::parsers::detail
