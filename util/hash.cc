#include "util/hash.h"

#include <sodium.h>

namespace leakwatch::util {

struct Sha256::State {
  crypto_hash_sha256_state st;
};

std::string HexEncode(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
  return out;
}

std::string HexEncode(std::string_view bytes) {
  return HexEncode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

Sha256::Sha256() : state_(std::make_unique<State>()) { crypto_hash_sha256_init(&state_->st); }
Sha256::~Sha256() = default;

void Sha256::Update(std::string_view bytes) {
  crypto_hash_sha256_update(&state_->st, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
}

Sha256Digest Sha256::Finish() {
  Sha256Digest digest{};
  crypto_hash_sha256_final(&state_->st, digest.data());
  return digest;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 hasher;
  hasher.Update(bytes);
  const Sha256Digest digest = hasher.Finish();
  return HexEncode(digest.data(), digest.size());
}

}  // namespace leakwatch::util
