#include "parsers/time_text.h"

#include <re2/re2.h>

#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <string>
#include <utility>

namespace leakwatch::parsers {
namespace {

constexpr size_t kMaxTimeText = 256;
constexpr int64_t kSecondsPerDay = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<size_t>(month - 1)];
}

int ToInt(std::string_view digits) {
  int value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

int MonthFromName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) return 0;
  std::string prefix;
  for (size_t i = 0; i < 3; ++i) {
    prefix.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(name[i]))));
  }
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (prefix == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
};

bool Valid(const Date& date) {
  return date.year >= 1970 && date.year <= 2200 && date.month >= 1 && date.month <= 12 &&
         date.day >= 1 && date.day <= DaysInMonth(date.year, date.month);
}

int NormalizeYear(int year) {
  constexpr int kPivot = 70;  // two-digit years: 70-99 -> 19xx, else 20xx
  if (year < 100) return year >= kPivot ? 1900 + year : 2000 + year;
  return year;
}

std::optional<Date> FindDate(std::string_view text) {
  static const RE2 kIso(R"((\d{4})-(\d{1,2})-(\d{1,2}))");
  static const RE2 kNumeric(R"((\d{1,2})([-/.])(\d{1,2})[-/.](\d{4}|\d{2})\b)");
  static const RE2 kMonthFirst(R"(\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}))");
  static const RE2 kDayFirst(
      R"(\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3,9})\.?,?\s+(\d{4}))");
  std::string a;
  std::string b;
  std::string c;
  std::string separator;
  Date date;
  if (RE2::PartialMatch(text, kIso, &a, &b, &c)) {
    date = {ToInt(a), ToInt(b), ToInt(c)};
    if (Valid(date)) return date;
  }
  if (RE2::PartialMatch(text, kMonthFirst, &a, &b, &c) && MonthFromName(a) != 0) {
    date = {ToInt(c), MonthFromName(a), ToInt(b)};
    if (Valid(date)) return date;
  }
  if (RE2::PartialMatch(text, kDayFirst, &a, &b, &c) && MonthFromName(b) != 0) {
    date = {ToInt(c), MonthFromName(b), ToInt(a)};
    if (Valid(date)) return date;
  }
  if (RE2::PartialMatch(text, kNumeric, &a, &separator, &b, &c)) {
    int first = ToInt(a);
    int second = ToInt(b);
    // DD.MM.YYYY in Europe; MM-DD-YYYY / MM/DD/YYYY (US, forum defaults) otherwise.
    if (separator == "." || first > 12) std::swap(first, second);
    date = {NormalizeYear(ToInt(c)), first, second};
    if (Valid(date)) return date;
  }
  return std::nullopt;
}

// Seconds into the day, or nullopt without a clock time.
std::optional<int> FindClock(std::string_view text) {
  static const RE2 kClock(
      R"((?:^|[^\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:\s*([AaPp])\.?[Mm]\b)?)");
  std::string hour;
  std::string minute;
  std::string second;
  std::string meridiem;
  if (!RE2::PartialMatch(text, kClock, &hour, &minute, &second, &meridiem)) return std::nullopt;
  int h = ToInt(hour);
  const int m = ToInt(minute);
  const int s = second.empty() ? 0 : ToInt(second);
  if (!meridiem.empty()) {
    if (h < 1 || h > 12) return std::nullopt;
    const bool pm = meridiem == "p" || meridiem == "P";
    h = (h % 12) + (pm ? 12 : 0);
  }
  if (h > 23 || m > 59 || s > 60) return std::nullopt;
  return h * 3600 + m * 60 + s;
}

// Offset east of UTC in seconds (0 when no zone is given).
int FindOffset(std::string_view text) {
  static const RE2 kNumericZone(R"((?::\d{2}(?:\.\d+)?|\b(?:UTC|GMT))\s*([+-])(\d{2}):?(\d{2})\b)");
  static const RE2 kHourZone(R"(\b(?:UTC|GMT)\s*([+-])(\d{1,2})\b)");
  static const RE2 kNamedZone(
      R"(\b(EST|EDT|CST|CDT|MST|MDT|PST|PDT|CET|CEST|EET|EEST|MSK|BST|WET|WEST|JST|IST)\b)");
  std::string sign;
  std::string hours;
  std::string minutes;
  if (RE2::PartialMatch(text, kNumericZone, &sign, &hours, &minutes)) {
    const int offset = ToInt(hours) * 3600 + ToInt(minutes) * 60;
    return sign == "-" ? -offset : offset;
  }
  if (RE2::PartialMatch(text, kHourZone, &sign, &hours)) {
    const int offset = ToInt(hours) * 3600;
    return sign == "-" ? -offset : offset;
  }
  std::string name;
  if (RE2::PartialMatch(text, kNamedZone, &name)) {
    static constexpr std::array<std::pair<std::string_view, int>, 18> kZones = {{
        {"EST", -5},
        {"EDT", -4},
        {"CST", -6},
        {"CDT", -5},
        {"MST", -7},
        {"MDT", -6},
        {"PST", -8},
        {"PDT", -7},
        {"CET", 1},
        {"CEST", 2},
        {"EET", 2},
        {"EEST", 3},
        {"MSK", 3},
        {"BST", 1},
        {"WET", 0},
        {"WEST", 1},
        {"JST", 9},
        {"IST", 5},
    }};
    for (const auto& [zone, hours_east] : kZones) {
      if (zone == name) return zone == "IST" ? 5 * 3600 + 1800 : hours_east * 3600;
    }
  }
  return 0;
}

}  // namespace

std::optional<int64_t> ParseTimeToUtc(std::string_view text) {
  if (text.size() > kMaxTimeText) text = text.substr(0, kMaxTimeText);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (!text.empty() && text.size() <= 13 &&
      text.find_first_not_of("0123456789") == std::string_view::npos && text.size() >= 9) {
    int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    constexpr size_t kMillisDigits = 12;
    return text.size() >= kMillisDigits ? value / 1000 : value;
  }
  const auto date = FindDate(text);
  if (!date) return std::nullopt;
  const auto clock = FindClock(text);
  const int offset = clock ? FindOffset(text) : 0;
  return DaysFromCivil(date->year, date->month, date->day) * kSecondsPerDay + clock.value_or(0) -
         offset;
}

std::string FormatUtc(int64_t seconds) {
  const auto time = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&time, &tm);
  std::array<char, 32> buffer{};
  const size_t length = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer.data(), length);
}

}  // namespace leakwatch::parsers
