// End to end through the real pack: BuildPack with the PDQ fingerprinter writes the
// `images` table of a SQLite pack; a Matcher loaded with the PDQ index finds
// altered copies as kImage findings and reports undecodable images as anomalies.
#include <algorithm>
#include <catch2/catch.hpp>

#include "match/builder.h"
#include "match/image_hooks.h"
#include "match/matcher.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/match/image/test_images.h"
#include "util/sqlite.h"

namespace leakwatch::match {
namespace {

constexpr int kDatasetImages = 4;

std::string Photo(int index) {
  return testimg::EncodeJpeg(
      testimg::GenerateNaturalImage(static_cast<uint64_t>(700 + index), 400, 300), 90);
}

DatasetKey TestKey() { return std::move(DatasetKey::FromBytes(std::string(32, '\x42'))).value(); }

struct PackFixture {
  leakwatch::testing::TempDir dir;
  BuildSummary summary;
  std::unique_ptr<Matcher> matcher;

  explicit PackFixture(const ImageMatchOptions& options = {}) {
    for (int i = 0; i < kDatasetImages; ++i) {
      dir.Write("dataset/photos/p" + std::to_string(i) + ".jpg", Photo(i));
    }
    // Flat grey (quality 0) and a truncated JPEG: both counted as skipped images.
    dir.Write("dataset/flat.png",
              testimg::EncodePng(RgbImage{64, 64, std::vector<uint8_t>(64 * 64 * 3, 128)}));
    const std::string truncated = Photo(9);
    dir.Write("dataset/broken.jpg", truncated.substr(0, truncated.size() / 3));
    dir.Write("dataset/notes.txt", "not an image\n");
    const PdqImageFingerprinter fingerprinter(options);
    BuildOptions build;
    build.dataset_dir = dir / "dataset";
    build.output = dir / "pack.lwfp";
    build.tool_version = "test";
    build.image_fingerprinter = &fingerprinter;
    auto built = BuildPack(build, TestKey());
    REQUIRE(built.has_value());
    summary = *built;
    MatcherOptions matcher_options;
    matcher_options.image_index_loader = MakePdqImageIndexLoader(options);
    auto loaded = Matcher::Load(dir / "pack.lwfp", TestKey(), std::move(matcher_options));
    REQUIRE(loaded.has_value());
    matcher = std::move(*loaded);
  }

