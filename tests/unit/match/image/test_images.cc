#include "tests/unit/match/image/test_images.h"

#include <png.h>
#include <turbojpeg.h>
#include <webp/encode.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csetjmp>
#include <numbers>
#include <stdexcept>

namespace leakwatch::match::testimg {
namespace {

constexpr size_t kChannels = 3;

class Rng {
 public:
  // The seed is mixed first: splitmix64 streams from nearby raw seeds are shifted
  // copies of each other (seed s + k replays seed s's draws k steps later), which
  // made "distinct" generated images share their layout.
  explicit Rng(uint64_t seed) : state_(Mix(seed ^ 0x5DEECE66DULL)) {}
  uint64_t Next() { return Mix(state_ += 0x9E3779B97F4A7C15ULL); }  // splitmix64
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int Int(int lo, int hi) {
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

struct Color {
  double r, g, b;
};

Color RandomColor(Rng& rng) {
  return {rng.Uniform(0, 255), rng.Uniform(0, 255), rng.Uniform(0, 255)};
}

uint8_t Clamp(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// Floating-point canvas, converted to 8 bits at the end.
struct Canvas {
  uint32_t width, height;
  std::vector<double> px;  // rgb
  double* At(uint32_t x, uint32_t y) {
    return &px[(static_cast<size_t>(y) * width + x) * kChannels];
  }
  void Blend(uint32_t x, uint32_t y, const Color& c, double alpha) {
    double* p = At(x, y);
    p[0] += (c.r - p[0]) * alpha;
    p[1] += (c.g - p[1]) * alpha;
    p[2] += (c.b - p[2]) * alpha;
  }
};

void PaintBackground(Canvas& canvas, Rng& rng) {
  const Color a = RandomColor(rng);
  const Color b = RandomColor(rng);
  const double angle = rng.Uniform(0, 2 * std::numbers::pi);
  const double dx = std::cos(angle), dy = std::sin(angle);
  struct Wave {
    double fx, fy, phase, amplitude;
  };
  std::array<Wave, 4> waves{};
  for (auto& w : waves) {
    w = {rng.Uniform(-4, 4), rng.Uniform(-4, 4), rng.Uniform(0, 6.28), rng.Uniform(10, 40)};
  }
  for (uint32_t y = 0; y < canvas.height; ++y) {
    for (uint32_t x = 0; x < canvas.width; ++x) {
      const double u = static_cast<double>(x) / canvas.width,
                   v = static_cast<double>(y) / canvas.height;
      const double t = std::clamp(0.5 + (u - 0.5) * dx + (v - 0.5) * dy, 0.0, 1.0);
      double wave = 0;
      for (const auto& w : waves)
        wave += w.amplitude * std::sin(2 * std::numbers::pi * (w.fx * u + w.fy * v) + w.phase);
      double* p = canvas.At(x, y);
      p[0] = a.r + (b.r - a.r) * t + wave;
      p[1] = a.g + (b.g - a.g) * t + wave * 0.8;
      p[2] = a.b + (b.b - a.b) * t + wave * 0.6;
    }
  }
}

void PaintShapes(Canvas& canvas, Rng& rng) {
  const int count = rng.Int(6, 16);
  const double w = canvas.width, h = canvas.height;
  for (int s = 0; s < count; ++s) {
    const Color c = RandomColor(rng);
    const double cx = rng.Uniform(0, w), cy = rng.Uniform(0, h);
    const double rx = rng.Uniform(0.04, 0.3) * w, ry = rng.Uniform(0.04, 0.3) * h;
    const bool ellipse = rng.Uniform() < 0.5;
    const double softness = rng.Uniform(0.02, 0.3);
    const double opacity = rng.Uniform(0.5, 1.0);
    const auto x0 = static_cast<uint32_t>(std::max(0.0, cx - rx)),
               x1 = static_cast<uint32_t>(std::min(w - 1, cx + rx));
    const auto y0 = static_cast<uint32_t>(std::max(0.0, cy - ry)),
               y1 = static_cast<uint32_t>(std::min(h - 1, cy + ry));
    for (uint32_t y = y0; y <= y1 && y < canvas.height; ++y) {
      for (uint32_t x = x0; x <= x1 && x < canvas.width; ++x) {
        const double nx = (x - cx) / rx, ny = (y - cy) / ry;
        const double d =
            ellipse ? std::sqrt(nx * nx + ny * ny) : std::max(std::abs(nx), std::abs(ny));
        if (d >= 1.0) continue;
        const double alpha = opacity * std::clamp((1.0 - d) / softness, 0.0, 1.0);
        canvas.Blend(x, y, c, alpha);
      }
    }
  }
}

// Rows of short dark strokes: the texture of printed text or a plate's characters.
void PaintTextStrokes(Canvas& canvas, Rng& rng) {
  const int lines = rng.Int(1, 4);
  for (int l = 0; l < lines; ++l) {
    const double glyph_h = rng.Uniform(0.03, 0.08) * canvas.height;
    const double glyph_w = glyph_h * 0.6;
    double x = rng.Uniform(0, 0.5) * canvas.width;
    const double y = rng.Uniform(0, 0.9) * canvas.height;
    const int glyphs = rng.Int(5, 14);
    const Color ink = rng.Uniform() < 0.5 ? Color{15, 15, 20} : Color{240, 240, 235};
    for (int g = 0; g < glyphs && x + glyph_w < canvas.width; ++g) {
      const int strokes = rng.Int(2, 4);
      for (int s = 0; s < strokes; ++s) {
        const bool vertical = rng.Uniform() < 0.5;
        const double sx = x + rng.Uniform(0, glyph_w * 0.7), sy = y + rng.Uniform(0, glyph_h * 0.7);
        const double len =
            vertical ? glyph_h * rng.Uniform(0.4, 1.0) : glyph_w * rng.Uniform(0.4, 1.0);
        const double thick = std::max(1.0, glyph_h * 0.12);
        const double ex = vertical ? sx + thick : sx + len, ey = vertical ? sy + len : sy + thick;
        for (auto yy = static_cast<uint32_t>(sy); yy < std::min<double>(ey, canvas.height); ++yy) {
          for (auto xx = static_cast<uint32_t>(sx); xx < std::min<double>(ex, canvas.width); ++xx)
            canvas.Blend(xx, yy, ink, 0.9);
        }
      }
      x += glyph_w * 1.3;
    }
  }
}

void AddNoise(Canvas& canvas, Rng& rng) {
  const double amplitude = rng.Uniform(2, 8);
  for (auto& v : canvas.px) v += amplitude * (rng.Uniform() + rng.Uniform() - 1.0);
}

RgbImage ToImage(const Canvas& canvas) {
  RgbImage image{canvas.width, canvas.height, std::vector<uint8_t>(canvas.px.size())};
  for (size_t i = 0; i < canvas.px.size(); ++i) image.pixels[i] = Clamp(canvas.px[i]);
  return image;
}

const uint8_t* Pixel(const RgbImage& image, uint32_t x, uint32_t y) {
  return &image.pixels[(static_cast<size_t>(y) * image.width + x) * kChannels];
}
uint8_t* Pixel(RgbImage& image, uint32_t x, uint32_t y) {
  return &image.pixels[(static_cast<size_t>(y) * image.width + x) * kChannels];
}

RgbImage Blank(uint32_t width, uint32_t height) {
  return RgbImage{width, height,
                  std::vector<uint8_t>(static_cast<size_t>(width) * height * kChannels)};
}

struct PngBuffer {
  std::string out;
};
void PngWrite(png_structp png, png_bytep data, png_size_t length) {
  static_cast<PngBuffer*>(png_get_io_ptr(png))
      ->out.append(reinterpret_cast<const char*>(data), length);
}
void PngFlush(png_structp) {}

}  // namespace

RgbImage GenerateNaturalImage(uint64_t seed, uint32_t width, uint32_t height) {
  Rng rng(seed);
  Canvas canvas{width, height,
                std::vector<double>(static_cast<size_t>(width) * height * kChannels)};
  PaintBackground(canvas, rng);
  PaintShapes(canvas, rng);
  PaintTextStrokes(canvas, rng);
  AddNoise(canvas, rng);
  return ToImage(canvas);
}

std::string EncodeJpeg(const RgbImage& image, int quality) {
  tjhandle handle = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;  // NOLINT(google-runtime-int)
  const int rc =
      tjCompress2(handle, image.pixels.data(), static_cast<int>(image.width), 0,
                  static_cast<int>(image.height), TJPF_RGB, &buffer, &size, TJSAMP_420, quality, 0);
  std::string out;
  if (rc == 0) out.assign(reinterpret_cast<const char*>(buffer), size);
  tjFree(buffer);
  tjDestroy(handle);
  if (rc != 0) throw std::runtime_error("tjCompress2 failed");
  return out;
}

std::string EncodePng(const RgbImage& image) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  PngBuffer buffer;
  std::vector<png_bytep> rows(image.height);
  for (uint32_t y = 0; y < image.height; ++y) {
    rows[y] = const_cast<png_bytep>(image.pixels.data() +
                                    static_cast<size_t>(y) * image.width * kChannels);
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("png encode failed");
  }
  png_set_write_fn(png, &buffer, PngWrite, PngFlush);
  png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 1);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::move(buffer.out);
}

std::string EncodeWebp(const RgbImage& image, float quality) {
  uint8_t* output = nullptr;
  const size_t size = WebPEncodeRGB(image.pixels.data(), static_cast<int>(image.width),
                                    static_cast<int>(image.height),
                                    static_cast<int>(image.width * kChannels), quality, &output);
  if (size == 0) throw std::runtime_error("webp encode failed");
  std::string out(reinterpret_cast<const char*>(output), size);
  WebPFree(output);
  return out;
}

RgbImage Resize(const RgbImage& image, uint32_t width, uint32_t height) {
  RgbImage out = Blank(width, height);
  const double sx = static_cast<double>(image.width) / width,
               sy = static_cast<double>(image.height) / height;
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      std::array<double, kChannels> acc{};
      if (sx >= 1.0 && sy >= 1.0) {  // box filter over the footprint
        const auto x0 = static_cast<uint32_t>(x * sx),
                   x1 = std::max(x0 + 1, static_cast<uint32_t>((x + 1) * sx));
        const auto y0 = static_cast<uint32_t>(y * sy),
                   y1 = std::max(y0 + 1, static_cast<uint32_t>((y + 1) * sy));
        int n = 0;
        for (uint32_t yy = y0; yy < std::min(y1, image.height); ++yy) {
          for (uint32_t xx = x0; xx < std::min(x1, image.width); ++xx, ++n) {
            for (size_t c = 0; c < kChannels; ++c) acc[c] += Pixel(image, xx, yy)[c];
          }
        }
        for (size_t c = 0; c < kChannels; ++c) Pixel(out, x, y)[c] = Clamp(acc[c] / std::max(n, 1));
      } else {  // bilinear
        const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, image.width - 1.0);
        const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, image.height - 1.0);
        const auto ix = static_cast<uint32_t>(fx), iy = static_cast<uint32_t>(fy);
        const uint32_t jx = std::min(ix + 1, image.width - 1),
                       jy = std::min(iy + 1, image.height - 1);
        const double ax = fx - ix, ay = fy - iy;
        for (size_t c = 0; c < kChannels; ++c) {
          const double top = Pixel(image, ix, iy)[c] * (1 - ax) + Pixel(image, jx, iy)[c] * ax;
          const double bottom = Pixel(image, ix, jy)[c] * (1 - ax) + Pixel(image, jx, jy)[c] * ax;
          Pixel(out, x, y)[c] = Clamp(top * (1 - ay) + bottom * ay);
        }
      }
    }
  }
  return out;
}

