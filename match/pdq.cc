#include "match/pdq.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <numbers>
#include <vector>

namespace leakwatch::match {
namespace {

constexpr size_t kGrid = 64;     // PDQ decimates to 64x64
constexpr size_t kDctSize = 16;  // and keeps the 16x16 lowest non-DC frequencies
constexpr int kJaroszPasses = 2;
constexpr uint32_t kJaroszDivisor = 2 * kGrid;  // two passes: half a grid cell per pass
constexpr size_t kMedianRank = kDctSize * kDctSize / 2 - 1;  // the lower median, as Torben's
// Quality heuristic constants of the reference (gradients in percent of full scale,
// summed over the 64x64 image, then scaled so that 100 means "plenty of detail").
constexpr float kGradientPercent = 100.0f;
constexpr float kFullScale = 255.0f;
constexpr int kQualityDivisor = 90;
constexpr int kMaxQuality = 100;
constexpr int kHexDigitsPerWord = 4;
constexpr int kWords16 = 16;

using Block = std::array<std::array<float, kDctSize>, kDctSize>;

// D[i][j] = sqrt(2/64) cos(pi / 128 * (i + 1) * (2j + 1)), i < 16, j < 64.
const std::array<std::array<float, kGrid>, kDctSize>& DctMatrix() {
  static const auto matrix = [] {
    std::array<std::array<float, kGrid>, kDctSize> d{};
    const double scale = std::sqrt(2.0 / static_cast<double>(kGrid));
    for (size_t i = 0; i < kDctSize; ++i) {
      for (size_t j = 0; j < kGrid; ++j) {
        d[i][j] = static_cast<float>(
            scale * std::cos(std::numbers::pi / (2.0 * static_cast<double>(kGrid)) *
                             static_cast<double>((i + 1) * (2 * j + 1))));
      }
    }
    return d;
  }();
  return matrix;
}

int JaroszWindow(uint32_t side) {
  return static_cast<int>((side + kJaroszDivisor - 1) / kJaroszDivisor);
}

// One box-filter pass over a vector of `n` values (stride 1), with the reference's
// edge handling: the window shrinks at both ends instead of padding. Phases: prime
// the sum, write with a growing window, slide a full window, write with a shrinking
// window. REQUIRES: 1 <= window <= n.
void Box1D(const float* in, float* out, int n, int window) {
  const int half = (window + 2) / 2;
  int left = 0;
  int right = 0;
  int written = 0;
  int current = 0;
  float sum = 0.0f;
  for (int i = 0; i < half - 1; ++i, ++current) sum += in[right++];
  for (int i = 0; i < window - half + 1; ++i) {
    sum += in[right++];
    ++current;
    out[written++] = sum / static_cast<float>(current);
  }
  for (int i = 0; i < n - window; ++i) {
    sum += in[right++];
    sum -= in[left++];
    out[written++] = sum / static_cast<float>(current);
  }
  for (int i = 0; i < half - 1; ++i) {
    sum -= in[left++];
    --current;
    out[written++] = sum / static_cast<float>(current);
  }
}

// The same filter down every column at once, row by row (cache friendly; each
// column sees exactly the additions Box1D would make, so results are identical).
void BoxAlongColumns(const float* in, float* out, int rows, int cols, int window,
                     std::vector<float>& sums) {
  const auto width = static_cast<size_t>(cols);
  sums.assign(width, 0.0f);
  const auto row = [&](int r) { return in + static_cast<size_t>(r) * width; };
  const auto out_row = [&](int r) { return out + static_cast<size_t>(r) * width; };
  const auto add = [&](const float* src) {
    for (size_t c = 0; c < width; ++c) sums[c] += src[c];
  };
  const auto sub = [&](const float* src) {
    for (size_t c = 0; c < width; ++c) sums[c] -= src[c];
  };
  const auto write = [&](float* dst, int count) {
    const float n = static_cast<float>(count);
    for (size_t c = 0; c < width; ++c) dst[c] = sums[c] / n;
  };
  const int half = (window + 2) / 2;
  int left = 0;
  int right = 0;
  int written = 0;
  int current = 0;
  for (int i = 0; i < half - 1; ++i, ++current) add(row(right++));
  for (int i = 0; i < window - half + 1; ++i) {
    add(row(right++));
    write(out_row(written++), ++current);
  }
  for (int i = 0; i < rows - window; ++i) {
    add(row(right++));
    sub(row(left++));
    write(out_row(written++), current);
  }
  for (int i = 0; i < half - 1; ++i) {
    sub(row(left++));
    write(out_row(written++), --current);
  }
}

// Two X,Y passes of box filters = a tent filter (Jarosz, "Fast Image Convolutions").
void JaroszFilter(std::vector<float>& pixels, int rows, int cols) {
  const int window_along_rows = JaroszWindow(static_cast<uint32_t>(cols));
  const int window_along_cols = JaroszWindow(static_cast<uint32_t>(rows));
  std::vector<float> scratch(pixels.size());
  std::vector<float> sums;
  const auto width = static_cast<size_t>(cols);
  for (int pass = 0; pass < kJaroszPasses; ++pass) {
    for (int r = 0; r < rows; ++r) {
      const size_t offset = static_cast<size_t>(r) * width;
      Box1D(pixels.data() + offset, scratch.data() + offset, cols, window_along_rows);
    }
    BoxAlongColumns(scratch.data(), pixels.data(), rows, cols, window_along_cols, sums);
  }
}

using Grid = std::array<std::array<float, kGrid>, kGrid>;

void Decimate(const std::vector<float>& pixels, int rows, int cols, Grid& out) {
  for (size_t i = 0; i < kGrid; ++i) {
    const auto in_row =
        static_cast<size_t>(((static_cast<double>(i) + 0.5) * rows) / static_cast<double>(kGrid));
    for (size_t j = 0; j < kGrid; ++j) {
      const auto in_col =
          static_cast<size_t>(((static_cast<double>(j) + 0.5) * cols) / static_cast<double>(kGrid));
      out[i][j] = pixels[in_row * static_cast<size_t>(cols) + in_col];
    }
  }
}

int GradientTerm(float u, float v) {
  return std::abs(static_cast<int>((u - v) * kGradientPercent / kFullScale));
}

int QualityMetric(const Grid& grid) {
  int gradient_sum = 0;
  for (size_t i = 0; i + 1 < kGrid; ++i) {
    for (size_t j = 0; j < kGrid; ++j) gradient_sum += GradientTerm(grid[i][j], grid[i + 1][j]);
  }
  for (size_t i = 0; i < kGrid; ++i) {
    for (size_t j = 0; j + 1 < kGrid; ++j) gradient_sum += GradientTerm(grid[i][j], grid[i][j + 1]);
  }
  return std::min(gradient_sum / kQualityDivisor, kMaxQuality);
}

// B = D A D^T, keeping only the 16x16 block PDQ uses.
void Dct64To16(const Grid& a, Block& b) {
  const auto& d = DctMatrix();
  std::array<std::array<float, kGrid>, kDctSize> t{};  // T = D A
  for (size_t i = 0; i < kDctSize; ++i) {
    for (size_t k = 0; k < kGrid; ++k) {
      const float dik = d[i][k];
      for (size_t j = 0; j < kGrid; ++j) t[i][j] += dik * a[k][j];
    }
  }
  for (size_t i = 0; i < kDctSize; ++i) {
    for (size_t j = 0; j < kDctSize; ++j) {
      float sum = 0.0f;
      for (size_t k = 0; k < kGrid; ++k) sum += t[i][k] * d[j][k];
      b[i][j] = sum;
    }
  }
}

PdqHash BitsAboveMedian(const Block& block) {
  std::array<float, kDctSize * kDctSize> values{};
  for (size_t i = 0; i < kDctSize; ++i) {
    std::copy(block[i].begin(), block[i].end(),
              values.begin() + static_cast<std::ptrdiff_t>(i * kDctSize));
  }
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(kMedianRank),
                   values.end());
  const float median = values[kMedianRank];
  PdqHash hash;
  for (size_t i = 0; i < kDctSize; ++i) {
    for (size_t j = 0; j < kDctSize; ++j) {
      if (block[i][j] > median) hash.SetBit(static_cast<int>(i * kDctSize + j));
    }
  }
  return hash;
}

// A dihedral transform acts on DCT coefficient (u, v) (frequencies u = i + 1,
// v = j + 1) by an optional transpose and a sign (-1)^(row_parity * u + col_parity * v):
// reversing the rows negates odd row frequencies, reversing the columns odd column
// frequencies; a transpose swaps the axes.
struct DihedralRule {
  bool transpose;
  size_t row_parity;
  size_t col_parity;
};
constexpr std::array<DihedralRule, kDihedralCount> kDihedralRules = {{
    {false, 0, 0},  // original
    {true, 0, 1},   // rotate 90
    {false, 1, 1},  // rotate 180
    {true, 1, 0},   // rotate 270
    {false, 1, 0},  // flip x (rows reversed)
    {false, 0, 1},  // flip y (columns reversed)
    {true, 0, 0},   // flip about the main diagonal
    {true, 1, 1},   // flip about the anti-diagonal
}};

Block ApplyDihedral(const Block& a, const DihedralRule& rule) {
  Block b{};
  for (size_t i = 0; i < kDctSize; ++i) {
    for (size_t j = 0; j < kDctSize; ++j) {
      const size_t exponent = rule.row_parity * (i + 1) + rule.col_parity * (j + 1);
      const float value = (exponent & 1) != 0 ? -a[i][j] : a[i][j];
      if (rule.transpose) {
        b[j][i] = value;
      } else {
        b[i][j] = value;
      }
    }
  }
  return b;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PdqHash::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(kWords16 * kHexDigitsPerWord);
  for (int w = kWords16 - 1; w >= 0; --w) {
    const uint16_t word = Word16(w);
    for (int shift = 12; shift >= 0; shift -= 4) hex.push_back(kDigits[(word >> shift) & 0xF]);
  }
  return hex;
}

std::optional<PdqHash> PdqHash::FromHex(std::string_view hex) {
  if (hex.size() != static_cast<size_t>(kWords16 * kHexDigitsPerWord)) return std::nullopt;
  PdqHash hash;
  for (int w = 0; w < kWords16; ++w) {
    // Word w is printed at position (15 - w).
    uint64_t word = 0;
    for (int k = 0; k < kHexDigitsPerWord; ++k) {
      const int value = HexValue(hex[static_cast<size_t>((kWords16 - 1 - w) * 4 + k)]);
      if (value < 0) return std::nullopt;
      word = (word << 4) | static_cast<uint64_t>(value);
    }
    hash.words[static_cast<size_t>(w >> 2)] |= word << (16 * (w & 3));
  }
  return hash;
}

std::array<uint8_t, 32> PdqHash::ToBytes() const {
  std::array<uint8_t, 32> bytes{};
  for (int w = 0; w < kWords16; ++w) {
    const uint16_t word = Word16(kWords16 - 1 - w);
    bytes[static_cast<size_t>(2 * w)] = static_cast<uint8_t>(word >> 8);
    bytes[static_cast<size_t>(2 * w + 1)] = static_cast<uint8_t>(word & 0xFF);
  }
  return bytes;
}

std::optional<PdqHash> PdqHash::FromBytes(std::string_view bytes) {
  if (bytes.size() != 32) return std::nullopt;
  PdqHash hash;
  for (int w = 0; w < kWords16; ++w) {
    const auto hi = static_cast<uint8_t>(bytes[static_cast<size_t>(2 * w)]);
    const auto lo = static_cast<uint8_t>(bytes[static_cast<size_t>(2 * w + 1)]);
    const uint64_t word = (uint64_t{hi} << 8) | lo;
    const int index = kWords16 - 1 - w;
    hash.words[static_cast<size_t>(index >> 2)] |= word << (16 * (index & 3));
  }
  return hash;
}

int HammingDistance(const PdqHash& a, const PdqHash& b) {
  int distance = 0;
  for (size_t i = 0; i < a.words.size(); ++i) distance += std::popcount(a.words[i] ^ b.words[i]);
  return distance;
}

PdqHashes PdqFromLuma(LumaImage image, const PdqOptions& options) {
  assert(image.width >= 1 && image.height >= 1);
  assert(image.pixels.size() == static_cast<size_t>(image.width) * image.height);
  const auto rows = static_cast<int>(image.height);
  const auto cols = static_cast<int>(image.width);
  JaroszFilter(image.pixels, rows, cols);
  Grid grid{};
  Decimate(image.pixels, rows, cols, grid);
  PdqHashes result;
  result.quality = QualityMetric(grid);
  Block dct{};
  Dct64To16(grid, dct);
  result.variants[0] = BitsAboveMedian(dct);
  result.count = 1;
  if (options.dihedral) {
    for (int v = 1; v < kDihedralCount; ++v) {
      result.variants[static_cast<size_t>(v)] =
          BitsAboveMedian(ApplyDihedral(dct, kDihedralRules[static_cast<size_t>(v)]));
    }
    result.count = kDihedralCount;
  }
  return result;
}

Result<PdqHashes> PdqFromImageBytes(std::string_view bytes, const ImageLimits& limits,
                                    const PdqOptions& options) {
  LW_ASSIGN_OR_RETURN(LumaImage luma, DecodeLuma(bytes, limits));
  return PdqFromLuma(std::move(luma), options);
}

}  // namespace leakwatch::match
