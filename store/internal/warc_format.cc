#include "store/internal/warc_format.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "store/warc_writer.h"
#include "util/hash.h"

namespace leakwatch::store::detail {
namespace {

constexpr size_t kCopyChunk = 64 * 1024;
constexpr std::string_view kConformsTo =
    "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/";

}  // namespace

std::string NewWarcRecordId() {
  std::array<uint8_t, 16> b{};
  randombytes_buf(b.data(), b.size());
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // UUID version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = util::HexEncode(b.data(), b.size());
  return "<urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20) + ">";
}

std::string WarcHeaderSafe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string WarcRecordHead(std::string_view type, std::string_view record_id,
                           std::string_view target_uri, util::TimePoint date,
                           std::string_view content_type, uint64_t content_length,
                           std::string_view block_digest, std::string_view extra_headers) {
  std::string head = "WARC/1.1\r\n";
  head += "WARC-Type: " + std::string(type) + "\r\n";
  head += "WARC-Record-ID: " + std::string(record_id) + "\r\n";
  head += "WARC-Date: " + util::FormatRfc3339(date) + "\r\n";
  if (!target_uri.empty()) head += "WARC-Target-URI: " + WarcHeaderSafe(target_uri) + "\r\n";
  head += std::string(extra_headers);
  head += "WARC-Block-Digest: " + std::string(block_digest) + "\r\n";
  head += "Content-Type: " + std::string(content_type) + "\r\n";
  head += "Content-Length: " + std::to_string(content_length) + "\r\n\r\n";
  return head;
}

std::string WarcInfoRecord(std::string_view software, std::string_view extra_fields,
                           util::TimePoint date, std::string_view filename) {
  const std::string info =
      "software: " + WarcHeaderSafe(software) +
      "\r\nformat: WARC File Format 1.1\r\nconformsTo: " + std::string(kConformsTo) + "\r\n" +
      std::string(extra_fields);
  const std::string extra =
      filename.empty() ? "" : "WARC-Filename: " + WarcHeaderSafe(filename) + "\r\n";
  return WarcRecordHead("warcinfo", NewWarcRecordId(), "", date, "application/warc-fields",
                        info.size(), WarcSha256Digest(info), extra) +
         info + std::string(kWarcRecordEnd);
}

Result<WarcHead> ReadWarcHead(std::istream& in, const std::string& where) {
  WarcHead head;
  std::string line;
  while (std::getline(in, line)) {
    head.text += line + "\n";
    if (head.text.size() > kMaxWarcHeadBytes) {
      return Status::Corruption(where + ": WARC record head too large");
    }
    if (line == "\r" || line.empty()) break;
    if (line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    const std::string name = line.substr(0, colon);
    if (name == "WARC-Type") head.type = value;
    if (name == "WARC-Target-URI") head.target_uri = value;
    if (name == "WARC-Record-ID") head.record_id = value;
    if (name == "WARC-Concurrent-To") head.concurrent_to = value;
    if (name == "Content-Length") {
      const auto [ptr, ec] =
          std::from_chars(value.data(), value.data() + value.size(), head.content_length);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return Status::Corruption(where + ": bad Content-Length in WARC record");
      }
    }
  }
  if (head.text.empty()) return Status::NotFound(where + ": end of file");
  if (head.text.rfind("WARC/1.", 0) != 0) {
    return Status::Corruption(where + ": no WARC record starts here");
  }
  if (head.content_length > kMaxWarcBlockBytes) {
    return Status::TooLarge(where + ": WARC record larger than 4 GiB");
  }
  return head;
}

Status CopyWarcRecord(std::istream& in, const WarcHead& head, std::ostream& out,
                      const std::string& where) {
  out.write(head.text.data(), static_cast<std::streamsize>(head.text.size()));
  std::string buf(kCopyChunk, '\0');
  uint64_t left = head.content_length + kWarcRecordEnd.size();
  while (left > 0) {
    const auto n = static_cast<std::streamsize>(std::min<uint64_t>(left, kCopyChunk));
    in.read(buf.data(), n);
    if (in.gcount() != n) return Status::Corruption(where + ": WARC record truncated");
    out.write(buf.data(), n);
    left -= static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

}  // namespace leakwatch::store::detail
