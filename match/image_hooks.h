// match/image_hooks: PDQ perceptual image matching behind the builder and matcher
// hooks of match/hooks.h.
//
// Builder side, PdqImageFingerprinter: every decodable dataset image yields its PDQ
// hash and quality; images below the quality floor are skipped (their hashes match
// almost anything). Optionally it also stores the hashes of edge-cropped windows of
// the image (the image minus f of its width or height on one edge, for each
// fraction f in `crop_window_fractions`): a second, crop-tolerant signal, since a
// crop of a few percent moves the PDQ hash of the whole image past the threshold.
// They are extra rows of the pack's `images` table for the same file id.
//
// Matcher side, MakePdqImageIndexLoader: loads the `images` table into a PdqIndex
// once; each scanned image is decoded, hashed with its dihedral variants and looked
// up; a hit within the threshold becomes a kImage finding (dataset ref "f:<id>",
// distance, score = 1 - distance / 256). Undecodable images become anomalies
// ("corrupt", "unsupported", "limit"); low-quality scanned images are not looked up.
//
// Thread safety: both objects are immutable after construction; any thread.
#pragma once

#include <vector>

#include "match/hooks.h"
#include "match/image_decode.h"
#include "match/image_index.h"
#include "match/pdq.h"

namespace leakwatch::match {

struct ImageMatchOptions {
  // Hamming distance at or below which a scanned image matches (PDQ recommends 31).
  int threshold = kPdqDefaultThreshold;
  // Also try the 7 rotated/flipped variants of each scanned image.
  bool dihedral = true;
  // Dataset images below this PDQ quality are skipped; scanned ones are not looked up.
  int min_quality = kPdqQualityFloor;
  // Builder: also store hashes of windows cropped by these fractions from each edge
  // (4 extra rows per fraction). Empty: whole images only.
  std::vector<double> crop_window_fractions = {0.05, 0.10};
  ImageLimits limits;
  PdqIndex::Options index;
};

class PdqImageFingerprinter final : public ImageFingerprinter {
 public:
  explicit PdqImageFingerprinter(ImageMatchOptions options = {}) : options_(std::move(options)) {}

  // The whole-image fingerprint first, then the crop windows. Errors: those of
  // DecodeLuma. Below the quality floor: empty, with `*skip_reason` set.
  Result<std::vector<ImageFingerprint>> Fingerprint(std::string_view bytes,
                                                    std::string* skip_reason) const override;

 private:
  ImageMatchOptions options_;
};

// The loader to put in MatcherOptions::image_index_loader. Errors at load:
// Corruption when the `images` table holds a malformed hash.
ImageIndexLoader MakePdqImageIndexLoader(ImageMatchOptions options = {});

// The index behind the loader, for callers holding the fingerprints themselves.
class PdqImageMatchIndex final : public ImageMatchIndex {
 public:
  PdqImageMatchIndex(std::vector<PdqEntry> entries, ImageMatchOptions options);
  // Reads every row of the pack's `images` table.
  static Result<std::unique_ptr<const ImageMatchIndex>> Load(util::Database& pack,
                                                             const ImageMatchOptions& options);

  void MatchImage(std::string_view bytes, std::vector<Finding>& findings,
                  std::vector<Anomaly>& anomalies) const override;

  size_t size() const { return index_.size(); }

 private:
  ImageMatchOptions options_;
  PdqIndex index_;
};

}  // namespace leakwatch::match
