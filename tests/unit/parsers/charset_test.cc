#include "parsers/charset.h"

#include <catch2/catch.hpp>
#include <string>

namespace leakwatch::parsers {
namespace {

// "Привет" in windows-1251 and in UTF-8.
const std::string kPrivet1251 = "\xCF\xF0\xE8\xE2\xE5\xF2";
const std::string kPrivetUtf8 = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82";
// "日本" in Shift_JIS and UTF-8.
const std::string kNihonSjis = "\x93\xFA\x96\x7B";
const std::string kNihonUtf8 = "\xE6\x97\xA5\xE6\x9C\xAC";

TEST_CASE("charset from the HTTP header wins over meta", "[unit]") {
  const std::string body = "<meta charset=utf-8><p>" + kPrivet1251;
  auto decoded = DecodeToUtf8(body, "text/html; charset=\"Windows-1251\"");
  CHECK(decoded.charset == "WINDOWS-1251");
  CHECK(decoded.source == CharsetSource::kHttpHeader);
  CHECK(decoded.utf8.find(kPrivetUtf8) != std::string::npos);
  CHECK(decoded.replaced_sequences == 0);
}

TEST_CASE("charset from meta charset and http-equiv", "[unit]") {
  auto a = DecodeToUtf8("<html><head><meta charset='windows-1251'></head>" + kPrivet1251, "");
  CHECK(a.source == CharsetSource::kMetaTag);
  CHECK(a.utf8.find(kPrivetUtf8) != std::string::npos);
  auto b = DecodeToUtf8(
      "<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=Shift_JIS\">" + kNihonSjis,
      "text/html");
  CHECK(b.charset == "CP932");
  CHECK(b.utf8.find(kNihonUtf8) != std::string::npos);
}

TEST_CASE("BOMs are authoritative and removed", "[unit]") {
  auto a = DecodeToUtf8("\xEF\xBB\xBF<p>" + kPrivetUtf8, "text/html; charset=windows-1251");
  CHECK(a.source == CharsetSource::kBom);
  CHECK(a.utf8 == "<p>" + kPrivetUtf8);
  auto b = DecodeToUtf8(std::string("\xFF\xFE<\0p\0>\0", 8), "");
  CHECK(b.charset == "UTF-16LE");
  CHECK(b.utf8 == "<p>");
}

TEST_CASE("a lying declaration on valid UTF-8 is overruled", "[unit]") {
  auto decoded = DecodeToUtf8("<meta charset=iso-8859-1><p>" + kPrivetUtf8, "");
  CHECK(decoded.charset == "UTF-8");
  CHECK(decoded.declaration_overruled);
  CHECK(decoded.declared == "iso-8859-1");
  CHECK(decoded.utf8.find(kPrivetUtf8) != std::string::npos);
}

TEST_CASE("undeclared text is sniffed: UTF-8 if valid, else windows-1252", "[unit]") {
  CHECK(DecodeToUtf8(kPrivetUtf8, "").charset == "UTF-8");
  auto latin = DecodeToUtf8("caf\xE9", "");
  CHECK(latin.charset == "WINDOWS-1252");
  CHECK(latin.utf8 == "caf\xC3\xA9");
}

TEST_CASE("invalid sequences become U+FFFD and never fail", "[unit]") {
  auto utf8 = DecodeToUtf8("<meta charset=utf-8>a\xC3(b\xF0\x9F", "");
  CHECK(utf8.replaced_sequences == 3);  // one per invalid byte
  CHECK(IsValidUtf8(utf8.utf8));
  auto sjis = DecodeToUtf8("\x93", "text/html; charset=shift_jis");  // truncated lead byte
  CHECK(IsValidUtf8(sjis.utf8));
  CHECK(sjis.replaced_sequences == 1);
  auto unknown = DecodeToUtf8("x\xE9", "text/html; charset=x-no-such-charset");
  CHECK(unknown.source == CharsetSource::kSniffed);
  CHECK(IsValidUtf8(unknown.utf8));
}

TEST_CASE("UTF-8 validation rejects overlongs and surrogates", "[unit]") {
  CHECK(IsValidUtf8(kPrivetUtf8));
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
  size_t replaced = 0;
  CHECK(SanitizeUtf8("a\xFF"
                     "b",
                     &replaced) ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(replaced == 1);
  CHECK(CharsetFromContentType("text/html;charset=UTF-8") == "utf-8");
  CHECK(CharsetFromContentType("text/html") == "");
}

}  // namespace
}  // namespace leakwatch::parsers