  std::vector<Finding> Images(const MatchResult& result) const {
    std::vector<Finding> images;
    for (const Finding& f : result.findings) {
      if (f.kind == FindingKind::kImage) images.push_back(f);
    }
    return images;
  }
};

TEST_CASE("the builder stores PDQ rows for decodable images and skips the rest", "[unit]") {
  PackFixture fx;
  // Each photo: the whole image plus 4 crop windows for each of 2 fractions.
  CHECK(fx.summary.info.image_count == kDatasetImages * 9);
  CHECK(fx.summary.images_skipped == 2);  // flat (low quality) and truncated
  ImageMatchOptions whole_only;
  whole_only.crop_window_fractions.clear();
  PackFixture plain(whole_only);
  CHECK(plain.summary.info.image_count == kDatasetImages);
}

TEST_CASE("scan finds altered copies as image findings with distance and score", "[unit]") {
  PackFixture fx;
  const RgbImage pixels = DecodeImage(Photo(2)).value();
  // The exact copy: the exact finding alone (an image finding would repeat it, weaker).
  const MatchResult exact = fx.matcher->MatchBytes("copy.jpg", Photo(2));
  CHECK(fx.Images(exact).empty());
  REQUIRE(exact.findings.size() == 1);
  REQUIRE(exact.findings[0].kind == FindingKind::kExact);
  const std::string ref = exact.findings[0].dataset_refs.at(0);
  // The same pixels in another file: an image finding at distance 0.
  const auto lossless = fx.Images(fx.matcher->MatchBytes("copy.png", testimg::EncodePng(pixels)));
  REQUIRE(lossless.size() == 1);
  CHECK(lossless[0].distance == 0);
  CHECK(lossless[0].score == 1.0);
  CHECK(lossless[0].dataset_refs == std::vector<std::string>{ref});

  const std::vector<std::pair<std::string, std::string>> altered = {
      {"q40.jpg", testimg::EncodeJpeg(pixels, 40)},
      {"half.webp", testimg::EncodeWebp(testimg::Resize(pixels, 200, 150), 80)},
      {"gray.png", testimg::EncodePng(testimg::Grayscale(pixels))},
      {"rotated.jpg", testimg::EncodeJpeg(testimg::Rotate90(pixels), 85)},
      // 5% off one edge: the whole-image hash misses it; a stored crop window finds it.
      {"cropped.jpg",
       testimg::EncodeJpeg(testimg::CropEdge(pixels, 0.05, testimg::Edge::kTop), 85)},
  };
  for (const auto& [name, bytes] : altered) {
    INFO(name);
    const MatchResult result = fx.matcher->MatchBytes("forum/" + name, bytes);
    const auto images = fx.Images(result);
    REQUIRE(images.size() == 1);
    CHECK(images[0].path == "forum/" + name);
    CHECK(images[0].dataset_refs == std::vector<std::string>{ref});
    REQUIRE(images[0].distance.has_value());
    CHECK(*images[0].distance <= kPdqDefaultThreshold);
    CHECK(images[0].score == Approx(1.0 - *images[0].distance / 256.0));
    CHECK(images[0].size == bytes.size());
  }
}

TEST_CASE("unrelated and broken images give no image finding, broken ones an anomaly", "[unit]") {
  PackFixture fx;
  const MatchResult unrelated = fx.matcher->MatchBytes("other.jpg", Photo(55));
  CHECK(fx.Images(unrelated).empty());
  CHECK(unrelated.anomalies.empty());
  const std::string jpeg = Photo(56);
  const MatchResult truncated = fx.matcher->MatchBytes("cut.jpg", jpeg.substr(0, jpeg.size() / 2));
  CHECK(fx.Images(truncated).empty());
  REQUIRE(truncated.anomalies.size() == 1);
  CHECK(truncated.anomalies[0].kind == "corrupt");
  CHECK(truncated.anomalies[0].path == "cut.jpg");
}

TEST_CASE("the threshold is configurable", "[unit]") {
  ImageMatchOptions strict;
  strict.threshold = 0;
  strict.crop_window_fractions.clear();
  PackFixture fx(strict);
  const RgbImage pixels = DecodeImage(Photo(1)).value();
  const MatchResult rotated =
      fx.matcher->MatchBytes("r.jpg", testimg::EncodeJpeg(testimg::Rotate90(pixels), 60));
  CHECK(fx.Images(rotated).empty());
  CHECK(fx.Images(fx.matcher->MatchBytes("same.png", testimg::EncodePng(pixels))).size() == 1);
}

TEST_CASE("a format 1 pack (images table empty) still loads and gives no image findings",
          "[unit]") {
  PackFixture fx;
  {
    auto db =
        util::Database::Open(fx.dir / "pack.lwfp", util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("DELETE FROM images; UPDATE header SET value = '1' WHERE key = "
                     "'format_version'; PRAGMA user_version = 1;")
                .ok());
  }
  CHECK(kPackFormatVersion > 1);  // the pack claims an older format than this build writes
  const auto info = ReadPackInfo(fx.dir / "pack.lwfp");
  REQUIRE(info.has_value());
  CHECK(info->format_version == 1);
  MatcherOptions options;
  options.image_index_loader = MakePdqImageIndexLoader();
  auto old = Matcher::Load(fx.dir / "pack.lwfp", TestKey(), std::move(options));
  REQUIRE(old.has_value());
  const MatchResult result = (*old)->MatchBytes("copy.jpg", Photo(0));
  CHECK(fx.Images(result).empty());
  CHECK_FALSE(result.findings.empty());  // the exact match still works
}

}  // namespace
}  // namespace leakwatch::match
