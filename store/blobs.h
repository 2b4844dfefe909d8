// store/blobs: hashes and metadata of every object fetched or expanded. Never the
// content: a monitor must not hoard third-party (or dataset) bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

struct BlobInfo {
  std::string sha256;  // lowercase hex, 64 chars
  int64_t size = 0;
  std::optional<std::string> mime;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
};

// Thread safety: as the owning Store.
class BlobRepository {
 public:
  explicit BlobRepository(detail::StoreCore& core) : core_(core) {}
  BlobRepository(const BlobRepository&) = delete;
  BlobRepository& operator=(const BlobRepository&) = delete;

  // Records that the object was seen now: inserts it, or moves last_seen (and fills
  // a missing mime). Returns true when the hash was new.
  // InvalidArgument when `sha256` is not 64 lowercase hex digits.
  Result<bool> Touch(std::string_view sha256, int64_t size, std::optional<std::string> mime);
  // std::nullopt when unknown.
  Result<std::optional<BlobInfo>> Get(std::string_view sha256);
  // Deletes blobs last seen before `cutoff` that no sighting refers to. Returns how many.
  Result<int64_t> DeleteUnreferencedOlderThan(int64_t cutoff);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
