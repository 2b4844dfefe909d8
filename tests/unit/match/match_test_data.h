// tests/unit/match/match_test_data: a synthetic dataset generated in the tests —
// random files shaped like JPEG/PNG of varied sizes and a CSV of synthetic traveler
// records (plates, names with accents, passport-like ids, capture times, lanes).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "match/builder.h"
#include "match/key.h"
#include "match/matcher.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::match::testdata {

inline std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    for (int k = 0; k < 8; ++k) s[i + static_cast<size_t>(k)] = static_cast<char>(v >> (8 * k));
  }
  for (; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

inline std::string FakeJpeg(std::mt19937_64& rng, size_t n) {
  std::string s = "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";
  s += RandomBytes(rng, n > s.size() + 2 ? n - s.size() - 2 : 0);
  s += "\xFF\xD9";
  return s;
}

inline std::string FakePng(std::mt19937_64& rng, size_t n) {
  std::string s = "\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR";
  s += RandomBytes(rng, n > s.size() ? n - s.size() : 0);
  return s;
}

struct Record {
  std::string plate;     // "AB-123-CD"
  std::string name;      // "José Müller"
  std::string passport;  // "XK1234567"
  std::string captured;  // "2024-03-01 12:34:56"
  std::string lane;      // "lane-3"
};

inline std::vector<Record> MakeRecords(std::mt19937_64& rng, size_t n) {
  static const std::vector<std::string> kFirst = {
      "José",  "Zoë",    "Łukasz", "Anaïs",    "Søren", "Ðorđe", "Jean-Luc",
      "Mary",  "Ömer",   "Ingrid", "François", "Siân",  "Bjørn", "Émilie",
      "Tomás", "Dmitri", "Aoife",  "Kateřina", "Nuño",  "Paul"};
  static const std::vector<std::string> kLast = {
      "Müller",    "O'Brien", "Wąsik",   "Dubois",   "Ødegård", "Petrović",
      "Smith",     "Çelik",   "Nyström", "García",   "Łoś",     "Schäfer",
      "Fernández", "Novák",   "MacLeod", "Kowalski", "Lefèvre"};
  auto letter = [&] { return static_cast<char>('A' + rng() % 26); };
  auto digit = [&] { return static_cast<char>('0' + rng() % 10); };
  std::vector<Record> out;
  for (size_t i = 0; i < n; ++i) {
    Record r;
    r.plate = {letter(), letter(), '-', digit(), digit(), digit(), '-', letter(), letter()};
    r.name = kFirst[rng() % kFirst.size()] + " " + kLast[rng() % kLast.size()];
    r.passport = {letter(), letter()};
    for (int k = 0; k < 7; ++k) r.passport.push_back(digit());
    char buf[32];
    std::snprintf(buf, sizeof buf, "2024-%02d-%02d %02d:%02d:%02d",
                  static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28),
                  static_cast<int>(rng() % 24), static_cast<int>(rng() % 60),
                  static_cast<int>(rng() % 60));
    r.captured = buf;
    r.lane = "lane-" + std::to_string(1 + rng() % 8);
    out.push_back(r);
  }
  return out;
}

inline std::string CsvQuote(const std::string& v) {
  if (v.find_first_of(",\"\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

inline std::string RecordsCsv(const std::vector<Record>& records) {
  std::string csv = "plate,traveler_name,passport_no,captured_at,lane\n";
  for (const auto& r : records) {
    csv += CsvQuote(r.plate) + "," + CsvQuote(r.name) + "," + r.passport + "," + r.captured + "," +
           r.lane + "\n";
  }
  return csv;
}

// A built pack over a generated dataset directory.
struct Fixture {
  testing::TempDir dir;
  std::filesystem::path dataset = dir / "dataset";
  std::filesystem::path key_path = dir / "dataset.key";
  std::filesystem::path pack = dir / "dataset.lwfp";
  std::vector<std::filesystem::path> files;  // dataset files (absolute)
  std::vector<Record> records;
  BuildSummary summary;

  // `file_sizes` selects the files generated; JPEG- and PNG-shaped alternate.
  explicit Fixture(const std::vector<size_t>& file_sizes, size_t record_count = 200,
                   uint64_t seed = 42) {
    std::mt19937_64 rng(seed);
    std::filesystem::create_directories(dataset / "imgs" / "faces");
    for (size_t i = 0; i < file_sizes.size(); ++i) {
      const bool jpeg = i % 2 == 0;
      const std::string name = (jpeg ? "imgs/faces/traveler_" : "imgs/plate_capture_") +
                               std::to_string(1000 + i) + (jpeg ? ".jpg" : ".png");
      files.push_back(dir.Write("dataset/" + name,
                                jpeg ? FakeJpeg(rng, file_sizes[i]) : FakePng(rng, file_sizes[i])));
    }
    records = MakeRecords(rng, record_count);
    const auto records_path = dir.Write("dataset/export/travelers.csv", RecordsCsv(records));
    REQUIRE(GenerateKeyFile(key_path).ok());
    auto key = DatasetKey::Load(key_path);
    REQUIRE(key.has_value());
    BuildOptions options;
    options.dataset_dir = dataset;
    options.record_files = {records_path};
    options.identifiers = *ParseColumnSpecs("plate,passport_no");
    options.corroborating = *ParseColumnSpecs("traveler_name,captured_at,lane");
    options.output = pack;
    options.tool_version = "test";
    auto built = BuildPack(options, *key);
    REQUIRE(built.has_value());
    summary = *built;
  }

  std::unique_ptr<Matcher> Load() const {
    auto key = DatasetKey::Load(key_path);
    REQUIRE(key.has_value());
    auto m = Matcher::Load(pack, std::move(*key));
    REQUIRE(m.has_value());
    return std::move(*m);
  }

  // The opaque ref the builder gives `file`: ids follow the sorted dataset listing.
  std::string RefOf(const std::filesystem::path& file) const {
    std::vector<std::filesystem::path> all;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dataset)) {
      if (e.is_regular_file()) all.push_back(e.path());
    }
    std::sort(all.begin(), all.end());
    const auto it = std::find(all.begin(), all.end(), file);
    return "f:" + std::to_string(it - all.begin() + 1);
  }

  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
};

inline const Finding* FindKind(const MatchResult& r, FindingKind kind) {
  for (const auto& f : r.findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

}  // namespace leakwatch::match::testdata
