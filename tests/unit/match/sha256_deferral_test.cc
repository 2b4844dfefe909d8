// SHA-256 (evidence) only for objects with findings: scan re-reads top-level files,
// streams keep or hash archive members and stdin as they go.
#include <catch2/catch.hpp>
#include <random>

#include "match/matcher.h"
#include "match/scan.h"
#include "tests/unit/match/match_test_data.h"
#include "util/hash.h"

namespace leakwatch::match {
namespace {

using testdata::Fixture;

struct Collect final : ScanSink {
  std::vector<Finding> findings;
  void OnFinding(const Finding& f) override { findings.push_back(f); }
  void OnAnomaly(const Anomaly&) override {}
  void OnError(const std::string&, const Status&) override {}
};

MatchResult Stream(const Matcher& m, const std::string& bytes, const MatchOptions& o) {
  auto s = m.NewStream("obj", o);
  for (size_t i = 0; i < bytes.size(); i += 4000) s->Feed(std::string_view(bytes).substr(i, 4000));
  return s->Finish();
}

TEST_CASE("sha256 only with findings: matching objects get it, others do not", "[unit]") {
  Fixture fx({120 * 1024}, 20);
  const auto m = fx.Load();
  const std::string dataset_file = Fixture::Read(fx.files[0]);
  std::mt19937_64 rng(3);
  const std::string unrelated = testdata::RandomBytes(rng, 300 * 1024);

  MatchOptions deferred;
  deferred.sha256_only_with_findings = true;
  for (const uint64_t cap : {uint64_t{32} << 20, uint64_t{10'000}}) {  // kept whole / hashed late
    deferred.sha256_deferred_max_bytes = cap;
    INFO("cap " << cap);
    const MatchResult hit = Stream(*m, dataset_file, deferred);
    REQUIRE(!hit.findings.empty());
    CHECK(hit.sha256 == util::Sha256Hex(dataset_file));
    for (const Finding& f : hit.findings) CHECK(f.sha256 == hit.sha256);
    const MatchResult miss = Stream(*m, unrelated, deferred);
    CHECK(miss.findings.empty());
    CHECK(miss.sha256.empty());
    CHECK(miss.size == unrelated.size());
  }
  // The default still hashes every object.
  CHECK(Stream(*m, unrelated, MatchOptions{}).sha256 == util::Sha256Hex(unrelated));
}

TEST_CASE("scan: a top-level file with a finding is re-read for its sha256", "[unit]") {
  Fixture fx({50 * 1024, 70 * 1024}, 20);
  const auto m = fx.Load();
  testing::TempDir dir;
  const std::string content = Fixture::Read(fx.files[1]);
  const auto copy = dir.Write("copy.png", content);
  std::mt19937_64 rng(4);
  dir.Write("other.bin", testdata::RandomBytes(rng, 90 * 1024));
  Collect sink;
  const ScanSummary s = Scan(*m, {dir.path().string()}, ScanOptions{}, sink);
  CHECK(s.objects == 2);
  REQUIRE(sink.findings.size() == 1);
  CHECK(sink.findings[0].path == copy.string());
  CHECK(sink.findings[0].kind == FindingKind::kExact);
  CHECK(sink.findings[0].sha256 == util::Sha256Hex(content));
  CHECK(sink.findings[0].size == content.size());
}

}  // namespace
}  // namespace leakwatch::match
