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
// Limits (ArchiveLimits, all on by default) are checked as bytes flow: hitting one
// stops the expansion of that top-level object with an Anomaly {"limit", "<which>"};
// a damaged archive gives {"corrupt", ...}. Neither is an error: the scan goes on.
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
  // Total bytes of all members, at all depths, of one top-level object:
  // `limit: total expanded bytes`.
  uint64_t max_total_bytes = 4ull << 30;
  // Expanded bytes per byte of the top-level object read so far: `limit: expansion
  // ratio`. Checked once `ratio_floor_bytes` have been expanded, so small archives of
  // highly compressible text are not flagged.
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
  uint64_t members = 0;
  int max_depth_seen = 0;
};

// Opens a sink for each object; `depth` 0 is the top-level object.
using SinkFactory = std::function<std::unique_ptr<ObjectSink>(const std::string& path, int depth)>;
using AnomalyCallback = std::function<void(const Anomaly&)>;

// True when `head` starts with a signature the expander opens with libarchive.
bool LooksLikeArchive(std::string_view head);

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
