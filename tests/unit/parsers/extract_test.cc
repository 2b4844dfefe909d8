#include "parsers/extract.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "parsers/charset.h"
#include "parsers/scan.h"
#include "parsers/time_text.h"

namespace leakwatch::parsers {
namespace {

const std::string kOnion = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx";  // 56

const ProfileSet& Profiles() {
  static const ProfileSet set = *ProfileSet::WithBuiltins();
  return set;
}

Extraction Run(const std::string& body, const std::string& profile = "generic",
               const Limits& limits = {}, const std::string& content_type = "text/html") {
  const std::string url = "http://" + kOnion + ".onion/board/page.html";
  const Page page{url, body, content_type};
  auto result = Extract(page, *Profiles().Find(profile), limits);
  REQUIRE(result.has_value());
  return *result;
}

bool HasAnomaly(const Extraction& extraction, const std::string& kind) {
  for (const auto& anomaly : extraction.anomalies) {
    if (anomaly.kind == kind) return true;
  }
  return false;
}

TEST_CASE("forum and paste time formats parse to UTC", "[unit]") {
  const int64_t kMar2 = 1551543300;  // 2019-03-02T16:15:00Z
  CHECK(ParseTimeToUtc("2019-03-02T16:15:00Z") == kMar2);
  CHECK(ParseTimeToUtc("2019-03-02T16:15:00+0000") == kMar2);
  CHECK(ParseTimeToUtc("2019-03-02T18:15:00+02:00") == kMar2);
  CHECK(ParseTimeToUtc("2019-03-02T16:15:00.000Z") == kMar2);
  CHECK(ParseTimeToUtc("1551543300") == kMar2);
  CHECK(ParseTimeToUtc("1551543300000") == kMar2);
  CHECK(ParseTimeToUtc("Post by admin \xC2\xBB Sat Mar 02, 2019 4:15 pm") == kMar2);
  CHECK(ParseTimeToUtc("03-02-2019, 04:15 PM") == kMar2);
  CHECK(ParseTimeToUtc("03/02/2019 04:15 PM") == kMar2);
  CHECK(ParseTimeToUtc("02.03.2019 16:15") == kMar2);
  CHECK(ParseTimeToUtc("March 02, 2019, 04:15:00 PM") == kMar2);
  CHECK(ParseTimeToUtc("Mar 2, 2019 at 4:15 PM") == kMar2);
  CHECK(ParseTimeToUtc("Saturday 2nd of March 2019 10:15:00 AM CST") == kMar2);
  CHECK(ParseTimeToUtc("2 Mar 2019 16:15 GMT") == kMar2);
  CHECK(ParseTimeToUtc("Mar 2nd, 2019") == 1551484800);
  CHECK(ParseTimeToUtc("12:00 AM 01-01-2020") == 1577836800);
  CHECK(ParseTimeToUtc("Today, 04:15 PM") == std::nullopt);
  CHECK(ParseTimeToUtc("5 minutes ago") == std::nullopt);
  CHECK(ParseTimeToUtc("02-30-2019") == std::nullopt);
  CHECK(ParseTimeToUtc("") == std::nullopt);
  CHECK(FormatUtc(kMar2) == "2019-03-02T16:15:00Z");
}

TEST_CASE("onion, magnet and file-host links are found in prose", "[unit]") {
  const std::string text = "Full dump: http://" + kOnion + ".onion/files/db.7z, mirror " + kOnion +
                           ".onion/leak (v2 abcdefghijklmnop.onion ignored). Torrent: "
                           "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=dump. "
                           "Also mega.nz/file/AbCdEf#KeyKey and (https://gofile.io/d/xYz1). "
                           "Not: example.com/x, http://example.org/, " +
                           kOnion.substr(1) + ".onion";
  const auto links = ScanTextForLinks(text, 3, 100);
  REQUIRE(links.size() == 5);
  CHECK(links[0].url == "http://" + kOnion + ".onion/files/db.7z");
  CHECK(links[0].role == LinkRole::kFile);
  CHECK(links[1].url == "http://" + kOnion + ".onion/leak");
  CHECK(links[1].role == LinkRole::kItem);
  CHECK(links[2].url == "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=dump");
  CHECK(links[2].role == LinkRole::kFile);
  CHECK(links[3].url == "https://mega.nz/file/AbCdEf#KeyKey");
  CHECK(links[4].url == "https://gofile.io/d/xYz1");
  CHECK(links[4].post_index == 3);
  CHECK(links[4].source == LinkSource::kTextScan);
  CHECK(IsOnionV3Host("www." + kOnion + ".onion"));
  CHECK_FALSE(IsOnionV3Host("abcdefghijklmnop.onion"));
  CHECK(IsFileHost("www.mediafire.com"));
  CHECK_FALSE(IsFileHost("notmega.nz"));
}

TEST_CASE("zero-byte and whitespace pages", "[unit]") {
  const auto empty = Run("");
  CHECK(HasAnomaly(empty, "empty_page"));
  CHECK(empty.documents.size() == 1);
  CHECK(empty.documents[0].text.empty());
  CHECK(Run(" \n\t ").links.empty());
}

TEST_CASE("10,000-deep nesting is cut before Gumbo and costs little", "[unit]") {
  std::string html = "<html><body>";
  for (int i = 0; i < 10000; ++i) html += "<div><span>";
  html += "deep text http://hkkas7vodjm732fprg2gkag6s5jdpnr3o4bjbz5r2rmulyiifpfe7wm5.onion/x";
  const auto start = std::chrono::steady_clock::now();
  const auto extraction = Run(html);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(5));
  CHECK(HasAnomaly(extraction, "deep_nesting"));
  REQUIRE(extraction.documents.size() == 1);
  CHECK(extraction.documents[0].text.find("deep text") != std::string::npos);
  CHECK(extraction.links.size() == 1);
}

TEST_CASE("pages over the byte cap are truncated, not rejected", "[unit]") {
  Limits limits;
  limits.max_page_bytes = 1000;
  std::string html = "<p>" + std::string(5000, 'a') + "</p>";
  const auto extraction = Run(html, "generic", limits);
  CHECK(HasAnomaly(extraction, "truncated"));
  CHECK(extraction.documents[0].text.size() == 997);
}

TEST_CASE("an 8 MiB page with huge attributes parses within limits", "[unit]") {
  std::string html = "<html><body><a href=\"/" + std::string(4 * 1024 * 1024, 'x') + "\" title=\"" +
                     std::string(2 * 1024 * 1024, '"') + "\">a</a>";
  while (html.size() < 8 * 1024 * 1024 - 100) html += "<p>row, value, 12345</p>";
  const auto extraction = Run(html);
  CHECK(extraction.documents.size() == 1);
  CHECK(extraction.links.empty());  // the 4 MiB href is not a URL we keep
}

TEST_CASE("invalid UTF-8 becomes U+FFFD and output stays valid", "[unit]") {
  const auto extraction = Run("<meta charset=utf-8><p>ok \xFF\xFE bad \xC3</p>");
  CHECK(HasAnomaly(extraction, "invalid_bytes"));
  CHECK(IsValidUtf8(extraction.documents[0].text));
  CHECK(IsValidUtf8(ExtractionToJson(extraction)));
}

TEST_CASE("element and link caps", "[unit]") {
  std::string html;
  for (int i = 0; i < 300; ++i) html += "<a href=\"/p" + std::to_string(i) + "\">x</a>";
  Limits limits;
  limits.max_links = 50;
  limits.max_nodes = 200;
  const auto extraction = Run(html, "generic", limits);
  CHECK(extraction.links.size() == 50);
  CHECK(HasAnomaly(extraction, "too_many_links"));
  CHECK(HasAnomaly(extraction, "too_many_nodes"));
}

TEST_CASE("generic keeps same-site links only and resolves <base>", "[unit]") {
  const auto extraction =
      Run("<head><base href=\"/mirror/\"></head><a href=\"a.html\">A</a>"
          "<a href=\"http://elsewhere.example/\">off-site</a><a href=\"javascript:void(0)\">js</a>"
          "<a href=\"mailto:x@y\">m</a><a href=\"https://mega.nz/folder/Q#k\">dl</a>");
  CHECK(extraction.base_url == "http://" + kOnion + ".onion/mirror/");
  REQUIRE(extraction.links.size() == 1);
  CHECK(extraction.links[0].url == "http://" + kOnion + ".onion/mirror/a.html");
  CHECK(extraction.links[0].anchor_text == "A");
  REQUIRE(extraction.files.size() == 1);
  CHECK(extraction.files[0].url == "https://mega.nz/folder/Q#k");
}

TEST_CASE("onion links to the page's own site are navigation, not discoveries", "[unit]") {
  const auto extraction =
      Run("<p>see http://" + kOnion + ".onion/other and http://" + kOnion + ".onion/dump.zip</p>");
  CHECK(extraction.links.empty());
  REQUIRE(extraction.files.size() == 1);  // files are kept wherever they are
  CHECK(extraction.files[0].url == "http://" + kOnion + ".onion/dump.zip");
}

TEST_CASE("text/plain bodies are one document", "[unit]") {
  const auto extraction =
      Run("line 1\nline 2 magnet:?xt=urn:btih:abc\n", "pastebin", {}, "text/plain; charset=utf-8");
  CHECK(extraction.page_kind == PageKind::kPaste);
  REQUIRE(extraction.documents.size() == 1);
  CHECK(extraction.documents[0].text == "line 1\nline 2 magnet:?xt=urn:btih:abc\n");
  CHECK(extraction.files.size() == 1);
}

TEST_CASE("a page no selector matches is kept whole and flagged", "[unit]") {
  const auto extraction = Run("<p>hello</p>", "phpbb3_prosilver");
  CHECK(extraction.page_kind == PageKind::kUnknown);
  CHECK(HasAnomaly(extraction, "profile_no_match"));
  CHECK(extraction.yield.items == 0);
  CHECK(extraction.documents[0].text == "hello");
}

TEST_CASE("MyBB 1.8.22+ rows (whoPosted in onclick) still give replies", "[unit]") {
  const auto extraction =
      Run("<table><tr class=\"inline_row\"><td><span class=\" subject_new\" id=\"tid_7\">"
          "<a href=\"thread-7.html\">Seven</a></span><div class=\"author smalltext\">"
          "<a href=\"user-2.html\">bob</a></div></td><td><a href=\"javascript:void(0);\" "
          "onclick=\"MyBB.whoPosted(7); return false;\">1,024</a></td></tr></table>",
          "mybb");
  REQUIRE(extraction.links.size() == 1);
  CHECK(extraction.links[0].url == "http://" + kOnion + ".onion/board/thread-7.html");
  CHECK(extraction.links[0].author == "bob");
  CHECK(extraction.links[0].replies == 1024);
}

TEST_CASE("a bad page URL is the caller's error", "[unit]") {
  const Page page{"not a url", "<p>x</p>", ""};
  CHECK_FALSE(Extract(page, *Profiles().Find("generic")).has_value());
}

TEST_CASE("auto falls back to generic", "[unit]") {
  const Page page{"http://h.example/", "<p>plain</p>", ""};
  auto extraction = ExtractAuto(page, Profiles());
  REQUIRE(extraction.has_value());
  CHECK(extraction->engine == "generic");
  CHECK(extraction->profile == "generic");
}

}  // namespace
}  // namespace leakwatch::parsers
