// Decoders under hostile input: format sniffing, dimension caps checked from the
// header, truncated and corrupt files, and round trips through the real encoders.
#include "match/image_decode.h"

#include <array>
#include <catch2/catch.hpp>
#include <string>

#include "match/pdq.h"
#include "tests/unit/match/image/test_images.h"

namespace leakwatch::match {
namespace {

uint32_t Crc32(std::string_view bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void AppendBigEndian(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

std::string PngChunk(std::string_view type, std::string_view payload) {
  std::string chunk;
  AppendBigEndian(chunk, static_cast<uint32_t>(payload.size()));
  std::string body(type);
  body.append(payload);
  chunk.append(body);
  AppendBigEndian(chunk, Crc32(body));
  return chunk;
}

// A valid PNG header declaring width x height RGB pixels, followed by a tiny IDAT:
// the shape of a decompression bomb (a few bytes claiming gigapixels).
std::string BombPng(uint32_t width, uint32_t height) {
  std::string ihdr;
  AppendBigEndian(ihdr, width);
  AppendBigEndian(ihdr, height);
  ihdr.append(std::string("\x08\x02\x00\x00\x00", 5));  // 8-bit RGB, deflate, no interlace
  // zlib stream of a few zero bytes; the decoder must never get this far.
  const std::string idat("\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01", 10);
  return std::string("\x89PNG\r\n\x1A\n", 8) + PngChunk("IHDR", ihdr) + PngChunk("IDAT", idat) +
         PngChunk("IEND", "");
}

const RgbImage& Sample() {
  static const RgbImage image = testimg::GenerateNaturalImage(7, 320, 240);
  return image;
}

TEST_CASE("formats are sniffed from magic bytes", "[unit]") {
  CHECK(SniffImageFormat(testimg::EncodeJpeg(Sample(), 90)) == ImageFormat::kJpeg);
  CHECK(SniffImageFormat(testimg::EncodePng(Sample())) == ImageFormat::kPng);
  CHECK(SniffImageFormat(testimg::EncodeWebp(Sample(), 80)) == ImageFormat::kWebp);
  CHECK(SniffImageFormat("GIF89a\x01\x00\x01\x00") == ImageFormat::kGif);
  CHECK(SniffImageFormat("hello, world") == ImageFormat::kUnknown);
  CHECK(SniffImageFormat("") == ImageFormat::kUnknown);
  CHECK(SniffImageFormat("RIFF\x10\x00\x00\x00WAVE") == ImageFormat::kUnknown);
  CHECK(ImageFormatName(ImageFormat::kWebp) == "webp");
}

TEST_CASE("PNG, WebP and JPEG round trips decode to the original pixels", "[unit]") {
  const RgbImage& image = Sample();
  auto png = DecodeImage(testimg::EncodePng(image));
  REQUIRE(png.has_value());
  CHECK(png->width == image.width);
  CHECK(png->height == image.height);
  CHECK(png->pixels == image.pixels);  // lossless

  auto webp = DecodeImage(testimg::EncodeWebp(image, 90));
  REQUIRE(webp.has_value());
  CHECK(webp->width == image.width);
  CHECK(webp->height == image.height);

  ImageLimits full;
  full.jpeg_min_decoded_side = 0;
  auto jpeg = DecodeImage(testimg::EncodeJpeg(image, 95), full);
  REQUIRE(jpeg.has_value());
  CHECK(jpeg->width == image.width);
  CHECK(jpeg->height == image.height);
  size_t total_error = 0;
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    total_error += static_cast<size_t>(std::abs(int{jpeg->pixels[i]} - int{image.pixels[i]}));
  }
  CHECK(total_error / image.pixels.size() < 6);  // lossy, but close
}

TEST_CASE("large JPEGs decode scaled, never below the requested side", "[unit]") {
  const RgbImage big = testimg::GenerateNaturalImage(8, 1920, 1080);
  const std::string jpeg = testimg::EncodeJpeg(big, 85);
  auto scaled = DecodeImage(jpeg);  // default: keep both sides >= 256
  REQUIRE(scaled.has_value());
  CHECK(scaled->width == 480);
  CHECK(scaled->height == 270);
  ImageLimits limits;
  limits.jpeg_min_decoded_side = 100;
  auto smaller = DecodeImage(jpeg, limits);
  REQUIRE(smaller.has_value());
  CHECK(smaller->width == 240);
  CHECK(smaller->height == 135);
  limits.jpeg_min_decoded_side = 0;
  auto full = DecodeImage(jpeg, limits);
  REQUIRE(full.has_value());
  CHECK(full->width == 1920);
  // A small image is never upscaled.
  auto small = DecodeImage(testimg::EncodeJpeg(testimg::GenerateNaturalImage(9, 100, 80), 85));
  REQUIRE(small.has_value());
  CHECK(small->width == 100);
}

TEST_CASE("a decompression-bomb PNG is refused from its header", "[unit]") {
  // 30000 x 30000 = 900 megapixels: within libpng's side limit, over ours.
  auto bomb = DecodeImage(BombPng(30000, 30000));
  REQUIRE_FALSE(bomb.has_value());
  CHECK(bomb.error().code() == StatusCode::kTooLarge);
  // 100000 px wide: refused by the side limit inside libpng's IHDR check.
  auto wide = DecodeImage(BombPng(100000, 10));
  REQUIRE_FALSE(wide.has_value());
  CHECK(wide.error().code() == StatusCode::kTooLarge);
  // The caps are the caller's to tighten.
  ImageLimits tight;
  tight.max_pixels = 1000;
  auto refused = DecodeImage(testimg::EncodePng(Sample()), tight);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == StatusCode::kTooLarge);
  auto refused_jpeg = DecodeImage(testimg::EncodeJpeg(Sample(), 80), tight);
  REQUIRE_FALSE(refused_jpeg.has_value());
  CHECK(refused_jpeg.error().code() == StatusCode::kTooLarge);
  auto refused_webp = DecodeImage(testimg::EncodeWebp(Sample(), 80), tight);
  REQUIRE_FALSE(refused_webp.has_value());
  CHECK(refused_webp.error().code() == StatusCode::kTooLarge);
}

TEST_CASE("truncated images are errors at every cut point, never crashes", "[unit]") {
  const std::array<std::string, 3> encoded = {testimg::EncodeJpeg(Sample(), 90),
                                              testimg::EncodePng(Sample()),
                                              testimg::EncodeWebp(Sample(), 80)};
  for (const std::string& full : encoded) {
    INFO(ImageFormatName(SniffImageFormat(full)));
    for (const double fraction : {0.002, 0.01, 0.05, 0.3, 0.6, 0.9, 0.99}) {
      const auto cut = static_cast<size_t>(static_cast<double>(full.size()) * fraction);
      INFO("cut at " << cut << " of " << full.size());
      auto decoded = DecodeImage(std::string_view(full).substr(0, cut));
      REQUIRE_FALSE(decoded.has_value());
      CHECK((decoded.error().code() == StatusCode::kCorruption ||
             decoded.error().code() == StatusCode::kUnsupported));
      auto hashed = PdqFromImageBytes(std::string_view(full).substr(0, cut));
      CHECK_FALSE(hashed.has_value());
    }
  }
}

TEST_CASE("a truncated JPEG is a corruption error", "[unit]") {
  const std::string jpeg = testimg::EncodeJpeg(Sample(), 90);
  auto decoded = DecodeImage(std::string_view(jpeg).substr(0, jpeg.size() / 2));
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code() == StatusCode::kCorruption);
  CHECK(decoded.error().message().rfind("jpeg:", 0) == 0);
}

TEST_CASE("corrupt bytes inside a valid header give errors or pixels, never crashes", "[unit]") {
  const std::array<std::string, 3> encoded = {testimg::EncodeJpeg(Sample(), 90),
                                              testimg::EncodePng(Sample()),
                                              testimg::EncodeWebp(Sample(), 80)};
  uint64_t state = 12345;
  for (const std::string& original : encoded) {
    for (int trial = 0; trial < 40; ++trial) {
      std::string damaged = original;
      for (int k = 0; k < 8; ++k) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const size_t at = 20 + static_cast<size_t>(state >> 33) % (damaged.size() - 20);
        damaged[at] = static_cast<char>(state >> 24);
      }
      auto decoded = DecodeImage(damaged);
      if (decoded.has_value()) {
        CHECK(decoded->pixels.size() == size_t{decoded->width} * decoded->height * 3);
      }
    }
  }
}

TEST_CASE("GIF and unknown data are reported unsupported", "[unit]") {
  auto gif = DecodeImage(std::string("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 13));
  REQUIRE_FALSE(gif.has_value());
  CHECK(gif.error().code() == StatusCode::kUnsupported);
  auto text = PdqFromImageBytes("not an image at all");
  REQUIRE_FALSE(text.has_value());
  CHECK(text.error().code() == StatusCode::kUnsupported);
}

}  // namespace
}  // namespace leakwatch::match
