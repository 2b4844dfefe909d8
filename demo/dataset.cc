#include "demo/dataset.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "demo/internal/rng.h"
#include "demo/raster.h"
#include "util/files.h"

namespace leakwatch::demo {
namespace {

using detail::Rng;

constexpr int kPlateWidth = 520;
constexpr int kPlateHeight = 128;
constexpr int kPhotoWidth = 480;
constexpr int kPhotoHeight = 360;
constexpr int kMaxCount = 100000;

constexpr std::array<std::string_view, 24> kFirstNames = {
    "Arlen",  "Brisa",    "Corwin", "Dalia",  "Emeric", "Faye",  "Gideon", "Halle",
    "Ivo",    "Jessa",    "Kellan", "Liora",  "Marek",  "Nerys", "Oswin",  "Perrin",
    "Quilla", "Rosalind", "Soren",  "Tamsin", "Ulric",  "Vesna", "Wynn",   "Yara"};
constexpr std::array<std::string_view, 24> kLastNames = {
    "Ashdown",   "Brackley",  "Calloway",  "Dunmore",     "Ellery",   "Fenwick",
    "Garrow",    "Halloran",  "Ingleby",   "Jessop",      "Kestrel",  "Lowther",
    "Marchetti", "Northcott", "Oakhurst",  "Penhallow",   "Quenby",   "Redfern",
    "Stroud",    "Thackeray", "Underhill", "Vantongeren", "Whitlock", "Yardley"};
constexpr std::array<std::string_view, 8> kCrossings = {
    "Harrow Bridge", "Colmar Gate", "Eastwick Ferry", "Pell Crossing",
    "Northreach",    "Sallow Pass", "Greyhaven Port", "Tamber Road"};
constexpr std::array<std::string_view, 4> kRegions = {"NORTHREACH", "COLMAR", "SALLOW", "EASTWICK"};

char RandomLetter(Rng& rng) {
  // No I, O or Q on plates (confusable with digits), as many real schemes do.
  constexpr std::string_view kLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";
  return kLetters[rng.Below(kLetters.size())];
}
char RandomDigit(Rng& rng) { return static_cast<char>('0' + rng.Below(10)); }

std::string MakePlate(Rng& rng) {
  std::string plate;
  plate += RandomDigit(rng);
  for (int i = 0; i < 3; ++i) plate += RandomLetter(rng);
  plate += '-';
  for (int i = 0; i < 3; ++i) plate += RandomDigit(rng);
  return plate;
}

std::string TwoDigits(int v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

std::string MakeTimestamp(Rng& rng) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int month = rng.Range(1, 9);
  const int day = rng.Range(1, kDays[static_cast<size_t>(month - 1)]);
  return "2026-" + TwoDigits(month) + "-" + TwoDigits(day) + "T" + TwoDigits(rng.Range(0, 23)) +
         ":" + TwoDigits(rng.Range(0, 59)) + ":" + TwoDigits(rng.Range(0, 59));
}

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

uint8_t Clamp8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

Rgb Lerp(Rgb a, Rgb b, double t) {
  return {Clamp8(a.r + (b.r - a.r) * t), Clamp8(a.g + (b.g - a.g) * t),
          Clamp8(a.b + (b.b - a.b) * t)};
}

Rgb RandomColor(Rng& rng, int lo, int hi) {
  return {static_cast<uint8_t>(rng.Range(lo, hi)), static_cast<uint8_t>(rng.Range(lo, hi)),
          static_cast<uint8_t>(rng.Range(lo, hi))};
}

// Smooth value noise in [-1, 1]: random values on a coarse grid, bilinearly interpolated.
class ValueNoise {
 public:
  ValueNoise(Rng& rng, int cells_x, int cells_y) : cx_(cells_x), cy_(cells_y) {
    grid_.resize(static_cast<size_t>((cx_ + 1) * (cy_ + 1)));
    for (double& v : grid_) v = rng.Uniform(-1, 1);
  }
  // u, v in [0, 1].
  double At(double u, double v) const {
    const double fx = u * cx_;
    const double fy = v * cy_;
    const int x0 = std::min(static_cast<int>(fx), cx_ - 1);
    const int y0 = std::min(static_cast<int>(fy), cy_ - 1);
    const double tx = fx - x0;
    const double ty = fy - y0;
    const double a = Cell(x0, y0) * (1 - tx) + Cell(x0 + 1, y0) * tx;
    const double b = Cell(x0, y0 + 1) * (1 - tx) + Cell(x0 + 1, y0 + 1) * tx;
    return a * (1 - ty) + b * ty;
  }

