// store/coverage: which dataset files and records have been sighted at least once,
// for "412 of 65,019 dataset files seen publicly so far". The totals come from the
// fingerprint pack; the store only knows what was seen.
//
// Refs are the pack's identifiers (a file's path in the dataset or id, a record's
// keyed-hash id), never dataset plaintext.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

enum class CoverageKind { kFile, kRecord };
// "file", "record".
std::string_view CoverageKindName(CoverageKind kind);
Result<CoverageKind> ParseCoverageKind(std::string_view name);

struct CoverageRef {
  CoverageKind kind = CoverageKind::kFile;
  std::string ref;
};

struct CoverageEntry {
  CoverageKind kind = CoverageKind::kFile;
  std::string ref;
  std::optional<int64_t> first_sighting_id;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  int64_t times_seen = 0;
};

// The coverage refs named by a sighting's dataset_refs (a JSON array of the pack's
// opaque ids, match::Finding::dataset_refs): "f:<id>" is a dataset file, "r:<id>" a
// record; the ref is the id without its prefix. Other entries, and text that is not
// a JSON array, give nothing (never an error: the refs come from a finding). Repeats
// are dropped. Store::RecordSighting uses this when the request names no refs.
std::vector<CoverageRef> CoverageRefsFromDatasetRefs(std::string_view dataset_refs_json);

// Thread safety: as the owning Store.
class CoverageRepository {
 public:
  explicit CoverageRepository(detail::StoreCore& core) : core_(core) {}
  CoverageRepository(const CoverageRepository&) = delete;
  CoverageRepository& operator=(const CoverageRepository&) = delete;

  // Marks the refs seen now (first sighting recorded when new), in one transaction.
  // Returns how many were seen for the first time.
  Result<int64_t> MarkSeen(const std::vector<CoverageRef>& refs,
                           std::optional<int64_t> sighting_id);
  // Distinct refs of that kind seen at least once.
  Result<int64_t> CountSeen(CoverageKind kind);
  // std::nullopt when never seen.
  Result<std::optional<CoverageEntry>> Get(CoverageKind kind, std::string_view ref);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
