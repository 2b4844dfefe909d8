// app/coverage: the "how much of the breach is out" sentence of `leakwatch sightings
// summary`: what the store saw (store/coverage.h) against the totals in the
// fingerprint pack's header (match::ReadPackInfo: read-only, no key, no index load).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace leakwatch::app {

// "65,019" below a million, "2.1 M" from a million, "1.3 B" from a billion (one
// decimal, rounded: 999,950 is already "1.0 M", so "1000.0 M" never appears).
std::string FormatCount(uint64_t n);

// "Coverage: 412 of 65,019 dataset files and 1,208 of 2.1 M records seen publicly so
// far." With no pack configured (`pack` empty) or an unreadable one, the seen counts
// only and, in parentheses, why the totals are missing. A pack without records says
// so instead of "of 0 records". Reads only the pack's header; never fails.
std::string CoverageLine(int64_t files_seen, int64_t records_seen,
                         const std::filesystem::path& pack);

}  // namespace leakwatch::app
