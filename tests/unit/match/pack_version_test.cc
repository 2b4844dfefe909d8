// Pack format 3 (record batches pre-sorted by hash) and reading the older layout.
#include <catch2/catch.hpp>
#include <random>

#include "match/internal/pack_schema.h"
#include "match/matcher.h"
#include "match/pack.h"
#include "tests/unit/match/match_test_data.h"
#include "util/sqlite.h"

namespace leakwatch::match {
namespace {

using testdata::Fixture;

struct Batch {
  int64_t kind;
  std::vector<std::pair<uint64_t, uint32_t>> entries;
};

std::vector<Batch> ReadBatches(util::Database& db) {
  auto st = db.Prepare("SELECT kind, count, data FROM records ORDER BY batch_id");
  REQUIRE(st.has_value());
  std::vector<Batch> out;
  while (*st->Step()) {
    Batch b;
    b.kind = st->ColumnInt(0);
    const std::string data = st->ColumnBlob(2);
    REQUIRE(data.size() == static_cast<size_t>(st->ColumnInt(1)) * detail::kRecordEntryBytes);
    for (size_t i = 0; i < data.size(); i += detail::kRecordEntryBytes) {
      b.entries.emplace_back(detail::LoadLe(data.data() + i, 8),
                             static_cast<uint32_t>(detail::LoadLe(data.data() + i + 8, 4)));
    }
    out.push_back(std::move(b));
  }
  return out;
}

// Rewrites the records table the way format 1 and 2 builders wrote it: entries in
// record order (here: shuffled), small batches, kinds interleaved; and sets `version`.
void RewriteUnsorted(const std::filesystem::path& pack, int version) {
  auto db = util::Database::Open(pack, util::Database::Mode::kReadWriteCreate, false);
  REQUIRE(db.has_value());
  std::vector<std::pair<int64_t, std::pair<uint64_t, uint32_t>>> all;
  for (const Batch& b : ReadBatches(*db)) {
    for (const auto& e : b.entries) all.emplace_back(b.kind, e);
  }
  std::mt19937_64 rng(5);
  std::shuffle(all.begin(), all.end(), rng);
  REQUIRE(db->Exec("DELETE FROM records").ok());
  auto insert = db->Prepare("INSERT INTO records(kind, count, data) VALUES (?, ?, ?)");
  REQUIRE(insert.has_value());
  for (size_t i = 0; i < all.size(); i += 37) {
    for (const int64_t kind : {detail::kRecordKindSingle, detail::kRecordKindPair}) {
      std::string data;
      int64_t count = 0;
      for (size_t j = i; j < std::min(all.size(), i + 37); ++j) {
        if (all[j].first != kind) continue;
        detail::AppendLe(all[j].second.first, 8, data);
        detail::AppendLe(all[j].second.second, 4, data);
        ++count;
      }
      if (count == 0) continue;
      insert->Reset();
      REQUIRE(insert->Bind(1, kind).Bind(2, count).Bind(3, util::Blob{data}).Run().ok());
    }
  }
  REQUIRE(db->Exec("UPDATE header SET value = '" + std::to_string(version) +
                   "' WHERE key = 'format_version'; PRAGMA user_version = " +
                   std::to_string(version) + ";")
              .ok());
}

std::string Paste(const Fixture& fx) {
  return testdata::RecordsCsv(
      std::vector<testdata::Record>(fx.records.begin() + 10, fx.records.begin() + 30));
}

double RecordsScore(const Matcher& m, const std::string& text) {
  const MatchResult r = m.MatchBytes("paste.csv", text);
  const Finding* f = testdata::FindKind(r, FindingKind::kRecords);
  return f == nullptr ? -1.0 : f->score;
}

TEST_CASE("format 3: each kind's record batches are in ascending hash order", "[unit]") {
  Fixture fx({3000}, 300);
  const auto info = ReadPackInfo(fx.pack);
  REQUIRE(info.has_value());
  CHECK(info->format_version == 3);
  auto db = util::Database::Open(fx.pack, util::Database::Mode::kReadOnly, false);
  REQUIRE(db.has_value());
  const auto user_version = db->QueryInt("PRAGMA user_version");
  REQUIRE(user_version.has_value());
  CHECK(*user_version == 3);
  uint64_t singles = 0, pairs = 0;
  uint64_t last[3] = {0, 0, 0};
  bool ascending = true;
  for (const Batch& b : ReadBatches(*db)) {
    REQUIRE((b.kind == detail::kRecordKindSingle || b.kind == detail::kRecordKindPair));
    (b.kind == detail::kRecordKindSingle ? singles : pairs) += b.entries.size();
    for (const auto& [hash, id] : b.entries) {
      ascending = ascending && hash >= last[b.kind];
      last[b.kind] = hash;
    }
  }
  CHECK(ascending);
  CHECK(singles == info->single_hash_count);
  CHECK(pairs == info->pair_hash_count);
  CHECK(singles == 600);
  CHECK(RecordsScore(*fx.Load(), Paste(fx)) == 20);
}

TEST_CASE("format 2 packs (unsorted record batches) still load and match the same", "[unit]") {
  Fixture fx({3000}, 300);
  const std::string paste = Paste(fx);
  const double score_v3 = RecordsScore(*fx.Load(), paste);
  CHECK(score_v3 == 20);
  const auto stats_v3 = fx.Load()->stats();
  for (const int version : {1, 2}) {
    RewriteUnsorted(fx.pack, version);
    const auto info = ReadPackInfo(fx.pack);
    REQUIRE(info.has_value());
    CHECK(info->format_version == version);
    const auto m = fx.Load();
    CHECK(RecordsScore(*m, paste) == score_v3);
    CHECK(m->stats().record_fingerprints == stats_v3.record_fingerprints);
    CHECK(RecordsScore(*m, "nothing here 12 34 AB-000-ZZ\n") == -1.0);
  }
}

TEST_CASE("a format 3 pack whose record batches are out of order says to rebuild", "[unit]") {
  Fixture fx({3000}, 300);
  RewriteUnsorted(fx.pack, 3);
  auto key = DatasetKey::Load(fx.key_path);
  REQUIRE(key.has_value());
  const auto m = Matcher::Load(fx.pack, std::move(*key));
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().code() == StatusCode::kCorruption);
  CHECK(m.error().message().find("out of order") != std::string::npos);
  CHECK(m.error().message().find("rebuild") != std::string::npos);
}

}  // namespace
}  // namespace leakwatch::match
