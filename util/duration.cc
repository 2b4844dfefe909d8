#include "util/duration.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <utility>

namespace leakwatch::util {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t millis;
};

// Longest suffix first so that "ms" is not read as "m" followed by "s".
constexpr std::array<Unit, 5> kUnits = {{
    {"ms", 1},
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
}};

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty())
    return Status::InvalidArgument("empty duration; expected e.g. 30s, 12m, 24h, 7d");
  int64_t total = 0;
  int64_t previous_unit = std::numeric_limits<int64_t>::max();
  std::string_view rest = text;
  while (!rest.empty()) {
    int64_t amount = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), amount);
    if (ec != std::errc() || amount < 0) {
      return Status::InvalidArgument("bad duration " + quoted +
                                     "; expected e.g. 30s, 12m, 24h, 7d");
    }
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (rest.substr(0, candidate.suffix.size()) == candidate.suffix) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) {
      return Status::InvalidArgument("duration " + quoted +
                                     " needs a unit (ms, s, m, h, d), e.g. 30s or 12m");
    }
    if (unit->millis >= previous_unit) {
      return Status::InvalidArgument("duration " + quoted +
                                     ": units must go from largest to smallest");
    }
    previous_unit = unit->millis;
    rest.remove_prefix(unit->suffix.size());
    if (amount > (std::numeric_limits<int64_t>::max() - total) / unit->millis) {
      return Status::InvalidArgument("duration " + quoted + " is too long");
    }
    total += amount * unit->millis;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t left = d.count();
  if (left == 0) return "0s";
  std::string out;
  for (const Unit& unit : {kUnits[1], kUnits[2], kUnits[3], kUnits[4], kUnits[0]}) {
    const int64_t n = left / unit.millis;
    if (n == 0) continue;
    out += std::to_string(n);
    out += unit.suffix;
    left -= n * unit.millis;
  }
  return out;
}

}  // namespace leakwatch::util
