// parsers/internal/dir_listing: reading the directory listings web servers generate —
// which server made a page, and each entry's href, name, size and modification time.
// Private to parsers/; parsers/internal/file_tree.h turns the entries into Links.
//
// Listings put sizes and times as plain text beside the anchor, not in elements of
// their own, so they are read by a row scanner rather than by selectors. A row is a
// line of a <pre> block (nginx autoindex, Apache FancyIndexing without HTMLTable), a
// <tr> whose entry anchor sits in a <td> (Apache HTMLTable, lighttpd mod_dirlisting,
// Caddy browse) or an <li> (Apache without FancyIndexing, Python http.server). Anchors
// outside rows (breadcrumbs, footers) and in <th> header cells (sort links) are not
// entries. The first anchor with an href in a row is the entry; the row's other text is
// searched for a date and time, then for a size. Caddy's data-order and <time
// datetime> attributes are preferred over its printed values. JSON indexes (nginx
// autoindex_format json; Caddy browse with Accept: application/json) are read with a
// streaming parser. Nothing here builds a tree: one row is held at a time.
//
// Thread safety: pure functions; any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace leakwatch::parsers::detail {

enum class TreeFormat {
  kAny,       // an "Index of /..." page of another server: rows read the generic way
  kNginx,     // ngx_http_autoindex_module, html format
  kApache,    // mod_autoindex: plain <ul>, FancyIndexing <pre>, HTMLTable
  kLighttpd,  // mod_dirlisting
  kCaddy,     // file_server browse
  kPython,    // http.server (SimpleHTTPRequestHandler)
  kJson,      // nginx autoindex_format json, Caddy browse JSON
};
std::string_view TreeFormatName(TreeFormat format);  // "auto", "nginx", ... as in profiles
std::optional<TreeFormat> TreeFormatFromName(std::string_view name);

// Bytes of the body head SniffTreeFormat looks at.
inline constexpr size_t kTreeSniffBytes = 64 * 1024;

// Recognises a listing by markup only its server writes (title and heading patterns,
// sort-link syntax, class names), from the first kTreeSniffBytes of the raw body.
// nullopt: not a listing. Forum and paste pages never carry these markers together.
std::optional<TreeFormat> SniffTreeFormat(std::string_view body, std::string_view content_type);

// A size as listings print it: "1234", "1.2K", "12M", "3.4G", "1.2 KiB", "4.5 MB",
// "0.1K", "2 B". Units: a bare letter (K M G T P E, as nginx, Apache and lighttpd print)
// and KiB/MiB/... are powers of 1024; kB/MB/GB/... are powers of 1000 (SI, as
// humanize-style printers mean them). A rounded print gives an estimate: "1.2K" is
// 1228 bytes. "-" and "—" mark a directory.
struct ParsedSize {
  enum class Kind { kBytes, kDirectory, kInvalid } kind = Kind::kInvalid;
  uint64_t bytes = 0;     // kBytes
  bool overflow = false;  // kInvalid because the value exceeds 2^64-1 bytes
};
ParsedSize ParseSizeText(std::string_view text);

// A listing timestamp: "07-Dec-2026 12:00" (nginx, older Apache), "2026-12-07 12:00"
// (Apache 2.4), "2026-Dec-07 12:00:00" (lighttpd), ISO 8601 and RFC 1123 (JSON indexes,
// Caddy's datetime attribute). Times without a zone are taken as UTC (servers print
// local time without saying which). Seconds since the epoch, or nullopt.
std::optional<int64_t> ParseListingTime(std::string_view text);

// One entry as the page shows it.
struct RawEntry {
  std::string href;     // as written, character references decoded; may be relative
  std::string display;  // anchor text (or JSON name), decoded, untrimmed, capped
  std::string time_text;
  std::optional<int64_t> time_utc;
  std::string size_text;
  std::optional<uint64_t> size_bytes;
  bool directory_marker = false;  // "-" size, data-order -1, JSON type directory / is_dir
  bool bad_size = false;          // a size was printed but is garbage or overflows
};

struct ScanStats {
  size_t rows = 0;                  // entries handed to the visitor
  size_t anchors_without_href = 0;  // <a> in a row with no href
  std::string title;                // <title> text, decoded and capped
  std::string json_error;           // set when a JSON index is malformed
};

// Visitor for entries in document order; return false to stop the scan.
using EntryVisitor = std::function<bool(RawEntry&)>;

// Scans an HTML listing. REQUIRES: `html` is UTF-8.
ScanStats ScanHtmlListing(std::string_view html, const EntryVisitor& visit);

// Scans a JSON index: a top-level array of objects with "name" and optionally "url",
// "type" / "is_dir", "size", "mtime" / "mod_time". Other shapes yield no entries.
ScanStats ScanJsonListing(std::string_view json, const EntryVisitor& visit);

}  // namespace leakwatch::parsers::detail
