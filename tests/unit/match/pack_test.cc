#include "match/pack.h"

#include <catch2/catch.hpp>

#include "match/builder.h"
#include "match/matcher.h"
#include "tests/unit/match/match_test_data.h"
#include "util/sqlite.h"

namespace leakwatch::match {
namespace {

using testdata::Fixture;

TEST_CASE("a built pack reports its header and counts", "[unit]") {
  Fixture fx({1000, 50 * 1024, 300 * 1024, 20});
  const auto info = ReadPackInfo(fx.pack);
  REQUIRE(info.has_value());
  CHECK(info->format_version == kPackFormatVersion);
  CHECK(info->tool_version == "test");
  CHECK(info->file_count == 5);  // four images + the record export
  CHECK(info->skipped_file_count == 0);
  CHECK(info->record_count == 200);
  CHECK(info->single_hash_count == 400);
  CHECK(info->pair_hash_count == 200 * 2 * 3);
  CHECK(info->chunk_count >= 5);
  CHECK(info->chunk_params.avg_size == 8192);
  CHECK(info->image_count == 0);
  CHECK(info->built_at.size() == 20);
  CHECK(info->identifier_types == std::vector<FieldType>{FieldType::kPlate, FieldType::kDocument});
  CHECK(info->corroborating_types ==
        std::vector<FieldType>{FieldType::kName, FieldType::kDateTime, FieldType::kGeneric});
  auto key = DatasetKey::Load(fx.key_path);
  REQUIRE(key.has_value());
  CHECK(info->key_id == key->key_id());
}

TEST_CASE("no dataset plaintext appears anywhere in the pack bytes", "[unit]") {
  Fixture fx({3000, 70 * 1024}, 300);
  const std::string bytes = Fixture::Read(fx.pack);
  REQUIRE(bytes.size() > 1000);
  size_t checked = 0;
  auto absent = [&](const std::string& needle) {
    if (needle.size() < 4) return;  // shorter strings occur by chance in any binary
    ++checked;
    INFO(needle);
    CHECK(bytes.find(needle) == std::string::npos);
  };
  for (const auto& r : fx.records) {
    for (const std::string& v : {r.plate, r.name, r.passport, r.captured, r.lane}) {
      absent(v);
      for (FieldType t :
           {FieldType::kPlate, FieldType::kName, FieldType::kDateTime, FieldType::kGeneric}) {
        absent(NormalizeField(t, v));
      }
    }
  }
  for (const auto& f : fx.files) {
    absent(f.filename().string());
    absent(f.stem().string());
  }
  absent("travelers.csv");
  absent("traveler_name");
  absent("passport_no");
  absent("faces");
  CHECK(checked > 1000);
}

TEST_CASE("a pack from a newer format version is refused clearly", "[unit]") {
  Fixture fx({5000}, 10);
  {
    auto db = util::Database::Open(fx.pack, util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("UPDATE header SET value = '99' WHERE key = 'format_version'").ok());
  }
  const auto info = ReadPackInfo(fx.pack);
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code() == StatusCode::kUnsupported);
  CHECK(info.error().message().find("newer") != std::string::npos);
  auto key = DatasetKey::Load(fx.key_path);
  REQUIRE(key.has_value());
  const auto m = Matcher::Load(fx.pack, std::move(*key));
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().code() == StatusCode::kUnsupported);
}

TEST_CASE("a pack loaded with the wrong key is a clear error", "[unit]") {
  Fixture fx({5000}, 10);
  testing::TempDir other;
  REQUIRE(GenerateKeyFile(other / "wrong.key").ok());
  auto wrong = DatasetKey::Load(other / "wrong.key");
  REQUIRE(wrong.has_value());
  const auto m = Matcher::Load(fx.pack, std::move(*wrong));
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().code() == StatusCode::kInvalidArgument);
  CHECK(m.error().message().find("different key") != std::string::npos);
}

TEST_CASE("files that are not packs are refused", "[unit]") {
  testing::TempDir dir;
  CHECK(ReadPackInfo(dir / "missing.lwfp").error().code() == StatusCode::kNotFound);
  const auto junk = dir.Write("junk.lwfp", std::string(5000, 'x'));
  CHECK(ReadPackInfo(junk).error().code() == StatusCode::kCorruption);
  {
    auto db = util::Database::Open(dir / "other.db", util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("CREATE TABLE t(x)").ok());
  }
  CHECK(ReadPackInfo(dir / "other.db").error().code() == StatusCode::kCorruption);
}

TEST_CASE("the builder reports progress, streams records and skips what it cannot read", "[unit]") {
  testing::TempDir dir;
  std::mt19937_64 rng(9);
  dir.Write("ds/a.bin", testdata::RandomBytes(rng, 100000));
  dir.Write("ds/sub/b.bin", testdata::RandomBytes(rng, 1000));
  dir.Write("ds/empty.bin", "");
  std::filesystem::create_symlink(dir / "ds" / "a.bin", dir / "ds" / "link.bin");
  const auto records = testdata::MakeRecords(rng, 50);
  std::string jsonl;
  for (const auto& r : records) {
    jsonl += "{\"plate\":\"" + r.plate + "\",\"name\":\"" + r.name + "\",\"n\":3}\n";
  }
  jsonl += "{not json\n\n";
  const auto export_path = dir.Write("outside/recs.jsonl", jsonl);
  REQUIRE(GenerateKeyFile(dir / "k").ok());
  auto key = DatasetKey::Load(dir / "k");
  REQUIRE(key.has_value());
  BuildOptions options;
  options.dataset_dir = dir / "ds";
  options.record_files = {export_path};
  options.identifiers = *ParseColumnSpecs("plate");
  options.corroborating = *ParseColumnSpecs("name");
  options.output = dir / "ds" / "pack.lwfp";  // inside the dataset: must not hash itself
  int calls = 0;
  bool saw_done = false;
  options.progress = [&](const BuildProgress& p) {
    ++calls;
    if (p.phase == BuildProgress::Phase::kDone) saw_done = true;
  };
  const auto summary = BuildPack(options, *key);
  REQUIRE(summary.has_value());
  CHECK(summary->info.file_count == 4);  // a, b, empty, recs.jsonl; not the symlink
  CHECK(summary->info.record_count == 50);
  CHECK(summary->malformed_records == 1);
  CHECK(saw_done);
  CHECK(calls >= 3);
  CHECK(std::filesystem::exists(options.output));

  // A missing identifier column names the columns found.
  options.record_files = {dir.Write("bad.csv", "a,b\n1,2\n")};
  const auto bad = BuildPack(options, *key);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message().find("columns: a, b") != std::string::npos);
}

}  // namespace
}  // namespace leakwatch::match
