// Fingerprint stability: the optimised normalisation (ASCII fast paths, buffered
// writes) must give byte-identical output to the straightforward implementation it
// replaced, or packs built before would stop matching. The reference below is that
// implementation, kept verbatim for this comparison only.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <string_view>

#include "match/normalize.h"

namespace leakwatch::match {
namespace {
namespace reference {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
unsigned char AsciiUpper(unsigned char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<unsigned char>(c - 'a' + 'A') : c;
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

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp == 0) return;  // normalised forms never hold NUL
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
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

// Folds case and collapses whitespace; when `name_rules`, applies the name punctuation
// rules too.
bool FoldText(std::string_view value, bool name_rules, std::string& out) {
  bool pending_space = false;
  for (size_t i = 0; i < value.size();) {
    char32_t cp = DecodeUtf8(value, i);
    if (cp == 0) continue;
    if (name_rules && IsDroppedInName(cp)) continue;
    if (IsSpace(cp) || (name_rules && IsSeparatorInName(cp))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    if (cp == 0xDF || cp == 0x1E9E) {
      out += "ss";
      continue;
    }
    AppendUtf8(FoldCase(cp), out);
  }
  return !out.empty();
}

bool UpperAlnum(std::string_view value, std::string& out) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsAsciiAlnum(c)) out.push_back(static_cast<char>(AsciiUpper(c)));
  }
  return !out.empty();
}

}  // namespace reference

std::string RandomValue(std::mt19937_64& rng) {
  static const std::vector<std::string> kPieces = {"a",
                                                   "Z",
                                                   " ",
                                                   "  ",
                                                   "\t",
                                                   "-",
                                                   "'",
                                                   ".",
                                                   ",",
                                                   "O'Brien",
                                                   "Jean-Luc",
                                                   "\xC3\x9F",
                                                   "\xC3\x89",
                                                   "\xC5\x81",
                                                   "\xCE\xA3",
                                                   "\xCF\x82",
                                                   "\xD0\x81",
                                                   "\xD0\xAF",
                                                   "\xE1\xBA\x9E",
                                                   "\xE2\x80\x99",
                                                   "\xC2\xA0",
                                                   "\xE3\x80\x80",
                                                   "\xC2\xB7",
                                                   "\x01",
                                                   "\x7F",
                                                   "7",
                                                   "AB-12",
                                                   "\xE0\x80\x80",
                                                   "\xF0\x9F\x98\x80",
                                                   "St. John"};
  std::string v;
  const size_t n = rng() % 12;
  for (size_t i = 0; i < n; ++i) {
    if (rng() % 4 == 0) {
      v.push_back(static_cast<char>(rng()));  // any byte, valid UTF-8 or not
    } else {
      v += kPieces[rng() % kPieces.size()];
    }
  }
  return v;
}

TEST_CASE("normalisation is byte-identical to the reference implementation", "[unit]") {
  std::mt19937_64 rng(21);
  for (int i = 0; i < 200'000; ++i) {
    const std::string v = RandomValue(rng);
    std::string expected, got;
    INFO("value bytes: " << v.size());
    for (const bool name_rules : {false, true}) {
      expected.clear();
      const bool e = reference::FoldText(v, name_rules, expected);
      const bool g = NormalizeField(name_rules ? FieldType::kName : FieldType::kGeneric, v, got);
      REQUIRE(g == e);
      REQUIRE(got == expected);
    }
    expected.clear();
    const bool e = reference::UpperAlnum(v, expected);
    REQUIRE(NormalizeField(FieldType::kPlate, v, got) == e);
    REQUIRE(got == expected);
  }
}

}  // namespace
}  // namespace leakwatch::match
