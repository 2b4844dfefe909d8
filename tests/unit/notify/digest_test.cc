// Rendering of digests: subject, escaping, control characters, JSON.
#include "notify/internal/digest.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "notify/internal/transports.h"
#include "notify/sighting_json.h"

namespace leakwatch::notify::detail {
namespace {

store::Sighting Make(store::SightingKind kind, double score) {
  store::Sighting s;
  s.id = 1;
  s.kind = kind;
  s.score = score;
  s.source = "src";
  s.url = "http://x.onion/";
  s.sha256 = "ab";
  s.first_seen = 1795766400;
  s.last_seen = 1795766400;
  return s;
}

TEST_CASE("subject says how many and how bad, worst kind first", "[unit]") {
  Digest d;
  d.channel = "c";
  d.sightings = {Make(store::SightingKind::kMention, 0), Make(store::SightingKind::kImage, 0.9),
                 Make(store::SightingKind::kExact, 1), Make(store::SightingKind::kImage, 0.95)};
  CHECK(Subject(d) ==
        "[leakwatch] ALERT: 4 new sightings of the dataset (1 exact, 2 image, "
        "1 mention)");
  d.sightings = {Make(store::SightingKind::kMention, 0)};
  CHECK(Subject(d) == "[leakwatch] 1 new watch-list mention");
  CHECK(Subject(MakeTestDigest("soc\r\nBcc: x", 0)) ==
        "[leakwatch] test message for channel socBcc: x");
}

TEST_CASE("HeaderSafe removes CR, LF, controls and non-ASCII", "[unit]") {
  CHECK(HeaderSafe("a\r\nb\tc\x7f"
                   "d\xc3\xa9") == "abcd");
}

TEST_CASE("HtmlEscape escapes all five special characters", "[unit]") {
  CHECK(HtmlEscape("<a href=\"x\">'&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST_CASE("RenderJson is the documented schema and survives invalid UTF-8", "[unit]") {
  Digest d;
  d.channel = "hook";
  d.generated_at = 1795766400;
  store::Sighting s = Make(store::SightingKind::kRecords, 12);
  s.url = "http://x.onion/\xff";
  s.dataset_refs = R"(["rec:1","rec:2"])";
  s.evidence_warc = "/data/evidence/run-3.warc.gz";
  s.evidence_warc_offset = 1234;
  d.sightings = {s};
  const auto j = nlohmann::json::parse(RenderJson(d));
  CHECK(j["version"] == 1);
  CHECK(j["type"] == "sightings");
  CHECK(j["generated_at"] == "2026-11-27T08:00:00Z");
  CHECK(j["worst_kind"] == "records");
  CHECK(j["max_score"] == 12.0);
  const auto& o = j["sightings"][0];
  CHECK(o["kind"] == "records");
  CHECK(o["url"] == "http://x.onion/\xef\xbf\xbd");  // U+FFFD
  CHECK(o["dataset_refs"] == nlohmann::json::array({"rec:1", "rec:2"}));
  CHECK(o["evidence"]["warc"] == "/data/evidence/run-3.warc.gz");
  CHECK(o["evidence"]["offset"] == 1234);
  CHECK(o["ack"].is_null());
  CHECK(o["snippet"].is_null());
  // A broken dataset_refs column is passed on as a string, not dropped.
  s.dataset_refs = "{not json";
  CHECK(nlohmann::json::parse(SightingToJson(s))["dataset_refs"] == "{not json");
}

TEST_CASE("the webhook signature is sha256=<hex HMAC-SHA256>", "[unit]") {
  // RFC 4231 test case 2.
  CHECK(WebhookSignature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace leakwatch::notify::detail
