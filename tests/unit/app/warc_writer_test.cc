#include "store/warc_writer.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "tests/support/temp_dir.h"

namespace leakwatch::store {
namespace {

struct ParsedRecord {
  int64_t offset = 0;
  std::map<std::string, std::string> headers;
  std::string block;
};

// A strict reader of the WARC framing, independent of the writer.
std::vector<ParsedRecord> ReadWarc(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<ParsedRecord> records;
  size_t pos = 0;
  while (pos < data.size()) {
    ParsedRecord record;
    record.offset = static_cast<int64_t>(pos);
    REQUIRE(data.compare(pos, 10, "WARC/1.1\r\n") == 0);
    pos += 10;
    const size_t head_end = data.find("\r\n\r\n", pos);
    REQUIRE(head_end != std::string::npos);
    std::string_view head(data.data() + pos, head_end - pos + 2);
    while (!head.empty()) {
      const size_t eol = head.find("\r\n");
      const std::string_view line = head.substr(0, eol);
      const size_t colon = line.find(": ");
      REQUIRE(colon != std::string_view::npos);
      record.headers[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
      head.remove_prefix(eol + 2);
    }
    size_t length = 0;
    const std::string& cl = record.headers.at("Content-Length");
    std::from_chars(cl.data(), cl.data() + cl.size(), length);
    pos = head_end + 4;
    record.block = data.substr(pos, length);
    pos += length;
    REQUIRE(data.compare(pos, 4, "\r\n\r\n") == 0);
    pos += 4;
    records.push_back(std::move(record));
  }
  return records;
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

  const auto records = ReadWarc(path);
  REQUIRE(records.size() == 4);
  CHECK(records[0].headers.at("WARC-Type") == "warcinfo");
  CHECK(records[1].headers.at("WARC-Type") == "request");
  CHECK(records[2].headers.at("WARC-Type") == "response");
  CHECK(records[3].headers.at("WARC-Type") == "metadata");
  CHECK(records[2].offset == location->offset);
  CHECK(records[2].headers.at("WARC-Target-URI") == "http://abc.onion/paste/1");
  CHECK(records[2].headers.at("WARC-Date") == "2027-01-15T08:00:00Z");
  // Reference value from Python: base64.b32encode(hashlib.sha256(b"hello").digest()).
  CHECK(records[2].headers.at("WARC-Payload-Digest") ==
        "sha256:FTZE3OS7WCRQ4JXIHMVMLOPCTYNRMHS4D6TUEXTTAQZWFE4LTASA====");
  CHECK(records[2].block == exchange.response_head + "hello");
  // A hostile value cannot inject a header line.
  CHECK(records[3].block.find("evil  x: y") != std::string::npos);
}

TEST_CASE("an existing evidence file is never overwritten", "[unit]") {
  testing::TempDir dir;
  const auto path = dir.Write("run-1.warc", "precious");
  auto writer = WarcWriter::Create(path, "leakwatch test");
  REQUIRE_FALSE(writer.has_value());
  CHECK(writer.error().code() == StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace leakwatch::store
