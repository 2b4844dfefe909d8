// Test support for the image tests and benches: deterministic natural-looking
// synthetic images (gradients, shapes, text-like strokes, noise), encoders to
// JPEG / PNG / WebP through the real libraries, and the transformations a leaked
// image goes through when it is re-posted (resize, grayscale, watermark, rotation,
// flip, crop).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "match/image_decode.h"

namespace leakwatch::match::testimg {

// A photo-like RGB image; the same (seed, size) always gives the same pixels.
RgbImage GenerateNaturalImage(uint64_t seed, uint32_t width, uint32_t height);

std::string EncodeJpeg(const RgbImage& image, int quality);
std::string EncodePng(const RgbImage& image);
std::string EncodeWebp(const RgbImage& image, float quality);

// Box-filtered downscale / bilinear upscale to exactly width x height.
RgbImage Resize(const RgbImage& image, uint32_t width, uint32_t height);
RgbImage Grayscale(const RgbImage& image);
// A small white text stamp with a dark outline in the bottom-right corner.
RgbImage AddWatermark(const RgbImage& image, std::string_view text);
RgbImage Rotate90(const RgbImage& image);  // clockwise
RgbImage FlipHorizontal(const RgbImage& image);

enum class Edge { kLeft, kRight, kTop, kBottom };
// Cuts `fraction` (0..1) of the image away from one edge.
RgbImage CropEdge(const RgbImage& image, double fraction, Edge edge);

// One way a leaked image is altered before it is re-posted: takes the dataset
// image's pixels, returns the encoded file a scanner would see.
struct Transformation {
  std::string name;
  std::function<std::string(const RgbImage&)> apply;
  bool must_match;  // required to match at threshold 31; false: measured only (crops, 25%)
};

// The transformation suite of issue 7: JPEG q95/75/50/40, resize 50%/200%,
// grayscale, watermark, PNG/JPEG/WebP conversions, rotation by 90, horizontal flip,
// then (measured only) a 25% resize and 2/5/10% crops from each edge.
std::vector<Transformation> StandardTransformations();

}  // namespace leakwatch::match::testimg
