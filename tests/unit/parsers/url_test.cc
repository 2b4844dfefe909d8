#include "parsers/url.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace leakwatch::parsers {
namespace {

std::string Norm(const std::string& text) {
  auto result = NormalizeUrl(text);
  return result.has_value() ? *result : "ERROR: " + result.error().message();
}

std::string Res(const std::string& base, const std::string& reference) {
  auto result = ResolveUrl(base, reference);
  return result.has_value() ? *result : "ERROR: " + result.error().message();
}

TEST_CASE("normalisation lowercases scheme and host, drops default port and fragment", "[unit]") {
  CHECK(Norm("HTTP://Example.ONION:80/a/./b/../c?x=%7e#top") == "http://example.onion/a/c?x=~");
  CHECK(Norm("https://example.org:443") == "https://example.org/");
  CHECK(Norm("https://example.org:0443/") == "https://example.org/");
  CHECK(Norm("http://example.org:8080/") == "http://example.org:8080/");
  CHECK(Norm("http://user:pw@Example.org/") == "http://user:pw@example.org/");
  CHECK(Norm("http://[::1]:8080/x") == "http://[::1]:8080/x");
}

TEST_CASE("percent-encoding is normalised", "[unit]") {
  CHECK(Norm("http://h/%7euser/%2fx%2F?q=%41%3d") == "http://h/~user/%2Fx%2F?q=A%3D");
  CHECK(Norm("http://h/a b/\xC3\xA9") == "http://h/a%20b/%C3%A9");
  CHECK(Norm("http://h/100%") == "http://h/100%25");
  CHECK(Norm("http://h/%zz") == "http://h/%25zz");
  CHECK(Norm("http://h/<x>\"") == "http://h/%3Cx%3E%22");
}

TEST_CASE("browser cleanup: whitespace, tabs, backslashes", "[unit]") {
  CHECK(Norm("  http://h/a\n/b\t  ") == "http://h/a/b");
  CHECK(Norm("http:\\\\h\\a\\b") == "http://h/a/b");
}

TEST_CASE("RFC 3986 section 5.4 reference resolution examples", "[unit]") {
  const std::string base = "http://a/b/c/d;p?q";
  CHECK(Res(base, "g") == "http://a/b/c/g");
  CHECK(Res(base, "./g") == "http://a/b/c/g");
  CHECK(Res(base, "g/") == "http://a/b/c/g/");
  CHECK(Res(base, "/g") == "http://a/g");
  CHECK(Res(base, "//g") == "http://g/");
  CHECK(Res(base, "?y") == "http://a/b/c/d;p?y");
  CHECK(Res(base, "g?y") == "http://a/b/c/g?y");
  CHECK(Res(base, "#s") == "http://a/b/c/d;p?q");
  CHECK(Res(base, "g?y#s") == "http://a/b/c/g?y");
  CHECK(Res(base, ";x") == "http://a/b/c/;x");
  CHECK(Res(base, "") == "http://a/b/c/d;p?q");
  CHECK(Res(base, ".") == "http://a/b/c/");
  CHECK(Res(base, "./") == "http://a/b/c/");
  CHECK(Res(base, "..") == "http://a/b/");
  CHECK(Res(base, "../") == "http://a/b/");
  CHECK(Res(base, "../g") == "http://a/b/g");
  CHECK(Res(base, "../..") == "http://a/");
  CHECK(Res(base, "../../g") == "http://a/g");
  CHECK(Res(base, "../../../g") == "http://a/g");
  CHECK(Res(base, "/./g") == "http://a/g");
  CHECK(Res(base, "/../g") == "http://a/g");
  CHECK(Res(base, "g.") == "http://a/b/c/g.");
  CHECK(Res(base, ".g") == "http://a/b/c/.g");
  CHECK(Res(base, "g..") == "http://a/b/c/g..");
  CHECK(Res(base, "./../g") == "http://a/b/g");
  CHECK(Res(base, "./g/.") == "http://a/b/c/g/");
  CHECK(Res(base, "g/./h") == "http://a/b/c/g/h");
  CHECK(Res(base, "g/../h") == "http://a/b/c/h");
  CHECK(Res(base, "g;x=1/./y") == "http://a/b/c/g;x=1/y");
  CHECK(Res(base, "g;x=1/../y") == "http://a/b/c/y");
  CHECK(Res(base, "g?y/./x") == "http://a/b/c/g?y/./x");
  CHECK(Res(base, "g#s/../x") == "http://a/b/c/g");
  CHECK(Res(base, "https://Other.example/x") == "https://other.example/x");
}

TEST_CASE("forum-style relative links resolve", "[unit]") {
  const std::string base = "http://forum.example/phpBB3/viewforum.php?f=2";
  CHECK(Res(base, "./viewtopic.php?f=2&amp;t=15") ==
        "http://forum.example/phpBB3/viewtopic.php?f=2&amp;t=15");
  CHECK(Res(base, "./viewtopic.php?f=2&t=15&sid=abc") ==
        "http://forum.example/phpBB3/viewtopic.php?f=2&t=15&sid=abc");
  CHECK(Res(base, "?f=2&start=25") == "http://forum.example/phpBB3/viewforum.php?f=2&start=25");
  CHECK(Res("http://h", "x") == "http://h/x");
}

TEST_CASE("fragments can be kept for file-host links", "[unit]") {
  auto url = Url::Parse("https://MEGA.nz/file/AbC#KeyPart", UrlOptions{.keep_fragment = true});
  REQUIRE(url.has_value());
  CHECK(url->spec() == "https://mega.nz/file/AbC#KeyPart");
  CHECK(url->fragment() == "KeyPart");
}

TEST_CASE("invalid URLs are errors, not crashes", "[unit]") {
  CHECK_FALSE(Url::Parse("no-scheme/path").has_value());
  CHECK_FALSE(Url::Parse("http://h:99999/").has_value());
  CHECK_FALSE(Url::Parse("http://h:8o/").has_value());
  CHECK_FALSE(Url::Parse("http:///path").has_value());
  CHECK_FALSE(Url::Parse(std::string(kMaxUrlBytes + 1, 'a')).has_value());
  auto magnet = Url::Parse("magnet:?xt=urn:btih:ABC&dn=x");
  REQUIRE(magnet.has_value());
  CHECK_FALSE(magnet->IsHttp());
  CHECK(magnet->spec() == "magnet:?xt=urn:btih:ABC&dn=x");
}

TEST_CASE("accessors expose the normalised parts", "[unit]") {
  auto url = Url::Parse("HTTPS://Sub.Example.org:8443/a%2fb?x=1");
  REQUIRE(url.has_value());
  CHECK(url->scheme() == "https");
  CHECK(url->host() == "sub.example.org");
  CHECK(url->port() == "8443");
  CHECK(url->path() == "/a%2Fb");
  CHECK(url->query() == "x=1");
  CHECK(url->HostPort() == "sub.example.org:8443");
  CHECK(RemoveDotSegments("/a/b/c/./../../g") == "/a/g");
  CHECK(RemoveDotSegments("mid/content=5/../6") == "mid/6");
}

// The crawler's identity (frontier keys, links, redirect targets, sightings).
TEST_CASE("the spellings of one URL that forums produce have one frontier key", "[unit]") {
  constexpr char kKey[] =
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/~admin/"
      "showthread.php?tid=7";
  const std::vector<std::string> spellings = {
      kKey,
      // %7E vs ~, and lower-case escapes
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/%7Eadmin/"
      "showthread.php?tid=7",
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/%7eadmin/"
      "showthread.php?tid=%37",
      // default port, with and without leading zeros
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion:80/~admin/"
      "showthread.php?tid=7",
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion:0080/~admin/"
      "showthread.php?tid=7",
      // dot segments, as relative links resolved by hand produce them
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/forum/../~admin/./"
      "showthread.php?tid=7",
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/a/b/../../~admin/"
      "%2E/showthread.php?tid=7",
      // fragments: post anchors and an empty one
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/~admin/"
      "showthread.php?tid=7#pid42",
      "http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/~admin/"
      "showthread.php?tid=7#",
      // case of scheme and host, browser whitespace
      "HTTP://FORUMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.ONION/~admin/"
      "showthread.php?tid=7",
      "  http://forumxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/~admin/"
      "showthread.php?tid=7\n",
  };
  for (const std::string& spelling : spellings) {
    INFO(spelling);
    auto key = NormalizeHttpUrl(spelling);
    REQUIRE(key.has_value());
    CHECK(*key == kKey);
  }
  // Resolving a relative link on a page gives the same key.
  auto resolved = ResolveHttpUrl(
      "http://FORUMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion:80/forum/index.php",
      "../%7Eadmin/showthread.php?tid=7#pid1");
  REQUIRE(resolved.has_value());
  CHECK(resolved->spec() == kKey);
  // Session ids are the site's business: they stay, so these are two keys.
  CHECK(*NormalizeHttpUrl(std::string(kKey) + "&sid=1") !=
        *NormalizeHttpUrl(std::string(kKey) + "&sid=2"));
  // Path case and the query are significant.
  CHECK(*NormalizeHttpUrl("http://a.onion/~Admin/") != *NormalizeHttpUrl("http://a.onion/~admin/"));
}

TEST_CASE("only fetchable http(s) URLs are crawler URLs", "[unit]") {
  CHECK(*NormalizeHttpUrl("https://x.onion:443/") == "https://x.onion/");
  CHECK(*NormalizeHttpUrl("http://x.onion:8080/p") == "http://x.onion:8080/p");
  CHECK(*NormalizeHttpUrl("http://127.0.0.1:8080") == "http://127.0.0.1:8080/");
  CHECK(*NormalizeHttpUrl("http://[::1]:80/a") == "http://[::1]/a");
  CHECK(ParseHttpUrl("http://[::1]/a")->host() == "[::1]");
  for (const char* bad :
       {"file:///etc/passwd", "not a url", "mailto:a@b.c", "ftp://x.onion/",
        "magnet:?xt=urn:btih:ABC", "http:x.onion/a", "http://x onion/", "http://x%2Fy.onion/",
        "http://x.onion:80:80/", "http://x.o~nion/", "http://[zz::1]/", "http://[/", "http:///a"}) {
    INFO(bad);
    CHECK_FALSE(NormalizeHttpUrl(bad).has_value());
  }
}

// Random URL-ish text built from the pieces real links are made of, hostile ones
// included. Normalising a key again must give the key: the frontier's UNIQUE
// (source_id, url) is only an identity if the key is a fixed point.
TEST_CASE("normalising twice changes nothing", "[unit]") {
  const std::vector<std::string> starts = {"http://",  "HTTPS://",    "http:\\\\",
                                           " http://", "http://u:p@", "https://[::1]"};
  const std::vector<std::string> hosts = {"a.onion", "A.ONION", "127.0.0.1", "x-y_z.example.org",
                                          "",        "h%41",    "[::1]"};
  const std::vector<std::string> pieces = {
      "/",      "//",  "a",    "B",    "%7e",      "%7E", "%41",  "%2f",   "%2F",   "%20",  " ",
      "..",     ".",   "?",    "#",    "&",        "=",   "~",    ":",     "@",     "%",    "%zz",
      ";",      "+",   "!",    "$",    "'",        "(",   "*",    ",",     "[",     "]",    "\\",
      "\t",     "\n",  "\x01", "\x7f", "\xC3\xA9", ":80", ":443", ":0080", ":8080", "/../", "/./",
      "%2E%2E", "%2e", "|",    "^",    "`",        "{",   "\""};
  std::mt19937 rng(20261207);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  int keys = 0;
  for (int i = 0; i < 200'000; ++i) {
    std::string text = pick(starts) + pick(hosts);
    for (auto k = rng() % 10; k > 0; --k) text += pick(pieces);
    auto key = NormalizeHttpUrl(text);
    auto url = NormalizeUrl(text);
    if (url.has_value()) {
      auto again = NormalizeUrl(*url);
      INFO(text);
      REQUIRE(again.has_value());
      REQUIRE(*again == *url);
    }
    if (!key.has_value()) continue;
    ++keys;
    INFO(text);
    auto again = NormalizeHttpUrl(*key);
    REQUIRE(again.has_value());
    REQUIRE(*again == *key);
    // Resolving the empty reference against a key is the key.
    auto self = ResolveHttpUrl(*key, "");
    REQUIRE(self.has_value());
    REQUIRE(self->spec() == *key);
  }
  CHECK(keys > 30'000);  // the generator reaches valid URLs, not only errors
}

}  // namespace
}  // namespace leakwatch::parsers
