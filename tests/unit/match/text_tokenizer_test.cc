// Fast paths of the record scanner. The line tokenizer: the vector path (bit masks over 64-byte
// blocks) must give exactly the tokens, cells and flags of the scalar reference, on ordinary,
// random and hostile lines.
#include "match/internal/text_tokenizer.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "match/internal/text_records.h"
#include "match/normalize.h"

namespace leakwatch::match::detail {
namespace {

std::string Describe(const std::vector<TextToken>& tokens) {
  std::string s;
  for (const TextToken& t : tokens) {
    s += "[" + std::to_string(t.begin) + "," + std::to_string(t.end) + ") c" +
         std::to_string(t.cell) + (t.has_digit ? " d" : "") + (t.has_alpha ? " a" : "") + "; ";
  }
  return s;
}

// Both implementations on `line`: same tokens, same digit answer.
void ExpectAgree(LineTokenizer& fast, const std::string& line) {
  {
    std::vector<TextToken> ignored;
    REQUIRE(HasAsciiDigit(line) == TokenizeLineScalar(line, ignored));
  }
  std::vector<TextToken> want, got = {TextToken{1, 2, 3, true, true}};  // stale: must be cleared
  const bool want_digit = TokenizeLineScalar(line, want);
  const bool got_digit = fast.Tokenize(line, got);
  if (got != want || got_digit != want_digit) {
    std::string hex;
    for (const char c : line.substr(0, 300)) {
      static constexpr char kHex[] = "0123456789abcdef";
      hex += kHex[static_cast<unsigned char>(c) >> 4];
      hex += kHex[static_cast<unsigned char>(c) & 15];
    }
    INFO("line (" << line.size() << " bytes, hex of the first 300): " << hex);
    INFO("scalar: " << Describe(want));
    INFO("fast:   " << Describe(got));
    CHECK(got_digit == want_digit);
    REQUIRE(got == want);
  }
}

std::vector<TextToken> Scalar(const std::string& line) {
  std::vector<TextToken> t;
  TokenizeLineScalar(line, t);
  return t;
}

TEST_CASE("tokenizer: reference rules on typical lines", "[unit]") {
  // CSV: every comma is a cell boundary; quotes too.
  auto t = Scalar("AB-123-CD,\"Zoë Müller\",2024-05-21 01:14:27");
  REQUIRE(t.size() == 5);
  CHECK(t[0] == TextToken{0, 9, 0, true, true});
  CHECK(t[1] == TextToken{11, 15, 2, false, true});  // "Zoë" (after , and ")
  CHECK(t[2] == TextToken{16, 23, 2, false, true});  // "Müller"
  CHECK(t[3] == TextToken{25, 35, 4, true, false});  // the date, after " and ,
  CHECK(t[4] == TextToken{36, 44, 4, true, false});  // "01:14:27": colons inside a token
  // key: value, a colon before a space is a delimiter; two spaces start a cell.
  t = Scalar("plate: AB 12  x");
  REQUIRE(t.size() == 4);
  CHECK(t[0].cell == 0);
  CHECK(t[1] == TextToken{7, 9, 1, false, true});
  CHECK(t[2] == TextToken{10, 12, 1, true, false});
  CHECK(t[3].cell == 2);
  // JSON: a colon after a quote is a delimiter; trimmable punctuation is cut off.
  t = Scalar("{\"n\":'x.'}...!");
  REQUIRE(t.size() == 2);
  CHECK(t[0] == TextToken{2, 3, 2, false, true});
  CHECK(t[1] == TextToken{6, 7, 4, false, true});  // "'x.'" trimmed to x
  // A colon at the end of the line is a delimiter.
  t = Scalar("a:");
  REQUIRE(t.size() == 1);
  CHECK(t[0] == TextToken{0, 1, 0, false, true});
}

TEST_CASE("tokenizer: vector path agrees with the reference on crafted lines", "[unit]") {
  LineTokenizer fast;
  std::vector<std::string> lines = {
      "",
      " ",
      "  ",
      ":",
      "\":",
      "\"::",
      "a: b",
      "x:\"y\"",
      "'''",
      "...ab...",
      "AB 123 CD, 01.03.2024 12:34:56; Ömer Çelik | lane-3",
      "\t\t\"k\": \"v\"",
  };
  // Every interesting byte placed at and around the 64-byte block edges.
  static constexpr char kBytes[] = " \t\r\v\f:\"',.;|{}[]<>=()!?`*09azAZ\x80\xff\x00";
  for (const char c : std::string(kBytes, sizeof kBytes - 1)) {
    for (size_t at : {size_t{62}, size_t{63}, size_t{64}, size_t{65}, size_t{127}, size_t{128}}) {
      for (const char fill : {'a', ' ', ':', '"', '.', '7'}) {
        std::string line(at + 3, fill);
        line[at] = c;
        lines.push_back(line);
        lines.push_back(line.substr(0, at + 1));  // the byte last on the line
      }
    }
  }
  // A colon exactly at a block end followed by a quote / space in the next block.
  for (const char next : {'"', ' ', '\t', '\'', 'x'}) {
    for (const char before : {'"', 'x'}) {
      std::string line(62, 'x');
      line += before;
      line += ':';
      line += next;
      line += "tail";
      lines.push_back(line);
    }
  }
  for (const auto& line : lines) ExpectAgree(fast, line);
}

TEST_CASE("tokenizer: cell numbers saturate at 65535 on both paths", "[unit]") {
  LineTokenizer fast;
  for (const size_t commas : {size_t{65534}, size_t{65535}, size_t{65536}, size_t{70000}}) {
    const std::string line = "a" + std::string(commas, ',') + "b  c";
    ExpectAgree(fast, line);
    const auto t = Scalar(line);
    REQUIRE(t.size() == 3);
    CHECK(t[1].cell == std::min<size_t>(commas, 65535));
    CHECK(t[2].cell == std::min<size_t>(commas + 1, 65535));
  }
}

TEST_CASE("tokenizer: vector path agrees with the reference on random and hostile lines",
          "[unit]") {
  LineTokenizer fast;
  std::mt19937_64 rng(20261127);
  // Alphabets: delimiter-heavy ASCII, text-like ASCII, non-ASCII letters in valid UTF-8,
  // invalid UTF-8 (lone continuation bytes, truncated and overlong sequences), any byte.
  const std::string delimiters = " \t\r\v\f:\"',.;|{}[]<>=()!?`*aZ09-_/";
  const std::string text_like = "abcdefghij KLMNOP 0123456789 -:,.'\"";
  const std::vector<std::string> utf8 = {
      "é", "ß", "Ö", "ł", "Ж", "я", "Ω", "中", "😀", "\xc2\xa0", "\xe2\x80\x89",
      "a", " ", "1", ":", ","};
  const std::vector<std::string> invalid = {"\x80",
                                            "\xbf",
                                            "\xc3",
                                            "\xe2\x82",
                                            "\xf0\x9f\x98",
                                            "\xc0\xaf",
                                            "\xe0\x80\xaf",
                                            "\xff",
                                            "\xfe",
                                            "A",
                                            " ",
                                            "9",
                                            ":",
                                            "\""};
  for (int round = 0; round < 20000; ++round) {
    const size_t length = rng() % 8 == 0 ? rng() % 2000 : rng() % 200;
    std::string line;
    const int kind = static_cast<int>(rng() % 5);
    while (line.size() < length) {
      switch (kind) {
        case 0:
          line += delimiters[rng() % delimiters.size()];
          break;
        case 1:
          line += text_like[rng() % text_like.size()];
          break;
        case 2:
          line += utf8[rng() % utf8.size()];
          break;
        case 3:
          line += invalid[rng() % invalid.size()];
          break;
        default:
          line += static_cast<char>(rng() & 0xFF);
          break;
      }
    }
    ExpectAgree(fast, line);
  }
}

TEST_CASE("tokenizer: long lines (the scanner's 64 KiB cap) agree", "[unit]") {
  LineTokenizer fast;
  std::mt19937_64 rng(5);
  const std::string alphabet = "ab12 :,\"'.\t\xc3\xa9";
  for (int round = 0; round < 20; ++round) {
    std::string line(65536 - static_cast<size_t>(round), 'x');
    for (char& c : line) c = alphabet[rng() % alphabet.size()];
    ExpectAgree(fast, line);
  }
  ExpectAgree(fast, std::string(65536, 'q'));  // one token over 1024 blocks
  ExpectAgree(fast, std::string(65536, ' '));
}

TEST_CASE("scanner: the inline plate / document form equals NormalizeField's", "[unit]") {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 20000; ++round) {
    std::string value(rng() % 48, ' ');
    for (char& c : value) c = static_cast<char>(rng() % 4 == 0 ? rng() & 0xFF : 32 + rng() % 95);
    char out[64];
    const size_t n = UpperAlnumInto(value, out);
    REQUIRE(std::string(out, n) == NormalizeField(FieldType::kPlate, value));
    REQUIRE(std::string(out, n) == NormalizeField(FieldType::kDocument, value));
  }
}

}  // namespace
}  // namespace leakwatch::match::detail
