#include "match/normalize.h"

#include <array>
#include <cstdint>

namespace leakwatch::match {
namespace {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
unsigned char AsciiUpper(unsigned char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<unsigned char>(c - 'a' + 'A') : c;
}
bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Decodes one UTF-8 code point at s[i], advancing i. Invalid bytes decode as
// themselves (Latin-1 reading), so hostile input never stalls the loop.
char32_t DecodeUtf8(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto bits = [&](size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2 && cont(1)) {
    const char32_t cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | bits(1);
    i += 2;
    return cp;
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    const char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2);
    i += 3;
    return cp;
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp =
        (static_cast<char32_t>(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    i += 4;
    return cp;
  }
  ++i;
  return b0;
}

// Simple case folding for the scripts dataset names are written in. Returns the
// folded code point; U+00DF (sharp s) is handled by the caller (it folds to "ss").
char32_t FoldCase(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp < 0x80) return cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;  // Latin-1 capitals
  if (cp >= 0x100 && cp <= 0x137) return cp | 1;               // even = capital
  if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x14A && cp <= 0x177) return cp | 1;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp + 1 : cp;
  if (cp == 0x17F) return 's';
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;  // Greek capitals
  if (cp == 0x3C2) return 0x3C3;                                  // final sigma
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;                 // Cyrillic Ѐ..Џ
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;                 // Cyrillic А..Я
  return cp;
}

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
         cp == 0xA0 || cp == 0x2007 || cp == 0x202F || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x3000;
}

// Punctuation that vanishes inside a name ("O'Brien" -> "obrien", "St. John" -> "st john").
bool IsDroppedInName(char32_t cp) {
  return cp == '\'' || cp == '.' || cp == 0x2019 || cp == 0x2018 || cp == '`' || cp == 0xB4;
}
// Other ASCII punctuation and symbols separate words ("Jean-Luc" -> "jean luc").
bool IsSeparatorInName(char32_t cp) {
  return (cp < 0x80 && cp > 0x20 && !IsAsciiAlnum(static_cast<unsigned char>(cp))) ||
         cp == 0x2010 || cp == 0x2011 || cp == 0x2013 || cp == 0x2014 || cp == 0xB7;
}

// What FoldText does with an ASCII byte: drop it, turn it into a (pending) space, or
// keep it (case folded): the byte to keep. Built from the same predicates as the
// general path, so both agree by construction.
// Kept bytes are ASCII (below 0x80) and never NUL, so 0 and 0x80 are free as markers.
constexpr char kFoldDrop = 0;
constexpr char kFoldSpace = static_cast<char>(0x80);

struct AsciiFoldTable {
  std::array<std::array<char, 128>, 2> action{};  // [name_rules][byte]
  AsciiFoldTable() {
    for (int rules = 0; rules < 2; ++rules) {
      for (char32_t cp = 0; cp < 128; ++cp) {
        char a = static_cast<char>(FoldCase(cp));
        if (cp == 0 || (rules != 0 && IsDroppedInName(cp))) {
          a = kFoldDrop;
        } else if (IsSpace(cp) || (rules != 0 && IsSeparatorInName(cp))) {
          a = kFoldSpace;
        }
        action[static_cast<size_t>(rules)][cp] = a;
      }
    }
  }
};

// Appends the UTF-8 form of `cp` (not NUL) at `w`; returns the new end.
char* PutUtf8(char32_t cp, char* w) {
  if (cp < 0x80) {
    *w++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *w++ = static_cast<char>(0xC0 | (cp >> 6));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *w++ = static_cast<char>(0xE0 | (cp >> 12));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *w++ = static_cast<char>(0xF0 | (cp >> 18));
    *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return w;
}

// Folds case and collapses whitespace; when `name_rules`, applies the name punctuation
// rules too. Hot on candidate spans of scanned text: ASCII bytes go through a table,
// and the output is written into a buffer sized for the worst case (an invalid byte
// read as Latin-1 becomes 2 bytes; no code point grows by more) instead of per-byte
// appends.
bool FoldText(std::string_view value, bool name_rules, std::string& out) {
  static const AsciiFoldTable kTable;
  const auto& ascii = kTable.action[name_rules ? 1 : 0];
  const size_t start = out.size();
  out.resize(start + 2 * value.size());
  char* const begin = out.data() + start;
  char* w = begin;
  bool pending_space = false;
  for (size_t i = 0; i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      ++i;
      const char a = ascii[c];
      if (a == kFoldDrop) continue;
      if (a == kFoldSpace) {
        pending_space = w != out.data();
        continue;
      }
      if (pending_space) {
        *w++ = ' ';
        pending_space = false;
      }
      *w++ = a;
      continue;
    }
    const char32_t cp = DecodeUtf8(value, i);
    if (cp == 0) continue;  // an overlong encoding of NUL
    if (name_rules && IsDroppedInName(cp)) continue;
    if (IsSpace(cp) || (name_rules && IsSeparatorInName(cp))) {
      pending_space = w != out.data();
      continue;
    }
    if (pending_space) {
      *w++ = ' ';
      pending_space = false;
    }
    if (cp == 0xDF || cp == 0x1E9E) {
      *w++ = 's';
      *w++ = 's';
      continue;
    }
    w = PutUtf8(FoldCase(cp), w);
  }
  out.resize(static_cast<size_t>(w - out.data()));
  return !out.empty();
}

