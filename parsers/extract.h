// parsers/extract: the parsers module's entry points — one fetched page in, one
// Extraction (parsers/extraction.h) out.
//
// Pipeline per page: cap the body (Limits::max_page_bytes) -> find the charset and
// convert to UTF-8 (parsers/charset.h) -> pre-filter hostile nesting -> Gumbo ->
// <base href> -> the profile's selectors (parsers/profile.h) -> the profile-independent
// onion / magnet / file-host scan (parsers/scan.h) -> dedupe and caps.
// text/plain bodies (a paste's raw view) skip the HTML steps and become one document.
// Directory listings (profiles of kind file_tree, and pages "auto" recognises as one)
// take their own path: no Gumbo tree, a row scanner, Limits::max_tree_page_bytes and
// ::max_tree_entries; see parsers/internal/file_tree.h for what they yield.
//
// Threads: every function is reentrant; run them on any worker thread. Profiles and
// ProfileSets are read-only here and may be shared.
// Limits: see parsers/extraction.h; caps hit are reported as anomalies, never errors.
#pragma once

#include <string>
#include <string_view>

#include "parsers/extraction.h"
#include "parsers/profile.h"
#include "util/status.h"

namespace leakwatch::parsers {

struct Page {
  std::string_view url;           // the response URL, after redirects; absolute
  std::string_view body;          // raw bytes as received
  std::string_view content_type;  // the HTTP Content-Type header, or empty
};

// Extracts `page` with `profile`. Errors: InvalidArgument when page.url is not an
// absolute URL (a caller bug). Hostile content never errors: see Extraction::anomalies.
Result<Extraction> Extract(const Page& page, const Profile& profile, const Limits& limits = {});

// Profile "auto": detects the engine from the page (generator meta tags and each
// profile's [detect] markers), applies the best-scoring profile of `profiles`, else
// "generic". Extraction::engine names what was detected ("generic" when nothing was).
Result<Extraction> ExtractAuto(const Page& page, const ProfileSet& profiles,
                               const Limits& limits = {});

// The name of the profile "auto" would choose for `page`, or "generic".
std::string DetectProfile(const Page& page, const ProfileSet& profiles, const Limits& limits = {});

// Whether "auto" reads `page` as a directory listing (a file tree). Looks only at the
// first 64 KiB of the body, so a fetcher can ask on the first bytes of a response and
// then allow it Limits::max_tree_page_bytes instead of max_page_bytes (a 100,000-entry
// nginx listing is about 12 MiB).
bool LooksLikeFileTree(const Page& page);

// Renders an Extraction as JSON (schema in docs/profiles.md). `indent` < 0 gives one
// line. Never throws; text is valid UTF-8 by construction.
std::string ExtractionToJson(const Extraction& extraction, int indent = 2);

}  // namespace leakwatch::parsers
