#include "app/coverage.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "match/pack.h"

namespace leakwatch::app {

std::string FormatCount(uint64_t n) {
  if (n >= 999'950'000) return fmt::format("{:.1f} B", static_cast<double>(n) / 1e9);
  if (n >= 999'950) return fmt::format("{:.1f} M", static_cast<double>(n) / 1e6);
  std::string digits = std::to_string(n);
  for (size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

std::string CoverageLine(int64_t files_seen, int64_t records_seen,
                         const std::filesystem::path& pack) {
  const auto count = [](int64_t n) {
    return FormatCount(static_cast<uint64_t>(std::max<int64_t>(n, 0)));
  };
  std::string note;
  std::optional<match::PackInfo> info;
  if (pack.empty()) {
    note = "totals unknown: no [match] pack is configured";
  } else if (Result<match::PackInfo> read = match::ReadPackInfo(pack); read.has_value()) {
    info = std::move(read).value();
  } else {
    note = "totals unknown: " + read.error().message();
  }
  if (!info) {
    return fmt::format("Coverage: {} dataset files and {} records seen publicly so far ({}).",
                       count(files_seen), count(records_seen), note);
  }
  std::string line = fmt::format("Coverage: {} of {} dataset files", count(files_seen),
                                 FormatCount(info->file_count));
  if (info->record_count > 0) {
    line +=
        fmt::format(" and {} of {} records", count(records_seen), FormatCount(info->record_count));
  } else if (records_seen > 0) {
    line += fmt::format(" and {} records", count(records_seen));
  }
  line += " seen publicly so far";
  if (info->record_count == 0) line += " (the pack holds no records)";
  return line + ".";
}

}  // namespace leakwatch::app
