// store/warc_writer: evidence files in WARC/1.1 (ISO 28500), readable by standard WARC
// tools (warcio, pywb, wget's reader). One file per crawl run holds, for each kept
// response, a `request`, a `response` (status line, headers, body as received) and a
// `metadata` record (fetch time, proxy, source), each with WARC-Target-URI, WARC-Date,
// WARC-Block-Digest and, for responses, WARC-Payload-Digest (sha256, base32).
//
// Only content that matched is written (unless the operator opts into keeping
// everything): a monitor must not hoard third-party dark-web content.
//
// Thread safety: one writer thread per WarcWriter.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::store {

struct WarcExchange {
  std::string target_uri;
  std::string request_head;   // "GET /x HTTP/1.1\r\nHost: …\r\n\r\n" as sent
  std::string response_head;  // status line and headers as received, ending in CRLFCRLF
  std::string_view body;      // the decoded payload
  util::TimePoint fetched_at;
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

  WarcWriter(WarcWriter&&) = default;
  WarcWriter& operator=(WarcWriter&&) = default;

  // Appends request, response and metadata records and flushes them to disk.
  Result<WarcLocation> Append(const WarcExchange& exchange);

  const std::filesystem::path& path() const { return path_; }

 private:
  WarcWriter(std::filesystem::path path, std::ofstream out)
      : path_(std::move(path)), out_(std::move(out)) {}
  Status WriteRecord(std::string_view type, std::string_view target_uri, util::TimePoint date,
                     std::string_view content_type, std::string_view block,
                     std::string_view extra_headers);

  std::filesystem::path path_;
  std::ofstream out_;
};

// RFC 4648 base32 (uppercase, with padding) of a SHA-256 digest of `bytes`, prefixed
// "sha256:" as WARC digests are labelled.
std::string WarcSha256Digest(std::string_view bytes);

}  // namespace leakwatch::store
