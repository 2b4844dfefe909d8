#include "util/onion.h"

#include <catch2/catch.hpp>

namespace leakwatch::util {
namespace {

TEST_CASE("IsOnionHost", "[unit]") {
  CHECK(IsOnionHost("abc.onion"));
  CHECK(IsOnionHost("www.ABC.Onion"));
  CHECK(IsOnionHost("abc.onion."));
  CHECK_FALSE(IsOnionHost(".onion"));
  CHECK_FALSE(IsOnionHost(".onion."));
  CHECK_FALSE(IsOnionHost("onion"));
  CHECK_FALSE(IsOnionHost("abc.onion.example.org"));
  CHECK_FALSE(IsOnionHost("notonion"));
  CHECK_FALSE(IsOnionHost(""));
}

TEST_CASE("v3 onion addresses: published ones pass, mistakes are named", "[unit]") {
  // The Tor Project's and DuckDuckGo's published v3 addresses.
  CHECK(CheckOnionV3Address("2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion").ok());
  CHECK(CheckOnionV3Address("duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion").ok());
  CHECK(CheckOnionV3Address("www.2GZYXA5IHM7NSGGFXNU52RCK2VV4RVMDLKIU3ZZUI5DU4XYCLEN53WID.onion.")
            .ok());

  auto message = [](std::string_view host) { return CheckOnionV3Address(host).message(); };
  // One character changed: the checksum catches it.
  CHECK(
      message("2gzyya5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion").find("checksum") !=
      std::string::npos);
  CHECK(message("2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wi1.onion")
            .find("only a-z and 2-7") != std::string::npos);
  CHECK(message("expyuzz4wqqyqhjn.onion").find("v2 onion address") != std::string::npos);
  CHECK(message("abc.onion").find("has 3 characters") != std::string::npos);
  CHECK(message("example.org").find("not an .onion") != std::string::npos);
  // The right length and alphabet but version byte 0 (the last character encodes it).
  CHECK(message(std::string(56, 'a') + ".onion").find("not a version 3") != std::string::npos);
}

TEST_CASE("OnionV3Address builds addresses that CheckOnionV3Address accepts", "[unit]") {
  std::array<uint8_t, 32> key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  // Computed independently with Python (hashlib.sha3_256 + base64.b32encode).
  CHECK(OnionV3Address(key) == "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dyp3kead.onion");
  for (uint8_t seed = 0; seed < 50; ++seed) {
    key.fill(seed);
    key[0] = static_cast<uint8_t>(seed * 7);
    const std::string address = OnionV3Address(key);
    INFO(address);
    CHECK(address.size() == 62);
    CHECK(CheckOnionV3Address(address).ok());
  }
}

}  // namespace
}  // namespace leakwatch::util
