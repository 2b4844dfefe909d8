#include "match/image_hooks.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace leakwatch::match {
namespace {

ImageFingerprint ToFingerprint(const PdqHashes& hashes) {
  return ImageFingerprint{hashes.hash().ToBytes(), hashes.quality};
}

std::string AnomalyKind(StatusCode code) {
  switch (code) {
    case StatusCode::kTooLarge:
      return "limit";
    case StatusCode::kUnsupported:
      return "unsupported";
    default:
      return "corrupt";
  }
}

// Luminance of the window (x, y, width, height) of `image`.
// REQUIRES: the window lies inside the image and is not empty.
LumaImage CropLuma(const LumaImage& image, uint32_t x, uint32_t y, uint32_t width,
                   uint32_t height) {
  LumaImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(static_cast<size_t>(width) * height);
  for (uint32_t row = 0; row < height; ++row) {
    const auto* source = image.pixels.data() + (static_cast<size_t>(y) + row) * image.width + x;
    std::copy_n(source, width, out.pixels.data() + static_cast<size_t>(row) * width);
  }
  return out;
}

}  // namespace

Result<std::vector<ImageFingerprint>> PdqImageFingerprinter::Fingerprint(
    std::string_view bytes, std::string* skip_reason) const {
  LW_ASSIGN_OR_RETURN(LumaImage luma, DecodeLuma(bytes, options_.limits));
  const PdqOptions no_variants{.dihedral = false};  // variants are tried at query time
  std::vector<ImageFingerprint> prints;
  const PdqHashes whole = PdqFromLuma(luma, no_variants);
  if (whole.quality < options_.min_quality) {
    if (skip_reason != nullptr) {
      *skip_reason = "image quality " + std::to_string(whole.quality) + " below " +
                     std::to_string(options_.min_quality);
    }
    return prints;
  }
  prints.push_back(ToFingerprint(whole));
  for (const double fraction : options_.crop_window_fractions) {
    const auto cut_x = static_cast<uint32_t>(std::lround(luma.width * fraction));
    const auto cut_y = static_cast<uint32_t>(std::lround(luma.height * fraction));
    if (fraction <= 0 || fraction >= 1 || cut_x == 0 || cut_y == 0 || cut_x >= luma.width ||
        cut_y >= luma.height) {
      continue;
    }
    const uint32_t w = luma.width - cut_x;
    const uint32_t h = luma.height - cut_y;
    LumaImage windows[] = {
        CropLuma(luma, cut_x, 0, w, luma.height),  // left edge cut away
        CropLuma(luma, 0, 0, w, luma.height),      // right edge
        CropLuma(luma, 0, cut_y, luma.width, h),   // top edge
        CropLuma(luma, 0, 0, luma.width, h),       // bottom edge
    };
    for (LumaImage& window : windows) {
      const PdqHashes hashes = PdqFromLuma(std::move(window), no_variants);
      if (hashes.quality >= options_.min_quality) prints.push_back(ToFingerprint(hashes));
    }
  }
  return prints;
}

PdqImageMatchIndex::PdqImageMatchIndex(std::vector<PdqEntry> entries, ImageMatchOptions options)
    : options_(std::move(options)), index_(std::move(entries), options_.index) {}

Result<std::unique_ptr<const ImageMatchIndex>> PdqImageMatchIndex::Load(
    util::Database& pack, const ImageMatchOptions& options) {
  LW_ASSIGN_OR_RETURN(util::Statement rows,
                      pack.Prepare("SELECT file_id, pdq FROM images ORDER BY rowid"));
  std::vector<PdqEntry> entries;
  while (true) {
    LW_ASSIGN_OR_RETURN(const bool has_row, rows.Step());
    if (!has_row) break;
    const auto hash = PdqHash::FromBytes(rows.ColumnBlob(1));
    if (!hash) return Status::Corruption("pack: malformed PDQ hash in the images table");
    entries.push_back({*hash, rows.ColumnInt(0)});
  }
  return std::unique_ptr<const ImageMatchIndex>(
      std::make_unique<PdqImageMatchIndex>(std::move(entries), options));
}

void PdqImageMatchIndex::MatchImage(std::string_view bytes, std::vector<Finding>& findings,
                                    std::vector<Anomaly>& anomalies) const {
  auto hashes = PdqFromImageBytes(bytes, options_.limits, {.dihedral = options_.dihedral});
  if (!hashes.has_value()) {
    anomalies.push_back({"", AnomalyKind(hashes.error().code()), hashes.error().message()});
    return;
  }
  if (hashes->quality < options_.min_quality) return;
  const auto match = index_.NearestOfVariants(*hashes, options_.threshold);
  if (!match) return;
  Finding finding;
  finding.kind = FindingKind::kImage;
  finding.distance = match->distance;
  finding.score = 1.0 - static_cast<double>(match->distance) / kPdqBits;
  finding.dataset_refs.push_back(FileRef(match->id));
  findings.push_back(std::move(finding));
}

ImageIndexLoader MakePdqImageIndexLoader(ImageMatchOptions options) {
  return [options = std::move(options)](util::Database& pack) {
    return PdqImageMatchIndex::Load(pack, options);
  };
}

}  // namespace leakwatch::match
