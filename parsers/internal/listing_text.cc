// Sizes, times and server recognition for directory listings (parsers/internal/dir_listing.h).
#include <array>
#include <string>

#include "parsers/internal/dir_listing.h"
#include "parsers/time_text.h"

namespace leakwatch::parsers::detail {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ToLower(c);
  return out;
}

std::string_view Trim(std::string_view text) {
  // ASCII whitespace and U+00A0 (&nbsp;, which lighttpd and Apache print in cells).
  for (;;) {
    if (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                          text.front() == '\r' || text.front() == '\f')) {
      text.remove_prefix(1);
    } else if (text.size() >= 2 && text.substr(0, 2) == "\xC2\xA0") {
      text.remove_prefix(2);
    } else if (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                                 text.back() == '\r' || text.back() == '\f')) {
      text.remove_suffix(1);
    } else if (text.size() >= 2 && text.substr(text.size() - 2) == "\xC2\xA0") {
      text.remove_suffix(2);
    } else {
      return text;
    }
  }
}

bool AllOf(std::string_view text, bool (*predicate)(char)) {
  for (const char c : text) {
    if (!predicate(c)) return false;
  }
  return !text.empty();
}

int MonthNumber(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() != 3) return 0;
  const std::string lower = Lowercase(name);
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (lower == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// "07-Dec-2026", "2026-12-07" or "2026-Dec-07" as "2026-12-07"; empty if none of them.
std::string IsoDate(std::string_view token) {
  if (token.size() == 11 && token[2] == '-' && token[6] == '-' &&
      AllOf(token.substr(0, 2), IsDigit) && AllOf(token.substr(7, 4), IsDigit)) {
    const int month = MonthNumber(token.substr(3, 3));
    if (month == 0) return {};
    return std::string(token.substr(7, 4)) + "-" + (month < 10 ? "0" : "") + std::to_string(month) +
           "-" + std::string(token.substr(0, 2));
  }
  if (token.size() == 11 && token[4] == '-' && token[8] == '-' &&
      AllOf(token.substr(0, 4), IsDigit) && AllOf(token.substr(9, 2), IsDigit)) {
    const int month = MonthNumber(token.substr(5, 3));
    if (month == 0) return {};
    return std::string(token.substr(0, 4)) + "-" + (month < 10 ? "0" : "") + std::to_string(month) +
           "-" + std::string(token.substr(9, 2));
  }
  if (token.size() == 10 && token[4] == '-' && token[7] == '-' &&
      AllOf(token.substr(0, 4), IsDigit) && AllOf(token.substr(5, 2), IsDigit) &&
      AllOf(token.substr(8, 2), IsDigit)) {
    return std::string(token);
  }
  return {};
}

bool IsClock(std::string_view token) {
  return (token.size() == 5 || token.size() == 8) && IsDigit(token[0]) && IsDigit(token[1]) &&
         token[2] == ':' && IsDigit(token[3]) && IsDigit(token[4]) &&
         (token.size() == 5 || (token[5] == ':' && IsDigit(token[6]) && IsDigit(token[7])));
}

struct Unit {
  std::string_view name;  // lowercase
  int power;
  bool binary;
};
constexpr std::array<Unit, 25> kUnits = {{
    {"", 0, true},    {"b", 0, true},   {"byte", 0, true}, {"bytes", 0, true}, {"k", 1, true},
    {"m", 2, true},   {"g", 3, true},   {"t", 4, true},    {"p", 5, true},     {"e", 6, true},
    {"kib", 1, true}, {"mib", 2, true}, {"gib", 3, true},  {"tib", 4, true},   {"pib", 5, true},
    {"eib", 6, true}, {"kb", 1, false}, {"mb", 2, false},  {"gb", 3, false},   {"tb", 4, false},
    {"pb", 5, false}, {"eb", 6, false}, {"ki", 1, true},   {"mi", 2, true},    {"gi", 3, true},
}};

}  // namespace

std::string_view TreeFormatName(TreeFormat format) {
  switch (format) {
    case TreeFormat::kAny:
      return "auto";
    case TreeFormat::kNginx:
      return "nginx";
    case TreeFormat::kApache:
      return "apache";
    case TreeFormat::kLighttpd:
      return "lighttpd";
    case TreeFormat::kCaddy:
      return "caddy";
    case TreeFormat::kPython:
      return "python";
    case TreeFormat::kJson:
      return "json";
  }
  return "auto";
}

std::optional<TreeFormat> TreeFormatFromName(std::string_view name) {
  for (const TreeFormat format :
       {TreeFormat::kAny, TreeFormat::kNginx, TreeFormat::kApache, TreeFormat::kLighttpd,
        TreeFormat::kCaddy, TreeFormat::kPython, TreeFormat::kJson}) {
    if (TreeFormatName(format) == name) return format;
  }
  return std::nullopt;
}

