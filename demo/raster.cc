#include "demo/raster.h"

#include <turbojpeg.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

namespace leakwatch::demo {
namespace {

constexpr uint64_t kMaxDecodedPixels = 64ull << 20;

struct Glyph {
  char ch;
  std::array<uint8_t, kGlyphHeight> rows;  // bit 4 = leftmost column
};

// A classic 5x7 dot-matrix font: enough for plate strings and region labels.
constexpr std::array<Glyph, 37> kFont = {{
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}},
    {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
}};

const Glyph* FindGlyph(char ch) {
  if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  for (const Glyph& g : kFont) {
    if (g.ch == ch) return &g;
  }
  return nullptr;
}

uint8_t Mix(uint8_t a, uint8_t b, double alpha) {
  const double v = a * (1.0 - alpha) + b * alpha;
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

struct TjDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

}  // namespace

RgbImage::RgbImage(int width, int height, Rgb fill)
    : width_(std::max(width, 0)), height_(std::max(height, 0)) {
  pixels_.resize(static_cast<size_t>(width_) * static_cast<size_t>(height_) * 3);
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = fill.r;
    pixels_[i + 1] = fill.g;
    pixels_[i + 2] = fill.b;
  }
}

void RgbImage::Set(int x, int y, Rgb color) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t at =
      (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  pixels_[at] = color.r;
  pixels_[at + 1] = color.g;
  pixels_[at + 2] = color.b;
}

Rgb RgbImage::Get(int x, int y) const {
  if (width_ == 0 || height_ == 0) return {};
  x = std::clamp(x, 0, width_ - 1);
  y = std::clamp(y, 0, height_ - 1);
  const size_t at =
      (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  return {pixels_[at], pixels_[at + 1], pixels_[at + 2]};
}

void RgbImage::Blend(int x, int y, Rgb color, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const Rgb old = Get(x, y);
  Set(x, y, {Mix(old.r, color.r, alpha), Mix(old.g, color.g, alpha), Mix(old.b, color.b, alpha)});
}

int TextWidth(std::string_view text, int scale) {
  if (text.empty()) return 0;
  return (static_cast<int>(text.size()) * kGlyphAdvance - 1) * scale;
}

void DrawText(RgbImage& image, int x, int y, int scale, std::string_view text, Rgb color) {
  for (size_t i = 0; i < text.size(); ++i) {
    const Glyph* glyph = FindGlyph(text[i]);
    if (glyph == nullptr) continue;
    const int left = x + static_cast<int>(i) * kGlyphAdvance * scale;
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int col = 0; col < kGlyphWidth; ++col) {
        if ((glyph->rows[static_cast<size_t>(row)] >> (kGlyphWidth - 1 - col) & 1) == 0) continue;
        FillRect(image, left + col * scale, y + row * scale, scale, scale, color);
      }
    }
  }
}

void FillRect(RgbImage& image, int x, int y, int width, int height, Rgb color) {
  for (int yy = std::max(y, 0); yy < std::min(y + height, image.height()); ++yy) {
    for (int xx = std::max(x, 0); xx < std::min(x + width, image.width()); ++xx) {
      image.Set(xx, yy, color);
    }
  }
}

void FillEllipse(RgbImage& image, double cx, double cy, double rx, double ry, Rgb color,
                 double alpha) {
  if (rx <= 0 || ry <= 0) return;
  const int x0 = static_cast<int>(std::floor(cx - rx - 1));
  const int x1 = static_cast<int>(std::ceil(cx + rx + 1));
  const int y0 = static_cast<int>(std::floor(cy - ry - 1));
  const int y1 = static_cast<int>(std::ceil(cy + ry + 1));
  const double edge = 1.5 / std::min(rx, ry);  // soft edge about 1.5 px wide
  for (int y = std::max(y0, 0); y <= std::min(y1, image.height() - 1); ++y) {
    for (int x = std::max(x0, 0); x <= std::min(x1, image.width() - 1); ++x) {
      const double dx = (x - cx) / rx;
      const double dy = (y - cy) / ry;
      const double d = std::sqrt(dx * dx + dy * dy);
      if (d >= 1.0) continue;
      const double coverage = std::min(1.0, (1.0 - d) / edge);
      image.Blend(x, y, color, alpha * coverage);
    }
  }
}

