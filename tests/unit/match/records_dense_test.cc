// Dense text (every line a dataset record) through the TextRecordScanner: its shortcuts
// (values cached per line, hits whose records are corroborated skipped, windows searched
// nearest first, lines paired with a repeated identifier once, value positions learned
// from earlier rows) must give exactly what searching every hit's whole window afresh
// gives (TextScanParams::reference_pairs_for_testing), and what the dump holds.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "match/internal/text_records.h"
#include "match/key.h"
#include "match/normalize.h"
#include "tests/unit/match/match_test_data.h"

namespace leakwatch::match {
namespace {

using testdata::Record;

// The indexes the pack builder would write for `records` (record i has id i + 1):
// plate and passport as identifiers; name, capture time and lane as corroborating.
struct DenseIndex {
  DatasetKey key = std::move(*DatasetKey::FromBytes(std::string(32, '\x07')));
  detail::HashIndex<detail::RecordEntry> singles, pairs;

  explicit DenseIndex(const std::vector<Record>& records) {
    std::vector<detail::RecordEntry> s, p;
    for (size_t i = 0; i < records.size(); ++i) {
      const auto id = static_cast<uint32_t>(i + 1);
      const Record& r = records[i];
      const std::string corroborating[] = {NormalizeField(FieldType::kName, r.name),
                                           NormalizeField(FieldType::kDateTime, r.captured),
                                           NormalizeField(FieldType::kGeneric, r.lane)};
      for (const std::string& raw : {r.plate, r.passport}) {
        const std::string identifier = NormalizeField(FieldType::kPlate, raw);
        s.push_back({key.HashSingle(identifier), id});
        for (const std::string& c : corroborating) {
          if (c.size() >= kMinPairValueBytes) p.push_back({key.HashPair(identifier, c), id});
        }
      }
    }
    singles.Build(std::move(s), 10);
    pairs.Build(std::move(p), 8);
  }

  detail::TextScanResult Scan(std::string_view text, bool reference, size_t piece = 0) const {
    detail::RecordIndexes idx;
    idx.key = &key;
    idx.singles = &singles;
    idx.pairs = &pairs;
    idx.identifier_types = {FieldType::kPlate, FieldType::kDocument};
    idx.corroborating_types = {FieldType::kName, FieldType::kDateTime, FieldType::kGeneric};
    detail::TextScanParams params;
    params.reference_pairs_for_testing = reference;
    detail::TextRecordScanner scanner(idx, params);
    if (piece == 0) {
      scanner.Feed(text);
    } else {
      for (size_t i = 0; i < text.size(); i += piece) scanner.Feed(text.substr(i, piece));
    }
    return scanner.Finish();
  }

  // Scans `text` both ways and checks they agree; returns the fast result.
  detail::TextScanResult ScanBothWays(std::string_view text, size_t piece = 0) const {
    const detail::TextScanResult fast = Scan(text, false, piece);
    const detail::TextScanResult reference = Scan(text, true, piece);
    CHECK(fast.corroborated_records == reference.corroborated_records);
    CHECK(fast.distinct_single_values == reference.distinct_single_values);
    return fast;
  }
};

std::vector<Record> Records(size_t n, uint64_t seed = 11) {
  std::mt19937_64 rng(seed);
  return testdata::MakeRecords(rng, n);
}

std::vector<uint32_t> Ids(size_t from, size_t to) {
  std::vector<uint32_t> ids;
  for (size_t i = from; i < to; ++i) ids.push_back(static_cast<uint32_t>(i + 1));
  return ids;
}

std::string Csv(const std::vector<Record>& records, size_t n) {
  std::string t = "plate,traveler_name,passport_no,captured_at,lane\n";
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records[i];
    t += r.plate + ",\"" + r.name + "\"," + r.passport + "," + r.captured + "," + r.lane + "\n";
  }
  return t;
}

std::string Reordered(const std::vector<Record>& records, size_t n) {
  std::string t = "lane;when;who;PLATE;document;note\n";
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records[i];
    t += r.lane + ";" + r.captured + ";" + r.name + ";" + r.plate + ";" + r.passport + ";x\n";
  }
  return t;
}

std::string KeyValue(const std::vector<Record>& records, size_t n, bool blank_between) {
  std::string t;
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records[i];
    t += "plate: " + r.plate + "\ntraveler_name: " + r.name + "\npassport_no: " + r.passport +
         "\ncaptured_at: " + r.captured + "\nlane: " + r.lane + "\n";
    if (blank_between) t += "\n";
  }
  return t;
}

