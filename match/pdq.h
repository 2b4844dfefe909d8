// match/pdq: the PDQ perceptual image hash (Meta/Facebook, 2017), implemented from
// its published description.
//
// Pipeline: luminance (0.299 R + 0.587 G + 0.114 B) -> Jarosz tent filter (two
// passes of 1-D box filters along rows then columns, window = ceil(side / 128))
// -> decimation to 64x64 -> the 16x16 low-frequency block of the 2-D DCT (rows
// and columns 1..16, skipping DC) -> one bit per coefficient: set iff it is above
// the median. The quality metric (0..100) counts significant gradients in the
// 64x64 image; below kPdqQualityFloor an image is too flat to match meaningfully.
//
// The eight dihedral variants (rotations by 90/180/270, flips about the x and y
// axes and both diagonals) are derived from the DCT output by sign changes and a
// transpose, without re-hashing the pixels, exactly as the reference does.
//
// Bit order and hex form are the reference's: bit k (k = 16 * row + column of the
// DCT block) is bit k % 16 of 16-bit word k / 16, and the hex string prints word 15
// first. So hashes interoperate with ThreatExchange and other PDQ tools.
//
// Thread safety: everything here is a pure function; any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "match/image_decode.h"
#include "util/status.h"

namespace leakwatch::match {

// PDQ's recommended match threshold (Hamming distance, inclusive).
inline constexpr int kPdqDefaultThreshold = 31;
// PDQ's recommended quality floor: hashes of images below it match almost anything.
inline constexpr int kPdqQualityFloor = 50;
inline constexpr int kPdqBits = 256;

struct PdqHash {
  // Bit b is bit (b % 64) of words[b / 64]; equivalently the reference's 16-bit
  // word w[i] is bits 16*(i%4).. of words[i/4].
  std::array<uint64_t, 4> words{};

  bool Bit(int index) const {
    return ((words[static_cast<size_t>(index >> 6)] >> (index & 63)) & 1u) != 0;
  }
  void SetBit(int index) { words[static_cast<size_t>(index >> 6)] |= uint64_t{1} << (index & 63); }
  // The reference's 16-bit word i (0..15): the bands multi-index hashing uses.
  uint16_t Word16(int i) const {
    return static_cast<uint16_t>(words[static_cast<size_t>(i >> 2)] >> (16 * (i & 3)));
  }

  // 64 lowercase hex digits, word 15 first (the reference's format).
  std::string ToHex() const;
  static std::optional<PdqHash> FromHex(std::string_view hex);
  // 32 bytes, the same order as the hex digits (for storage as a BLOB).
  std::array<uint8_t, 32> ToBytes() const;
  static std::optional<PdqHash> FromBytes(std::string_view bytes);

  friend bool operator==(const PdqHash&, const PdqHash&) = default;
};

// Hamming distance 0..256 (popcount of the XOR).
int HammingDistance(const PdqHash& a, const PdqHash& b);

// Index into PdqHashes::variants, in the reference's order.
enum class Dihedral {
  kOriginal = 0,
  kRotate90,
  kRotate180,
  kRotate270,
  kFlipX,
  kFlipY,
  kFlipPlus1,
  kFlipMinus1,
};
inline constexpr int kDihedralCount = 8;

struct PdqHashes {
  int quality = 0;  // 0..100
  // variants[0] is the hash of the image itself; variants[1..7] are filled (in
  // Dihedral order) only when dihedral variants were requested, and `count` says
  // how many entries are meaningful (1 or 8).
  std::array<PdqHash, kDihedralCount> variants{};
  int count = 1;

  const PdqHash& hash() const { return variants[0]; }
  bool low_quality() const { return quality < kPdqQualityFloor; }
};

struct PdqOptions {
  // Also derive the seven rotated/flipped variants from the DCT (cheap: no pixel work).
  bool dihedral = true;
};

// Hashes a luminance plane. `image` is consumed (used as filter scratch space).
// REQUIRES: width, height >= 1 and pixels.size() == width * height.
PdqHashes PdqFromLuma(LumaImage image, const PdqOptions& options = {});

// Decodes (see DecodeLuma for the errors) and hashes an encoded image.
Result<PdqHashes> PdqFromImageBytes(std::string_view bytes, const ImageLimits& limits = {},
                                    const PdqOptions& options = {});

}  // namespace leakwatch::match
