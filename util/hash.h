// util/hash: small hashing and encoding helpers shared by store, match and crawler.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace leakwatch::util {

using Sha256Digest = std::array<uint8_t, 32>;

// Lowercase hex of bytes.
std::string HexEncode(std::string_view bytes);
std::string HexEncode(const uint8_t* data, size_t size);

// Incremental SHA-256 (OpenSSL), for content streamed in pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // REQUIRES: called once; the object is spent afterwards.
  Sha256Digest Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One-shot SHA-256 as lowercase hex.
std::string Sha256Hex(std::string_view bytes);

// One-shot SHA3-256 (FIPS 202), as Tor's onion-address checksum needs.
using Sha3Digest = std::array<uint8_t, 32>;
Sha3Digest Sha3_256(std::string_view bytes);

}  // namespace leakwatch::util