std::string JsonLines(const std::vector<Record>& records, size_t n, const char* separator) {
  std::string t;
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records[i];
    t += "{\"plate\": \"" + r.plate + "\", \"traveler_name\": \"" + r.name +
         "\", \"passport_no\": \"" + r.passport + "\", \"captured_at\": \"" + r.captured +
         "\", \"lane\": \"" + r.lane + "\"}" + separator;
  }
  return t;
}

TEST_CASE("records dense: a 5,000-row dump in each shape gives what the full search gives",
          "[unit]") {
  const std::vector<Record> records = Records(6000);
  const DenseIndex index(records);
  constexpr size_t kRows = 5000;
  const std::vector<uint32_t> dumped = Ids(0, kRows);
  struct Shape {
    const char* name;
    std::string text;
  };
  const Shape shapes[] = {
      {"csv with header", Csv(records, kRows)},
      {"columns reordered", Reordered(records, kRows)},
      {"key: value blocks", KeyValue(records, kRows, true)},
      {"key: value blocks, no blank lines", KeyValue(records, kRows, false)},
      {"json lines", JsonLines(records, kRows, "\n")},
  };
  for (const Shape& shape : shapes) {
    INFO(shape.name);
    const detail::TextScanResult r = index.ScanBothWays(shape.text);
    // Every dumped record is corroborated (its own row holds its name), and no other.
    CHECK(r.corroborated_records == dumped);
    CHECK(r.distinct_single_values == 2 * kRows);
  }
}

TEST_CASE("records dense: a JSON array on long lines (many records per line)", "[unit]") {
  const std::vector<Record> records = Records(800);
  const DenseIndex index(records);
  // Cut into 64 KiB lines by the scanner; each holds hundreds of records and hits.
  const std::string text = "[" + JsonLines(records, 800, ", ") + "]\n";
  const detail::TextScanResult r = index.ScanBothWays(text);
  CHECK(r.corroborated_records.size() >= 790);  // a record cut by the 64 KiB cap may miss
}

TEST_CASE("records dense: windows across segment boundaries and paragraph ends", "[unit]") {
  std::vector<Record> records = Records(400);
  // Distinct names, so only a record's own name corroborates it.
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].name += std::string(" ") + static_cast<char>('a' + i % 26) +
                       static_cast<char>('a' + i / 26 % 26) + "son";
  }
  const DenseIndex index(records);
  // Record i's plate, then d filler lines, then its name: corroborated iff d < 8 (the
  // window is 8 lines either side). Paragraphs of 300 lines put these pairs across
  // every position of the 64-line segments and their 16-line overlaps.
  for (const bool name_first : {false, true}) {
    std::string text;
    std::vector<uint32_t> expected;
    size_t lines = 0;
    for (size_t i = 0; i < 400; ++i) {
      const size_t d = i % 11;
      const Record& r = records[i];
      const std::string id_line = "plate " + r.plate + "\n";
      const std::string name_line = "traveler " + r.name + "\n";
      text += name_first ? name_line : id_line;
      for (size_t k = 0; k < d; ++k) text += "filler line " + std::to_string(k) + "\n";
      text += name_first ? id_line : name_line;
      lines += d + 2;
      if (d < 8) expected.push_back(static_cast<uint32_t>(i + 1));
      if (lines >= 300) {
        text += "\n";
        lines = 0;
      }
    }
    INFO("name first: " << name_first);
    const detail::TextScanResult r = index.ScanBothWays(text);
    CHECK(r.corroborated_records == expected);
    // The same text in odd pieces gives the same.
    CHECK(index.Scan(text, false, 977).corroborated_records == expected);
  }
}

TEST_CASE("records dense: the same identifier in many lines and many records", "[unit]") {
  std::vector<Record> records = Records(300);
  // Records 0..99 share one plate (a vehicle seen a hundred times); 100..199 share one
  // passport number.
  for (size_t i = 1; i < 100; ++i) records[i].plate = records[0].plate;
  for (size_t i = 101; i < 200; ++i) records[i].passport = records[100].passport;
  const DenseIndex index(records);
  std::mt19937_64 rng(5);
  std::string text;
  std::set<uint32_t> expected;
  for (int line = 0; line < 3000; ++line) {
    const size_t i = rng() % 300;
    const Record& r = records[i];
    switch (rng() % 5) {
      case 0:  // a full row
        text += r.plate + "," + r.name + "," + r.passport + "," + r.captured + "\n";
        expected.insert(static_cast<uint32_t>(i + 1));
        break;
      case 1:  // the shared identifiers alone, over and over
        text += records[0].plate + " seen again\n";
        break;
      case 2:
        text += "doc " + records[100].passport + "\n";
        break;
      case 3:  // a corroborating value alone (pairs with identifiers within 8 lines)
        text += "name " + r.name + " lane " + r.lane + "\n";
        break;
      default:
        text += (rng() % 7 == 0) ? "\n" : "unrelated words 12 and 2024\n";
    }
  }
  const detail::TextScanResult r = index.ScanBothWays(text);
  // At least every full row's record (more through nearby lines).
  CHECK(std::includes(r.corroborated_records.begin(), r.corroborated_records.end(),
                      expected.begin(), expected.end()));
  CHECK(index.ScanBothWays(text, 333).corroborated_records == r.corroborated_records);
}

