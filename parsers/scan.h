// parsers/scan: profile-independent discovery of leak links in text and hrefs.
//
// Leak posts put their payload in prose: "full dump at http://<56 chars>.onion/db.7z",
// "magnet:?xt=urn:btih:...", "mega.nz/file/...#key". Every document's text (and every
// href inside a post body) is scanned for:
//   - v3 .onion addresses (exactly 56 base32 characters), with or without a scheme
//     -> item links (file links when the path ends in an archive/data extension);
//   - magnet: URIs -> file links (kept verbatim);
//   - links to common file hosts (mega.nz, gofile.io, anonfiles, ...), with or without
//     a scheme -> file links, the fragment kept (mega keeps its key there).
// v2 (16-character) onions are ignored: Tor no longer routes them.
//
// Thread safety: pure; any thread.
#pragma once

#include <string_view>
#include <vector>

#include "parsers/extraction.h"
#include "parsers/url.h"

namespace leakwatch::parsers {

// Links found in `text`, in order of appearance, deduplicated. Each gets
// source kTextScan and `post_index`. At most `max_links` are returned.
std::vector<Link> ScanTextForLinks(std::string_view text, int post_index, size_t max_links);

// Classifies one resolved href the same way: returns true and fills `link` (role and
// URL) when it is an onion, magnet or file-host link.
bool ClassifyScannedUrl(std::string_view href, const Url* base, Link& link);

// True when the URL's path ends in an archive or data-file extension (.zip .7z .sql
// .csv ...): such links are downloads whatever site they are on.
bool LooksLikeFileUrl(const Url& url);

// True when `host` is (a subdomain of) a known file host.
bool IsFileHost(std::string_view host);

// True for a v3 onion host name ("<56 base32>.onion", subdomains allowed).
bool IsOnionV3Host(std::string_view host);

}  // namespace leakwatch::parsers