RgbImage Grayscale(const RgbImage& image) {
  RgbImage out = image;
  for (size_t i = 0; i < out.pixels.size(); i += kChannels) {
    const uint8_t y =
        Clamp(0.299 * out.pixels[i] + 0.587 * out.pixels[i + 1] + 0.114 * out.pixels[i + 2]);
    out.pixels[i] = out.pixels[i + 1] = out.pixels[i + 2] = y;
  }
  return out;
}

RgbImage AddWatermark(const RgbImage& image, std::string_view text) {
  RgbImage out = image;
  // 5x7 glyphs derived from each character's code, 2 px per cell: text-shaped, not a font.
  const uint32_t cell = std::max<uint32_t>(1, image.height / 128);
  const uint32_t glyph_w = 6 * cell, glyph_h = 8 * cell;
  const uint32_t total_w = glyph_w * static_cast<uint32_t>(text.size());
  if (total_w + 4 * cell > image.width || glyph_h + 4 * cell > image.height) return out;
  const uint32_t x0 = image.width - total_w - 2 * cell, y0 = image.height - glyph_h - 2 * cell;
  for (size_t g = 0; g < text.size(); ++g) {
    Rng rng(static_cast<uint8_t>(text[g]));
    for (uint32_t row = 0; row < 7; ++row) {
      for (uint32_t col = 0; col < 5; ++col) {
        if (rng.Uniform() < 0.45) continue;
        for (uint32_t dy = 0; dy < cell; ++dy) {
          for (uint32_t dx = 0; dx < cell; ++dx) {
            const uint32_t x = x0 + static_cast<uint32_t>(g) * glyph_w + col * cell + dx,
                           y = y0 + row * cell + dy;
            uint8_t* p = Pixel(out, x, y);
            p[0] = p[1] = p[2] = 250;
            if (x + 1 < out.width) {  // a dark shadow to the right, like a stroked font
              uint8_t* s = Pixel(out, x + 1, y);
              if (s[0] != 250) s[0] = s[1] = s[2] = 20;
            }
          }
        }
      }
    }
  }
  return out;
}

