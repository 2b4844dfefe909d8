#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace leakwatch::store {
namespace {

using std::chrono::seconds;
using testing_util::kStartTime;
using testing_util::MakeClock;

NewSighting MakeSighting(std::string url, char hash_char = 'a',
                         SightingKind kind = SightingKind::kExact) {
  NewSighting s;
  s.source = "paste";
  s.url = std::move(url);
  s.sha256 = std::string(64, hash_char);
  s.kind = kind;
  s.score = 1.0;
  return s;
}

std::vector<std::string> UrlsOf(const std::vector<Sighting>& sightings) {
  std::vector<std::string> urls;
  for (const auto& s : sightings) urls.push_back(s.url);
  return urls;
}

TEST_CASE("a sighting round-trips every field", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  const int64_t run = store.runs().Start(1).value();
  NewSighting s = MakeSighting("http://x.onion/dump.zip", 'b', SightingKind::kPartial);
  s.source = "forum";
  s.member_path = "photos/0001.jpg";
  s.score = 0.625;
  s.dataset_refs = R"(["images/0001.jpg"])";
  s.linked_from = "http://x.onion/thread/7";
  s.evidence_warc = "/var/lib/leakwatch/warc/run-1.warc.gz";
  s.evidence_warc_offset = 123456;
  s.run_id = run;
  auto added = store.sightings().Upsert(s);
  REQUIRE(added.has_value());
  CHECK(added->is_new);

  auto got = store.sightings().Get(added->id);
  REQUIRE(got.has_value());
  CHECK(got->id == added->id);
  CHECK(got->source == "forum");
  CHECK(got->url == s.url);
  CHECK(got->member_path == "photos/0001.jpg");
  CHECK(got->sha256 == s.sha256);
  CHECK(got->kind == SightingKind::kPartial);
  CHECK(got->score == 0.625);
  CHECK(got->dataset_refs == s.dataset_refs);
  CHECK(got->linked_from == s.linked_from);
  CHECK_FALSE(got->snippet.has_value());
  CHECK(got->evidence_warc == s.evidence_warc);
  CHECK(got->evidence_warc_offset == 123456);
  CHECK(got->run_id == run);
  CHECK(got->first_seen == kStartTime);
  CHECK(got->last_seen == kStartTime);
  CHECK_FALSE(got->acked_at.has_value());

  CHECK(store.sightings().Get(added->id + 1).error().code() == StatusCode::kNotFound);
  CHECK(store.sightings().Upsert(MakeSighting("")).error().code() == StatusCode::kInvalidArgument);
  NewSighting no_hash = MakeSighting("http://x.onion/");
  no_hash.sha256.clear();
  CHECK(store.sightings().Upsert(no_hash).error().code() == StatusCode::kInvalidArgument);
  NewSighting bad_refs = MakeSighting("http://x.onion/");
  bad_refs.dataset_refs = "[\"unterminated";
  CHECK(store.sightings().Upsert(bad_refs).error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("the same object at the same URL moves last_seen only and anything else is new",
          "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  auto& sightings = store.sightings();
  const NewSighting base = MakeSighting("http://x.onion/a");
  const int64_t id = sightings.Upsert(base).value().id;

  clock.Advance(seconds(3600));
  NewSighting again = base;
  again.score = 0.1;  // ignored: the upsert only moves last_seen
  again.linked_from = "http://x.onion/elsewhere";
  auto repeat = sightings.Upsert(again).value();
  CHECK_FALSE(repeat.is_new);
  CHECK(repeat.id == id);
  auto got = sightings.Get(id).value();
  CHECK(got.first_seen == kStartTime);
  CHECK(got.last_seen == kStartTime + 3600);
  CHECK(got.score == 1.0);
  CHECK_FALSE(got.linked_from.has_value());

  // An older observation (seen_at in the past) never moves last_seen backwards.
  NewSighting late_report = base;
  late_report.seen_at = kStartTime + 10;
  CHECK_FALSE(sightings.Upsert(late_report)->is_new);
  CHECK(sightings.Get(id)->last_seen == kStartTime + 3600);

  NewSighting other_url = base;
  other_url.url = "http://y.onion/a";
  NewSighting other_member = base;
  other_member.member_path = "inner/file.jpg";
  NewSighting other_hash = MakeSighting(base.url, 'c');
  NewSighting other_kind = MakeSighting(base.url, 'a', SightingKind::kImage);
  for (const NewSighting* s : {&other_url, &other_member, &other_hash, &other_kind}) {
    auto r = sightings.Upsert(*s);
    REQUIRE(r.has_value());
    CHECK(r->is_new);
    CHECK(r->id != id);
  }
  CHECK(sightings.Query(SightingFilter{})->size() == 5);
}

TEST_CASE("sighting queries filter and order newest first and ack records who and when", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  auto& sightings = store.sightings();
  // t0: exact 1.0 from paste; t0+100: records 3 from forum; t0+200: image 0.9 from paste;
  // t0+300: mention from forum.
  REQUIRE(sightings.Upsert(MakeSighting("s0", 'a')).has_value());
  clock.Advance(seconds(100));
  NewSighting records = MakeSighting("s1", 'b', SightingKind::kRecords);
  records.source = "forum";
  records.score = 3;
  REQUIRE(sightings.Upsert(records).has_value());
  clock.Advance(seconds(100));
  NewSighting image = MakeSighting("s2", 'c', SightingKind::kImage);
  image.score = 0.9;
  const int64_t image_id = sightings.Upsert(image)->id;
  clock.Advance(seconds(100));
  NewSighting mention = MakeSighting("s3", 'd', SightingKind::kMention);
  mention.source = "forum";
  mention.score = 0;
  mention.snippet = "... files from Perceptics were posted ...";
  REQUIRE(sightings.Upsert(mention).has_value());

  CHECK(UrlsOf(*sightings.Query({})) == std::vector<std::string>{"s3", "s2", "s1", "s0"});
  SightingFilter f;
  f.since = kStartTime + 100;
  f.until = kStartTime + 300;
  CHECK(UrlsOf(*sightings.Query(f)) == std::vector<std::string>{"s2", "s1"});
  f = {};
  f.source = "forum";
  CHECK(UrlsOf(*sightings.Query(f)) == std::vector<std::string>{"s3", "s1"});
  f = {};
  f.kind = SightingKind::kImage;
  CHECK(UrlsOf(*sightings.Query(f)) == std::vector<std::string>{"s2"});
  f = {};
  f.min_score = 0.95;
  CHECK(UrlsOf(*sightings.Query(f)) == std::vector<std::string>{"s1", "s0"});
  f = {};
  f.limit = 2;
  CHECK(UrlsOf(*sightings.Query(f)) == std::vector<std::string>{"s3", "s2"});
  f.limit = 0;
  CHECK(sightings.Query(f)->size() == 4);
  CHECK(sightings.Query({})->front().snippet == mention.snippet);

  clock.Advance(seconds(50));
  REQUIRE(sightings.Ack(image_id, "analyst@soc", "known re-post").ok());
  auto acked = sightings.Get(image_id).value();
  CHECK(acked.acked_at == kStartTime + 350);
  CHECK(acked.acked_by == "analyst@soc");
  CHECK(acked.ack_note == "known re-post");
  f = {};
  f.unacked_only = true;
  CHECK(UrlsOf(*sightings.Query(f)) == std::vector<std::string>{"s3", "s1", "s0"});
  CHECK(sightings.Ack(9999, "x", std::nullopt).code() == StatusCode::kNotFound);

  auto by_kind = sightings.CountByKind().value();
  CHECK(by_kind.size() == 4);
  CHECK(by_kind.front() == std::pair<SightingKind, int64_t>{SightingKind::kExact, 1});
  auto by_source = sightings.CountBySource().value();
  REQUIRE(by_source.size() == 2);
  CHECK(by_source[0].key == "forum");
  CHECK(by_source[0].count == 2);
  CHECK(by_source[1].key == "paste");
  CHECK(by_source[1].count == 2);

  // Two more on the next UTC day.
  clock.Advance(seconds(86400));
  REQUIRE(sightings.Upsert(MakeSighting("s4", 'e')).has_value());
  REQUIRE(sightings.Upsert(MakeSighting("s5", 'f')).has_value());
  auto by_day = sightings.CountByDay().value();
  REQUIRE(by_day.size() == 2);
  CHECK(by_day[0].key == "2026-11-28");
  CHECK(by_day[0].count == 2);
  CHECK(by_day[1].key == "2026-11-27");
  CHECK(by_day[1].count == 4);
  auto recent_days = sightings.CountByDay(kStartTime + 86400).value();
  REQUIRE(recent_days.size() == 1);
  CHECK(recent_days[0].key == "2026-11-28");
}

TEST_CASE("coverage counts each dataset ref once however often it is seen", "[unit]") {
  testing::TempDir dir;
  auto clock = MakeClock();
  auto store = Store::Open(dir / "lw.db", clock).value();
  auto& coverage = store.coverage();
  const int64_t sighting = store.sightings().Upsert(MakeSighting("u")).value().id;
  std::vector<CoverageRef> refs = {{CoverageKind::kFile, "images/1.jpg"},
                                   {CoverageKind::kFile, "images/2.jpg"},
                                   {CoverageKind::kRecord, "rec:9f86d081"}};
  CHECK(coverage.MarkSeen(refs, sighting).value() == 3);
  clock.Advance(seconds(60));
  refs.push_back({CoverageKind::kFile, "images/3.jpg"});
  CHECK(coverage.MarkSeen(refs, std::nullopt).value() == 1);
  CHECK(coverage.CountSeen(CoverageKind::kFile).value() == 3);
  CHECK(coverage.CountSeen(CoverageKind::kRecord).value() == 1);

  auto first = coverage.Get(CoverageKind::kFile, "images/1.jpg").value();
  REQUIRE(first.has_value());
  CHECK(first->first_sighting_id == sighting);
  CHECK(first->first_seen == kStartTime);
  CHECK(first->last_seen == kStartTime + 60);
  CHECK(first->times_seen == 2);
  auto third = coverage.Get(CoverageKind::kFile, "images/3.jpg").value();
  REQUIRE(third.has_value());
  CHECK_FALSE(third->first_sighting_id.has_value());
  CHECK_FALSE(coverage.Get(CoverageKind::kRecord, "images/1.jpg")->has_value());
  CHECK(coverage.MarkSeen({{CoverageKind::kFile, ""}}, std::nullopt).error().code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace leakwatch::store
