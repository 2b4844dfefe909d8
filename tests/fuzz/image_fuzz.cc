// Fuzz target: sniff + decode (JPEG, PNG, WebP, GIF refusal) + PDQ with variants,
// under tight limits so that the fuzzer explores parsing, not huge allocations.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "match/image_decode.h"
#include "match/pdq.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  leakwatch::match::ImageLimits limits;
  limits.max_pixels = 4'000'000;
  limits.max_side = 8192;
  auto hashes = leakwatch::match::PdqFromImageBytes(bytes, limits);
  if (hashes.has_value() && (hashes->quality < 0 || hashes->quality > 100)) __builtin_trap();
  limits.jpeg_min_decoded_side = 0;
  auto image = leakwatch::match::DecodeImage(bytes, limits);
  if (image.has_value() &&
      image->pixels.size() != static_cast<size_t>(image->width) * image->height * 3) {
    __builtin_trap();
  }
  return 0;
}
