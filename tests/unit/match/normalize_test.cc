#include "match/normalize.h"

#include <catch2/catch.hpp>

namespace leakwatch::match {
namespace {

TEST_CASE("plates and documents keep uppercase alphanumerics only", "[unit]") {
  CHECK(NormalizeField(FieldType::kPlate, "ab-123 cd") == "AB123CD");
  CHECK(NormalizeField(FieldType::kPlate, " AB.123.CD ") == "AB123CD");
  CHECK(NormalizeField(FieldType::kDocument, "xk 123/4567") == "XK1234567");
  CHECK(NormalizeField(FieldType::kPlate, " - ").empty());
}

TEST_CASE("dates and times are canonicalised from common layouts", "[unit]") {
  const std::string iso = "2024-03-01T12:34:56";
  CHECK(NormalizeField(FieldType::kDateTime, "2024-03-01 12:34:56") == iso);
  CHECK(NormalizeField(FieldType::kDateTime, "2024-03-01T12:34:56Z") == iso);
  CHECK(NormalizeField(FieldType::kDateTime, "2024-03-01T12:34:56.123+02:00") == iso);
  CHECK(NormalizeField(FieldType::kDateTime, "01.03.2024 12:34:56") == iso);
  CHECK(NormalizeField(FieldType::kDateTime, "01/03/2024 12:34:56") == iso);
  CHECK(NormalizeField(FieldType::kDateTime, "2024/03/01 12:34:56") == iso);
  CHECK(NormalizeField(FieldType::kDateTime, "03/25/2024") == "2024-03-25");
  CHECK(NormalizeField(FieldType::kDateTime, "25/03/2024") == "2024-03-25");
  CHECK(NormalizeField(FieldType::kDateTime, "20240301") == "2024-03-01");
  CHECK(NormalizeField(FieldType::kDateTime, "1.3.2024") == "2024-03-01");
  CHECK(NormalizeField(FieldType::kDateTime, "2024-03-01 9:05") == "2024-03-01T09:05");
  // Not a date: falls back to the generic form instead of inventing one.
  CHECK(NormalizeField(FieldType::kDateTime, "2024-13-45") == "2024-13-45");
  CHECK(NormalizeField(FieldType::kDateTime, "Unknown") == "unknown");
}

TEST_CASE("names are case folded across Latin scripts with punctuation rules", "[unit]") {
  CHECK(NormalizeField(FieldType::kName, "JOSÉ MÜLLER") == "josé müller");
  CHECK(NormalizeField(FieldType::kName, "  José   Müller ") == "josé müller");
  CHECK(NormalizeField(FieldType::kName, "ŁUKASZ WĄSIK") == "łukasz wąsik");
  CHECK(NormalizeField(FieldType::kName, "Jean-Luc O'Brien") == "jean luc obrien");
  CHECK(NormalizeField(FieldType::kName, "Jean Luc O’Brien") == "jean luc obrien");
  CHECK(NormalizeField(FieldType::kName, "GROẞ Straße") == "gross strasse");
  CHECK(NormalizeField(FieldType::kName, "ØDEGÅRD, Søren") == "ødegård søren");
  CHECK(NormalizeField(FieldType::kName, "ĐORĐE PETROVIĆ") == "đorđe petrović");
  CHECK(NormalizeField(FieldType::kName, "ДМИТРИЙ") == "дмитрий");
  CHECK(NormalizeField(FieldType::kName, "...").empty());
  CHECK(NormalizeField(FieldType::kGeneric, " Lane  3 ") == "lane 3");
}

TEST_CASE("invalid UTF-8 never stalls and never yields NUL", "[unit]") {
  const std::string bad("\xC3\x28\xA0\xA1\xE2\x28\xA1\xF0\x28\x8C\xBC\x00z", 13);
  const std::string out = NormalizeField(FieldType::kName, bad);
  CHECK(out.find('\0') == std::string::npos);
  CHECK_FALSE(out.empty());
}

TEST_CASE("column types are inferred from names or given explicitly", "[unit]") {
  CHECK(InferFieldType("plate") == FieldType::kPlate);
  CHECK(InferFieldType("License_Plate") == FieldType::kPlate);
  CHECK(InferFieldType("passport_no") == FieldType::kDocument);
  CHECK(InferFieldType("captured_at") == FieldType::kDateTime);
  CHECK(InferFieldType("traveler_name") == FieldType::kName);
  CHECK(InferFieldType("lane") == FieldType::kGeneric);
  auto specs = ParseColumnSpecs("plate, lane:plate,dob");
  REQUIRE(specs.has_value());
  REQUIRE(specs->size() == 3);
  CHECK((*specs)[1].column == "lane");
  CHECK((*specs)[1].type == FieldType::kPlate);
  CHECK((*specs)[2].type == FieldType::kDateTime);
  CHECK_FALSE(ParseColumnSpecs("plate,,x").has_value());
  CHECK_FALSE(ParseColumnSpecs("plate:colour").has_value());
}

TEST_CASE("folding: invalid bytes, overlong NULs and control bytes", "[unit]") {
  // An overlong encoding of NUL vanishes like NUL itself.
  CHECK(NormalizeField(FieldType::kGeneric, std::string("a\xE0\x80\x80"
                                                        "b\0c",
                                                        8)) == "abc");
  // Invalid bytes read as Latin-1: each grows to two bytes (the worst case).
  const std::string invalid(1000, '\xC0');
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += "\xC3\xA0";  // U+00C0 folded to U+00E0
  CHECK(NormalizeField(FieldType::kGeneric, invalid) == expected);
  CHECK(NormalizeField(FieldType::kName, " \x80 \xDF") == "\xC2\x80 ss");
  // Spaces only at the front are dropped; runs collapse; name punctuation applies.
  CHECK(NormalizeField(FieldType::kGeneric, "\t  A\x0B\x0B b\r") == "a b");
  CHECK(NormalizeField(FieldType::kName, "..O'Brien--Smith;\x7F") == "obrien smith");
  CHECK(NormalizeField(FieldType::kGeneric, "O'Brien-\x01X") == "o'brien-\x01x");
  CHECK(NormalizeField(FieldType::kName,
                       "\xC5\xBB\xC3\xB3\xC5\x82"
                       "w \xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD") ==
        "\xC5\xBC\xC3\xB3\xC5\x82"
        "w \xD0\xB8\xD0\xB2\xD0\xB0\xD0\xBD");
}

}  // namespace
}  // namespace leakwatch::match
