// store/evidence: a run's evidence file (directory and file modes, naming, never
// clobbering another run's file, a directory that cannot be created, a full volume)
// and the export that reads records back (request, response and metadata copied byte
// for byte, shared records once, unreadable locations reported without corrupting the
// stream), checked by the independent strict reader warc_check.py.
#include "store/evidence.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "tests/support/temp_dir.h"
#include "tests/unit/store/warc_check.h"
#include "util/hash.h"

namespace leakwatch::store {
namespace {

namespace fs = std::filesystem;

WarcExchange ExchangeFor(const std::string& path, std::string_view body) {
  WarcExchange x;
  x.target_uri = "http://abc.onion" + path;
  x.request_head = "GET " + path + " HTTP/1.1\r\nHost: abc.onion\r\n\r\n";
  x.response_head = WarcResponseHeadForDecodedBody(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", body.size());
  x.body = body;
  x.fetched_at = util::FromUnixSeconds(1'800'000'000);
  x.metadata = {{"source", "paste"}, {"run-id", "7"}};
  return x;
}

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

Sighting SightingAt(int64_t id, const WarcLocation& at) {
  Sighting s;
  s.id = id;
  s.evidence_warc = at.file.string();
  s.evidence_warc_offset = at.offset;
  return s;
}

TEST_CASE("a run's evidence goes to run-<id>.warc, created on the first record", "[unit]") {
  testing::TempDir dir;
  const fs::path evidence_dir = dir / "data/evidence";
  EvidenceWriter writer(evidence_dir, 7);
  CHECK(writer.enabled());
  CHECK_FALSE(EvidenceWriter("", 7).enabled());
  CHECK(writer.Sync().ok());  // nothing appended: nothing to sync, nothing created
  CHECK_FALSE(fs::exists(evidence_dir));

  auto first = writer.Append(ExchangeFor("/p/1", "first body"));
  REQUIRE(first.has_value());
  auto second = writer.Append(ExchangeFor("/p/2", "second body"));
  REQUIRE(second.has_value());
  REQUIRE(writer.Sync().ok());
  CHECK(first->file == fs::absolute(evidence_dir / "run-7.warc"));
  CHECK(first->file.is_absolute());  // sightings must name it from any working directory
  CHECK(writer.file() == first->file);
  CHECK(ModeOf(evidence_dir) == 0700);
  CHECK(ModeOf(first->file) == 0600);
  const auto records = testing::CheckWarc(first->file);
  REQUIRE(records.size() == 7);
  CHECK(records[0]["warc"]["WARC-Filename"] == "run-7.warc");
  CHECK(records[0]["fields"]["software"] == std::string(kEvidenceSoftware));
  CHECK(records[2]["offset"] == first->offset);
  CHECK(records[5]["offset"] == second->offset);
  CHECK(records[5]["payload_sha256"] == util::Sha256Hex("second body"));

  SECTION("another database's run with the same id never clobbers the file") {
    const std::string before = testing::ReadWholeFile(first->file);
    EvidenceWriter again(evidence_dir, 7);
    auto other = again.Append(ExchangeFor("/p/3", "third body"));
    REQUIRE(other.has_value());
    CHECK(other->file == fs::absolute(evidence_dir / "run-7.2.warc"));
    CHECK(testing::ReadWholeFile(first->file) == before);
    REQUIRE(again.Sync().ok());
    CHECK(testing::CheckWarc(other->file).size() == 4);
  }
}

TEST_CASE("an evidence directory that cannot be created fails every append of the run", "[unit]") {
  testing::TempDir dir;
  // A regular file where a directory should be: fails for root too.
  const fs::path blocker = dir.Write("data", "not a directory");
  EvidenceWriter writer(blocker / "evidence", 3);
  auto first = writer.Append(ExchangeFor("/p/1", "body"));
  REQUIRE_FALSE(first.has_value());
  CHECK(first.error().code() == StatusCode::kIOError);
  CHECK(first.error().message().find("cannot create the run's evidence file") != std::string::npos);
  auto second = writer.Append(ExchangeFor("/p/2", "body"));
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().message() == first.error().message());
  CHECK(writer.file().empty());
  CHECK(writer.Sync().ok());
  CHECK(testing::ReadWholeFile(blocker) == "not a directory");
}

TEST_CASE("a full evidence volume fails the append, keeps the file clean, and recovers", "[unit]") {
  testing::TempDir dir;
  EvidenceWriter writer(dir / "evidence", 4);
  auto kept = writer.Append(ExchangeFor("/p/1", "kept body"));
  REQUIRE(kept.has_value());
  REQUIRE(writer.Sync().ok());
  const std::string before = testing::ReadWholeFile(kept->file);
  // Room for part of the next exchange only: the write that reaches the limit is cut
  // short with ENOSPC, as a full volume does.
  writer.SetMaxFileSizeForTesting(before.size() + 300);
  const std::string big(64 * 1024, 'x');
  auto full = writer.Append(ExchangeFor("/p/2", big));
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().code() == StatusCode::kIOError);
  CHECK(full.error().message().find("No space left on device") != std::string::npos);
  REQUIRE(writer.Sync().ok());
  CHECK(testing::ReadWholeFile(kept->file) == before);

  writer.SetMaxFileSizeForTesting(0);  // space back
  auto later = writer.Append(ExchangeFor("/p/2", big));
  REQUIRE(later.has_value());
  REQUIRE(writer.Sync().ok());
  const auto records = testing::CheckWarc(kept->file);
  REQUIRE(records.size() == 7);
  CHECK(records[5]["offset"] == later->offset);
  CHECK(records[5]["payload_sha256"] == util::Sha256Hex(big));
}

TEST_CASE("export copies each sighting's records once and reports what it could not copy",
          "[unit]") {
  testing::TempDir dir;
  EvidenceWriter run1(dir / "evidence", 1);
  EvidenceWriter run2(dir / "evidence", 2);
  auto a = run1.Append(ExchangeFor("/a", "body of a"));
  auto b = run1.Append(ExchangeFor("/b", "body of b"));
  auto c = run2.Append(ExchangeFor("/c", "body of c"));
  REQUIRE((a.has_value() && b.has_value() && c.has_value()));
  REQUIRE((run1.Sync().ok() && run2.Sync().ok()));

  std::vector<Sighting> sightings = {SightingAt(10, *c), SightingAt(11, *a), SightingAt(12, *a)};
  sightings.emplace_back();  // recorded without evidence
  sightings.back().id = 13;
  const util::TimePoint now = util::FromUnixSeconds(1'800'000'100);

  SECTION("every location readable") {
    std::ostringstream out;
    const EvidenceExportReport report = ExportEvidence(sightings, now, out);
    CHECK(report.exported == 2);  // 11 and 12 share one response record
    CHECK(report.without_evidence == 1);
    CHECK(report.failures.empty());
    CHECK_FALSE(report.complete());
    const auto records = testing::CheckWarc(dir.Write("export.warc", out.str()));
    REQUIRE(records.size() == 7);
    CHECK(records[0]["type"] == "warcinfo");
    CHECK_FALSE(records[0]["warc"].contains("WARC-Filename"));
    CHECK(records[0]["warc"]["WARC-Date"] == "2027-01-15T08:01:40Z");
    CHECK(records[0]["fields"]["description"] ==
          "evidence of 3 leakwatch sighting(s), exported 2027-01-15T08:01:40Z");
    CHECK(records[1]["type"] == "request");
    CHECK(records[2]["target"] == "http://abc.onion/c");
    CHECK(records[2]["payload_sha256"] == util::Sha256Hex("body of c"));
    CHECK(records[3]["type"] == "metadata");
    CHECK(records[5]["target"] == "http://abc.onion/a");
    CHECK(records[6]["fields"]["source"] == "paste");

    // One sighting's records on their own, behind the export's warcinfo record.
    std::ostringstream one;
    REQUIRE(CopyEvidence(b->file, b->offset, one).ok());
    const std::string info = out.str().substr(0, records[1]["offset"].get<size_t>());
    const auto alone = testing::CheckWarc(dir.Write("one.warc", info + one.str()));
    REQUIRE(alone.size() == 4);
    CHECK(alone[2]["target"] == "http://abc.onion/b");
    CHECK(alone[1]["warc"]["WARC-Concurrent-To"] == alone[2]["record_id"]);
  }
  SECTION("missing, misplaced and cut-short evidence is reported, the stream stays valid") {
    const std::string whole = testing::ReadWholeFile(c->file);
    // Cut inside the response record's payload, as a full disk or a copy gone wrong.
    const fs::path cut = dir.Write("evidence/cut.warc", whole.substr(0, whole.find("body of c")));
    WarcLocation at_info = *a;
    at_info.offset = 0;  // the warcinfo record, not a response
    sightings.push_back(SightingAt(20, WarcLocation{dir / "evidence/gone.warc", 0}));
    sightings.push_back(SightingAt(21, at_info));
    sightings.push_back(SightingAt(22, WarcLocation{cut, c->offset}));
    std::ostringstream out;
    const EvidenceExportReport report = ExportEvidence(sightings, now, out);
    CHECK(report.exported == 2);
    REQUIRE(report.failures.size() == 3);
    CHECK(report.failures[0].first == 20);
    CHECK(report.failures[0].second.code() == StatusCode::kNotFound);
    CHECK(report.failures[1].first == 21);
    CHECK(report.failures[1].second.code() == StatusCode::kCorruption);
    CHECK(report.failures[2].first == 22);
    CHECK(report.failures[2].second.message().find("truncated") != std::string::npos);
    CHECK_FALSE(report.complete());
    // Nothing of the failed locations reached the stream: it still reads whole.
    CHECK(testing::CheckWarc(dir.Write("export.warc", out.str())).size() == 7);
  }
  SECTION("all of it") {
    sightings.pop_back();
    std::ostringstream out;
    CHECK(ExportEvidence(sightings, now, out).complete());
  }
}

}  // namespace
}  // namespace leakwatch::store
