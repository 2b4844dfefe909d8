// Recall and false positives at threshold 31 over the transformation suite of
// issue 7 (tests/unit/match/image/test_images.h), for three dataset fingerprint
// settings: whole image only (plain PDQ), + crop windows at 5/10% (the default),
// + crop windows at 4/8/12%. Extra crop amounts probe the windows' tolerance.
// False positives: `distinct` dataset images against `distinct` other images.
// Usage: bench_image_recall [images=40] [distinct=2000]
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "match/image_hooks.h"
#include "tests/unit/match/image/test_images.h"

using namespace leakwatch::match;  // NOLINT(google-build-using-namespace): bench brevity

namespace {

PdqIndex Fingerprint(const std::vector<std::string>& files, const std::vector<double>& windows,
                     size_t* rows) {
  ImageMatchOptions options;
  options.crop_window_fractions = windows;
  const PdqImageFingerprinter fingerprinter(options);
  std::vector<PdqEntry> entries;
  for (size_t i = 0; i < files.size(); ++i) {
    std::string reason;
    const auto prints = fingerprinter.Fingerprint(files[i], &reason).value();
    for (const auto& print : prints) {
      const std::string_view bytes(reinterpret_cast<const char*>(print.pdq.data()), 32);
      entries.push_back({*PdqHash::FromBytes(bytes), static_cast<int64_t>(i)});
    }
  }
  *rows = entries.size();
  return PdqIndex(std::move(entries));
}

}  // namespace

int main(int argc, char** argv) {
  const int images = argc > 1 ? std::stoi(argv[1]) : 40;
  const int distinct = argc > 2 ? std::stoi(argv[2]) : 2000;
  const std::vector<std::vector<double>> settings = {{}, {0.05, 0.10}, {0.04, 0.08, 0.12}};
  auto suite = testimg::StandardTransformations();
  for (const int percent : {3, 4, 6, 7, 8, 12, 15}) {
    suite.push_back({"crop " + std::to_string(percent) + "% left",
                     [percent](const RgbImage& image) {
                       return testimg::EncodeJpeg(
                           testimg::CropEdge(image, percent / 100.0, testimg::Edge::kLeft), 90);
                     },
                     false});
  }
  std::vector<std::string> files;
  for (int i = 0; i < images; ++i) {
    files.push_back(testimg::EncodeJpeg(
        testimg::GenerateNaturalImage(static_cast<uint64_t>(10'000 + i), 640, 480), 92));
  }
  std::vector<PdqIndex> indexes;
  for (const auto& windows : settings) {
    size_t rows = 0;
    indexes.push_back(Fingerprint(files, windows, &rows));
    std::printf("setting %zu: %zu stored hashes for %d images\n", indexes.size(), rows, images);
  }
  std::printf("\n| transformation | PDQ alone | + windows 5/10%% | + windows 4/8/12%% |\n");
  std::printf("|---|---|---|---|\n");
  for (const auto& t : suite) {
    std::vector<int> found(settings.size(), 0);
    for (size_t i = 0; i < files.size(); ++i) {
      const auto query = PdqFromImageBytes(t.apply(DecodeImage(files[i]).value())).value();
      for (size_t s = 0; s < settings.size(); ++s) {
        const auto match = indexes[s].NearestOfVariants(query);
        if (match && match->id == static_cast<int64_t>(i)) ++found[s];
      }
    }
    std::printf("| %s | %d/%d | %d/%d | %d/%d |\n", t.name.c_str(), found[0], images, found[1],
                images, found[2], images);
  }
  // False positives: a dataset of `distinct` images, queried with `distinct` others.
  std::vector<std::string> dataset, others;
  for (int i = 0; i < distinct; ++i) {
    dataset.push_back(testimg::EncodeJpeg(
        testimg::GenerateNaturalImage(static_cast<uint64_t>(20'000'000 + i), 320, 240), 90));
    others.push_back(testimg::EncodeJpeg(
        testimg::GenerateNaturalImage(static_cast<uint64_t>(30'000'000 + i), 320, 240), 80));
  }
  std::printf("\nfalse positives at 31, %d dataset images x %d unrelated queries (8 variants):\n",
              distinct, distinct);
  for (size_t s = 0; s < settings.size(); ++s) {
    size_t rows = 0;
    const PdqIndex index = Fingerprint(dataset, settings[s], &rows);
    int false_positives = 0;
    int closest = 256;
    for (const std::string& other : others) {
      const auto query = PdqFromImageBytes(other).value();
      if (index.NearestOfVariants(query).has_value()) ++false_positives;
      if (auto near = index.NearestOfVariants(query, 256))
        closest = std::min(closest, near->distance);
    }
    std::printf("  setting %zu (%zu stored hashes): %d false positives, closest distance %d\n",
                s + 1, rows, false_positives, closest);
  }
  return 0;
}
