// demo/internal/rng: a tiny deterministic PRNG (SplitMix64). The standard
// distributions are implementation-defined, so the demo draws its numbers here to stay
// identical across standard libraries for a given seed.
#pragma once

#include <cstdint>
#include <string_view>

namespace leakwatch::demo::detail {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  // A generator for an independent stream: the seed mixed with a label and an index.
  static Rng Derive(uint64_t seed, std::string_view label, uint64_t index = 0) {
    uint64_t h = seed ^ 0xcbf29ce484222325ull;
    for (char c : label) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
    return Rng(h ^ (index * 0x9e3779b97f4a7c15ull));
  }

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform integer in [lo, hi].
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Unit(); }
  bool Chance(double p) { return Unit() < p; }

 private:
  uint64_t state_;
};

}  // namespace leakwatch::demo::detail
