#include "store/warc_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "store/internal/warc_format.h"
#include "util/hash.h"

namespace leakwatch::store {
namespace {

constexpr size_t kCopyChunk = 1 << 20;
constexpr std::string_view kOrigPrefix = "X-Leakwatch-Orig-";

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

bool NameIs(std::string_view name, std::string_view lower) {
  return name.size() == lower.size() &&
         std::equal(name.begin(), name.end(), lower.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Feeds the payload to `sink` in pieces, from memory or the reader. Checks that
// exactly `body_size` bytes came back.
template <typename Sink>
Status ForEachPayloadPiece(const WarcExchange& e, Sink&& sink) {
  if (!e.read_body) {
    for (size_t at = 0; at < e.body.size(); at += kCopyChunk) {
      LW_RETURN_IF_ERROR(sink(e.body.substr(at, kCopyChunk)));
    }
    return Status::Ok();
  }
  uint64_t offset = 0;
  while (offset < e.body_size) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, e.body_size - offset));
    LW_ASSIGN_OR_RETURN(std::string piece, e.read_body(offset, want));
    if (piece.empty() || piece.size() > want) {
      return Status::IOError("evidence payload ended after " + std::to_string(offset) + " of " +
                             std::to_string(e.body_size) + " bytes");
    }
    LW_RETURN_IF_ERROR(sink(std::string_view(piece)));
    offset += piece.size();
  }
  return Status::Ok();
}

}  // namespace

std::string WarcSha256Label(const uint8_t* digest, size_t size) {
  return "sha256:" + Base32(digest, size);
}

std::string WarcSha256Digest(std::string_view bytes) {
  util::Sha256 hasher;
  hasher.Update(bytes);
  const util::Sha256Digest digest = hasher.Finish();
  return WarcSha256Label(digest.data(), digest.size());
}

std::string WarcResponseHeadForDecodedBody(std::string_view raw_head, uint64_t body_size) {
  std::string out;
  bool first = true;
  while (!raw_head.empty()) {
    const size_t eol = raw_head.find('\n');
    std::string_view line = raw_head.substr(0, eol);
    raw_head.remove_prefix(eol == std::string_view::npos ? raw_head.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the blank line: end of the head
    if (first) {
      out += detail::WarcHeaderSafe(line) + "\r\n";
      first = false;
      continue;
    }
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = TrimSpace(line.substr(0, colon));
      if (NameIs(name, "transfer-encoding") || NameIs(name, "content-encoding") ||
          NameIs(name, "content-length")) {
        out += std::string(kOrigPrefix) + std::string(name) + ": " +
               detail::WarcHeaderSafe(TrimSpace(line.substr(colon + 1))) + "\r\n";
        continue;
      }
    }
    out += detail::WarcHeaderSafe(line) + "\r\n";
  }
  if (first) out += "HTTP/1.1 200 OK\r\n";  // no status line kept: say what we know
  out += "Content-Length: " + std::to_string(body_size) + "\r\n\r\n";
  return out;
}

Result<WarcWriter> WarcWriter::Create(const std::filesystem::path& path,
                                      std::string_view software) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(path.string() + ": evidence file exists");
    return Status::IOError(path.string() +
                           ": cannot create evidence file: " + std::strerror(errno));
  }
  WarcWriter writer(path, fd);
  // The new directory entry must survive a crash as surely as the records in the file.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  LW_RETURN_IF_ERROR(writer.WriteAll(detail::WarcInfoRecord(
      software, "", std::chrono::system_clock::now(), path.filename().string())));
  return writer;
}

WarcWriter::WarcWriter(WarcWriter&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(std::exchange(other.size_, 0)),
      max_size_for_testing_(other.max_size_for_testing_) {}

WarcWriter& WarcWriter::operator=(WarcWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    max_size_for_testing_ = other.max_size_for_testing_;
  }
  return *this;
}

