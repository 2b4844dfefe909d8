// parsers/extraction: what the parsers module gives the crawler for one fetched page.
//
// An Extraction is plain data: links to follow (each with its role), documents (text
// bodies with provenance) for the matchers, file links for the downloader, the next
// page, yield counts for adapter health, and Anomaly entries for hostile or broken
// input. Hostile input never becomes an error: it becomes anomalies next to whatever
// could still be extracted (STYLE.md rule 12).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakwatch::parsers {

// Caps applied to every page. The defaults suit dark-web forums over Tor; each field
// is overridable from config. Hitting a cap truncates the work and adds an Anomaly.
struct Limits {
  // Bytes of body parsed; the rest is cut off (anomaly "truncated").
  size_t max_page_bytes = 8 * 1024 * 1024;
  // Elements handed to Gumbo; markup past this count is cut off ("too_many_nodes").
  // Bounds Gumbo's memory (about 200 bytes per element).
  size_t max_nodes = 500'000;
  // Element nesting handed to Gumbo. Deeper start tags are dropped (their text kept),
  // because Gumbo's tree construction is quadratic in depth ("deep_nesting").
  size_t max_parse_depth = 256;
  // Selector matching steps (element tests) per page ("budget_exhausted").
  size_t max_selector_steps = 20'000'000;
  // Wall time for selector evaluation and extraction (Gumbo's own parse is bounded by
  // the caps above, not by this clock).
  std::chrono::milliseconds max_extract_time{3000};
  // Links (of all roles) kept per page ("too_many_links"). File-tree pages use
  // max_tree_entries instead.
  size_t max_links = 5000;
  // Entries (folders and files) kept from one directory-listing page, in place of
  // max_links ("too_many_entries"; the scan stops there). A leak posted as a file tree
  // can list tens of thousands of files in one folder. Each entry costs about 400 bytes
  // (its Link); the page itself is scanned without building a tree.
  size_t max_tree_entries = 100'000;
  // Bytes of a directory-listing page parsed, in place of max_page_bytes ("truncated").
  // A 100,000-entry nginx autoindex page is about 13 MiB.
  size_t max_tree_page_bytes = 64 * 1024 * 1024;
  // Documents kept per page ("too_many_documents").
  size_t max_documents = 1000;
  // Bytes of text per document ("document_truncated").
  size_t max_document_bytes = 4 * 1024 * 1024;
  // Bytes of anchor text, titles, authors and times kept per field.
  size_t max_field_bytes = 512;
};

enum class LinkRole {
  kListing,  // a page listing items: board, sub-forum, listing next page, generic page,
             // a folder of a directory listing
  kItem,     // an item to read: thread, paste (raw view when the profile knows it), onion
  kFile,     // something to download: attachment, file-host link, magnet, a file of a
             // directory listing
};
std::string_view LinkRoleName(LinkRole role);

// How a link was found.
enum class LinkSource {
  kProfile,   // a profile selector
  kTextScan,  // the onion / magnet / file-host scan of document text and post links
  kPageLink,  // generic profile: an <a href> of the page (same-site unless configured)
};
std::string_view LinkSourceName(LinkSource source);

struct Link {
  std::string url;  // absolute and normalised (parsers/url.h); magnets verbatim
  LinkRole role = LinkRole::kListing;
  LinkSource source = LinkSource::kProfile;
  std::string anchor_text;
  // Listing rows (threads, pastes) may carry what the row showed about the item.
  std::string author;
  std::optional<int64_t> replies;
  std::string time_text;
  std::optional<int64_t> time_utc;  // seconds since the epoch
  // For links found inside a post: that post's index in `documents`, else -1.
  int post_index = -1;
  // Files of a directory listing (page_kind kFileTree): the size the listing printed,
  // as printed ("1.2K", "3650722201", "1.2 KiB") and in bytes. Exact when the server
  // printed a byte count (nginx's default, Caddy's data-order, JSON indexes); from a
  // rounded print ("1.2K") an estimate within that rounding. Unset when the listing
  // shows no size (Python http.server, Apache without FancyIndexing) or an unreadable
  // one (anomaly "bad_size"). For listing entries time_text / time_utc above are the
  // modification time the listing printed; the entry's name is anchor_text.
  std::string size_text;
  std::optional<uint64_t> size_bytes;
};

struct Document {
  std::string url;     // the page the text came from
  int post_index = 0;  // 0-based position on the page (0 for a whole-page document)
  std::string title;   // thread or paste title when known
  std::string author;
  std::string time_text;            // as found on the page
  std::optional<int64_t> time_utc;  // parsed; times without a zone are taken as UTC
  std::string text;                 // UTF-8, block structure kept as newlines
};

struct Anomaly {
  std::string kind;    // stable snake_case: "truncated", "deep_nesting", "invalid_utf8", ...
  std::string detail;  // human-readable; never page content beyond a short excerpt
};

// How much the profile's own selectors found; the crawler keeps a history of these
// per source to flag "profile_broken" when a listing that fetched fine yields nothing.
struct Yield {
  size_t items = 0;     // thread or paste links from listing selectors; a file tree's
                        // entries (folders and files)
  size_t listings = 0;  // sub-forum and listing links; folders of a file tree
  size_t posts = 0;     // post containers (or paste bodies)
  size_t files = 0;     // attachments from the profile's selectors; files of a file tree
};

enum class PageKind {
  kUnknown,   // nothing the profile knows matched
  kListing,   // board / paste archive
  kThread,    // posts
  kPaste,     // a single paste
  kGeneric,   // generic profile: whole page as one document
  kFileTree,  // a directory listing (profile kind file_tree): folders are links of role
              // kListing, files links of role kFile with size and time
};
std::string_view PageKindName(PageKind kind);

struct Extraction {
  std::string url;       // the response URL, normalised
  std::string base_url;  // after <base href>
  std::string profile;   // name of the profile applied
  std::string engine;    // detected engine (profile "auto"), else the profile's engine
  PageKind page_kind = PageKind::kUnknown;
  std::string charset;         // what the body was decoded from
  std::string charset_source;  // bom, http_header, meta, sniffed
  std::string title;           // <title>
  std::vector<Link> links;     // roles listing and item, in document order
  std::vector<Link> files;     // role file (a file tree's files, in listing order)
  std::vector<Document> documents;
  std::optional<std::string> next_page;
  Yield yield;
  std::vector<Anomaly> anomalies;
};

}  // namespace leakwatch::parsers