RgbImage Rotate90(const RgbImage& image) {
  RgbImage out = Blank(image.height, image.width);
  for (uint32_t y = 0; y < image.height; ++y) {
    for (uint32_t x = 0; x < image.width; ++x) {
      std::copy_n(Pixel(image, x, y), kChannels, Pixel(out, image.height - 1 - y, x));
    }
  }
  return out;
}

RgbImage FlipHorizontal(const RgbImage& image) {
  RgbImage out = Blank(image.width, image.height);
  for (uint32_t y = 0; y < image.height; ++y) {
    for (uint32_t x = 0; x < image.width; ++x)
      std::copy_n(Pixel(image, x, y), kChannels, Pixel(out, image.width - 1 - x, y));
  }
  return out;
}

RgbImage CropEdge(const RgbImage& image, double fraction, Edge edge) {
  const bool horizontal = edge == Edge::kLeft || edge == Edge::kRight;
  const uint32_t side = horizontal ? image.width : image.height;
  const auto cut = static_cast<uint32_t>(std::lround(side * fraction));
  const uint32_t x0 = edge == Edge::kLeft ? cut : 0, y0 = edge == Edge::kTop ? cut : 0;
  const uint32_t w = horizontal ? image.width - cut : image.width,
                 h = horizontal ? image.height : image.height - cut;
  RgbImage out = Blank(w, h);
  for (uint32_t y = 0; y < h; ++y) {
    std::copy_n(Pixel(image, x0, y0 + y), static_cast<size_t>(w) * kChannels, Pixel(out, 0, y));
  }
  return out;
}

