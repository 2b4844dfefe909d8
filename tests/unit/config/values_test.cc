// The value helpers the loader and the command line share.
#include <catch2/catch.hpp>

#include "config/config.h"

namespace leakwatch::config {
namespace {

TEST_CASE("ParseByteSize: bytes, binary and decimal units", "[unit]") {
  CHECK(ParseByteSize("0").value() == 0);
  CHECK(ParseByteSize("1024").value() == 1024);
  CHECK(ParseByteSize("8MiB").value() == 8 * kMiB);
  CHECK(ParseByteSize("512 KiB").value() == 512 * kKiB);
  CHECK(ParseByteSize("4GiB").value() == 4 * kGiB);
  CHECK(ParseByteSize("2TiB").value() == 2 * 1024 * kGiB);
  CHECK(ParseByteSize("3kB").value() == 3000);
  CHECK(ParseByteSize("5MB").value() == 5'000'000);
  CHECK(ParseByteSize("7B").value() == 7);
  for (const char* bad : {"", "MiB", "-1", "8 megs", "8mib", "1.5GiB", "8MiB ", " 8"}) {
    INFO(bad);
    CHECK_FALSE(ParseByteSize(bad).has_value());
  }
  CHECK(ParseByteSize("99999999999TiB").error().message() ==
        "size \"99999999999TiB\" is too large");
  CHECK_FALSE(ParseByteSize("99999999999999999999").has_value());
}

TEST_CASE("UrlHost", "[unit]") {
  CHECK(UrlHost("http://Example.ORG:8080/x").value() == "example.org");
  CHECK(UrlHost("https://[::1]/").value() == "::1");
  CHECK(UrlHost("http://abc.onion").value() == "abc.onion");
  CHECK_FALSE(UrlHost("file:///etc/passwd").has_value());
  CHECK_FALSE(UrlHost("http://a..b/").has_value());
  CHECK_FALSE(UrlHost("http://[::1/").has_value());
  CHECK_FALSE(UrlHost("http://h:0/").has_value());
}

TEST_CASE("Endpoint::ToString brackets IPv6 hosts", "[unit]") {
  CHECK(Endpoint{"127.0.0.1", 9050}.ToString() == "127.0.0.1:9050");
  CHECK(Endpoint{"::1", 8080}.ToString() == "[::1]:8080");
}

TEST_CASE("serve.listen and tor.control_port are host:port", "[unit]") {
  const Environment env = Environment::FromMap({{"HOME", "/h"}});
  auto config = ParseConfig("[serve]\nlisten = \"[::1]:0\"\n", "lw.toml", env);
  REQUIRE(config.has_value());
  CHECK(config->serve.listen == Endpoint{"::1", 0});
  auto bad = ParseConfig("[serve]\nlisten = \"localhost\"\n", "lw.toml", env);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message() ==
        "lw.toml:2:10: serve.listen: expected \"host:port\" (e.g. \"127.0.0.1:8080\"), got "
        "\"localhost\": missing \":port\"");
  auto control = ParseConfig("[tor]\ncontrol_port = \"127.0.0.1:0\"\n", "lw.toml", env);
  REQUIRE_FALSE(control.has_value());
  CHECK(control.error().message() ==
        "lw.toml:2:16: tor.control_port: expected \"host:port\" (e.g. \"127.0.0.1:9051\"), got "
        "\"127.0.0.1:0\": bad port \"0\" (expected 1..65535)");
}

}  // namespace
}  // namespace leakwatch::config
