// store::WarcWriter as the crawler uses it: record types and digests (against reference
// values), streamed payloads, record linking, all checked by an independent strict
// reader (warc_check.py); failed appends cut back so earlier records stay intact,
// existing files never overwritten, response heads rewritten for decoded bodies, and
// the sightings' evidence setter.
#include "store/warc_writer.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <random>

#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/warc_check.h"
#include "util/hash.h"

namespace leakwatch::store {
namespace {

std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
  return bytes;
}

WarcExchange ExchangeFor(std::string_view body) {
  WarcExchange x;
  x.target_uri = "http://abc.onion/dl/file.bin";
  x.request_head = "GET /dl/file.bin HTTP/1.1\r\nHost: abc.onion\r\nCookie: [redacted]\r\n\r\n";
  x.response_head = WarcResponseHeadForDecodedBody(
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n", body.size());
  x.body = body;
  x.fetched_at = util::FromUnixSeconds(1'800'000'000);
  x.metadata = {{"via-proxy", "socks5h://127.0.0.1:9050"}, {"source", "dumps"}};
  return x;
}

// Serves `bytes` in pieces of at most 7,001 bytes, like a spool file read.
WarcPayloadReader ReaderOf(const std::string& bytes) {
  return [&bytes](uint64_t offset, size_t max) -> Result<std::string> {
    if (offset >= bytes.size()) return std::string();
    return bytes.substr(static_cast<size_t>(offset), std::min<size_t>(max, 7001));
  };
}

TEST_CASE("a streamed multi-MiB payload is written with verifiable digests and links", "[unit]") {
  testing::TempDir dir;
  const auto path = dir / "run-7.warc";
  auto writer = WarcWriter::Create(path, "leakwatch test");
  REQUIRE(writer.has_value());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  const std::string small = "plate,name\r\nAB123CD,x\r\n";
  auto first = writer->Append(ExchangeFor(small));
  REQUIRE(first.has_value());
  const std::string big = RandomBytes(2'500'000, 3);  // crosses the 1 MiB copy chunks
  WarcExchange streamed = ExchangeFor("");
  streamed.response_head = WarcResponseHeadForDecodedBody(
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n", big.size());
  streamed.read_body = ReaderOf(big);
  streamed.body_size = big.size();
  auto second = writer->Append(streamed);
  REQUIRE(second.has_value());
  REQUIRE(writer->Sync().ok());
  CHECK(second->file == path);
  CHECK(static_cast<uint64_t>(std::filesystem::file_size(path)) == writer->size());

  const auto records = testing::CheckWarc(path);
  REQUIRE(records.size() == 7);  // warcinfo + 2 x (request, response, metadata)
  CHECK(records[0]["type"] == "warcinfo");
  CHECK(records[2]["offset"] == first->offset);
  CHECK(records[5]["offset"] == second->offset);
  for (size_t response : {2u, 5u}) {
    const auto& r = records[response];
    CHECK(r["type"] == "response");
    CHECK(r["target"] == "http://abc.onion/dl/file.bin");
    CHECK(r["warc"]["WARC-Date"] == "2027-01-15T08:00:00Z");
    CHECK(records[response - 1]["type"] == "request");
    CHECK(records[response - 1]["warc"]["WARC-Concurrent-To"] == r["record_id"]);
    CHECK(records[response + 1]["type"] == "metadata");
    CHECK(records[response + 1]["warc"]["WARC-Refers-To"] == r["record_id"]);
    CHECK(records[response + 1]["fields"]["via-proxy"] == "socks5h://127.0.0.1:9050");
  }
  CHECK(records[2]["payload_sha256"] == util::Sha256Hex(small));
  CHECK(records[5]["payload_sha256"] == util::Sha256Hex(big));
  CHECK(records[5]["payload_size"] == big.size());
}

TEST_CASE("a failed append leaves the earlier records intact and the file clean", "[unit]") {
  testing::TempDir dir;
  const auto path = dir / "run-1.warc";
  auto writer = WarcWriter::Create(path, "leakwatch test");
  REQUIRE(writer.has_value());
  REQUIRE(writer->Append(ExchangeFor("first evidence")).has_value());
  REQUIRE(writer->Sync().ok());
  const std::string before = testing::ReadWholeFile(path);

  SECTION("the payload cannot be read to its end (spool file I/O error)") {
    const std::string big = RandomBytes(3'000'000, 5);
    WarcExchange x = ExchangeFor("");
    int calls = 0;
    x.read_body = [&](uint64_t offset, size_t max) -> Result<std::string> {
      // The digest pass succeeds; the copy pass fails half way, after bytes of the
      // response record have reached the file.
      if (++calls > 4 && offset > 1'000'000) return Status::IOError("spool read failed");
      return big.substr(static_cast<size_t>(offset), max);
    };
    x.body_size = big.size();
    auto failed = writer->Append(x);
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code() == StatusCode::kIOError);
  }
  SECTION("the payload changes between the digest pass and the copy") {
    std::string mutable_body = RandomBytes(100'000, 9);
    WarcExchange x = ExchangeFor("");
    int calls = 0;
    x.read_body = [&](uint64_t offset, size_t max) -> Result<std::string> {
      if (++calls == 2) mutable_body[0] = static_cast<char>(mutable_body[0] ^ 1);
      return mutable_body.substr(static_cast<size_t>(offset), max);
    };
    x.body_size = mutable_body.size();
    auto failed = writer->Append(x);
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code() == StatusCode::kCorruption);
  }
  SECTION("the payload is shorter than announced") {
    const std::string body = "short";
    WarcExchange x = ExchangeFor("");
    x.read_body = ReaderOf(body);
    x.body_size = 1000;
    REQUIRE_FALSE(writer->Append(x).has_value());
  }
  CHECK(testing::ReadWholeFile(path) == before);
  CHECK(writer->size() == before.size());
  auto next = writer->Append(ExchangeFor("second evidence"));
  REQUIRE(next.has_value());
  CHECK(static_cast<size_t>(next->offset) > before.size());
  CHECK(testing::ReadWholeFile(path).compare(0, before.size(), before) == 0);
  CHECK(testing::CheckWarc(path).size() == 7);
}

TEST_CASE("a torn record at the end does not hide the records before it", "[unit]") {
  testing::TempDir dir;
  const auto path = dir / "run-2.warc";
  int64_t offset = 0;
  {
    auto writer = WarcWriter::Create(path, "leakwatch test");
    REQUIRE(writer.has_value());
    auto location = writer->Append(ExchangeFor("kept evidence"));
    REQUIRE(location.has_value());
    offset = location->offset;
    REQUIRE(writer->Sync().ok());
  }
  // What a crash in the middle of the next Append leaves: a record head and part of
  // its block. The writer never rewrites earlier bytes, so the response record at
  // `offset` still reads back whole.
  {
    std::ofstream torn(path, std::ios::binary | std::ios::app);
    torn << "WARC/1.1\r\nWARC-Type: request\r\nContent-Length: 500\r\n\r\nGET /x HT";
  }
  const std::string data = testing::ReadWholeFile(path);
  const std::string valid = data.substr(0, data.rfind("WARC/1.1\r\nWARC-Type: request"));
  const auto cut = dir.Write("valid-prefix.warc", valid);
  const auto records = testing::CheckWarc(cut);
  REQUIRE(records.size() == 4);
  CHECK(records[2]["offset"] == offset);
  CHECK(records[2]["payload_sha256"] == util::Sha256Hex("kept evidence"));
}

TEST_CASE("a response head is rewritten to describe the decoded body it is stored with", "[unit]") {
  const std::string raw =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n"
      "Content-Encoding:  gzip \r\nContent-Length: 40\nX-Evil: a\r\n\r\n";
  const std::string head = WarcResponseHeadForDecodedBody(raw, 1234);
  CHECK(head ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        "X-Leakwatch-Orig-transfer-encoding: chunked\r\n"
        "X-Leakwatch-Orig-Content-Encoding: gzip\r\n"
        "X-Leakwatch-Orig-Content-Length: 40\r\nX-Evil: a\r\n"
        "Content-Length: 1234\r\n\r\n");
  // Cut at the header cap (no blank line), or nothing kept at all.
  CHECK(WarcResponseHeadForDecodedBody("HTTP/1.1 200 OK\r\nX-A: b", 3) ==
        "HTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 3\r\n\r\n");
  CHECK(WarcResponseHeadForDecodedBody("", 0) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("evidence is set on a sighting only where none was recorded", "[unit]") {
  testing::TempDir dir;
  util::FakeClock clock(util::FromUnixSeconds(1'800'000'000));
  auto store = Store::Open(dir / "leakwatch.db", clock);
  REQUIRE(store.has_value());
  NewSighting s;
  s.source = "paste";
  s.url = "http://abc.onion/p/1";
  s.sha256 = std::string(64, 'a');
  auto without = store->sightings().Upsert(s);
  REQUIRE(without.has_value());
  s.url = "http://abc.onion/p/2";
  s.evidence_warc = "/data/evidence/run-1.warc";
  s.evidence_warc_offset = 100;
  auto with = store->sightings().Upsert(s);
  REQUIRE(with.has_value());

  auto filled =
      store->sightings().SetEvidenceIfMissing(without->id, "/data/evidence/run-2.warc", 2000);
  REQUIRE(filled.has_value());
  CHECK(*filled);
  auto kept = store->sightings().SetEvidenceIfMissing(with->id, "/data/evidence/run-2.warc", 2000);
  REQUIRE(kept.has_value());
  CHECK_FALSE(*kept);
  CHECK(store->sightings().Get(without->id)->evidence_warc == "/data/evidence/run-2.warc");
  CHECK(store->sightings().Get(without->id)->evidence_warc_offset == 2000);
  CHECK(store->sightings().Get(with->id)->evidence_warc == "/data/evidence/run-1.warc");
  CHECK(store->sightings().Get(with->id)->evidence_warc_offset == 100);
  CHECK_FALSE(store->sightings().SetEvidenceIfMissing(with->id, "", 1).has_value());
  CHECK_FALSE(store->sightings().SetEvidenceIfMissing(with->id, "/x.warc", -1).has_value());
}

TEST_CASE("WARC evidence has request, response and metadata records with digests", "[unit]") {
  testing::TempDir dir;
  const auto path = dir / "run-1.warc";
  auto writer = WarcWriter::Create(path, "leakwatch test");
  REQUIRE(writer.has_value());
  WarcExchange exchange;
  exchange.target_uri = "http://abc.onion/paste/1";
  exchange.request_head = "GET /paste/1 HTTP/1.1\r\nHost: abc.onion\r\n\r\n";
  exchange.response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
  exchange.body = "hello";
  exchange.fetched_at = util::FromUnixSeconds(1'800'000'000);
  exchange.metadata = {{"via-proxy", "socks5h://127.0.0.1:9050"}, {"source", "evil\r\nx: y"}};
  auto location = writer->Append(exchange);
  REQUIRE(location.has_value());
  REQUIRE(writer->Sync().ok());

  const auto records = testing::CheckWarc(path);
  REQUIRE(records.size() == 4);
  CHECK(records[0]["type"] == "warcinfo");
  CHECK(records[0]["warc"]["WARC-Filename"] == "run-1.warc");
  CHECK(records[1]["type"] == "request");
  CHECK(records[2]["type"] == "response");
  CHECK(records[3]["type"] == "metadata");
  CHECK(records[2]["offset"] == location->offset);
  CHECK(records[2]["target"] == "http://abc.onion/paste/1");
  CHECK(records[2]["warc"]["WARC-Date"] == "2027-01-15T08:00:00Z");
  // Reference value from Python: base64.b32encode(hashlib.sha256(b"hello").digest()).
  CHECK(records[2]["warc"]["WARC-Payload-Digest"] ==
        "sha256:FTZE3OS7WCRQ4JXIHMVMLOPCTYNRMHS4D6TUEXTTAQZWFE4LTASA====");
  CHECK(WarcSha256Digest("hello") ==
        "sha256:FTZE3OS7WCRQ4JXIHMVMLOPCTYNRMHS4D6TUEXTTAQZWFE4LTASA====");
  CHECK(records[2]["payload_sha256"] == util::Sha256Hex("hello"));
  // A hostile value cannot inject a header line.
  CHECK(records[3]["fields"]["source"] == "evil  x: y");
  CHECK_FALSE(records[3]["fields"].contains("x"));
}

TEST_CASE("an existing evidence file is never overwritten", "[unit]") {
  testing::TempDir dir;
  const auto path = dir.Write("run-1.warc", "precious");
  auto writer = WarcWriter::Create(path, "leakwatch test");
  REQUIRE_FALSE(writer.has_value());
  CHECK(writer.error().code() == StatusCode::kAlreadyExists);
  CHECK(testing::ReadWholeFile(path) == "precious");
}

}  // namespace
}  // namespace leakwatch::store