 private:
  double Cell(int x, int y) const { return grid_[static_cast<size_t>(y * (cx_ + 1) + x)]; }
  int cx_;
  int cy_;
  std::vector<double> grid_;
};

void AddGrain(RgbImage& image, Rng& rng, int amplitude) {
  for (uint8_t& p : image.pixels()) {
    const int v = p + rng.Range(-amplitude, amplitude);
    p = static_cast<uint8_t>(std::clamp(v, 0, 255));
  }
}

// Generates the records only (no files), e.g. to lay out a leaked paste.
std::vector<DemoRecord> GenerateRecords(uint64_t seed, int count) {
  std::vector<DemoRecord> records;
  Rng rng = Rng::Derive(seed, "records");
  for (int i = 0; i < count; ++i) {
    DemoRecord r;
    r.plate = MakePlate(rng);
    r.captured_at = MakeTimestamp(rng);
    r.location = std::string(kCrossings[rng.Below(kCrossings.size())]) + " crossing, lane " +
                 std::to_string(rng.Range(1, 8));
    r.traveler_name = std::string(kFirstNames[rng.Below(kFirstNames.size())]) + " " +
                      std::string(kLastNames[rng.Below(kLastNames.size())]);
    r.document_no = std::string(1, RandomLetter(rng));
    for (int d = 0; d < 8; ++d) r.document_no += RandomDigit(rng);
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace

Result<std::string> RenderPlateJpeg(const std::string& plate, uint64_t seed, int quality) {
  Rng rng = Rng::Derive(seed, "plate:" + plate);
  // Plate-like: a light reflective background with a vertical gradient, a dark border,
  // a region label on top, the plate string large, and a darker bumper around it.
  const Rgb top = RandomColor(rng, 215, 250);
  const Rgb bottom = Lerp(top, {150, 150, 140}, rng.Uniform(0.2, 0.5));
  RgbImage image(kPlateWidth, kPlateHeight);
  const Rgb bumper = RandomColor(rng, 20, 70);
  for (int y = 0; y < kPlateHeight; ++y) {
    const Rgb row = Lerp(top, bottom, static_cast<double>(y) / kPlateHeight);
    for (int x = 0; x < kPlateWidth; ++x) image.Set(x, y, row);
  }
  FillRect(image, 0, 0, kPlateWidth, 6, bumper);
  FillRect(image, 0, kPlateHeight - 6, kPlateWidth, 6, bumper);
  FillRect(image, 0, 0, 6, kPlateHeight, bumper);
  FillRect(image, kPlateWidth - 6, 0, 6, kPlateHeight, bumper);
  const Rgb ink = RandomColor(rng, 10, 60);
  FillRect(image, 12, 12, kPlateWidth - 24, 4, ink);
  FillRect(image, 12, kPlateHeight - 16, kPlateWidth - 24, 4, ink);
  const std::string_view region = kRegions[rng.Below(kRegions.size())];
  DrawText(image, (kPlateWidth - TextWidth(region, 2)) / 2, 20, 2, region, ink);
  constexpr int kScale = 10;
  const int text_x = (kPlateWidth - TextWidth(plate, kScale)) / 2 + rng.Range(-6, 6);
  DrawText(image, text_x, 42, kScale, plate, ink);
  // Light falloff of a roadside camera flash and sensor noise.
  const double cx = rng.Uniform(0.3, 0.7) * kPlateWidth;
  for (int y = 0; y < kPlateHeight; ++y) {
    for (int x = 0; x < kPlateWidth; ++x) {
      const double d = std::hypot((x - cx) / kPlateWidth, (y - kPlateHeight / 2.0) / kPlateWidth);
      image.Blend(x, y, {0, 0, 0}, std::min(0.45, d * 0.6));
    }
  }
  AddGrain(image, rng, 8);
  return EncodeJpeg(image, quality);
}

Result<std::string> RenderTravelerPhotoJpeg(uint64_t seed, int quality) {
  Rng rng = Rng::Derive(seed, "photo");
  RgbImage image(kPhotoWidth, kPhotoHeight);
  const Rgb sky_top = RandomColor(rng, 60, 200);
  const Rgb sky_bottom = RandomColor(rng, 150, 250);
  const Rgb ground_top = RandomColor(rng, 40, 160);
  const Rgb ground_bottom = RandomColor(rng, 10, 90);
  const double horizon = rng.Uniform(0.35, 0.7) * kPhotoHeight;
  const double tilt = rng.Uniform(-0.25, 0.25);
  ValueNoise blotches(rng, 6, 5);
  ValueNoise detail(rng, 24, 18);
  for (int y = 0; y < kPhotoHeight; ++y) {
    for (int x = 0; x < kPhotoWidth; ++x) {
      const double h = horizon + tilt * (x - kPhotoWidth / 2.0);
      Rgb c = y < h ? Lerp(sky_top, sky_bottom, y / std::max(h, 1.0))
                    : Lerp(ground_top, ground_bottom, (y - h) / std::max(kPhotoHeight - h, 1.0));
      const double u = static_cast<double>(x) / kPhotoWidth;
      const double v = static_cast<double>(y) / kPhotoHeight;
      const double shade = 38 * blotches.At(u, v) + 12 * detail.At(u, v);
      c = {Clamp8(c.r + shade), Clamp8(c.g + shade), Clamp8(c.b + shade * 0.8)};
      image.Set(x, y, c);
    }
  }
  // A few soft shapes: background objects, then a "person" (head and shoulders).
  const int shapes = rng.Range(4, 9);
  for (int i = 0; i < shapes; ++i) {
    FillEllipse(image, rng.Uniform(0, kPhotoWidth), rng.Uniform(0, kPhotoHeight),
                rng.Uniform(20, 110), rng.Uniform(15, 90), RandomColor(rng, 0, 255),
                rng.Uniform(0.4, 0.9));
  }
  const double px = rng.Uniform(0.35, 0.65) * kPhotoWidth;
  const Rgb coat = RandomColor(rng, 20, 180);
  FillEllipse(image, px, kPhotoHeight * 0.95, kPhotoWidth * 0.22, kPhotoHeight * 0.3, coat, 1.0);
  const Rgb skin = {static_cast<uint8_t>(rng.Range(120, 235)),
                    static_cast<uint8_t>(rng.Range(90, 190)),
                    static_cast<uint8_t>(rng.Range(70, 160))};
  FillEllipse(image, px, kPhotoHeight * 0.48, kPhotoWidth * 0.09, kPhotoHeight * 0.16, skin, 1.0);
  AddGrain(image, rng, 6);
  return EncodeJpeg(image, quality);
}

std::string RecordsCsv(const std::vector<DemoRecord>& records) {
  std::string csv = std::string(kRecordsHeader) + "\n";
  for (const DemoRecord& r : records) {
    csv += CsvField(r.plate) + "," + CsvField(r.captured_at) + "," + CsvField(r.location) + "," +
           CsvField(r.traveler_name) + "," + CsvField(r.document_no) + "\n";
  }
  return csv;
}

Result<Dataset> GenerateDataset(const std::filesystem::path& dir, const DatasetOptions& options) {
  if (options.plate_images < 0 || options.traveler_photos < 0 || options.records < 0 ||
      options.records > kMaxCount || options.plate_images > options.records ||
      options.traveler_photos > kMaxCount) {
    return Status::InvalidArgument("dataset counts out of range");
  }
  Dataset dataset;
  dataset.dir = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir / "plates", ec);
  if (!ec) std::filesystem::create_directories(dir / "photos", ec);
  if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());

  dataset.records = GenerateRecords(options.seed, options.records);
  auto number = [](int i) {
    std::string s = std::to_string(i + 1);
    return std::string(4 - std::min<size_t>(4, s.size()), '0') + s;
  };
  for (int i = 0; i < options.plate_images; ++i) {
    LW_ASSIGN_OR_RETURN(std::string jpeg,
                        RenderPlateJpeg(dataset.records[static_cast<size_t>(i)].plate, options.seed,
                                        options.jpeg_quality));
    std::string name = "plates/plate_" + number(i) + ".jpg";
    LW_RETURN_IF_ERROR(util::WriteFileAtomic(dir / name, jpeg));
    dataset.plate_files.push_back(std::move(name));
  }
  for (int i = 0; i < options.traveler_photos; ++i) {
    const uint64_t photo_seed = options.seed * uint64_t{1000003} + static_cast<uint32_t>(i);
    LW_ASSIGN_OR_RETURN(std::string jpeg,
                        RenderTravelerPhotoJpeg(photo_seed, options.jpeg_quality));
    std::string name = "photos/traveler_" + number(i) + ".jpg";
    LW_RETURN_IF_ERROR(util::WriteFileAtomic(dir / name, jpeg));
    dataset.photo_files.push_back(std::move(name));
  }
  LW_RETURN_IF_ERROR(
      util::WriteFileAtomic(dir / dataset.records_file, RecordsCsv(dataset.records)));
  return dataset;
}

}  // namespace leakwatch::demo