std::vector<Transformation> StandardTransformations() {
  std::vector<Transformation> suite;
  for (const int quality : {95, 75, 50, 40}) {
    suite.push_back({"jpeg q" + std::to_string(quality),
                     [quality](const RgbImage& image) { return EncodeJpeg(image, quality); },
                     true});
  }
  suite.push_back({"resize 50% (jpeg q85)",
                   [](const RgbImage& image) {
                     return EncodeJpeg(Resize(image, image.width / 2, image.height / 2), 85);
                   },
                   true});
  suite.push_back({"resize 200% (jpeg q85)",
                   [](const RgbImage& image) {
                     return EncodeJpeg(Resize(image, image.width * 2, image.height * 2), 85);
                   },
                   true});
  suite.push_back({"resize 25% (png)",
                   [](const RgbImage& image) {
                     return EncodePng(Resize(image, image.width / 4, image.height / 4));
                   },
                   false});
  suite.push_back({"grayscale (jpeg q85)",
                   [](const RgbImage& image) { return EncodeJpeg(Grayscale(image), 85); }, true});
  suite.push_back(
      {"watermark (jpeg q85)",
       [](const RgbImage& image) { return EncodeJpeg(AddWatermark(image, "leaked!"), 85); }, true});
  suite.push_back({"png", [](const RgbImage& image) { return EncodePng(image); }, true});
  suite.push_back({"webp q80", [](const RgbImage& image) { return EncodeWebp(image, 80); }, true});
  suite.push_back({"jpeg q80 -> webp q75 -> png",
                   [](const RgbImage& image) {
                     auto jpeg = DecodeImage(EncodeJpeg(image, 80)).value();
                     auto webp = DecodeImage(EncodeWebp(jpeg, 75)).value();
                     return EncodePng(webp);
                   },
                   true});
  suite.push_back({"rotate 90 (jpeg q85)",
                   [](const RgbImage& image) { return EncodeJpeg(Rotate90(image), 85); }, true});
  suite.push_back({"flip horizontal (jpeg q85)",
                   [](const RgbImage& image) { return EncodeJpeg(FlipHorizontal(image), 85); },
                   true});
  const std::pair<Edge, const char*> edges[] = {{Edge::kLeft, "left"},
                                                {Edge::kRight, "right"},
                                                {Edge::kTop, "top"},
                                                {Edge::kBottom, "bottom"}};
  for (const int percent : {2, 5, 10}) {
    for (const auto& [edge, edge_name] : edges) {
      suite.push_back({"crop " + std::to_string(percent) + "% " + edge_name,
                       [percent, edge = edge](const RgbImage& image) {
                         return EncodeJpeg(CropEdge(image, percent / 100.0, edge), 90);
                       },
                       false});
    }
  }
  return suite;
}

}  // namespace leakwatch::match::testimg
