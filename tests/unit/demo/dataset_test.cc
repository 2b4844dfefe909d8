#include "demo/dataset.h"

#include <catch2/catch.hpp>
#include <set>

#include "demo/raster.h"
#include "tests/support/temp_dir.h"
#include "util/files.h"

namespace leakwatch::demo {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  auto bytes = util::ReadFileCapped(path, 64u << 20);
  REQUIRE(bytes.has_value());
  return *bytes;
}

DatasetOptions SmallOptions(uint64_t seed) {
  DatasetOptions o;
  o.seed = seed;
  o.plate_images = 3;
  o.traveler_photos = 2;
  o.records = 10;
  return o;
}

TEST_CASE("the same seed gives byte-identical dataset files", "[unit]") {
  testing::TempDir a;
  testing::TempDir b;
  auto first = GenerateDataset(a.path(), SmallOptions(7));
  auto second = GenerateDataset(b.path(), SmallOptions(7));
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  REQUIRE(first->plate_files.size() == 3);
  REQUIRE(first->photo_files.size() == 2);
  std::vector<std::string> files = first->plate_files;
  files.insert(files.end(), first->photo_files.begin(), first->photo_files.end());
  files.push_back(first->records_file);
  for (const std::string& f : files) {
    INFO(f);
    CHECK(ReadAll(a / f) == ReadAll(b / f));
  }
}

TEST_CASE("different seeds give different records and images", "[unit]") {
  testing::TempDir a;
  testing::TempDir b;
  auto first = GenerateDataset(a.path(), SmallOptions(1));
  auto second = GenerateDataset(b.path(), SmallOptions(2));
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(ReadAll(a / "records.csv") != ReadAll(b / "records.csv"));
  CHECK(ReadAll(a / first->photo_files[0]) != ReadAll(b / second->photo_files[0]));
  CHECK(ReadAll(a / first->plate_files[0]) != ReadAll(b / second->plate_files[0]));
}

TEST_CASE("records CSV has the documented header and one row per record", "[unit]") {
  testing::TempDir dir;
  auto dataset = GenerateDataset(dir.path(), SmallOptions(3));
  REQUIRE(dataset.has_value());
  const std::string csv = ReadAll(dir / "records.csv");
  CHECK(csv.rfind(std::string(kRecordsHeader) + "\n", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 11);
  std::set<std::string> plates;
  for (const DemoRecord& r : dataset->records) {
    CHECK(r.plate.size() == 8);
    CHECK(r.document_no.size() == 9);
    CHECK(r.captured_at.size() == 19);
    CHECK(csv.find(r.traveler_name) != std::string::npos);
    plates.insert(r.plate);
  }
  CHECK(plates.size() == dataset->records.size());
}

// Standard deviation of the luminance: a "natural-looking" image is far from flat.
double LumaStdDev(const RgbImage& image) {
  double sum = 0;
  double sum_sq = 0;
  const auto& p = image.pixels();
  const size_t n = p.size() / 3;
  for (size_t i = 0; i < n; ++i) {
    const double y = 0.299 * p[3 * i] + 0.587 * p[3 * i + 1] + 0.114 * p[3 * i + 2];
    sum += y;
    sum_sq += y * y;
  }
  const double mean = sum / static_cast<double>(n);
  return std::sqrt(sum_sq / static_cast<double>(n) - mean * mean);
}

TEST_CASE("rendered images are real, varied JPEGs", "[unit]") {
  auto plate = RenderPlateJpeg("7KDM-482", 1, 90);
  REQUIRE(plate.has_value());
  auto decoded_plate = DecodeJpeg(*plate);
  REQUIRE(decoded_plate.has_value());
  CHECK(decoded_plate->width() == 520);
  CHECK(LumaStdDev(*decoded_plate) > 20);

  auto photo = RenderTravelerPhotoJpeg(5, 90);
  REQUIRE(photo.has_value());
  auto decoded_photo = DecodeJpeg(*photo);
  REQUIRE(decoded_photo.has_value());
  CHECK(LumaStdDev(*decoded_photo) > 15);

  auto smaller = ReencodeJpeg(*photo, 0.5, 60);
  REQUIRE(smaller.has_value());
  auto decoded_small = DecodeJpeg(*smaller);
  REQUIRE(decoded_small.has_value());
  CHECK(decoded_small->width() == decoded_photo->width() / 2);
  CHECK(*smaller != *photo);
}

TEST_CASE("the bitmap font draws the plate string where it says", "[unit]") {
  RgbImage image(TextWidth("AB-1", 2), 7 * 2, {255, 255, 255});
  DrawText(image, 0, 0, 2, "AB-1", {0, 0, 0});
  // 'A' top row is .###. : column 0 blank, column 1 inked (at scale 2: x 2..3).
  CHECK(image.Get(0, 0).r == 255);
  CHECK(image.Get(2, 0).r == 0);
  // '-' is only the middle row.
  const int dash_x = 2 * kGlyphAdvance * 2;
  CHECK(image.Get(dash_x, 3 * 2).r == 0);
  CHECK(image.Get(dash_x, 0).r == 255);
}

TEST_CASE("hostile JPEG input is an error, not a crash", "[unit]") {
  CHECK_FALSE(DecodeJpeg("not a jpeg").has_value());
  CHECK_FALSE(DecodeJpeg(std::string("\xFF\xD8\xFF\xE0", 4)).has_value());
  CHECK_FALSE(GenerateDataset("/proc/nonexistent/x", SmallOptions(1)).has_value());
}

}  // namespace
}  // namespace leakwatch::demo
