// store/warc_writer: evidence files in WARC/1.1 (ISO 28500), readable by standard WARC
// tools (warcio, pywb, wget's reader). One file per crawl run holds, for each kept
// response, a `request`, a `response` (status line, headers, body) and a `metadata`
// record (fetch time, proxy, source), in that order, each with WARC-Target-URI,
// WARC-Date and WARC-Block-Digest; the response also has WARC-Payload-Digest. Digests
// are "sha256:" + RFC 4648 base32, as the WARC 1.1 spec's examples label them. The
// request record points at its response with WARC-Concurrent-To, the metadata record
// with WARC-Refers-To.
//
// Only content that matched is written (unless the operator opts into keeping
// everything): a monitor must not hoard third-party dark-web content.
//
// Durability: the file is append-only and opened O_APPEND; a record is written with
// plain write(2)s and a failed or short Append cuts the file back to where that Append
// started, so earlier records are never damaged. A crash mid-Append can leave a torn
// record at the end only. Append does NOT fsync: call Sync() before committing any row
// that points at a record (the crawler syncs once per store transaction), so a row can
// never outlive the bytes it points at.
//
// The crawl and the export do not use this class directly: store/evidence.h owns the
// evidence directory, file naming, syncing and reading back.
//
// Thread safety: none; one thread per WarcWriter.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::store {

// Reads up to `max` bytes of a payload at `offset`; an empty string means the end.
// Lets a large body be streamed from a spool file instead of held in memory.
using WarcPayloadReader = std::function<Result<std::string>(uint64_t offset, size_t max)>;

struct WarcExchange {
  std::string target_uri;
  // "GET /x HTTP/1.1\r\nHost: …\r\n\r\n" as sent (secrets already redacted by the caller).
  std::string request_head;
  // Status line and headers, ending in CRLFCRLF, describing `body` as stored (see
  // WarcResponseHeadForDecodedBody when the body was transfer- or content-decoded).
  std::string response_head;
  // The payload, either in memory (`body`) or, when `read_body` is set, streamed from
  // it: `body_size` bytes, read twice (digests first, then the copy). The bytes must
  // not change between the reads; Append fails (and cuts the record) if they do.
  std::string_view body;
  WarcPayloadReader read_body;
  uint64_t body_size = 0;
  util::TimePoint fetched_at;
  // Why the payload is shorter than the response it came from, as the response
  // record's WARC-Truncated field: "length" (a cap), "time", "disconnect",
  // "unspecified". Empty: the payload is the whole response body.
  std::string truncated;
  // Free-form metadata fields ("via-proxy", "source", "linked-from", "run-id").
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Where a response record landed, for the sighting's evidence location.
struct WarcLocation {
  std::filesystem::path file;
  int64_t offset = 0;  // byte offset of the `response` record's "WARC/1.1" line
};

class WarcWriter {
 public:
  // Creates `path` (mode 0600; fails with AlreadyExists if present, so one run can
  // never clobber another's evidence) and writes its `warcinfo` record.
  static Result<WarcWriter> Create(const std::filesystem::path& path, std::string_view software);

  WarcWriter(WarcWriter&& other) noexcept;
  WarcWriter& operator=(WarcWriter&& other) noexcept;
  WarcWriter(const WarcWriter&) = delete;
  WarcWriter& operator=(const WarcWriter&) = delete;
  ~WarcWriter();

  // Appends request, response and metadata records (not yet durable: see Sync).
  // Errors: IOError (disk full, payload read failure), Corruption when a streamed
  // payload changed between its two reads. On error nothing of this exchange remains
  // in the file.
  Result<WarcLocation> Append(const WarcExchange& exchange);

  // fdatasync(2): every record appended so far is on disk when this returns Ok.
  Status Sync();

  const std::filesystem::path& path() const { return path_; }
  // Bytes in the file (the offset the next record will get).
  uint64_t size() const { return size_; }

  // Test hook (STYLE rule 17): the file can grow to at most `bytes` bytes; a write
  // past that writes what fits and fails with IOError "No space left on device", as on
  // a full volume. 0: no limit.
  void SetMaxSizeForTesting(uint64_t bytes) { max_size_for_testing_ = bytes; }

 private:
  WarcWriter(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status WriteAll(std::string_view bytes);
  Status AppendRecords(const WarcExchange& exchange, int64_t& response_offset);

  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t max_size_for_testing_ = 0;
};

// RFC 4648 base32 (uppercase, with padding) of a SHA-256 digest of `bytes`, prefixed
// "sha256:" as WARC digests are labelled.
std::string WarcSha256Digest(std::string_view bytes);

// The same label for a digest already computed (32 bytes).
std::string WarcSha256Label(const uint8_t* digest, size_t size);

// Rewrites a response head as received into one that describes a body stored after
// libcurl removed its transfer coding (chunked) and content coding (gzip, br, …):
// Transfer-Encoding, Content-Encoding and Content-Length are renamed to
// "X-Leakwatch-Orig-<Name>" (values kept, so nothing the server said is lost) and
// "Content-Length: <body_size>" is added, so WARC readers parse the HTTP message and
// its payload digest matches. Line ends become CRLF; a head without its blank line
// (cut at the header cap) gets one. Pure; any thread.
std::string WarcResponseHeadForDecodedBody(std::string_view raw_head, uint64_t body_size);

}  // namespace leakwatch::store