TEST_CASE("records dense: a repeated identifier pairs every line of its windows", "[unit]") {
  // 60 records share one plate; their names stand alone on lines between lines that
  // hold only the plate, at every spacing. Record i is corroborated iff its name line is
  // within 8 lines of a plate line in the same paragraph (computed here line by line).
  std::vector<Record> records = Records(60, 23);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].plate = records[0].plate;
    records[i].name += std::string(" ") + static_cast<char>('a' + i % 26) +
                       static_cast<char>('a' + i / 26 % 26) + "sen";
  }
  const DenseIndex index(records);
  std::mt19937_64 rng(29);
  for (int round = 0; round < 40; ++round) {
    // kind per line: 0 plate, 1 name of the next record, 2 filler, 3 blank.
    std::vector<int> kinds;
    const size_t spacing = 1 + static_cast<size_t>(round) % 13;
    for (size_t l = 0; l < 500; ++l) {
      int kind = l % spacing == 0 ? 0 : (rng() % 3 == 0 ? 1 : 2);
      if (rng() % 97 == 0) kind = 3;
      kinds.push_back(kind);
    }
    std::string text;
    std::set<uint32_t> expected;
    size_t next = 0;
    for (size_t l = 0; l < kinds.size(); ++l) {
      if (kinds[l] == 0) text += "vehicle " + records[0].plate + "\n";
      if (kinds[l] == 2) text += "filler\n";
      if (kinds[l] == 3) text += "\n";
      if (kinds[l] != 1) continue;
      const size_t id = next++ % records.size();
      text += records[id].name + "\n";
      bool near = false;
      for (size_t back = 1; !near && back <= 8 && back <= l && kinds[l - back] != 3; ++back) {
        near = kinds[l - back] == 0;
      }
      for (size_t ahead = 1;
           !near && ahead <= 8 && l + ahead < kinds.size() && kinds[l + ahead] != 3; ++ahead) {
        near = kinds[l + ahead] == 0;
      }
      if (near) expected.insert(static_cast<uint32_t>(id + 1));
    }
    INFO("round " << round);
    const detail::TextScanResult r = index.ScanBothWays(text, 1 + rng() % 300);
    CHECK(r.corroborated_records == std::vector<uint32_t>(expected.begin(), expected.end()));
  }
}

TEST_CASE("records dense: random mixtures of rows, fragments and noise", "[unit]") {
  std::vector<Record> records = Records(60, 3);
  for (size_t i = 1; i < 6; ++i) records[i].plate = records[0].plate;
  const DenseIndex index(records);
  std::mt19937_64 rng(17);
  for (int round = 0; round < 150; ++round) {
    std::string text;
    const int lines = 1 + static_cast<int>(rng() % 400);
    for (int line = 0; line < lines; ++line) {
      const Record& r = records[rng() % records.size()];
      const Record& other = records[rng() % records.size()];
      switch (rng() % 9) {
        case 0:
          text += r.plate + "," + r.name + "," + r.passport + "," + r.captured + "," + r.lane;
          break;
        case 1:
          text += r.lane + "  " + r.passport + "  " + other.name;
          break;
        case 2:
          text += "plate: " + r.plate;
          break;
        case 3:
          text += "traveler_name: " + r.name + " " + other.captured;
          break;
        case 4:  // a long line: more than 64 tokens, values inside
          for (int k = 0; k < 40; ++k) text += (rng() % 6 == 0) ? r.name + " " : "w ";
          text += r.passport + " ";
          for (int k = 0; k < 40; ++k) text += (rng() % 6 == 0) ? other.captured + " " : "x ";
          break;
        case 5:
          text += "";  // a blank line: a paragraph ends
          break;
        case 6:
          text += "{\"p\": \"" + other.plate + "\", \"n\": \"" + r.name + "\"}";
          break;
        default:
          text += "noise 7 AB-12 " + std::to_string(rng() % 1000);
      }
      text += "\n";
    }
    INFO("round " << round);
    index.ScanBothWays(text, 1 + rng() % 200);
  }
}

}  // namespace
}  // namespace leakwatch::match
