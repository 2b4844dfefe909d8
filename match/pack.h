// match/pack: the fingerprint pack file (a SQLite database; docs/pack-format.md).
//
// A pack holds only fingerprints of the dataset: whole-file digests, content-defined
// chunk hashes, keyed record hashes and (filled by the image work) perceptual image
// hashes. It never holds a file name, a path or a record value in clear.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "match/chunker.h"
#include "match/normalize.h"
#include "util/status.h"

namespace leakwatch::match {

// The newest format this build writes and reads. Packs with a higher version are
// refused with Unsupported; older ones are read.
// Version 2: the `images` table is filled (PDQ rows, issue 7); version 1 packs load
// with it empty, so they simply give no image findings.
// Version 3: record batches are written in ascending hash order per kind, so loading
// is a copy instead of a sort; version 1 and 2 packs still load (sorted at load).
inline constexpr int kPackFormatVersion = 3;

struct PackInfo {
  int format_version = 0;
  std::string tool_version;
  std::string built_at;  // ISO 8601 UTC
  std::string key_id;    // DatasetKey::key_id() of the key the pack was built with
  ChunkParams chunk_params;
  uint64_t file_count = 0;
  uint64_t total_file_bytes = 0;
  uint64_t chunk_count = 0;
  uint64_t record_count = 0;
  uint64_t single_hash_count = 0;  // keyed identifier hashes
  uint64_t pair_hash_count = 0;    // keyed (identifier, corroborating) hashes
  uint64_t image_count = 0;        // rows of the `images` table
  uint64_t skipped_file_count = 0;
  std::vector<FieldType> identifier_types;     // distinct types of identifier columns
  std::vector<FieldType> corroborating_types;  // distinct types of corroborating columns
};

// Reads the header and counts of the pack at `path` (read-only, no key needed).
// Errors: NotFound / IOError when unreadable, Corruption when the file is not a pack
// or its header is damaged, Unsupported when written by a newer format version.
Result<PackInfo> ReadPackInfo(const std::filesystem::path& path);

}  // namespace leakwatch::match
