// demo/raster: the small raster toolkit behind the demo dataset and world: an RGB
// image buffer, a built-in 5x7 bitmap font (digits, A-Z, '-', ' '), shapes, and JPEG
// encoding/decoding through TurboJPEG (plus a box-filter resize, to play "re-encoded,
// resized" copies of dataset images).
//
// Thread safety: pure functions on values; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::demo {

struct Rgb {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
};

// Interleaved 8-bit RGB, row major, no padding.
class RgbImage {
 public:
  RgbImage() = default;
  RgbImage(int width, int height, Rgb fill = {});

  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }
  std::vector<uint8_t>& pixels() { return pixels_; }

  // Out-of-range coordinates are ignored (Set) or clamped (Get).
  void Set(int x, int y, Rgb color);
  Rgb Get(int x, int y) const;
  // Blends `color` over the pixel with `alpha` in [0, 1].
  void Blend(int x, int y, Rgb color, double alpha);

 private:
  int width_ = 0;
  int height_ = 0;
  std::vector<uint8_t> pixels_;
};

// Glyph cell of the built-in font, before scaling, including one column of spacing.
inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
inline constexpr int kGlyphAdvance = kGlyphWidth + 1;

// Width in pixels of `text` drawn at `scale`.
int TextWidth(std::string_view text, int scale);
// Draws `text` with its top-left corner at (x, y), each font dot a scale x scale
// block. Lowercase letters are drawn as uppercase; characters the font lacks as blanks.
void DrawText(RgbImage& image, int x, int y, int scale, std::string_view text, Rgb color);

void FillRect(RgbImage& image, int x, int y, int width, int height, Rgb color);
// Filled ellipse with a soft (anti-aliased) edge, blended at `alpha`.
void FillEllipse(RgbImage& image, double cx, double cy, double rx, double ry, Rgb color,
                 double alpha);

// Encodes as baseline JPEG (4:2:0) at `quality` 1..100. Errors: InvalidArgument for an
// empty image or bad quality; Internal when TurboJPEG fails.
Result<std::string> EncodeJpeg(const RgbImage& image, int quality);
// Decodes a JPEG into RGB. Errors: Corruption for undecodable input; TooLarge past
// 64 megapixels.
Result<RgbImage> DecodeJpeg(std::string_view jpeg);
// Box-filter resize to width x height (both >= 1).
RgbImage Resize(const RgbImage& image, int width, int height);
// Decode, resize by `scale` (0 < scale <= 1) and re-encode at `quality`: a copy as a
// forum re-compresses an upload.
Result<std::string> ReencodeJpeg(std::string_view jpeg, double scale, int quality);

}  // namespace leakwatch::demo
