#include "store/warc_writer.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "util/hash.h"

namespace leakwatch::store {
namespace {

std::string Base32(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 0x1f];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 0x1f];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

std::string NewRecordId() {
  std::array<uint8_t, 16> b{};
  randombytes_buf(b.data(), b.size());
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // UUID version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = util::HexEncode(b.data(), b.size());
  return "<urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20) + ">";
}

// Header values come from fetched URLs and servers: never let CR/LF end a header early.
std::string HeaderSafe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

}  // namespace

std::string WarcSha256Digest(std::string_view bytes) {
  util::Sha256 hasher;
  hasher.Update(bytes);
  const util::Sha256Digest digest = hasher.Finish();
  return "sha256:" + Base32(digest.data(), digest.size());
}

Result<WarcWriter> WarcWriter::Create(const std::filesystem::path& path,
                                      std::string_view software) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(path.string() + ": evidence file exists");
    return Status::IOError(path.string() +
                           ": cannot create evidence file: " + std::strerror(errno));
  }
  ::close(fd);
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out) return Status::IOError(path.string() + ": cannot open evidence file");
  WarcWriter writer(path, std::move(out));
  const std::string info = "software: " + HeaderSafe(software) +
                           "\r\nformat: WARC File Format 1.1\r\n"
                           "conformsTo: http://iipc.github.io/warc-specifications/"
                           "specifications/warc-format/warc-1.1/\r\n";
  LW_RETURN_IF_ERROR(writer.WriteRecord(
      "warcinfo", "", std::chrono::system_clock::now(), "application/warc-fields", info,
      "WARC-Filename: " + HeaderSafe(path.filename().string()) + "\r\n"));
  return writer;
}

Status WarcWriter::WriteRecord(std::string_view type, std::string_view target_uri,
                               util::TimePoint date, std::string_view content_type,
                               std::string_view block, std::string_view extra_headers) {
  std::string head = "WARC/1.1\r\n";
  head += "WARC-Type: " + std::string(type) + "\r\n";
  head += "WARC-Record-ID: " + NewRecordId() + "\r\n";
  head += "WARC-Date: " + util::FormatRfc3339(date) + "\r\n";
  if (!target_uri.empty()) head += "WARC-Target-URI: " + HeaderSafe(target_uri) + "\r\n";
  head += std::string(extra_headers);
  head += "WARC-Block-Digest: " + WarcSha256Digest(block) + "\r\n";
  head += "Content-Type: " + std::string(content_type) + "\r\n";
  head += "Content-Length: " + std::to_string(block.size()) + "\r\n\r\n";
  out_.write(head.data(), static_cast<std::streamsize>(head.size()));
  out_.write(block.data(), static_cast<std::streamsize>(block.size()));
  out_.write("\r\n\r\n", 4);
  out_.flush();
  if (!out_) return Status::IOError(path_.string() + ": write failed (disk full?)");
  return Status::Ok();
}

Result<WarcLocation> WarcWriter::Append(const WarcExchange& exchange) {
  LW_RETURN_IF_ERROR(WriteRecord("request", exchange.target_uri, exchange.fetched_at,
                                 "application/http;msgtype=request", exchange.request_head, ""));
  const auto offset = static_cast<int64_t>(out_.tellp());
  std::string response = exchange.response_head;
  response.append(exchange.body);
  LW_RETURN_IF_ERROR(WriteRecord(
      "response", exchange.target_uri, exchange.fetched_at, "application/http;msgtype=response",
      response, "WARC-Payload-Digest: " + WarcSha256Digest(exchange.body) + "\r\n"));
  std::string fields;
  for (const auto& [name, value] : exchange.metadata) {
    fields += HeaderSafe(name) + ": " + HeaderSafe(value) + "\r\n";
  }
  LW_RETURN_IF_ERROR(WriteRecord("metadata", exchange.target_uri, exchange.fetched_at,
                                 "application/warc-fields", fields, ""));
  return WarcLocation{path_, offset};
}

}  // namespace leakwatch::store