std::optional<TreeFormat> SniffTreeFormat(std::string_view body, std::string_view content_type) {
  const std::string type = Lowercase(Trim(content_type.substr(0, 128)));
  // A paste's raw view is text/plain even when it quotes a listing or holds JSON.
  if (type.rfind("text/plain", 0) == 0) return std::nullopt;
  const std::string head = Lowercase(body.substr(0, kTreeSniffBytes));
  const std::string_view start = Trim(head);
  const auto has = [&head](std::string_view needle) {
    return head.find(needle) != std::string::npos;
  };
  if (!start.empty() && start.front() == '[') {
    // JSON records (a leaked dump served as JSON) are not an index: only the exact key
    // sets nginx and Caddy write count, and only when served as JSON.
    const bool nginx = has("\"type\":\"") && has("\"mtime\":\"");
    const bool caddy = has("\"is_dir\":") && has("\"mod_time\":\"");
    if (type.find("json") != std::string::npos && (has("{\"name\":\"") || has("{ \"name\":\"")) &&
        (nginx || caddy)) {
      return TreeFormat::kJson;
    }
    return std::nullopt;
  }
  if (has("<title>directory listing for ")) return TreeFormat::kPython;
  if (has("<div class=\"list\">") &&
      (has("summary=\"directory listing\"") || has("<th class=\"n\">"))) {
    return TreeFormat::kLighttpd;
  }
  if (has("?sort=namedirfirst&") || (has("<tr class=\"file\">") && has("class=\"listing\""))) {
    return TreeFormat::kCaddy;
  }
  if (!has("<title>index of /")) return std::nullopt;
  if (has("?c=n;o=") || has("parent directory</a>") || has("alt=\"[parentdir]\"") ||
      has("alt=\"[dir]\"")) {
    return TreeFormat::kApache;
  }
  if (has("<h1>index of /") && has("<pre>")) return TreeFormat::kNginx;
  return TreeFormat::kAny;
}

ParsedSize ParseSizeText(std::string_view text) {
  ParsedSize result;
  text = Trim(text);
  if (text == "-" || text == "\xE2\x80\x94") {
    result.kind = ParsedSize::Kind::kDirectory;
    return result;
  }
  size_t pos = 0;
  uint64_t whole = 0;
  while (pos < text.size() && IsDigit(text[pos])) {
    const auto digit = static_cast<uint64_t>(text[pos] - '0');
    if (__builtin_mul_overflow(whole, 10u, &whole) ||
        __builtin_add_overflow(whole, digit, &whole)) {
      result.overflow = true;
      return result;
    }
    ++pos;
  }
  if (pos == 0) return result;
  uint64_t fraction = 0;
  uint64_t fraction_scale = 1;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    const size_t fraction_start = pos;
    constexpr uint64_t kMaxFractionScale = 1000;  // three digits count; the rest is noise
    while (pos < text.size() && IsDigit(text[pos])) {
      if (fraction_scale < kMaxFractionScale) {
        fraction = fraction * 10 + static_cast<uint64_t>(text[pos] - '0');
        fraction_scale *= 10;
      }
      ++pos;
    }
    if (pos == fraction_start) return result;
  }
  const std::string unit = Lowercase(Trim(text.substr(pos)));
  for (const Unit& candidate : kUnits) {
    if (candidate.name != unit) continue;
    uint64_t multiplier = 1;
    for (int i = 0; i < candidate.power; ++i) multiplier *= candidate.binary ? 1024u : 1000u;
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(whole, multiplier, &bytes) ||
        __builtin_add_overflow(bytes,
                               multiplier / fraction_scale * fraction +
                                   multiplier % fraction_scale * fraction / fraction_scale,
                               &bytes)) {
      result.overflow = true;
      return result;
    }
    result.kind = ParsedSize::Kind::kBytes;
    result.bytes = bytes;
    return result;
  }
  return result;
}

std::optional<int64_t> ParseListingTime(std::string_view text) {
  text = Trim(text);
  const size_t space = text.find(' ');
  const std::string_view first = text.substr(0, space);
  const std::string date = IsoDate(first);
  if (!date.empty()) {
    std::string_view clock =
        space == std::string_view::npos ? std::string_view() : Trim(text.substr(space + 1));
    clock = clock.substr(0, clock.find(' '));
    const std::optional<int64_t> time =
        IsClock(clock)
            ? ParseTimeToUtc(date + " " + std::string(clock) + (clock.size() == 5 ? ":00Z" : "Z"))
            : ParseTimeToUtc(date + " 00:00:00Z");
    // A date that does not exist ("31-Feb-2026") must not be read as another one.
    if (!time || FormatUtc(*time).compare(0, date.size(), date) != 0) return std::nullopt;
    return time;
  }
  return ParseTimeToUtc(text);
}

}  // namespace leakwatch::parsers::detail
