// match/chunker: content-defined chunking (FastCDC) and whole-content digests.
//
// FastCDC (Xia et al., USENIX ATC 2016): a Gear rolling hash, no boundary test in the
// first `min_size` bytes of a chunk, a strict mask below `avg_size` and a loose one
// above it ("normalised chunking"), a forced cut at `max_size`. Boundaries depend
// only on the last 64 bytes, so a copy of a file embedded at any offset inside a
// larger blob re-synchronises after its first boundary, and a changed byte only
// changes the chunk or two around it. Each chunk is identified by its XXH3-64.
//
// Thread safety: a Chunker or ContentHasher belongs to one thread; the classes hold no
// shared state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/hash.h"
#include "util/status.h"

namespace leakwatch::match {

// Stored in the pack header; the matcher chunks with the pack's parameters.
struct ChunkParams {
  uint32_t min_size = 2 * 1024;
  uint32_t avg_size = 8 * 1024;
  uint32_t max_size = 64 * 1024;

  // avg a power of two in [256, 4 MiB], 64 <= min < avg < max <= 16 MiB.
  Status Validate() const;
};

struct ChunkRef {
  uint64_t hash = 0;    // XXH3-64 of the chunk bytes (seed 0)
  uint64_t offset = 0;  // within the stream
  uint32_t length = 0;
};

class Chunker {
 public:
  // REQUIRES: params.Validate().ok().
  explicit Chunker(const ChunkParams& params);

  // Consumes the next piece of the stream and appends every chunk it completes.
  void Feed(std::string_view bytes, std::vector<ChunkRef>& out);
  // Ends the stream, appending the final (possibly short) chunk if any.
  void Finish(std::vector<ChunkRef>& out);

 private:
  void CutChunk(const uint8_t* chunk_start_in_buffer, const uint8_t* end,
                std::vector<ChunkRef>& out);

  uint32_t min_size_, avg_size_, max_size_;
  uint64_t mask_small_, mask_large_;
  uint64_t gear_ = 0;
  uint64_t chunk_len_ = 0;     // bytes of the current chunk seen so far
  uint64_t chunk_offset_ = 0;  // stream offset of the current chunk
  std::string carry_;          // bytes of the current chunk from earlier Feed calls
};

struct ContentDigest {
  uint64_t xxh128_high = 0;
  uint64_t xxh128_low = 0;
  uint64_t size = 0;
  util::Sha256Digest sha256{};

  // 16 bytes, big endian (XXH128 canonical form); as stored in the pack.
  std::string Xxh128Bytes() const;
};

// Streaming XXH3-128 + size + (optionally) SHA-256 of a whole object.
class ContentHasher {
 public:
  explicit ContentHasher(bool with_sha256 = true);
  ~ContentHasher();
  ContentHasher(const ContentHasher&) = delete;
  ContentHasher& operator=(const ContentHasher&) = delete;

  void Update(std::string_view bytes);
  // REQUIRES: called once.
  ContentDigest Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace leakwatch::match
