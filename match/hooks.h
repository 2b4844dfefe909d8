// match/hooks: the seams where perceptual image hashing (issue 7, match/pdq*,
// match/image*) plugs into the pack builder and the matcher without either of them
// depending on an image decoder.
//
// Builder: BuildOptions::image_fingerprinter, when set, is called for every dataset
// file whose first bytes look like an image (LooksLikeImage) and whose size is at most
// kMaxImageBytesForHashing; the fingerprints it returns become rows of the pack's
// `images` table (file_id, pdq, quality).
// Matcher: MatcherOptions::image_index_loader, when set, is called once while the
// Matcher loads, with the open pack; the index it returns is asked about every scanned
// object that looks like an image and emits FindingKind::kImage findings.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "match/finding.h"
#include "util/sqlite.h"
#include "util/status.h"

namespace leakwatch::match {

inline constexpr uint64_t kMaxImageBytesForHashing = 64ull << 20;

// True when `head` (the first bytes of an object) starts like JPEG, PNG, GIF or WebP.
bool LooksLikeImage(std::string_view head);

struct ImageFingerprint {
  std::array<uint8_t, 32> pdq{};
  int quality = 0;
};

class ImageFingerprinter {
 public:
  virtual ~ImageFingerprinter() = default;
  // Hashes one whole dataset image. Returns the fingerprints to store (empty when the
  // image is skipped, e.g. below the quality floor; then `*skip_reason` says why), or an
  // error when it cannot be decoded (counted as a skipped image, the build goes on).
  // Thread safety: called concurrently from the builder's hashing threads.
  virtual Result<std::vector<ImageFingerprint>> Fingerprint(std::string_view bytes,
                                                            std::string* skip_reason) const = 0;
};

class ImageMatchIndex {
 public:
  virtual ~ImageMatchIndex() = default;
  // Matches one whole scanned image; appends kImage findings (dataset_refs "f:<id>",
  // distance, score) and anomalies (undecodable, too large). The caller fills path,
  // sha256 and size. Thread safety: const, called concurrently by scanning threads.
  virtual void MatchImage(std::string_view bytes, std::vector<Finding>& findings,
                          std::vector<Anomaly>& anomalies) const = 0;
};

// Builds the image index from the open pack (its `images` table) at Matcher load.
using ImageIndexLoader =
    std::function<Result<std::unique_ptr<const ImageMatchIndex>>(util::Database& pack)>;

}  // namespace leakwatch::match
