// match/archive: recursive, streaming archive expansion with libarchive, under limits.
//
// Every object (the top-level input and each archive member, at any depth) is
// streamed to an ObjectSink opened for it; nothing is extracted to disk and members are
// not held whole in memory. An object whose first bytes carry a known archive or
// compression signature (zip, tar, gzip, bzip2, xz, zstd, lz4, 7z, rar, cab, cpio, ar,
// xar, lha, compress) is opened with libarchive (every format it reads; a compressed
// single stream through the raw format), and its members are expanded in turn. The
// container's own bytes still reach its sink (a "tee"), so a dataset archive copied
// whole is found too. Member paths are "outer.tar.gz!/dir/inner.zip!/file".
//
// Limits (ArchiveLimits, all on by default) are checked as bytes flow. The work spent
// on one top-level object is bounded without letting one member hide the others:
//   - matching: the expanded objects (members at every depth and decompressed streams)
//     share a budget of `ratio_floor_bytes + max_ratio x bytes of the top-level object
//     read so far`. A member that would exceed it is truncated: it is matched up to
//     there, the rest of it is read (bytes a nested archive inside it needs still flow
//     to that archive's reader) but not matched, and {"limit", "expansion ratio"} names
//     it; the next member is matched again as soon as the budget allows, which the
//     compressed bytes that carry it refill. So a padded log first in a tar.gz costs
//     its share and the dataset images after it are still found.
//   - total expanded bytes (matched or not), member count: hitting one stops the
//     expansion of that top-level object ({"limit", "<which>"}, e.g. a bomb).
// A damaged archive gives {"corrupt", ...}. Neither is an error: the scan goes on.
//
// Thread safety: an Expander is used by one thread; separate Expanders are independent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "match/finding.h"
#include "util/status.h"

namespace leakwatch::match {

struct ArchiveLimits {
  // Archives nested deeper than this are not opened (the top-level object is depth 0,
  // its members depth 1): `limit: nesting depth`.
  int max_depth = 4;
  // Total bytes of all members, at all depths, of one top-level object, matched or
  // only read through: `limit: total expanded bytes`, which stops the object.
  uint64_t max_total_bytes = 4ull << 30;
  // Matching budget of the expanded objects of one top-level object, in bytes:
  // ratio_floor_bytes + max_ratio x the top-level bytes read so far (see above); a
  // member beyond it is truncated: `limit: expansion ratio` at the member's path. The
  // floor lets small archives of highly compressible text match whole.
  double max_ratio = 200.0;
  uint64_t ratio_floor_bytes = 1ull << 20;
  // Members, at all depths, of one top-level object: `limit: member count`.
  uint64_t max_members = 100'000;
};

// A pull source of bytes: Read returns 0 at end of stream.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual Result<size_t> Read(char* buffer, size_t capacity) = 0;
};

// Receives one object's bytes in order, then Close().
class ObjectSink {
 public:
  virtual ~ObjectSink() = default;
  virtual void Feed(std::string_view bytes) = 0;
  virtual void Close() = 0;
};

struct ExpandStats {
  uint64_t expanded_bytes = 0;  // member bytes read, all depths
  uint64_t matched_bytes = 0;   // expanded bytes that reached a sink (within the budget)
  uint64_t members = 0;
  uint64_t truncated_members = 0;  // objects cut short by the expansion ratio budget
  int max_depth_seen = 0;
};

// Opens a sink for each object; `depth` 0 is the top-level object.
using SinkFactory = std::function<std::unique_ptr<ObjectSink>(const std::string& path, int depth)>;
using AnomalyCallback = std::function<void(const Anomaly&)>;

// Streams `source` as the object `path` and expands archives inside it. Returns an
// error only when `source` itself fails to read (e.g. an I/O error on the input);
// limits and damaged archives are reported through `on_anomaly`.
Result<ExpandStats> ExpandObject(ByteSource& source, const std::string& path,
                                 const ArchiveLimits& limits, const SinkFactory& open_sink,
                                 const AnomalyCallback& on_anomaly);

// A ByteSource over a file descriptor (not owned) or an in-memory buffer (borrowed).
class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  Result<size_t> Read(char* buffer, size_t capacity) override;

 private:
  int fd_;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  Result<size_t> Read(char* buffer, size_t capacity) override;

 private:
  std::string_view bytes_;
};

}  // namespace leakwatch::match
