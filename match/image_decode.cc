#include "match/image_decode.h"

#include <png.h>
#include <turbojpeg.h>
#include <webp/decode.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace leakwatch::match {
namespace {

constexpr float kLumaFromR = 0.299f;
constexpr float kLumaFromG = 0.587f;
constexpr float kLumaFromB = 0.114f;
constexpr size_t kRgbChannels = 3;

Status CheckDimensions(std::string_view format, uint64_t width, uint64_t height,
                       const ImageLimits& limits) {
  if (width == 0 || height == 0) {
    return Status::Corruption(std::string(format) + ": zero image dimension");
  }
  if (width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels) {
    return Status::TooLarge(std::string(format) + ": declared size " + std::to_string(width) + "x" +
                            std::to_string(height) + " exceeds the limit of " +
                            std::to_string(limits.max_pixels) + " pixels / " +
                            std::to_string(limits.max_side) + " per side");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- JPEG

struct TjDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

// The largest power-of-two reduction (1/1 .. 1/8) keeping both sides >= min_side.
tjscalingfactor ChooseJpegScale(int width, int height, uint32_t min_side) {
  tjscalingfactor chosen{1, 1};
  if (min_side == 0) return chosen;
  const auto min = static_cast<int>(min_side);
  for (int denom = 2; denom <= 8; denom *= 2) {
    const tjscalingfactor candidate{1, denom};
    if (TJSCALED(width, candidate) < min || TJSCALED(height, candidate) < min) break;
    chosen = candidate;
  }
  return chosen;
}

Status DecodeJpeg(std::string_view bytes, const ImageLimits& limits, RgbImage* image) {
  TjHandle handle(tjInitDecompress());
  if (!handle) return Status::Internal("jpeg: cannot create a TurboJPEG decompressor");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto size = static_cast<unsigned long>(bytes.size());  // NOLINT(google-runtime-int)
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  if (tjDecompressHeader3(handle.get(), data, size, &width, &height, &subsampling, &colorspace) !=
      0) {
    return Status::Corruption(std::string("jpeg: bad header: ") + tjGetErrorStr2(handle.get()));
  }
  if (width <= 0 || height <= 0) return Status::Corruption("jpeg: zero image dimension");
  LW_RETURN_IF_ERROR(
      CheckDimensions("jpeg", static_cast<uint64_t>(width), static_cast<uint64_t>(height), limits));
  const tjscalingfactor scale = ChooseJpegScale(width, height, limits.jpeg_min_decoded_side);
  const int scaled_width = TJSCALED(width, scale);
  const int scaled_height = TJSCALED(height, scale);
  image->pixels.assign(
      static_cast<size_t>(scaled_width) * static_cast<size_t>(scaled_height) * kRgbChannels, 0);
  // STOPONWARNING: a premature end of data or corrupt entropy data is a libjpeg
  // "warning" that would otherwise be papered over with grey pixels. LIMITSCANS
  // refuses progressive files with pathological scan counts (a known CPU bomb).
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
  if (tjDecompress2(handle.get(), data, size, image->pixels.data(), scaled_width, 0, scaled_height,
                    TJPF_RGB, flags) != 0) {
    image->pixels.clear();
    return Status::Corruption(std::string("jpeg: ") + tjGetErrorStr2(handle.get()));
  }
  image->width = static_cast<uint32_t>(scaled_width);
  image->height = static_cast<uint32_t>(scaled_height);
  return Status::Ok();
}

// ---------------------------------------------------------------- PNG

struct PngSource {
  const unsigned char* data;
  size_t size;
  size_t offset;
};

struct PngErrorState {
  char message[200];
  bool over_user_limit;  // libpng warns about the limit, then fails with "Invalid IHDR data"
};

void PngRead(png_structp png, png_bytep out, png_size_t length) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (length > source->size - source->offset) {
    png_error(png, "truncated data");  // longjmps; never returns
  }
  std::memcpy(out, source->data + source->offset, length);
  source->offset += length;
}

[[noreturn]] void PngOnError(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngErrorState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof(state->message), "%s", message);
  png_longjmp(png, 1);
}

void PngOnWarning(png_structp png, png_const_charp message) {
  if (std::strstr(message, "exceeds user limit") != nullptr) {
    static_cast<PngErrorState*>(png_get_error_ptr(png))->over_user_limit = true;
  }
}

// libpng reports errors by longjmp. The two guarded functions below hold no C++
// objects with destructors between setjmp and the libpng calls that may jump, so the
// jump skips nothing (the C++ rule for setjmp/longjmp pairs).
bool PngReadHeaderGuarded(png_structp png, png_infop info, png_uint_32* width,
                          png_uint_32* height) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  *width = png_get_image_width(png, info);
  *height = png_get_image_height(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  const int color_type = png_get_color_type(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_strip_16(png);
  if ((color_type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS)) {
    png_set_strip_alpha(png);
  }
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_gray_to_rgb(png);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  return true;
}

bool PngReadRowsGuarded(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  return true;
}

Status DecodePng(std::string_view bytes, const ImageLimits& limits, RgbImage* image) {
  PngErrorState error_state{};
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &error_state, PngOnError, PngOnWarning);
  if (png == nullptr) return Status::Internal("png: cannot create a read struct");
  png_infop info = png_create_info_struct(png);
  struct Cleanup {
    png_structp* png;
    png_infop* info;
    ~Cleanup() { png_destroy_read_struct(png, info, nullptr); }
  } cleanup{&png, &info};
  if (info == nullptr) return Status::Internal("png: cannot create an info struct");

  // Caps inside libpng too: side limits, and ancillary chunks (text, iCCP) bounded.
  constexpr png_alloc_size_t kMaxChunkBytes = 8u << 20;
  constexpr png_uint_32 kMaxCachedChunks = 128;
  png_set_user_limits(png, limits.max_side, limits.max_side);
  png_set_chunk_malloc_max(png, kMaxChunkBytes);
  png_set_chunk_cache_max(png, kMaxCachedChunks);
  PngSource source{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 0};
  png_set_read_fn(png, &source, PngRead);

  png_uint_32 width = 0;
  png_uint_32 height = 0;
  if (!PngReadHeaderGuarded(png, info, &width, &height)) {
    if (error_state.over_user_limit) {
      return Status::TooLarge(std::string("png: ") + error_state.message);
    }
    return Status::Corruption(std::string("png: ") + error_state.message);
  }
  LW_RETURN_IF_ERROR(CheckDimensions("png", width, height, limits));
  const size_t row_bytes = png_get_rowbytes(png, info);
  if (row_bytes != static_cast<size_t>(width) * kRgbChannels) {
    return Status::Internal("png: unexpected row size after transforms");
  }
  image->width = width;
  image->height = height;
  image->pixels.assign(row_bytes * height, 0);
  std::vector<png_bytep> rows(height);
  for (size_t y = 0; y < height; ++y) rows[y] = image->pixels.data() + y * row_bytes;
  if (!PngReadRowsGuarded(png, rows.data())) {
    image->pixels.clear();
    return Status::Corruption(std::string("png: ") + error_state.message);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- WebP

Status DecodeWebp(std::string_view bytes, const ImageLimits& limits, RgbImage* image) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(data, bytes.size(), &features);
  if (status == VP8_STATUS_UNSUPPORTED_FEATURE) return Status::Unsupported("webp: unsupported");
  if (status != VP8_STATUS_OK) return Status::Corruption("webp: bad header");
  if (features.has_animation != 0) return Status::Unsupported("webp: animated images");
  if (features.width <= 0 || features.height <= 0) {
    return Status::Corruption("webp: zero image dimension");
  }
  LW_RETURN_IF_ERROR(CheckDimensions("webp", static_cast<uint64_t>(features.width),
                                     static_cast<uint64_t>(features.height), limits));
  image->width = static_cast<uint32_t>(features.width);
  image->height = static_cast<uint32_t>(features.height);
  const size_t stride = static_cast<size_t>(image->width) * kRgbChannels;
  image->pixels.assign(stride * image->height, 0);
  if (WebPDecodeRGBInto(data, bytes.size(), image->pixels.data(), image->pixels.size(),
                        static_cast<int>(stride)) == nullptr) {
    image->pixels.clear();
    return Status::Corruption("webp: truncated or corrupt data");
  }
  return Status::Ok();
}

}  // namespace

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "jpeg";
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kWebp:
      return "webp";
    case ImageFormat::kGif:
      return "gif";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

ImageFormat SniffImageFormat(std::string_view bytes) {
  auto starts_with = [&](std::string_view magic, size_t at = 0) {
    return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
  };
  if (starts_with("\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (starts_with("\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (starts_with("RIFF") && starts_with("WEBP", 8)) return ImageFormat::kWebp;
  if (starts_with("GIF87a") || starts_with("GIF89a")) return ImageFormat::kGif;
  return ImageFormat::kUnknown;
}

Result<RgbImage> DecodeImage(std::string_view bytes, const ImageLimits& limits) {
  RgbImage image;
  switch (SniffImageFormat(bytes)) {
    case ImageFormat::kJpeg:
      LW_RETURN_IF_ERROR(DecodeJpeg(bytes, limits, &image));
      return image;
    case ImageFormat::kPng:
      LW_RETURN_IF_ERROR(DecodePng(bytes, limits, &image));
      return image;
    case ImageFormat::kWebp:
      LW_RETURN_IF_ERROR(DecodeWebp(bytes, limits, &image));
      return image;
    case ImageFormat::kGif:
      return Status::Unsupported("gif: not decoded");
    case ImageFormat::kUnknown:
      break;
  }
  return Status::Unsupported("not a recognised image format");
}

LumaImage LumaFromRgb(const RgbImage& image) {
  LumaImage luma;
  luma.width = image.width;
  luma.height = image.height;
  const size_t count = static_cast<size_t>(image.width) * image.height;
  luma.pixels.resize(count);
  const uint8_t* rgb = image.pixels.data();
  for (size_t i = 0; i < count; ++i, rgb += kRgbChannels) {
    luma.pixels[i] = kLumaFromR * rgb[0] + kLumaFromG * rgb[1] + kLumaFromB * rgb[2];
  }
  return luma;
}

Result<LumaImage> DecodeLuma(std::string_view bytes, const ImageLimits& limits) {
  LW_ASSIGN_OR_RETURN(RgbImage rgb, DecodeImage(bytes, limits));
  return LumaFromRgb(rgb);
}

}  // namespace leakwatch::match
