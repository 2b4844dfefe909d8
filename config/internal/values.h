// config/internal/values: parsers for the value shapes the config loader accepts
// (URLs, host:port endpoints, byte sizes) and the edit distance behind "did you mean".
// Private to config/. Every function is pure; errors are plain messages without a
// location, which the loader prefixes with file:line:col and the key path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "util/status.h"

namespace leakwatch::config::detail {

struct ParsedUrl {
  std::string scheme;  // lower-cased, e.g. "https"
  std::string host;    // lower-cased; IPv6 without brackets
  bool ipv6 = false;
  std::optional<uint16_t> port;
  std::string path_and_rest;  // from the first '/', '?' or '#' on; may be empty
};

// Parses an absolute URL whose scheme is one of `schemes`. Rejects credentials in the
// authority, whitespace, control and non-ASCII characters, empty hosts and bad ports.
Result<ParsedUrl> ParseUrl(std::string_view text, const std::vector<std::string_view>& schemes);

// Parses "host:port" ("[v6]:port" for IPv6); the port must be in min_port..65535.
Result<Endpoint> ParseEndpoint(std::string_view text, uint16_t min_port);

// "8MiB" for 8388608, "1500B" when no binary unit divides it exactly.
std::string FormatByteSize(uint64_t bytes);

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions),
// case-insensitive. Stops counting past `cap` and returns cap + 1.
size_t EditDistance(std::string_view a, std::string_view b, size_t cap);

// The candidate closest to `word` within distance 2, or nullopt.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace leakwatch::config::detail
