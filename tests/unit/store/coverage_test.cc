#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace leakwatch::store {
namespace {

using testing_util::MakeClock;

TEST_CASE("dataset refs name coverage: f: files, r: records, the rest ignored", "[unit]") {
  const auto refs =
      CoverageRefsFromDatasetRefs(R"(["f:12", "r:9f3a", "f:12", "x:1", "f:", 7, "r:1"])");
  REQUIRE(refs.size() == 3);
  CHECK(refs[0].kind == CoverageKind::kFile);
  CHECK(refs[0].ref == "12");
  CHECK(refs[1].kind == CoverageKind::kRecord);
  CHECK(refs[1].ref == "9f3a");
  CHECK(refs[2].kind == CoverageKind::kRecord);
  CHECK(refs[2].ref == "1");
  CHECK(CoverageRefsFromDatasetRefs("[]").empty());
  CHECK(CoverageRefsFromDatasetRefs("not json").empty());
  CHECK(CoverageRefsFromDatasetRefs(R"({"f:1": 1})").empty());
  CHECK(CoverageRefsFromDatasetRefs("").empty());
}

TEST_CASE("RecordSighting marks the coverage its dataset refs name when none is given", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  RecordSightingRequest r;
  r.sighting.source = "paste";
  r.sighting.url = "http://x.onion/p/1";
  r.sighting.sha256 = std::string(64, 'a');
  r.sighting.kind = SightingKind::kRecords;
  r.sighting.score = 3;
  r.sighting.dataset_refs = R"(["r:1", "r:2", "r:3"])";
  auto first = store.RecordSighting(r);
  REQUIRE(first.has_value());
  CHECK(first->coverage_newly_seen == 3);

  // Another page with an overlapping record and a file.
  r.sighting.url = "http://x.onion/p/2";
  r.sighting.dataset_refs = R"(["r:3", "r:4", "f:77"])";
  auto second = store.RecordSighting(r);
  REQUIRE(second.has_value());
  CHECK(second->coverage_newly_seen == 2);
  CHECK(store.coverage().CountSeen(CoverageKind::kRecord).value() == 4);
  CHECK(store.coverage().CountSeen(CoverageKind::kFile).value() == 1);
  auto entry = store.coverage().Get(CoverageKind::kRecord, "3").value();
  REQUIRE(entry.has_value());
  CHECK(entry->times_seen == 2);
  CHECK(entry->first_sighting_id == first->sighting.id);

  // Refs named explicitly win over the derived ones.
  r.sighting.url = "http://x.onion/p/3";
  r.coverage = {{CoverageKind::kFile, "explicit"}};
  auto third = store.RecordSighting(r);
  REQUIRE(third.has_value());
  CHECK(third->coverage_newly_seen == 1);
  CHECK(store.coverage().CountSeen(CoverageKind::kFile).value() == 2);
  CHECK(store.coverage().CountSeen(CoverageKind::kRecord).value() == 4);
}

}  // namespace
}  // namespace leakwatch::store