WarcWriter::~WarcWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status WarcWriter::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t want = bytes.size();
    if (max_size_for_testing_ > 0 && size_ + want > max_size_for_testing_) {
      want = static_cast<size_t>(max_size_for_testing_ - std::min(size_, max_size_for_testing_));
      if (want == 0) {
        return Status::IOError(path_.string() + ": write failed: " + std::strerror(ENOSPC) +
                               " (test limit)");
      }
    }
    const ssize_t w = ::write(fd_, bytes.data(), want);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      return Status::IOError(path_.string() + ": write failed: " + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(w));
    size_ += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

Status WarcWriter::Sync() {
  if (::fdatasync(fd_) != 0) {
    return Status::IOError(path_.string() + ": fdatasync failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status WarcWriter::AppendRecords(const WarcExchange& e, int64_t& response_offset) {
  const uint64_t body_size = e.read_body ? e.body_size : e.body.size();
  const std::string response_id = detail::NewWarcRecordId();

  // Pass 1: both digests, before the head that carries them is written.
  util::Sha256 block_hash;
  util::Sha256 payload_hash;
  block_hash.Update(e.response_head);
  LW_RETURN_IF_ERROR(ForEachPayloadPiece(e, [&](std::string_view piece) {
    block_hash.Update(piece);
    payload_hash.Update(piece);
    return Status::Ok();
  }));
  const util::Sha256Digest block_digest = block_hash.Finish();
  const util::Sha256Digest payload_digest = payload_hash.Finish();

  const std::string request_head = detail::WarcRecordHead(
      "request", detail::NewWarcRecordId(), e.target_uri, e.fetched_at,
      "application/http;msgtype=request", e.request_head.size(), WarcSha256Digest(e.request_head),
      "WARC-Concurrent-To: " + response_id + "\r\n");
  LW_RETURN_IF_ERROR(WriteAll(request_head + e.request_head + std::string(detail::kWarcRecordEnd)));

  response_offset = static_cast<int64_t>(size_);
  const std::string payload_label = WarcSha256Label(payload_digest.data(), payload_digest.size());
  const std::string response_head = detail::WarcRecordHead(
      "response", response_id, e.target_uri, e.fetched_at, "application/http;msgtype=response",
      e.response_head.size() + body_size, WarcSha256Label(block_digest.data(), block_digest.size()),
      "WARC-Payload-Digest: " + payload_label + "\r\n" +
          (e.truncated.empty() ? "" : "WARC-Truncated: " + e.truncated + "\r\n"));
  LW_RETURN_IF_ERROR(WriteAll(response_head + e.response_head));
  // Pass 2: the copy, hashed again so a payload that changed under us is caught.
  util::Sha256 copied_hash;
  LW_RETURN_IF_ERROR(ForEachPayloadPiece(e, [&](std::string_view piece) {
    copied_hash.Update(piece);
    return WriteAll(piece);
  }));
  if (copied_hash.Finish() != payload_digest) {
    return Status::Corruption(path_.string() + ": evidence payload changed while it was copied");
  }
  LW_RETURN_IF_ERROR(WriteAll(detail::kWarcRecordEnd));

  std::string fields;
  for (const auto& [name, value] : e.metadata) {
    fields += detail::WarcHeaderSafe(name) + ": " + detail::WarcHeaderSafe(value) + "\r\n";
  }
  const std::string metadata_head = detail::WarcRecordHead(
      "metadata", detail::NewWarcRecordId(), e.target_uri, e.fetched_at, "application/warc-fields",
      fields.size(), WarcSha256Digest(fields), "WARC-Refers-To: " + response_id + "\r\n");
  return WriteAll(metadata_head + fields + std::string(detail::kWarcRecordEnd));
}

Result<WarcLocation> WarcWriter::Append(const WarcExchange& exchange) {
  if (fd_ < 0) return Status::Internal("WarcWriter used after move");
  const uint64_t start = size_;
  int64_t response_offset = 0;
  Status st = AppendRecords(exchange, response_offset);
  if (!st.ok()) {
    // Cut the torn exchange off so the file stays a clean sequence of records.
    if (::ftruncate(fd_, static_cast<off_t>(start)) == 0) size_ = start;
    return st;
  }
  return WarcLocation{path_, response_offset};
}

}  // namespace leakwatch::store
