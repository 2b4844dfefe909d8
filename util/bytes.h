// util/bytes: byte counts as people read them, for reports and summaries.
#pragma once

#include <cstdint>
#include <string>

namespace leakwatch::util {

// "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB", "1.0 TiB" (binary units, one decimal).
std::string FormatBytes(uint64_t bytes);

}  // namespace leakwatch::util
