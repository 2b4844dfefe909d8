// parsers/profile: site profiles — how to read one kind of site — loaded from TOML.
//
// A profile names selectors (parsers/selector.h) for the parts of a page the crawler
// cares about. Three kinds:
//   paste_site: [listing] rows linking to pastes; [paste] title/author/time/text and a
//               raw-view URL template built from a regex capture of the paste URL.
//   forum:      [board] thread rows (link, title, author, replies, last post time),
//               sub-forum links, next page; [thread] posts (author, time, body,
//               attachments), next page.
//   generic:    follow same-site links up to [generic].max_depth; the whole page is a
//               document.
//   file_tree:  a directory listing a web server generates (nginx autoindex, Apache
//               mod_autoindex, lighttpd, Caddy browse, Python http.server, JSON
//               indexes); [file_tree].format names the server. Read by code, not
//               selectors: sizes and times are plain text beside the anchors
//               (parsers/internal/file_tree.h). "auto" recognises them structurally.
// Any profile may have [detect] rules used by profile "auto" (engine detection).
// docs/profiles.md documents every key with examples.
//
// Built-in profiles are the files config/profiles/*.toml, compiled into the binary at
// build time; user profiles (a directory of *.toml) override built-ins by name.
//
// Thread safety: a loaded Profile / ProfileSet is immutable; share it freely.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/selector.h"
#include "util/status.h"

namespace leakwatch::parsers {

enum class ProfileKind { kPasteSite, kForum, kGeneric, kFileTree };

// Rules for pages that list items (a forum board, a paste archive). When `row` is set,
// the other selectors are evaluated inside each row; otherwise `item_link` runs over
// the whole page and the row fields are not read.
struct ListingRules {
  std::optional<Selector> row;
  std::optional<Selector> item_link;  // href -> item link; its text is the title
  std::optional<Selector> title;      // overrides the link text when set
  std::optional<Selector> author;
  std::optional<Selector> replies;
  std::optional<Selector> time;           // last post / paste time
  std::optional<Selector> listing_links;  // sub-forums, category pages
  std::optional<Selector> next_page;
};

// Rules for pages that hold content (a thread, a paste).
struct ContentRules {
  std::optional<Selector> title;
  std::optional<Selector> post;  // one per post; the fields below are read inside it
  std::optional<Selector> author;
  std::optional<Selector> time;
  std::optional<Selector> body;         // post body, or the paste text block
  std::optional<Selector> attachments;  // file links inside a post (or the page)
  std::optional<Selector> next_page;
  // Paste sites: when the page URL's path matches raw_url_regex, its first capture
  // replaces "{id}" in raw_url_template (resolved against the page) — the raw view.
  std::string raw_url_regex;
  std::string raw_url_template;
};

struct DetectRules {
  std::vector<std::string> generator;  // case-insensitive substrings of <meta name=generator>
  std::vector<Selector> markers;       // each one that matches scores a point
  int min_score = 2;                   // a generator match scores 3
};

struct GenericRules {
  int max_depth = 2;
  bool same_site_only = true;
};

struct FileTreeRules {
  // "nginx", "apache", "lighttpd", "caddy", "python", "json", or "auto" (recognise the
  // server from the page; other servers' "Index of /" pages are read generically).
  std::string format = "auto";
};

struct Profile {
  std::string name;  // unique key, e.g. "phpbb3_prosilver"
  ProfileKind kind = ProfileKind::kGeneric;
  std::string engine;  // e.g. "phpBB 3 (prosilver)"
  std::string description;
  std::string origin;  // "builtin:phpbb3_prosilver.toml" or the user file path
  DetectRules detect;
  ListingRules listing;
  ContentRules content;
  GenericRules generic;
  FileTreeRules file_tree;
};

// Parses one profile. `origin` names the file in errors, which read
// "<origin>:<line>:<col>: <key>: <what is wrong>"; for a bad selector the column points
// at the offending character inside the selector on that line. Unknown keys are errors
// (typos should not silently disable a rule).
Result<Profile> ParseProfile(std::string_view toml_text, std::string_view origin);

// The built-in profiles in config/profiles/*.toml, as compiled into the binary.
// Errors only if a built-in file is broken (a build bug; tests catch it).
Result<std::vector<Profile>> BuiltinProfiles();

class ProfileSet {
 public:
  // The built-ins plus the always-present "generic".
  static Result<ProfileSet> WithBuiltins();

  // Loads every *.toml in `directory` (sorted by name); a profile whose name matches
  // an existing one replaces it. A missing directory is not an error.
  Status LoadDirectory(const std::filesystem::path& directory);
  // Adds or replaces by name.
  void Add(Profile profile);

  const Profile* Find(std::string_view name) const;
  const std::vector<Profile>& profiles() const { return profiles_; }

 private:
  std::vector<Profile> profiles_;
};

}  // namespace leakwatch::parsers
