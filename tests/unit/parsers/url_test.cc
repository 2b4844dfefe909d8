#include "parsers/url.h"

#include <catch2/catch.hpp>
#include <string>

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

}  // namespace
}  // namespace leakwatch::parsers
