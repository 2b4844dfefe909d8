// notify/text: making attacker-controlled text (URLs, member paths, snippets fetched
// from hostile sites) safe to show in a terminal, a text mail or a log-like listing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace leakwatch::notify {

// Replaces C0/C1 control characters (terminal escapes), DEL, bidirectional override
// characters (which can disguise a URL) and invalid UTF-8 with '?', turns tabs and
// newlines into spaces, and cuts the result to about `max_bytes` bytes at a character
// boundary, appending "..." when cut. The result is valid UTF-8. Pure; any thread.
std::string DisplaySafe(std::string_view text, size_t max_bytes);

}  // namespace leakwatch::notify
