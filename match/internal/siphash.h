// match/internal/siphash: an inline SipHash-2-4 with 128-bit output ("SipHash-x-2-4",
// libsodium's crypto_shorthash_siphashx24) that stops after the first 64-bit half.
//
// Record fingerprints use only the first 8 bytes of the 128-bit output, so the four
// finalisation rounds of the second half are skipped; the first half is bit-identical
// to libsodium's (tests/unit/match/key_test.cc checks it against libsodium on random
// inputs). The input may be given in pieces, so callers need not copy a domain byte
// and values into one buffer. Thread safety: pure functions.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>

namespace leakwatch::match::detail {

class SipHashX24First64 {
 public:
  // `key` is 16 bytes (crypto_shorthash_siphashx24_KEYBYTES).
  explicit SipHashX24First64(const unsigned char* key) {
    k0_ = Load64(key);
    k1_ = Load64(key + 8);
  }

  // SipHash-x-2-4 of the concatenation of `pieces`, first 8 output bytes as a little
  // endian integer (what a little-endian load of libsodium's output gives).
  uint64_t Hash(std::initializer_list<std::string_view> pieces) const {
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0_;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1_ ^ 0xee;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0_;
    uint64_t v3 = 0x7465646279746573ULL ^ k1_;
    uint64_t total = 0;
    for (const std::string_view piece : pieces) total += piece.size();
    unsigned char block[8];
    size_t fill = 0;
    auto absorb = [&](uint64_t m) {
      v3 ^= m;
      Round(v0, v1, v2, v3);
      Round(v0, v1, v2, v3);
      v0 ^= m;
    };
    for (const std::string_view piece : pieces) {
      const auto* p = reinterpret_cast<const unsigned char*>(piece.data());
      size_t n = piece.size();
      if (fill > 0) {
        const size_t take = n < 8 - fill ? n : 8 - fill;
        std::memcpy(block + fill, p, take);
        fill += take;
        p += take;
        n -= take;
        if (fill < 8) continue;
        absorb(Load64(block));
        fill = 0;
      }
      for (; n >= 8; n -= 8, p += 8) absorb(Load64(p));
      if (n > 0) std::memcpy(block, p, n);
      fill = n;
    }
    uint64_t last = total << 56;
    for (size_t i = 0; i < fill; ++i) last |= static_cast<uint64_t>(block[i]) << (8 * i);
    absorb(last);
    v2 ^= 0xee;
    for (int i = 0; i < 4; ++i) Round(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
  }

  // The same function of one contiguous input of `n` bytes at `p`, without the piece
  // bookkeeping (the hot path: identifier candidates are short).
  uint64_t Hash(const unsigned char* p, size_t n) const {
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0_;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1_ ^ 0xee;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0_;
    uint64_t v3 = 0x7465646279746573ULL ^ k1_;
    auto absorb = [&](uint64_t m) {
      v3 ^= m;
      Round(v0, v1, v2, v3);
      Round(v0, v1, v2, v3);
      v0 ^= m;
    };
    const unsigned char* const end = p + (n & ~size_t{7});
    for (; p < end; p += 8) absorb(Load64(p));
    uint64_t last = static_cast<uint64_t>(n) << 56;
    for (size_t i = 0; i < (n & 7); ++i) last |= static_cast<uint64_t>(p[i]) << (8 * i);
    absorb(last);
    v2 ^= 0xee;
    for (int i = 0; i < 4; ++i) Round(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
  }

 private:
  static uint64_t Load64(const unsigned char* p) {
    if constexpr (std::endian::native == std::endian::little) {
      uint64_t v;
      std::memcpy(&v, p, sizeof v);
      return v;
    }
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  static uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
  static void Round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }

  uint64_t k0_ = 0, k1_ = 0;
};

}  // namespace leakwatch::match::detail
