// PDQ conformance against the reference implementation's hashes and qualities
// (../shared/conformance/pdq, from Meta's ThreatExchange repository).
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "match/pdq.h"
#include "tests/support/temp_dir.h"
#include "util/files.h"

namespace leakwatch::match {
namespace {

struct Expected {
  std::string file;
  PdqHash hash;
  int quality = 0;
};

std::filesystem::path ConformanceDir() {
  return leakwatch::testing::SharedDir() / "conformance/pdq";
}

std::vector<Expected> LoadExpected() {
  std::ifstream in(ConformanceDir() / "expected.csv");
  REQUIRE(in);
  std::vector<Expected> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream fields(line);
    std::string file, hex, quality;
    std::getline(fields, file, ',');
    std::getline(fields, hex, ',');
    std::getline(fields, quality, ',');
    auto hash = PdqHash::FromHex(hex);
    REQUIRE(hash.has_value());
    rows.push_back({file, *hash, std::stoi(quality)});
  }
  return rows;
}

std::string ReadImage(const std::string& name) {
  auto bytes = util::ReadFileCapped(ConformanceDir() / "images" / name, 64u << 20);
  REQUIRE(bytes.has_value());
  return *bytes;
}

// PDQ's rule for an implementation with its own decoder: within 10 bits of the
// reference at quality >= 80.
constexpr int kConformanceBits = 10;
constexpr int kHighQuality = 80;

TEST_CASE("PDQ matches the reference hashes and qualities", "[unit]") {
  const auto expected = LoadExpected();
  REQUIRE(expected.size() >= 18);
  for (const auto& row : expected) {
    INFO(row.file);
    auto hashes = PdqFromImageBytes(ReadImage(row.file));
    REQUIRE(hashes.has_value());
    const int distance = HammingDistance(hashes->hash(), row.hash);
    UNSCOPED_INFO(row.file << " distance " << distance << " quality " << hashes->quality
                           << " (reference " << row.quality << ")");
    if (row.quality >= kHighQuality) {
      CHECK(distance <= kConformanceBits);
      CHECK(hashes->quality >= kHighQuality);
      CHECK_FALSE(hashes->low_quality());
    } else if (row.quality < kPdqQualityFloor) {
      CHECK(hashes->low_quality());
    }
  }
}

// bridge-1..8 are the original and its seven dihedral transforms, in the order of
// the Dihedral enum. Each file's hash (ours and the reference's) must be nearest to
// the variant of its own transform, well inside the match threshold, and far from
// the others. (Each file was re-encoded after transforming and the reference hashes
// a 512x512 resample, so a few bits of drift per side are expected.)
TEST_CASE("every dihedral transform of the bridge photo is among the original's variants",
          "[unit]") {
  constexpr int kDihedralTolerance = 16;
  constexpr int kOtherVariantsAtLeast = 64;
  const auto expected = LoadExpected();
  auto original = PdqFromImageBytes(ReadImage("bridge-1-original.jpg"));
  REQUIRE(original.has_value());
  REQUIRE(original->count == kDihedralCount);
  size_t transform = 0;
  for (const auto& row : expected) {
    if (row.file.rfind("bridge-", 0) != 0) continue;
    INFO(row.file);
    auto file_hashes = PdqFromImageBytes(ReadImage(row.file), {}, {.dihedral = false});
    REQUIRE(file_hashes.has_value());
    CHECK(file_hashes->count == 1);
    for (const PdqHash& target : {file_hashes->hash(), row.hash}) {
      for (size_t v = 0; v < kDihedralCount; ++v) {
        const int distance = HammingDistance(original->variants[v], target);
        INFO("variant " << v << " distance " << distance);
        if (v == transform) {
          CHECK(distance <= kDihedralTolerance);
        } else {
          CHECK(distance >= kOtherVariantsAtLeast);
        }
      }
    }
    ++transform;
  }
  CHECK(transform == kDihedralCount);
}

// The reference tool resamples images larger than 512 px on a side to 512x512 by
// nearest neighbour (source pixel floor(x * width / 512)) before hashing. Fed that
// same pixel array, PDQ's rule is bit-exactness.
RgbImage ReferenceResample512(const RgbImage& image) {
  constexpr uint32_t kSide = 512;
  if (image.width <= kSide && image.height <= kSide) return image;
  RgbImage out{kSide, kSide, std::vector<uint8_t>(size_t{kSide} * kSide * 3)};
  for (uint32_t y = 0; y < kSide; ++y) {
    const size_t source_y = size_t{y} * image.height / kSide;
    for (uint32_t x = 0; x < kSide; ++x) {
      const size_t source_x = size_t{x} * image.width / kSide;
      std::copy_n(&image.pixels[(source_y * image.width + source_x) * 3], 3,
                  &out.pixels[(size_t{y} * kSide + x) * 3]);
    }
  }
  return out;
}

TEST_CASE("fed the reference's pixels, PDQ reproduces every reference hash exactly", "[unit]") {
  ImageLimits full_resolution;
  full_resolution.jpeg_min_decoded_side = 0;
  for (const auto& row : LoadExpected()) {
    INFO(row.file);
    auto rgb = DecodeImage(ReadImage(row.file), full_resolution);
    REQUIRE(rgb.has_value());
    const PdqHashes hashes = PdqFromLuma(LumaFromRgb(ReferenceResample512(*rgb)));
    CHECK(hashes.hash().ToHex() == row.hash.ToHex());
    CHECK(hashes.quality == row.quality);
  }
}

TEST_CASE("hex and byte forms round-trip in the reference's order", "[unit]") {
  const std::string hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
  auto hash = PdqHash::FromHex(hex);
  REQUIRE(hash.has_value());
  CHECK(hash->ToHex() == hex);
  const auto bytes = hash->ToBytes();
  CHECK(bytes[0] == 0xd8);
  CHECK(bytes[31] == 0x22);
  auto back = PdqHash::FromBytes(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  REQUIRE(back.has_value());
  CHECK(*back == *hash);
  // Word 15 is printed first: bit 255 is the top bit of the first digit.
  CHECK(hash->Bit(255));
  CHECK(hash->Word16(0) == 0x9b22);
  CHECK_FALSE(PdqHash::FromHex("xyz").has_value());
  CHECK_FALSE(PdqHash::FromHex(std::string(64, 'g')).has_value());
}

}  // namespace
}  // namespace leakwatch::match
