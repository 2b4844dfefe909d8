// `leakwatch scan` as a user runs it: a pack made with `fingerprint build`, then the
// documented jsonl lines (docs/scan-format.md), the table, and grep's exit codes.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/app/cli_runner.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

constexpr int kRecords = 150;  // more than a finding's dataset_refs name (100)

std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
  return bytes;
}

std::string Plate(int i) { return "QK" + std::to_string(40000 + i) + "T"; }
std::string Name(int i) { return "traveler " + std::to_string(i) + " okafor"; }

struct ScanWorld {
  Cli cli;
  fs::path key = cli.home / "dataset.key";
  fs::path pack = cli.home / "dataset.lwfp";
  std::string photo = RandomBytes(64 * 1024, 3);

  ScanWorld() {
    cli.home.Write("dataset/photos/0001.jpg", photo);
    std::string csv = "plate,traveler_name\n";
    for (int i = 0; i < kRecords; ++i) csv += Plate(i) + "," + Name(i) + "\n";
    const fs::path records = cli.home.Write("records.csv", csv);
    REQUIRE(cli({"fingerprint", "keygen", key.string()}) == 0);
    REQUIRE(cli({"fingerprint", "build", "--dataset", (cli.home / "dataset").string(), "--records",
                 records.string(), "--identifier", "plate", "--corroborating", "traveler_name",
                 "--out", pack.string(), "--key-file", key.string()}) == 0);
  }

  int Scan(std::vector<std::string> args) {
    std::vector<std::string> full = {"scan", "--pack", pack.string(), "--key-file", key.string()};
    full.insert(full.end(), args.begin(), args.end());
    return cli(full);
  }

  std::vector<nlohmann::json> Lines() const {
    std::vector<nlohmann::json> lines;
    size_t start = 0;
    while (start < cli.out.size()) {
      const size_t end = cli.out.find('\n', start);
      REQUIRE(end != std::string::npos);  // every line ends with a newline
      lines.push_back(nlohmann::json::parse(cli.out.substr(start, end - start)));
      start = end + 1;
    }
    return lines;
  }
};

TEST_CASE("scan jsonl: an exact copy, with the documented fields", "[unit]") {
  ScanWorld w;
  const fs::path copy = w.cli.home.Write("found/IMG_7781.jpg", w.photo);
  REQUIRE(w.Scan({"--format", "jsonl", copy.string()}) == 0);
  const std::vector<nlohmann::json> lines = w.Lines();
  REQUIRE(lines.size() == 1);
  const nlohmann::json& f = lines[0];
  CHECK(f["path"] == copy.string());
  CHECK(f["kind"] == "exact");
  CHECK(f["score"] == 1.0);
  CHECK(f["confidence"] == "high");
  REQUIRE(f["dataset_ref"].size() == 1);
  CHECK(f["dataset_ref"][0].get<std::string>().rfind("f:", 0) == 0);
  CHECK(f["sha256"].get<std::string>().size() == 64);
  CHECK(f["size"] == w.photo.size());
  CHECK(f["matched_bytes"] == w.photo.size());
}

TEST_CASE("scan jsonl: a records finding names every record it shows", "[unit]") {
  ScanWorld w;
  // Columns swapped and renamed, as a leaker re-exports them.
  std::string paste = "name;plate_no\n";
  for (int i = 0; i < kRecords; ++i) paste += Name(i) + ";" + Plate(i) + "\n";
  const fs::path file = w.cli.home.Write("paste.txt", paste);
  REQUIRE(w.Scan({"--format", "jsonl", file.string()}) == 0);
  const std::vector<nlohmann::json> lines = w.Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["kind"] == "records");
  CHECK(lines[0]["score"] == kRecords);
  const auto refs = lines[0]["dataset_ref"].get<std::vector<std::string>>();
  CHECK(refs.size() == static_cast<size_t>(kRecords));
  CHECK(std::set<std::string>(refs.begin(), refs.end()).size() == refs.size());

  REQUIRE(w.Scan({file.string()}) == 0);
  CHECK(Contains(w.cli.out, "KIND     SCORE    CONF  DATASET_REF"));
  CHECK(Contains(w.cli.out, "records  150      high"));
  CHECK(Contains(w.cli.out, ",+147 "));
}

TEST_CASE("scan exit codes follow grep: 1 for nothing, 2 for an error", "[unit]") {
  ScanWorld w;
  const fs::path other = w.cli.home.Write("other.bin", RandomBytes(50 * 1024, 99));
  CHECK(w.Scan({"--format", "jsonl", other.string()}) == 1);
  CHECK(w.cli.out.empty());

  CHECK(w.Scan({(w.cli.home / "no-such-file").string()}) == 2);
  CHECK(Contains(w.cli.err, "no-such-file"));

  const fs::path wrong_key = w.cli.home / "wrong.key";
  REQUIRE(w.cli({"fingerprint", "keygen", wrong_key.string()}) == 0);
  CHECK(w.cli({"scan", "--pack", w.pack.string(), "--key-file", wrong_key.string(),
               other.string()}) == 2);
  CHECK(Contains(w.cli.err, "key"));

  CHECK(w.cli({"scan", "--pack", w.pack.string(), "--key-file", w.key.string(), "--format", "xml",
               other.string()}) == 2);
}

}  // namespace
}  // namespace leakwatch::app
