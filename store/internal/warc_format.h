// store/internal/warc_format: the WARC/1.1 record framing, written and read, in one
// place: record ids, record heads, the `warcinfo` record, and a bounded reader of record
// heads used to copy records back out byte for byte. warc_writer.cc writes with it;
// evidence.cc reads (export) with it. Pure functions over strings and streams; any
// thread.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::store::detail {

// Every record ends with its block followed by this.
inline constexpr std::string_view kWarcRecordEnd = "\r\n\r\n";
// A record head longer than this is refused when reading (hostile or damaged file).
inline constexpr size_t kMaxWarcHeadBytes = 64 * 1024;
// A record block larger than this is refused when reading.
inline constexpr uint64_t kMaxWarcBlockBytes = uint64_t{4} * 1024 * 1024 * 1024;

// "<urn:uuid:…>" with a random (version 4, RFC 4122 variant) UUID from libsodium.
std::string NewWarcRecordId();

// Header values come from fetched URLs and servers: CR and LF become spaces so a value
// can never end a header line early.
std::string WarcHeaderSafe(std::string_view value);

// The head of one record, "WARC/1.1" through its blank line. `target_uri` empty: no
// WARC-Target-URI. `extra_headers` are complete "Name: value\r\n" lines.
std::string WarcRecordHead(std::string_view type, std::string_view record_id,
                           std::string_view target_uri, util::TimePoint date,
                           std::string_view content_type, uint64_t content_length,
                           std::string_view block_digest, std::string_view extra_headers);

// A whole `warcinfo` record (head, fields, end): software, format and conformsTo, then
// `extra_fields` ("name: value\r\n" lines, may be empty). `filename` empty: no
// WARC-Filename (a stream, not a file).
std::string WarcInfoRecord(std::string_view software, std::string_view extra_fields,
                           util::TimePoint date, std::string_view filename);

// What the reader needs of a record head.
struct WarcHead {
  std::string text;  // "WARC/1.x" through the blank line, as read
  std::string type;
  std::string target_uri;
  std::string record_id;
  std::string concurrent_to;  // a request record names its response here
  uint64_t content_length = 0;
};

// Reads a record head at the stream's position. Errors: NotFound at a clean end of
// file; Corruption when no record starts there, a head exceeds kMaxWarcHeadBytes or
// Content-Length is malformed; TooLarge for a block over kMaxWarcBlockBytes. `where`
// prefixes every message.
Result<WarcHead> ReadWarcHead(std::istream& in, const std::string& where);

// Copies the record whose head was just read (head, block, end) to `out`.
// Corruption when the file ends inside the record.
Status CopyWarcRecord(std::istream& in, const WarcHead& head, std::ostream& out,
                      const std::string& where);

}  // namespace leakwatch::store::detail
