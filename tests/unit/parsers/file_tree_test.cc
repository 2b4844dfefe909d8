// Directory listings (profile kind file_tree): sizes, times, scope, hostile entries,
// auto detection against forum pages, and a 100,000-entry page. Pages as each server
// really renders them are golden cases in tests/data/parsers/<profile>/ (README.md there).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "parsers/extract.h"
#include "parsers/internal/dir_listing.h"
#include "parsers/internal/tag_scanner.h"
#include "parsers/profile.h"

namespace leakwatch::parsers {
namespace {

using detail::ParsedSize;
using detail::ParseListingTime;
using detail::ParseSizeText;

const std::string kSite = "http://leakabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion";
constexpr int64_t kDec7Noon = 1796644800;  // 2026-12-07T12:00:00Z

const ProfileSet& Profiles() {
  static const ProfileSet set = *ProfileSet::WithBuiltins();
  return set;
}

Extraction Auto(const std::string& body, const std::string& url = kSite + "/leak/",
                const std::string& content_type = "text/html", const Limits& limits = {}) {
  auto result = ExtractAuto(Page{url, body, content_type}, Profiles(), limits);
  REQUIRE(result.has_value());
  return std::move(*result);
}

const Anomaly* FindAnomaly(const Extraction& extraction, const std::string& kind) {
  for (const auto& anomaly : extraction.anomalies) {
    if (anomaly.kind == kind) return &anomaly;
  }
  return nullptr;
}

const Link* FindFile(const Extraction& extraction, const std::string& name) {
  for (const auto& link : extraction.files) {
    if (link.anchor_text == name) return &link;
  }
  return nullptr;
}

std::optional<uint64_t> Bytes(std::string_view text) {
  const ParsedSize size = ParseSizeText(text);
  if (size.kind != ParsedSize::Kind::kBytes) return std::nullopt;
  return size.bytes;
}

TEST_CASE("listing sizes parse in every unit the servers print", "[unit]") {
  CHECK(Bytes("1234") == 1234u);  // nginx's default: exact bytes
  CHECK(Bytes("  2 ") == 2u);     // Apache pads
  CHECK(Bytes("1.2K") == 1228u);  // Apache, lighttpd: powers of 1024, rounded print
  CHECK(Bytes("12M") == 12582912u);
  CHECK(Bytes("12.0M") == 12582912u);
  CHECK(Bytes("3.4G") == 3650722201u);
  CHECK(Bytes("5.0G") == 5368709120u);
  CHECK(Bytes("1.2 KiB") == 1228u);  // Caddy's printed size
  CHECK(Bytes("2 B") == 2u);
  CHECK(Bytes("4.5 MB") == 4500000u);  // SI units are powers of 1000
  CHECK(Bytes("1,5 GB") == 1500000000u);
  CHECK(Bytes("1T") == 1099511627776u);
  CHECK(Bytes("0") == 0u);
  CHECK(Bytes("18446744073709551615") == UINT64_MAX);
  CHECK(ParseSizeText("-").kind == ParsedSize::Kind::kDirectory);
  CHECK(ParseSizeText("\xE2\x80\x94").kind == ParsedSize::Kind::kDirectory);  // Caddy's &mdash;
  // Overflow and garbage never wrap around and never pass as a size.
  CHECK(ParseSizeText("18446744073709551616").overflow);
  CHECK(ParseSizeText("99999999999999999999999").overflow);
  CHECK(ParseSizeText("20E").overflow);
  for (const char* garbage : {"-12", "+3", "1.2.3", "K", "12Q", "1.", "", "0x10", "1e9", "NaN"}) {
    INFO(garbage);
    CHECK(ParseSizeText(garbage).kind == ParsedSize::Kind::kInvalid);
  }
}

TEST_CASE("listing times parse in each server's format", "[unit]") {
  CHECK(ParseListingTime("07-Dec-2026 12:00") == kDec7Noon);              // nginx, old Apache
  CHECK(ParseListingTime("2026-12-07 12:00") == kDec7Noon);               // Apache 2.4
  CHECK(ParseListingTime("2026-Dec-07 12:00:00") == kDec7Noon);           // lighttpd
  CHECK(ParseListingTime(" 2026-12-07T12:00:00Z") == kDec7Noon);          // Caddy datetime
  CHECK(ParseListingTime("Mon, 07 Dec 2026 12:00:00 GMT") == kDec7Noon);  // nginx JSON
  CHECK(ParseListingTime("2019-Mar-02 16:15:33") == 1551543333);
  CHECK(ParseListingTime("2026-12-07") == 1796601600);
  CHECK(ParseListingTime("31-Feb-2026 12:00") == std::nullopt);
  CHECK(ParseListingTime("07-Xyz-2026 12:00") == std::nullopt);
  CHECK(ParseListingTime("") == std::nullopt);
}

TEST_CASE("the tag scanner decodes references and skips comments and scripts", "[unit]") {
  CHECK(detail::DecodeCharacterReferences("a&amp;b&lt;&#x3C;&#60;&nbsp;&bogus;&#0;&#xD800;&") ==
        "a&b<<<\xC2\xA0&bogus;\xEF\xBF\xBD\xEF\xBF\xBD&");
  detail::TagScanner scanner(
      "<!-- <a href=x> --><script>if (a<b) x='<a href=q>'</script>"
      "<A HREF='y' href=z data-order=12>t&amp;u</a><title>a<b</title><");
  using Token = detail::TagScanner::Token;
  REQUIRE(scanner.Next() == Token::kTag);
  CHECK(scanner.tag().name == "script");
  REQUIRE(scanner.Next() == Token::kTag);
  CHECK((scanner.tag().name == "script" && scanner.tag().end));
  REQUIRE(scanner.Next() == Token::kTag);
  CHECK(scanner.tag().name == "a");
  CHECK(*scanner.tag().Attribute("href") == "y");  // the first one wins, as in browsers
  CHECK(*scanner.tag().Attribute("data-order") == "12");
  REQUIRE(scanner.Next() == Token::kText);
  CHECK(scanner.text() == "t&amp;u");
  REQUIRE(scanner.Next() == Token::kTag);
  CHECK(scanner.tag().end);
  REQUIRE(scanner.Next() == Token::kTag);
  REQUIRE(scanner.Next() == Token::kText);
  CHECK(scanner.text() == "a<b");  // title text is not markup
  REQUIRE(scanner.Next() == Token::kTag);
  REQUIRE(scanner.Next() == Token::kText);
  CHECK(scanner.text() == "<");
  CHECK(scanner.Next() == Token::kEnd);
  CHECK(scanner.Next() == Token::kEnd);
}

TEST_CASE("a <pre> listing without line breaks still yields one entry per link", "[unit]") {
  const Extraction tree = Auto(
      "<html><head><title>Index of /leak/</title></head><body><h1>Index of /leak/</h1>"
      "<pre><a href=\"a.zip\">a.zip</a> 07-Dec-2026 12:00 10<a href=\"b.zip\">b.zip</a> "
      "07-Dec-2026 12:00 3.4G</pre></body></html>");
  REQUIRE(tree.files.size() == 2);
  CHECK(tree.files[0].size_bytes == 10u);
  CHECK(tree.files[1].size_bytes == 3650722201u);
}

TEST_CASE("another server's 'Index of' page is read by dir_listing", "[unit]") {
  // A table layout none of the built-in servers writes (a Python template's).
  const Extraction tree = Auto(
      "<!DOCTYPE html><html><head><title>Index of /leak/</title></head><body>"
      "<h1>Index of /leak/</h1><hr/><table>"
      "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>"
      "<tr><td><a href=\"dump.zip\">dump.zip</a></td>"
      "<td class=\"size\" align=\"right\">4.5 MB</td><td class=\"time\">2026-12-07 12:00</td></tr>"
      "<tr><td><a href=\"plates/\">plates/</a></td><td class=\"size\">-</td>"
      "<td class=\"time\">2026-12-07 12:00</td></tr></table><hr/></body></html>");
  CHECK(tree.profile == "dir_listing");
  CHECK(tree.page_kind == PageKind::kFileTree);
  REQUIRE(tree.files.size() == 1);
  CHECK(tree.files[0].size_bytes == 4500000u);
  CHECK(tree.files[0].time_utc == kDec7Noon);
  REQUIRE(tree.links.size() == 1);
  CHECK(tree.links[0].url == kSite + "/leak/plates/");
}

TEST_CASE("profiles of kind file_tree load and reject bad formats", "[unit]") {
  auto good = ParseProfile("name = \"t\"\nkind = \"file_tree\"\n[file_tree]\nformat = \"nginx\"\n",
                           "t.toml");
  REQUIRE(good.has_value());
  CHECK(good->kind == ProfileKind::kFileTree);
  CHECK(good->file_tree.format == "nginx");
  auto bad =
      ParseProfile("name = \"t\"\nkind = \"file_tree\"\n[file_tree]\nformat = \"iis\"\n", "t.toml");
  REQUIRE(!bad.has_value());
  CHECK(bad.error().message().find("t.toml:4:") != std::string::npos);
  auto typo = ParseProfile("name = \"t\"\nkind = \"file_tree\"\n[file_tree]\nfromat = \"nginx\"\n",
                           "t.toml");
  CHECK(!typo.has_value());
}

// An nginx-style page with every kind of hostile entry.
const char kHostile[] =
    "<html><head><title>Index of /leak/</title></head><body>\n"
    "<h1>Index of /leak/</h1><hr><pre><a href=\"../\">../</a>\n"
    "<a href=\"sub/\">sub/</a>                07-Dec-2026 12:00       -\n"
    "<a href=\"sub/\">sub/</a>                07-Dec-2026 12:00       -\n"
    "<a href=\"sub/?C=M;O=A\">sub sorted</a>  07-Dec-2026 12:00       -\n"
    "<a href=\"?C=M;O=A\">Last modified</a>\n"
    "<a href=\"/\">Parent</a>\n"
    "<a href=\"/elsewhere/\">elsewhere/</a>   07-Dec-2026 12:00       -\n"
    "<a href=\"javascript:alert(1)\">click.zip</a> 07-Dec-2026 12:00  5\n"
    "<a href=\"http://otherhost.onion/dump/\">mirror/</a> 07-Dec-2026 12:00 -\n"
    "<a href=\"http://otherhost.onion/x.zip\">x.zip</a> 07-Dec-2026 12:00 10\n"
    "<a>no href</a>                           07-Dec-2026 12:00       3\n"
    "<a href=\"huge.bin\">huge.bin</a>        07-Dec-2026 12:00 99999999999999999999999\n"
    "<a href=\"neg.bin\">neg.bin</a>          07-Dec-2026 12:00     -12\n"
    "<a href=\"junk.bin\">junk.bin</a>        07-Dec-2026 12:00     12Q\n"
    "<a href=\"%01%1B%5B31mred.txt\">\x01\x1b[31mred.txt</a> 07-Dec-2026 12:00 4\n"
    "<a href=\"%3Cscript%3E.txt\">&lt;script&gt;.txt</a> 07-Dec-2026 12:00 1.5K\n"
    "<a href=\"evil\nname.txt\">x</a>        garbage-time       7\n"
    "</pre><hr></body></html>\n";

TEST_CASE("hostile listing entries are dropped or flagged, never followed", "[unit]") {
  const Extraction tree = Auto(kHostile);
  CHECK(tree.profile == "nginx_autoindex");
  CHECK(tree.page_kind == PageKind::kFileTree);
  // The only folder in scope: sub/ once; never ../, /, /elsewhere/, a sort view, another host.
  REQUIRE(tree.links.size() == 1);
  CHECK(tree.links[0].url == kSite + "/leak/sub/");
  CHECK(tree.links[0].role == LinkRole::kListing);
  CHECK(tree.yield.listings == 1);
  CHECK(tree.yield.files == tree.files.size());
  for (const Link& file : tree.files) {
    CHECK(file.role == LinkRole::kFile);
    CHECK(file.url.rfind(kSite + "/", 0) == 0);  // nothing on another host, nothing javascript:
  }
  CHECK(FindFile(tree, "click.zip") == nullptr);
  CHECK(FindFile(tree, "x.zip") == nullptr);
  // Sizes that overflow or are garbage are no size at all, and are reported.
  const Link* huge = FindFile(tree, "huge.bin");
  REQUIRE(huge != nullptr);
  CHECK(!huge->size_bytes);
  REQUIRE(FindFile(tree, "neg.bin") != nullptr);
  CHECK(!FindFile(tree, "neg.bin")->size_bytes);
  CHECK(!FindFile(tree, "junk.bin")->size_bytes);
  REQUIRE(FindAnomaly(tree, "bad_size") != nullptr);
  CHECK(FindAnomaly(tree, "bad_size")->detail.rfind("3 entries", 0) == 0);
  // Names: control characters replaced, markup kept as text (escaping is the printer's job).
  CHECK(FindFile(tree, "\xEF\xBF\xBD\xEF\xBF\xBD[31mred.txt") != nullptr);
  CHECK(FindAnomaly(tree, "control_chars_in_name") != nullptr);
  const Link* script = FindFile(tree, "<script>.txt");
  REQUIRE(script != nullptr);
  CHECK(script->size_bytes == 1536u);
  CHECK(script->time_utc == kDec7Noon);
  CHECK(FindAnomaly(tree, "bad_entry_href") != nullptr);
  CHECK(FindAnomaly(tree, "off_site_entry")->detail.rfind("2 entries", 0) == 0);
  CHECK(FindAnomaly(tree, "off_scope_folder") != nullptr);
  CHECK(FindAnomaly(tree, "entry_without_href") != nullptr);
}

TEST_CASE("auto tells listings from forum pages and pastes", "[unit]") {
  // A forum post quoting a listing has it escaped; a paste's raw view is text/plain.
  const std::string forum =
      "<html><head><title>Dump of Perceptics - Board index</title></head><body>"
      "<div class=\"post\"><pre>&lt;title&gt;Index of /leak/&lt;/title&gt;\n"
      "&lt;a href=\"dump.zip\"&gt;dump.zip&lt;/a&gt; 07-Dec-2026 12:00 1234</pre></div>"
      "<a href=\"/viewtopic.php?t=1\">topic</a></body></html>";
  CHECK(Auto(forum).page_kind != PageKind::kFileTree);
  CHECK(!LooksLikeFileTree(Page{kSite + "/", forum, "text/html"}));
  CHECK(LooksLikeFileTree(Page{kSite + "/", kHostile, "text/html"}));
  CHECK(!LooksLikeFileTree(Page{kSite + "/", kHostile, "text/plain; charset=utf-8"}));
  CHECK(Auto(kHostile, kSite + "/raw/abc", "text/plain").page_kind == PageKind::kPaste);
  // Leaked JSON records served as JSON are not an index.
  const std::string records = R"([{"name":"J. Doe","type":"passport","plate":"ABC123"}])";
  CHECK(Auto(records, kSite + "/x.json", "application/json").page_kind != PageKind::kFileTree);
  // Every golden page of a forum, paste or generic profile stays what it was.
  const auto data = std::filesystem::path(LW_SOURCE_DIR) / "tests" / "data" / "parsers";
  size_t checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
    if (entry.path().extension() != ".html") continue;
    const Profile* profile = Profiles().Find(entry.path().parent_path().filename().string());
    if (profile != nullptr && profile->kind == ProfileKind::kFileTree) continue;
    // Cases pinned to a profile test that profile (urls/ holds a listing-like page read
    // by "generic" to test URL resolution); the others are read by "auto" anyway.
    std::ifstream request(entry.path().parent_path() / (entry.path().stem().string() + ".request"));
    std::ostringstream request_text;
    request_text << request.rdbuf();
    if (request_text.str().find("profile: ") != std::string::npos &&
        request_text.str().find("profile: auto") == std::string::npos) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    INFO(entry.path().string());
    CHECK(Auto(body.str(), kSite + "/index.php").page_kind != PageKind::kFileTree);
    ++checked;
  }
  CHECK(checked >= 30);
}

std::string NginxPage(size_t folders, size_t files) {
  std::string page =
      "<html>\n<head><title>Index of /big/</title></head>\n<body>\n<h1>Index of "
      "/big/</h1><hr><pre><a href=\"../\">../</a>\n";
  page.reserve((folders + files) * 130);
  char line[256];
  for (size_t i = 0; i < folders; ++i) {
    std::snprintf(
        line, sizeof line,
        "<a href=\"dir_%06zu/\">dir_%06zu/</a>%40s07-Dec-2026 12:00                   -\n", i, i,
        "");
    page += line;
  }
  for (size_t i = 0; i < files; ++i) {
    std::snprintf(line, sizeof line,
                  "<a href=\"IMG_%06zu.jpg\">IMG_%06zu.jpg</a>%36s07-Dec-2026 12:00 %19zu\n", i, i,
                  "", 100000 + i);
    page += line;
  }
  page += "</pre><hr></body>\n</html>\n";
  return page;
}

// Peak resident memory of this process in KiB (VmHWM), 0 where /proc is missing.
size_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

void CheckBigTree(size_t folders, size_t files) {
  const std::string page = NginxPage(folders, files);
  // A fetcher can tell from the first bytes that this page may use the tree caps.
  CHECK(LooksLikeFileTree(Page{kSite + "/big/", std::string_view(page).substr(0, 4096), ""}));
  const size_t rss_before = PeakRssKib();
  const auto start = std::chrono::steady_clock::now();
  const Extraction tree = Auto(page, kSite + "/big/");
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  WARN(folders + files << "-entry nginx page of " << page.size() << " bytes extracted in "
                       << elapsed.count() << " ms; peak RSS grew by "
                       << (PeakRssKib() - rss_before) / 1024 << " MiB");
  CHECK(tree.profile == "nginx_autoindex");
  CHECK(tree.links.size() == folders);
  REQUIRE(tree.files.size() == files);
  CHECK(tree.yield.files == files);
  CHECK(tree.yield.listings == folders);
  CHECK(tree.yield.items == folders + files);
  char last[32];
  std::snprintf(last, sizeof last, "IMG_%06zu.jpg", files - 1);
  CHECK(tree.files.back().url == kSite + "/big/" + last);
  CHECK(tree.files.back().size_bytes == 100000u + files - 1);
  CHECK(tree.files.back().time_utc == kDec7Noon);
  CHECK(FindAnomaly(tree, "too_many_entries") == nullptr);
  CHECK(FindAnomaly(tree, "truncated") == nullptr);
}

TEST_CASE("a listing of more entries than max_links is extracted whole", "[unit]") {
  CheckBigTree(100, Limits().max_links * 2);

  // The entry cap holds and says so.
  Limits limits;
  limits.max_tree_entries = 1000;
  const Extraction capped = Auto(NginxPage(10, 2000), kSite + "/big/", "text/html", limits);
  CHECK(capped.links.size() + capped.files.size() == 1000);
  CHECK(FindAnomaly(capped, "too_many_entries") != nullptr);
}

// About 30 s under the Debug + ASan build, well under a second optimised.
TEST_CASE("a 100,000-entry listing is extracted whole", "[.slow]") {
  CHECK(NginxPage(1000, 99'000).size() > Limits().max_page_bytes);  // over a forum page's cap
  CheckBigTree(1000, 99'000);
}

}  // namespace
}  // namespace leakwatch::parsers