bool UpperAlnum(std::string_view value, std::string& out) {
  // Hot on every identifier candidate of scanned text: write into the reserved
  // buffer, no per-byte push_back.
  const size_t start = out.size();
  out.resize(start + value.size());
  char* w = out.data() + start;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    *w = static_cast<char>(AsciiUpper(c));
    w += IsAsciiAlnum(c) ? 1 : 0;
  }
  out.resize(static_cast<size_t>(w - out.data()));
  return !out.empty();
}

// ---- dates and times ---------------------------------------------------------------

struct DateTimeParts {
  int year = 0, month = 0, day = 0;
  int hour = -1, minute = -1, second = -1;
};

// Reads exactly [min_digits, max_digits] digits at s[i].
bool ReadNumber(std::string_view s, size_t& i, size_t min_digits, size_t max_digits, int& out) {
  size_t n = 0;
  int v = 0;
  while (i + n < s.size() && n < max_digits && IsDigit(static_cast<unsigned char>(s[i + n]))) {
    v = v * 10 + (s[i + n] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  if (i + n < s.size() && IsDigit(static_cast<unsigned char>(s[i + n]))) return false;
  i += n;
  out = v;
  return true;
}

bool ValidDate(const DateTimeParts& p) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return p.year >= 1800 && p.year <= 2200 && p.month >= 1 && p.month <= 12 && p.day >= 1 &&
         p.day <= kDays[static_cast<size_t>(p.month - 1)];
}

// Date part: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, DD.MM.YYYY, DD-MM-YYYY,
// DD/MM/YYYY (MM/DD/YYYY when the first number cannot be a month... i.e. when the
// second is above 12).
bool ParseDate(std::string_view s, size_t& i, DateTimeParts& p) {
  size_t j = i;
  int a = 0;
  if (ReadNumber(s, j, 8, 8, a)) {  // YYYYMMDD
    p.year = a / 10000;
    p.month = (a / 100) % 100;
    p.day = a % 100;
    i = j;
    return ValidDate(p);
  }
  j = i;
  if (!ReadNumber(s, j, 1, 4, a)) return false;
  const size_t first_len = j - i;
  if (j >= s.size()) return false;
  const char sep = s[j];
  if (sep != '-' && sep != '/' && sep != '.') return false;
  ++j;
  int b = 0;
  if (!ReadNumber(s, j, 1, 2, b)) return false;
  if (j >= s.size() || s[j] != sep) return false;
  ++j;
  int c = 0;
  if (first_len == 4) {
    if (!ReadNumber(s, j, 1, 2, c)) return false;
    p.year = a;
    p.month = b;
    p.day = c;
  } else {
    if (first_len > 2 || !ReadNumber(s, j, 4, 4, c)) return false;
    p.year = c;
    const bool month_first = sep == '/' && b > 12 && a <= 12;
    p.day = month_first ? b : a;
    p.month = month_first ? a : b;
  }
  i = j;
  return ValidDate(p);
}

// Time part after a date: [T| ]HH:MM[:SS][.fraction][Z|±HH[:MM]] (fraction and zone
// are dropped: a paste rarely keeps them and the date+time is already specific).
void ParseTime(std::string_view s, size_t& i, DateTimeParts& p) {
  size_t j = i;
  if (j < s.size() && (s[j] == 'T' || s[j] == 't' || s[j] == ' ' || s[j] == '_')) ++j;
  while (j < s.size() && s[j] == ' ') ++j;
  int h = 0, m = 0, sec = -1;
  if (!ReadNumber(s, j, 1, 2, h) || j >= s.size() || s[j] != ':') return;
  ++j;
  if (!ReadNumber(s, j, 2, 2, m)) return;
  if (j < s.size() && s[j] == ':') {
    size_t k = j + 1;
    if (ReadNumber(s, k, 2, 2, sec)) j = k;
  }
  if (h > 23 || m > 59 || sec > 60) return;
  if (j < s.size() && (s[j] == '.' || s[j] == ',')) {
    ++j;
    while (j < s.size() && IsDigit(static_cast<unsigned char>(s[j]))) ++j;
  }
  p.hour = h;
  p.minute = m;
  p.second = sec;
  i = j;
}

void Append2(int v, std::string& out) {
  out.push_back(static_cast<char>('0' + (v / 10) % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

bool NormalizeDateTime(std::string_view value, std::string& out) {
  size_t b = 0, e = value.size();
  while (b < e && IsSpace(static_cast<unsigned char>(value[b]))) ++b;
  while (e > b && IsSpace(static_cast<unsigned char>(value[e - 1]))) --e;
  const std::string_view s = value.substr(b, e - b);
  DateTimeParts p;
  size_t i = 0;
  if (ParseDate(s, i, p)) {
    ParseTime(s, i, p);
    // Accept only a trailing time zone designator after what was parsed.
    std::string_view rest = s.substr(i);
    const bool zone_only = rest.empty() || rest == "Z" || rest == "z" || rest == " UTC" ||
                           rest == "UTC" ||
                           ((rest[0] == '+' || rest[0] == '-') && rest.size() <= 6);
    if (zone_only) {
      out += std::to_string(p.year);
      out.push_back('-');
      Append2(p.month, out);
      out.push_back('-');
      Append2(p.day, out);
      if (p.hour >= 0) {
        out.push_back('T');
        Append2(p.hour, out);
        out.push_back(':');
        Append2(p.minute, out);
        if (p.second >= 0) {
          out.push_back(':');
          Append2(p.second, out);
        }
      }
      return true;
    }
  }
  out.clear();
  return FoldText(value, /*name_rules=*/false, out);
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kGeneric:
      return "generic";
    case FieldType::kPlate:
      return "plate";
    case FieldType::kDateTime:
      return "datetime";
    case FieldType::kName:
      return "name";
    case FieldType::kDocument:
      return "document";
  }
  return "generic";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (FieldType t : {FieldType::kGeneric, FieldType::kPlate, FieldType::kDateTime,
                      FieldType::kName, FieldType::kDocument}) {
    if (FieldTypeName(t) == name) return t;
  }
  if (name == "date" || name == "time") return FieldType::kDateTime;
  if (name == "id" || name == "doc") return FieldType::kDocument;
  return std::nullopt;
}

FieldType InferFieldType(std::string_view column_name) {
  std::string n;
  for (const char ch : column_name) {
    const auto c = static_cast<unsigned char>(ch);
    n.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : static_cast<char>(c));
  }
  for (std::string_view w :
       {"plate", "licen", "registration", "vrm", "lpr", "anpr", "vehicle_no"}) {
    if (Contains(n, w)) return FieldType::kPlate;
  }
  for (std::string_view w : {"passport", "document", "doc_no", "docno", "id_number", "national_id",
                             "idcard", "id_card", "ssn", "visa_no"}) {
    if (Contains(n, w)) return FieldType::kDocument;
  }
  for (std::string_view w :
       {"date", "time", "timestamp", "dob", "birth", "captured", "_at", "when"}) {
    if (Contains(n, w)) return FieldType::kDateTime;
  }
  for (std::string_view w :
       {"name", "surname", "given", "first", "last", "traveler", "traveller"}) {
    if (Contains(n, w)) return FieldType::kName;
  }
  return FieldType::kGeneric;
}

Result<std::vector<ColumnSpec>> ParseColumnSpecs(std::string_view list) {
  std::vector<ColumnSpec> specs;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) {
      if (comma == list.size() && specs.empty() && list.empty()) break;
      return Status::InvalidArgument("empty column name in column list '" + std::string(list) +
                                     "'");
    }
    ColumnSpec spec;
    const size_t colon = item.rfind(':');
    if (colon != std::string_view::npos) {
      const std::string_view type_name = item.substr(colon + 1);
      const auto type = ParseFieldType(type_name);
      if (!type) {
        return Status::InvalidArgument("unknown field type '" + std::string(type_name) + "' in '" +
                                       std::string(item) +
                                       "' (known: generic, plate, datetime, name, document)");
      }
      spec.column = std::string(item.substr(0, colon));
      spec.type = *type;
      if (spec.column.empty()) {
        return Status::InvalidArgument("empty column name in '" + std::string(item) + "'");
      }
    } else {
      spec.column = std::string(item);
      spec.type = InferFieldType(spec.column);
    }
    specs.push_back(std::move(spec));
    start = comma + 1;
  }
  return specs;
}

bool NormalizeField(FieldType type, std::string_view value, std::string& out) {
  out.clear();
  switch (type) {
    case FieldType::kPlate:
    case FieldType::kDocument:
      return UpperAlnum(value, out);
    case FieldType::kDateTime:
      return NormalizeDateTime(value, out);
    case FieldType::kName:
      return FoldText(value, /*name_rules=*/true, out);
    case FieldType::kGeneric:
      return FoldText(value, /*name_rules=*/false, out);
  }
  return false;
}

std::string NormalizeField(FieldType type, std::string_view value) {
  std::string out;
  NormalizeField(type, value, out);
  return out;
}

}  // namespace leakwatch::match
