// Record matching in text: a 20-row sample pasted in every common shape is found;
// scattered plate-shaped strings are not a high-confidence finding.
#include <catch2/catch.hpp>

#include "match/matcher.h"
#include "tests/unit/match/match_test_data.h"

namespace leakwatch::match {
namespace {

using testdata::FindKind;
using testdata::Fixture;
using testdata::Record;

std::vector<Record> Sample(const Fixture& fx) {
  return std::vector<Record>(fx.records.begin() + 37, fx.records.begin() + 57);
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return s;
}

// "2024-03-01 12:34:56" -> "01.03.2024 12:34:56"
std::string EuropeanDate(const std::string& iso) {
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4) + iso.substr(10);
}

std::string SpacedPlate(std::string plate) {
  for (char& c : plate) {
    if (c == '-') c = ' ';
  }
  return plate;
}

void ExpectSample(const Fixture& fx, const std::string& text, double at_least = 20) {
  const auto m = fx.Load();
  const MatchResult r = m->MatchBytes("paste.txt", text);
  const Finding* f = FindKind(r, FindingKind::kRecords);
  INFO(text.substr(0, 600));
  REQUIRE(f != nullptr);
  CHECK(f->confidence == Confidence::kHigh);
  CHECK(f->score >= at_least);
  CHECK(f->score <= 20);
  CHECK(f->dataset_refs.size() == static_cast<size_t>(f->score));
}

TEST_CASE("records: CSV with other column order and extra columns", "[unit]") {
  Fixture fx({5000});
  std::string text = "id,lane,when,PLATE,who,notes\n";
  int i = 0;
  for (const auto& r : Sample(fx)) {
    text += std::to_string(++i) + "," + r.lane + "," + r.captured + "," + r.plate + ",\"" + r.name +
            "\",leaked by x\n";
  }
  ExpectSample(fx, text);
}

TEST_CASE("records: TSV and JSON Lines", "[unit]") {
  Fixture fx({5000});
  std::string tsv = "name\tpassport\tts\n";
  std::string jsonl;
  for (const auto& r : Sample(fx)) {
    tsv += r.name + "\t" + r.passport + "\t" + r.captured + "\n";
    jsonl += "{\"car\": \"" + r.plate + "\", \"ts\": \"" + r.captured + "\", \"person\": \"" +
             r.name + "\", \"extra\": 12}\n";
  }
  ExpectSample(fx, tsv);
  ExpectSample(fx, jsonl);
}

TEST_CASE("records: key: value blocks", "[unit]") {
  Fixture fx({5000});
  std::string text = "=== dump part 3 ===\n\n";
  for (const auto& r : Sample(fx)) {
    text += "Plate: " + SpacedPlate(r.plate) + "\nLane: " + r.lane +
            "\nSeen: " + EuropeanDate(r.captured) + "\nDriver: " + Upper(r.name) +
            "\nStatus: flagged\n\n";
  }
  ExpectSample(fx, text);
}

TEST_CASE("records: whitespace-aligned table", "[unit]") {
  Fixture fx({5000});
  std::string text = "PASSPORT     NAME                      CAPTURED\n";
  for (const auto& r : Sample(fx)) {
    std::string name = r.name;
    text += r.passport + "    " + name + std::string(26 - std::min<size_t>(name.size(), 24), ' ') +
            r.captured + "\n";
  }
  ExpectSample(fx, text);
}

TEST_CASE("records: values inside prose", "[unit]") {
  Fixture fx({5000});
  std::string text;
  for (const auto& r : Sample(fx)) {
    text += "On " + EuropeanDate(r.captured) + " the car " + SpacedPlate(r.plate) +
            " was stopped; the traveller, " + r.name +
            ", was waved through without any further questions by the officers.\n";
  }
  ExpectSample(fx, text);
}

TEST_CASE("records: scattered plate-shaped strings are not a high-confidence finding", "[unit]") {
  Fixture fx({5000});
  const auto m = fx.Load();
  std::mt19937_64 rng(99);
  // Unrelated plate-shaped strings: nothing at all.
  std::string unrelated;
  const auto others = testdata::MakeRecords(rng, 200);
  for (const auto& o : others) {
    unrelated += "Spotted a car with plate " + o.plate + " near the border on a rainy afternoon.\n";
  }
  CHECK(m->MatchBytes("prose.txt", unrelated).findings.empty());
  // Real dataset plates scattered through prose, with no corroborating value nearby:
  // at most a low-confidence finding.
  std::string scattered;
  for (size_t i = 0; i < 10; ++i) {
    scattered += "Random chatter about cars and weather and nothing else of note today.\n" +
                 std::string("someone mentioned ") + fx.records[i * 7].plate + " in passing\n\n";
  }
  const MatchResult r = m->MatchBytes("chatter.txt", scattered);
  const Finding* f = FindKind(r, FindingKind::kRecords);
  REQUIRE(f != nullptr);
  CHECK(f->confidence == Confidence::kLow);
  CHECK(f->score == 0);
  CHECK(f->single_hits == 10);
}

TEST_CASE("records: streamed text split at arbitrary points still matches", "[unit]") {
  Fixture fx({5000});
  const auto m = fx.Load();
  std::string text;
  for (const auto& r : Sample(fx)) text += r.plate + "," + r.name + "," + r.captured + "\n";
  auto s = m->NewStream("paste");
  for (size_t i = 0; i < text.size(); i += 13) s->Feed(std::string_view(text).substr(i, 13));
  const auto r = s->Finish();
  const Finding* f = FindKind(r, FindingKind::kRecords);
  REQUIRE(f != nullptr);
  CHECK(f->score == 20);
}

TEST_CASE("100 MB of unrelated text gives zero findings", "[.slow]") {
  Fixture fx({5000}, 20000);
  const auto m = fx.Load();
  std::mt19937_64 rng(3);
  static const std::vector<std::string> kWords = {
      "the",      "border",   "agency", "said",       "on",   "Tuesday", "that",
      "vehicle",  "records",  "were",   "2024-03-01", "lane", "7",       "AB-123",
      "passport", "traveler", "Müller", "José",       "x9",   "and"};
  auto s = m->NewStream("text");
  std::string chunk;
  uint64_t total = 0;
  while (total < 100'000'000) {
    chunk.clear();
    while (chunk.size() < (1 << 20)) {
      chunk += kWords[rng() % kWords.size()];
      chunk += (rng() % 12 == 0) ? "\n" : " ";
    }
    s->Feed(chunk);
    total += chunk.size();
  }
  const auto r = s->Finish();
  CHECK(r.findings.empty());
}

}  // namespace
}  // namespace leakwatch::match
