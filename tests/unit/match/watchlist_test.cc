#include "match/watchlist.h"

#include <catch2/catch.hpp>

namespace leakwatch::match {
namespace {

TEST_CASE("watch-list terms and regexes make mention findings with a snippet", "[unit]") {
  auto list = WatchList::Compile({"Perceptics", "CBP"}, {R"(perceptics\.com)"}, true);
  REQUIRE(list.has_value());
  const std::string text =
      "Fresh dump!\nFull database of PERCEPTICS plate readers, mirror at perceptics.com/x\n";
  const auto findings = list->Scan("http://a.onion/p/1", text);
  REQUIRE(findings.size() == 2);  // "CBP" is absent
  CHECK(findings[0].kind == FindingKind::kMention);
  CHECK(findings[0].dataset_refs == std::vector<std::string>{"term:0"});
  CHECK(findings[0].snippet.find("PERCEPTICS plate readers") != std::string::npos);
  CHECK(findings[0].snippet.find('\n') == std::string::npos);
  CHECK(findings[1].dataset_refs == std::vector<std::string>{"regex:0"});
  CHECK(findings[1].path == "http://a.onion/p/1");
}

TEST_CASE("terms are literal and case sensitivity is honoured", "[unit]") {
  auto list = WatchList::Compile({"a.b"}, {}, false);
  REQUIRE(list.has_value());
  CHECK(list->Scan("p", "axb").empty());
  CHECK(list->Scan("p", "A.B").empty());
  CHECK(list->Scan("p", "x a.b y").size() == 1);
}

TEST_CASE("a bad regex is a configuration error naming it", "[unit]") {
  auto list = WatchList::Compile({}, {"ok", "(unclosed"}, true);
  REQUIRE_FALSE(list.has_value());
  CHECK(list.error().message().find("regex:1") != std::string::npos);
}

TEST_CASE("snippets are capped and never split a UTF-8 sequence", "[unit]") {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "é";  // 2 bytes each
  text += "needle";
  for (int i = 0; i < 300; ++i) text += "ü";
  auto list = WatchList::Compile({"needle"}, {}, true);
  const auto findings = list->Scan("p", text);
  REQUIRE(findings.size() == 1);
  const std::string& s = findings[0].snippet;
  CHECK(s.size() <= kMaxMentionSnippet);
  CHECK(s.find("needle") != std::string::npos);
  CHECK((static_cast<unsigned char>(s.front()) & 0xC0) != 0x80);
  CHECK((static_cast<unsigned char>(s.back()) & 0xC0) == 0x80);  // ends on a whole "ü"
  CHECK(s.size() % 2 == 0);
}

}  // namespace
}  // namespace leakwatch::match
