#include "util/hash.h"

#include <catch2/catch.hpp>
#include <string>

namespace leakwatch::util {
namespace {

std::string Sha3Hex(std::string_view bytes) {
  const Sha3Digest d = Sha3_256(bytes);
  return HexEncode(d.data(), d.size());
}

// Expected digests from Python's hashlib.sha3_256.
TEST_CASE("SHA3-256 matches FIPS 202 on and across block boundaries", "[unit]") {
  CHECK(Sha3Hex("") == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  CHECK(Sha3Hex("abc") == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  CHECK(Sha3Hex(std::string(135, 'a')) ==
        "8094bb53c44cfb1e67b7c30447f9a1c33696d2463ecc1d9c92538913392843c9");
  CHECK(Sha3Hex(std::string(136, 'a')) ==
        "3fc5559f14db8e453a0a3091edbd2bc25e11528d81c66fa570a4efdcc2695ee1");
  CHECK(Sha3Hex(std::string(200, 'a')) ==
        "cce34485baf2bf2aca99b94833892a4f52896d3d153f7b840cc4f9fe695f1387");
}

TEST_CASE("SHA-256 matches FIPS 180-4, streamed in any pieces", "[unit]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string million(1'000'000, 'a');
  CHECK(Sha256Hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  Sha256 streamed;
  size_t piece = 1;
  for (size_t at = 0; at < million.size(); at += piece, piece = piece * 3 % 9973 + 1) {
    streamed.Update(std::string_view(million).substr(at, piece));
  }
  const Sha256Digest digest = streamed.Finish();
  CHECK(HexEncode(digest.data(), digest.size()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace leakwatch::util