Result<std::string> EncodeJpeg(const RgbImage& image, int quality) {
  if (image.width() == 0 || image.height() == 0) return Status::InvalidArgument("empty image");
  if (quality < 1 || quality > 100) return Status::InvalidArgument("JPEG quality out of 1..100");
  TjHandle handle(tjInitCompress());
  if (!handle) return Status::Internal("tjInitCompress failed");
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  const int rc = tjCompress2(handle.get(), image.pixels().data(), image.width(), 0, image.height(),
                             TJPF_RGB, &out, &out_size, TJSAMP_420, quality, TJFLAG_ACCURATEDCT);
  if (rc != 0) {
    tjFree(out);
    return Status::Internal(std::string("JPEG encode: ") + tjGetErrorStr2(handle.get()));
  }
  std::string jpeg(reinterpret_cast<const char*>(out), out_size);
  tjFree(out);
  return jpeg;
}

Result<RgbImage> DecodeJpeg(std::string_view jpeg) {
  TjHandle handle(tjInitDecompress());
  if (!handle) return Status::Internal("tjInitDecompress failed");
  const auto* data = reinterpret_cast<const unsigned char*>(jpeg.data());
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  if (tjDecompressHeader3(handle.get(), data, jpeg.size(), &width, &height, &subsampling,
                          &colorspace) != 0) {
    return Status::Corruption(std::string("JPEG header: ") + tjGetErrorStr2(handle.get()));
  }
  if (width <= 0 || height <= 0 ||
      static_cast<uint64_t>(width) * static_cast<uint64_t>(height) > kMaxDecodedPixels) {
    return Status::TooLarge("JPEG dimensions out of range");
  }
  RgbImage image(width, height);
  if (tjDecompress2(handle.get(), data, jpeg.size(), image.pixels().data(), width, 0, height,
                    TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
    return Status::Corruption(std::string("JPEG data: ") + tjGetErrorStr2(handle.get()));
  }
  return image;
}

RgbImage Resize(const RgbImage& image, int width, int height) {
  width = std::max(width, 1);
  height = std::max(height, 1);
  RgbImage out(width, height);
  const double sx = static_cast<double>(image.width()) / width;
  const double sy = static_cast<double>(image.height()) / height;
  for (int y = 0; y < height; ++y) {
    const int ya = static_cast<int>(y * sy);
    const int yb = std::max(ya + 1, static_cast<int>((y + 1) * sy));
    for (int x = 0; x < width; ++x) {
      const int xa = static_cast<int>(x * sx);
      const int xb = std::max(xa + 1, static_cast<int>((x + 1) * sx));
      uint64_t r = 0;
      uint64_t g = 0;
      uint64_t b = 0;
      uint64_t n = 0;
      for (int yy = ya; yy < yb; ++yy) {
        for (int xx = xa; xx < xb; ++xx) {
          const Rgb p = image.Get(xx, yy);
          r += p.r;
          g += p.g;
          b += p.b;
          ++n;
        }
      }
      out.Set(
          x, y,
          {static_cast<uint8_t>(r / n), static_cast<uint8_t>(g / n), static_cast<uint8_t>(b / n)});
    }
  }
  return out;
}

Result<std::string> ReencodeJpeg(std::string_view jpeg, double scale, int quality) {
  if (!(scale > 0 && scale <= 1)) return Status::InvalidArgument("scale out of (0, 1]");
  LW_ASSIGN_OR_RETURN(RgbImage image, DecodeJpeg(jpeg));
  const int width = std::max(1, static_cast<int>(std::lround(image.width() * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(image.height() * scale)));
  return EncodeJpeg(Resize(image, width, height), quality);
}

}  // namespace leakwatch::demo
