// Decode + PDQ throughput per core: 1920x1080 JPEGs and 640x480 PNGs (generated,
// photo-like), single thread. Baseline in the same run: decoding alone. Rates are
// per second of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that a loaded
// shared machine does not distort the per-core figure; wall-clock rates beside.
// Usage: bench_image_throughput [images=40] [repeats=3]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "match/pdq.h"
#include "tests/unit/match/image/test_images.h"

using leakwatch::match::DecodeImage;
using leakwatch::match::ImageLimits;
using leakwatch::match::PdqFromImageBytes;
namespace testimg = leakwatch::match::testimg;

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Rate {
  double cpu;   // images per CPU second
  double wall;  // images per wall-clock second
};

template <typename Work>
Rate ImagesPerSecond(const std::vector<std::string>& files, int repeats, Work work) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ThreadCpuSeconds();
  size_t sink = 0;
  for (int r = 0; r < repeats; ++r) {
    for (const std::string& file : files) sink += work(file);
  }
  const double cpu = ThreadCpuSeconds() - cpu_start;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (sink == 42) std::puts("");  // keep the work observable
  const double count = static_cast<double>(files.size()) * repeats;
  return {count / cpu, count / wall};
}

void Report(const char* label, const std::vector<std::string>& files, int repeats,
            const ImageLimits& limits) {
  const Rate decode = ImagesPerSecond(files, repeats, [&](const std::string& f) {
    return DecodeImage(f, limits).value().pixels.size();
  });
  const Rate hash = ImagesPerSecond(files, repeats, [&](const std::string& f) {
    return static_cast<size_t>(PdqFromImageBytes(f, limits).value().quality);
  });
  std::printf("| %s | %.1f (%.1f wall) | %.1f (%.1f wall) |\n", label, decode.cpu, decode.wall,
              hash.cpu, hash.wall);
}

}  // namespace

int main(int argc, char** argv) {
  const int images = argc > 1 ? std::stoi(argv[1]) : 40;
  const int repeats = argc > 2 ? std::stoi(argv[2]) : 3;
  std::vector<std::string> jpegs, pngs;
  for (int i = 0; i < images; ++i) {
    jpegs.push_back(testimg::EncodeJpeg(
        testimg::GenerateNaturalImage(static_cast<uint64_t>(i), 1920, 1080), 85));
    pngs.push_back(
        testimg::EncodePng(testimg::GenerateNaturalImage(static_cast<uint64_t>(i), 640, 480)));
  }
  std::printf("%d images x %d repeats, one thread; images per CPU-second\n\n", images, repeats);
  std::printf("| input | decode only (baseline) | decode + PDQ + 8 variants |\n|---|---|---|\n");
  for (const uint32_t side : {0u, 512u, 256u, 128u}) {
    ImageLimits limits;
    limits.jpeg_min_decoded_side = side;
    const std::string label = "1920x1080 JPEG q85, min decoded side " +
                              (side == 0 ? std::string("full") : std::to_string(side));
    Report(label.c_str(), jpegs, repeats, limits);
  }
  Report("640x480 PNG", pngs, repeats, ImageLimits{});
  return 0;
}
