// util/duration: human durations as written in config files and on the command line.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::util {

// Parses "500ms", "1s", "12m", "24h", "7d", "1h30m" (units may be combined, largest
// first). A bare number is rejected: the unit must be explicit.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest exact spelling ParseDuration accepts, e.g. 90 s -> "1m30s".
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace leakwatch::util
