// match/image_decode: hostile-input image decoding for perceptual hashing.
//
// Decodes JPEG (libjpeg-turbo's TurboJPEG API, with DCT-domain scaled decoding),
// PNG (libpng) and WebP (libwebp) from a memory buffer. GIF is recognised but not
// decoded (kUnsupported). Every byte is assumed attacker controlled: the format is
// sniffed from magic bytes, never from a file name; the declared dimensions are
// checked against `ImageLimits` from the header, before any pixel buffer is
// allocated; truncated or corrupt input is an error Status, never a crash.
//
// Thread safety: all functions are reentrant and may run on any thread at once.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::match {

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp, kGif };

// Stable lowercase name: "jpeg", "png", "webp", "gif", "unknown".
std::string_view ImageFormatName(ImageFormat format);

// Recognises a format from the first bytes only (magic numbers). Cheap: callers
// use it to decide whether an object is an image at all.
ImageFormat SniffImageFormat(std::string_view bytes);

struct ImageLimits {
  // Largest declared width x height accepted, checked from the header before any
  // allocation (default 50 megapixels). Larger images fail with kTooLarge.
  uint64_t max_pixels = 50'000'000;
  // Largest declared side in pixels (default 65,535, the JPEG format's own limit).
  uint32_t max_side = 65'535;
  // JPEG only: decode at the smallest DCT scale 1/1, 1/2, 1/4 or 1/8 whose output
  // keeps both sides >= this many pixels (default 256, i.e. 4x the 64x64 grid PDQ
  // samples, which measured as indistinguishable from full resolution; see
  // bench/README.md). 0 decodes at full resolution.
  uint32_t jpeg_min_decoded_side = 256;
};

// 8-bit interleaved RGB pixels, row major, no padding.
struct RgbImage {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3 bytes
};

// Luminance plane as float (0..255), row major: what PDQ hashes.
struct LumaImage {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<float> pixels;  // width * height values
};

// Decodes `bytes` to RGB (alpha dropped, palettes expanded, 16-bit reduced to 8).
// JPEGs may come back smaller than declared (scaled decoding, see ImageLimits).
// Errors: kUnsupported (unknown format, GIF, animated WebP), kTooLarge (dimension
// caps), kCorruption (truncated or malformed data, including libjpeg warnings such
// as a premature end of data).
Result<RgbImage> DecodeImage(std::string_view bytes, const ImageLimits& limits = {});

// As DecodeImage, then luminance Y = 0.299 R + 0.587 G + 0.114 B (PDQ's weights).
// JPEGs go through RGB too, not straight to their Y channel: that reproduces the
// reference's pixels exactly (the Y shortcut measured up to 8 bits away on the
// conformance images, from clipping in saturated colours).
Result<LumaImage> DecodeLuma(std::string_view bytes, const ImageLimits& limits = {});

// Luminance of an RGB image with PDQ's weights.
LumaImage LumaFromRgb(const RgbImage& image);

}  // namespace leakwatch::match
