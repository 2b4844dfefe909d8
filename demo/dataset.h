// demo/dataset: the synthetic "stolen dataset" of `leakwatch demo`, generated
// deterministically from a seed, with no real personal data anywhere:
//   plates/plate_NNNN.jpg     license-plate captures: the plate string drawn with the
//                             built-in bitmap font on a plate-like background with a
//                             gradient, a region label, a border and sensor noise;
//   photos/traveler_NNNN.jpg  "traveler photos": natural-looking synthetic scenes (sky
//                             and ground gradients, soft shapes, low-frequency blotches,
//                             grain) — never flat, so perceptual hashes are meaningful;
//   records.csv               plate, captured_at, location, traveler_name, document_no
//                             (invented names and numbers).
// The same seed gives byte-identical files (for a given TurboJPEG build).
//
// Thread safety: pure functions; any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/status.h"

namespace leakwatch::demo {

struct DatasetOptions {
  uint64_t seed = 1;
  int plate_images = 24;
  int traveler_photos = 12;
  int records = 160;  // >= plate_images; record i < plate_images has plate image i
  int jpeg_quality = 90;
};

// One synthetic capture record (all values invented).
struct DemoRecord {
  std::string plate;        // "7KDM-482"
  std::string captured_at;  // ISO 8601, "2026-03-14T08:31:07"
  std::string location;     // "Harrow Bridge crossing, lane 3"
  std::string traveler_name;
  std::string document_no;  // "X48213977"
};

struct Dataset {
  std::filesystem::path dir;
  std::vector<std::string> plate_files;  // relative to dir, "plates/plate_0001.jpg"
  std::vector<std::string> photo_files;  // relative to dir, "photos/traveler_0001.jpg"
  std::string records_file = "records.csv";
  std::vector<DemoRecord> records;
};

// The records CSV header, in column order.
inline constexpr char kRecordsHeader[] = "plate,captured_at,location,traveler_name,document_no";
// The pack's record columns for this dataset (`fingerprint build --identifier/--corroborating`).
inline constexpr char kIdentifierColumns[] = "plate:plate,document_no:document";
inline constexpr char kCorroboratingColumns[] = "traveler_name:name,captured_at:datetime";

// Renders one plate capture / traveler photo as JPEG. Errors: those of EncodeJpeg.
Result<std::string> RenderPlateJpeg(const std::string& plate, uint64_t seed, int quality);
Result<std::string> RenderTravelerPhotoJpeg(uint64_t seed, int quality);
// The records CSV text (header + rows, RFC 4180 quoting where needed).
std::string RecordsCsv(const std::vector<DemoRecord>& records);

// Writes the whole dataset into `dir` (created if missing; existing files with the same
// names are replaced). Errors: InvalidArgument for bad counts; IOError when writing fails.
Result<Dataset> GenerateDataset(const std::filesystem::path& dir, const DatasetOptions& options);

}  // namespace leakwatch::demo
