#include "app/coverage.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "app/app.h"
#include "match/pack.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/app/cli_runner.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

// Builds a real pack with `leakwatch fingerprint build`: three dataset files and a
// record export of three rows.
fs::path BuildPack(Cli& cli) {
  cli.home.Write("dataset/images/0001.bin", std::string(5000, 'a'));
  cli.home.Write("dataset/images/0002.bin", std::string(7000, 'b'));
  cli.home.Write("dataset/notes.txt", "border crossing log, not for release\n");
  const fs::path records = cli.home.Write(
      "records.csv",
      "plate,traveler_name\nABC1234,Maria Lopez\nXYZ9876,John Smith\nKLM5555,Ana Silva\n");
  const fs::path key = cli.home / "dataset.key";
  const fs::path pack = cli.home / "dataset.lwfp";
  REQUIRE(cli({"fingerprint", "keygen", key.string()}) == 0);
  INFO(cli.out << cli.err);
  REQUIRE(cli({"fingerprint", "build", "--dataset", (cli.home / "dataset").string(), "--records",
               records.string(), "--identifier", "plate", "--corroborating", "traveler_name",
               "--out", pack.string(), "--key-file", key.string()}) == 0);
  return pack;
}

TEST_CASE("FormatCount groups thousands and shortens millions", "[unit]") {
  CHECK(FormatCount(0) == "0");
  CHECK(FormatCount(412) == "412");
  CHECK(FormatCount(1208) == "1,208");
  CHECK(FormatCount(65019) == "65,019");
  CHECK(FormatCount(999949) == "999,949");
  CHECK(FormatCount(999950) == "1.0 M");
  CHECK(FormatCount(2'100'000) == "2.1 M");
  CHECK(FormatCount(2'149'999) == "2.1 M");
  CHECK(FormatCount(3'400'000'000) == "3.4 B");
}

TEST_CASE("CoverageLine says N of M with a pack and why not without one", "[unit]") {
  CHECK(CoverageLine(412, 1208, "") ==
        "Coverage: 412 dataset files and 1,208 records seen publicly so far (totals unknown: "
        "no [match] pack is configured).");
  testing::TempDir dir;
  const std::string missing = CoverageLine(1, 2, dir / "gone.lwfp");
  CHECK(Contains(missing, "Coverage: 1 dataset files and 2 records seen publicly so far"));
  CHECK(Contains(missing, "totals unknown: "));
  CHECK(Contains(missing, "gone.lwfp"));
  const fs::path junk = dir.Write("junk.lwfp", std::string(4096, 'j'));
  CHECK(Contains(CoverageLine(0, 0, junk), "totals unknown: "));

  Cli cli;
  const fs::path pack = BuildPack(cli);
  const auto info = match::ReadPackInfo(pack);
  REQUIRE(info.has_value());
  REQUIRE(info->record_count == 3);
  REQUIRE(info->file_count >= 3);
  CHECK(CoverageLine(2, 1, pack) == "Coverage: 2 of " + std::to_string(info->file_count) +
                                        " dataset files and 1 of 3 records seen publicly so far.");
}

TEST_CASE("sightings summary reports coverage against the configured pack", "[unit]") {
  Cli cli;
  const fs::path pack = BuildPack(cli);
  const auto info = match::ReadPackInfo(pack);
  REQUIRE(info.has_value());
  const fs::path db_path = cli.home / "lw.db";
  {
    util::SystemClock clock;
    auto db = store::Store::Open(db_path, clock);
    REQUIRE(db.has_value());
    store::RecordSightingRequest r;
    r.sighting.source = "paste";
    r.sighting.url = "http://x.onion/p/1";
    r.sighting.sha256 = std::string(64, 'a');
    r.sighting.kind = store::SightingKind::kRecords;
    r.sighting.score = 2;
    r.sighting.dataset_refs = R"(["r:1", "r:2"])";
    REQUIRE(db->RecordSighting(r).has_value());
    r.sighting.url = "http://x.onion/dump.zip";
    r.sighting.kind = store::SightingKind::kExact;
    r.sighting.score = 1;
    r.sighting.dataset_refs = R"(["f:1"])";
    REQUIRE(db->RecordSighting(r).has_value());
  }
  const std::string store_section = "[store]\ndb = \"" + db_path.string() + "\"\n";
  const fs::path with_pack = cli.home.Write(
      "with-pack.toml", store_section + "[match]\npack = \"" + pack.string() + "\"\nkey_file = \"" +
                            (cli.home / "dataset.key").string() + "\"\n");
  REQUIRE(cli({"--config", with_pack.string(), "sightings", "summary"}) == 0);
  CHECK(Contains(cli.out, "Coverage: 1 of " + std::to_string(info->file_count) +
                              " dataset files and 2 of 3 records seen publicly so far.\n"));
  CHECK(Contains(cli.out, "Sightings: 2"));

  const fs::path without_pack = cli.home.Write("no-pack.toml", store_section);
  REQUIRE(cli({"--config", without_pack.string(), "sightings", "summary"}) == 0);
  CHECK(Contains(cli.out,
                 "Coverage: 1 dataset files and 2 records seen publicly so far (totals unknown: "
                 "no [match] pack is configured).\n"));

  // A pack that has gone missing since does not fail the summary.
  fs::remove(pack);
  REQUIRE(cli({"--config", with_pack.string(), "sightings", "summary"}) == 0);
  CHECK(Contains(cli.out, "1 dataset files and 2 records seen publicly so far (totals unknown: "));
}

}  // namespace
}  // namespace leakwatch::app
