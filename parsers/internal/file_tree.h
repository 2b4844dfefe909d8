// parsers/internal/file_tree: the Extraction of a directory-listing page (profiles of
// kind "file_tree"). Private to parsers/; reached through parsers/extract.h.
//
// Each entry the listing shows (parsers/internal/dir_listing.h) becomes one Link:
//   - a folder below the listing (same host, path under the listing's directory, no
//     query) is a Link of role kListing; the parent, "../", the listing itself and its
//     sort-order links ("?C=M;O=A", "?sort=size&order=asc") are skipped silently;
//   - any other entry on the listing's host is a Link of role kFile;
//   - an entry on another host, with a non-http href (javascript:, data:, mailto:) or
//     a folder outside the listing is dropped and counted in an anomaly.
// Link::anchor_text is the entry's name: the last path segment of its URL, percent-
// decoded (servers truncate long display names: nginx "..>"); control characters are
// replaced by U+FFFD ("control_chars_in_name"). size_bytes / size_text and time_utc /
// time_text come from the row. The entries are kept once, in Extraction::links and
// ::files; the dedupe index holds only positions into them. One Document lists the
// entry names, one per line (capped at Limits::max_document_bytes), so watch-list
// terms in file names are matched. page_kind is kFileTree; yield.items counts the
// entries kept (the count the crawler's adapter health watches, so a tree that
// suddenly lists nothing is flagged), yield.listings the folders, yield.files the files.
// Limits: max_tree_page_bytes (not max_page_bytes) and max_tree_entries (not max_links).
#pragma once

#include <vector>

#include "parsers/charset.h"
#include "parsers/extract.h"
#include "parsers/internal/dir_listing.h"

namespace leakwatch::parsers::detail {

// The format `profile` reads, sniffing the page when its format is "auto".
// REQUIRES: profile.kind == ProfileKind::kFileTree.
Result<Extraction> ExtractFileTree(const Page& page, const Profile& profile, const Limits& limits);

// The file-tree profile of `profiles` that "auto" applies to `page`: the first one whose
// format is the sniffed one, else the first one with format "auto" when the page is a
// listing of another server. nullptr when the page is no listing.
const Profile* DetectFileTree(const Page& page, const ProfileSet& profiles);

// The anomalies a charset decision reports (a declaration overruled, bytes replaced);
// shared by the HTML and the file-tree paths.
void AddDecodingAnomalies(const DecodedText& decoded, std::vector<Anomaly>& anomalies);

}  // namespace leakwatch::parsers::detail
