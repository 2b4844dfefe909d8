// PdqIndex query time against 10k / 100k / 1M hashes: linear popcount scan (the
// baseline) versus multi-index hashing, at threshold 31, for queries that hit (a
// stored hash with 20 bits flipped) and queries that miss (random), 8 variants
// per scanned image counted as 8 queries.
// Usage: bench_image_query [max_size=1000000] [queries=2000]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "match/image_index.h"

using leakwatch::match::PdqEntry;
using leakwatch::match::PdqHash;
using leakwatch::match::PdqIndex;

namespace {

PdqHash RandomHash(std::mt19937_64& rng) {
  PdqHash h;
  for (auto& w : h.words) w = rng();
  return h;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Microseconds of this thread's CPU time per query (the machine is shared; wall
// time would measure the other tenants).
double MicrosPerQuery(const PdqIndex& index, const std::vector<PdqHash>& queries, int* hits) {
  *hits = 0;
  const double start = ThreadCpuSeconds();
  for (const PdqHash& q : queries) *hits += index.Nearest(q, 31).has_value() ? 1 : 0;
  return (ThreadCpuSeconds() - start) * 1e6 / static_cast<double>(queries.size());
}

}  // namespace

int main(int argc, char** argv) {
  const size_t max_size = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
  const size_t query_count = argc > 2 ? std::stoul(argv[2]) : 2000;
  std::mt19937_64 rng(1);
  std::printf("CPU microseconds per hash lookup (one variant); a scanned image asks 8.\n");
  std::printf("%10s %14s %14s %14s %14s %10s\n", "entries", "linear hit us", "linear miss us",
              "MIH hit us", "MIH miss us", "MIH build s");
  for (size_t size : {1'000ul, 4'000ul, 16'000ul, 64'000ul, 10'000ul, 100'000ul, 1'000'000ul}) {
    if (size > max_size) continue;
    std::vector<PdqEntry> entries;
    entries.reserve(size);
    for (size_t i = 0; i < size; ++i) entries.push_back({RandomHash(rng), static_cast<int64_t>(i)});
    std::vector<PdqHash> hits_q, miss_q;
    for (size_t i = 0; i < query_count; ++i) {
      PdqHash h = entries[rng() % size].hash;
      for (int k = 0; k < 20; ++k) {
        const auto bit = static_cast<int>(rng() % 256);
        h.words[static_cast<size_t>(bit >> 6)] ^= uint64_t{1} << (bit & 63);
      }
      hits_q.push_back(h);
      miss_q.push_back(RandomHash(rng));
    }
    const PdqIndex linear(entries, {.multi_index_min_entries = SIZE_MAX});
    const auto build_start = std::chrono::steady_clock::now();
    const PdqIndex multi(entries, {.multi_index_min_entries = 1});
    const double build =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
    int h1 = 0, h2 = 0, h3 = 0, h4 = 0;
    const double lh = MicrosPerQuery(linear, hits_q, &h1);
    const double lm = MicrosPerQuery(linear, miss_q, &h2);
    const double mh = MicrosPerQuery(multi, hits_q, &h3);
    const double mm = MicrosPerQuery(multi, miss_q, &h4);
    std::printf("%10zu %14.2f %14.2f %14.2f %14.2f %10.3f   (hits %d/%d/%d/%d)\n", size, lh, lm, mh,
                mm, build, h1, h2, h3, h4);
  }
  return 0;
}
