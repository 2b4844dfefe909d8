// match/finding: what a scan reports — findings (the dataset was recognised) and
// anomalies (hostile or damaged input, limits hit), never dataset plaintext.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakwatch::match {

enum class FindingKind {
  kExact,    // whole object == a dataset file (XXH3-128 + size); score 1.0
  kPartial,  // content-defined chunks of a dataset file; score = fraction of that
             // file's bytes covered by matched chunks
  kRecords,  // keyed record hashes in text; score = distinct corroborated records
  kImage,    // perceptual hash (filled by the image matcher, issue 7); score =
             // 1 - distance / 256, `distance` set
  kMention,  // a watch-list term (crawler)
};

std::string_view FindingKindName(FindingKind kind);

enum class Confidence { kLow, kHigh };
std::string_view ConfidenceName(Confidence confidence);

struct Finding {
  std::string path;  // object path; members of archives as "a.tar.gz!/dir/b.zip!/c.jpg"
  FindingKind kind = FindingKind::kExact;
  double score = 0;
  Confidence confidence = Confidence::kHigh;
  // Opaque pack ids: "f:<file_id>" for files, "r:<record_id>" for records (capped;
  // see kMaxRefsPerFinding).
  std::vector<std::string> dataset_refs;
  // kRecords: every corroborated record id, sorted, uncapped, so that "how many of the
  // dataset's records have been seen" counts a 10,000-record paste as 10,000.
  std::vector<uint32_t> record_ids;
  std::string sha256;  // hex, of the scanned object (empty if hashing was disabled)
  uint64_t size = 0;   // of the scanned object
  // kPartial: bytes of the dataset file covered. kRecords: identifier-only hits.
  uint64_t matched_bytes = 0;
  uint64_t single_hits = 0;
  std::optional<int> distance;  // kImage: Hamming distance 0..256
  std::string snippet;          // kMention: <= 200 bytes of text around the match
};

inline constexpr size_t kMaxRefsPerFinding = 100;

// The dataset_refs spellings of a pack's file and record ids.
inline std::string FileRef(int64_t file_id) { return "f:" + std::to_string(file_id); }
inline std::string RecordRef(uint32_t record_id) { return "r:" + std::to_string(record_id); }

// Hostile or damaged input met while scanning; the scan goes on.
struct Anomaly {
  std::string path;
  std::string kind;    // "limit", "corrupt", "unsupported", "io", "image"
  std::string detail;  // e.g. "expansion ratio" -> rendered "limit: expansion ratio"

  std::string Message() const { return kind + ": " + detail; }
};

}  // namespace leakwatch::match
