#include "match/internal/prefilter.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace leakwatch::match::detail {
namespace {

constexpr size_t kHugePageBytes = size_t{2} << 20;
// Blocks are addressed with a 32-bit multiply-shift: at most 2^32 blocks (128 GiB).
constexpr size_t kMaxBlocks = size_t{1} << 32;

}  // namespace

void SplitBlockBloomFilter::FreeDeleter::operator()(uint32_t* p) const { std::free(p); }

SplitBlockBloomFilter::SplitBlockBloomFilter(size_t keys, int bits_per_key) {
  bits_per_key = std::clamp(bits_per_key, 4, 64);
  const size_t bits = std::max<size_t>(keys, 1) * static_cast<size_t>(bits_per_key);
  blocks_ =
      std::min(kMaxBlocks, std::max<size_t>(1, (bits + kBlockBytes * 8 - 1) / (kBlockBytes * 8)));
  const size_t bytes = blocks_ * kBlockBytes;
  const size_t alignment = bytes >= kHugePageBytes ? kHugePageBytes : 64;
  const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  if (alignment == kHugePageBytes) {
    // Advisory: without transparent huge pages the filter works the same, with more
    // TLB misses.
    (void)::madvise(p, rounded, MADV_HUGEPAGE);
  }
  std::memset(p, 0, rounded);
  words_.reset(static_cast<uint32_t*>(p));
}

}  // namespace leakwatch::match::detail
