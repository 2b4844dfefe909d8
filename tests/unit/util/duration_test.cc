#include "util/duration.h"

#include <catch2/catch.hpp>

namespace leakwatch::util {
namespace {
using std::chrono::milliseconds;

TEST_CASE("ParseDuration accepts units and combinations", "[unit]") {
  CHECK(ParseDuration("500ms").value() == milliseconds(500));
  CHECK(ParseDuration("1s").value() == milliseconds(1000));
  CHECK(ParseDuration("12m").value() == milliseconds(720'000));
  CHECK(ParseDuration("1h30m").value() == milliseconds(5'400'000));
  CHECK(ParseDuration("7d").value() == milliseconds(604'800'000));
}

TEST_CASE("ParseDuration rejects what a user might mean differently", "[unit]") {
  for (const char* bad : {"", "10", "1x", "-1s", "s", "1s1m", "1m1m", "99999999999999999d"}) {
    INFO(bad);
    CHECK_FALSE(ParseDuration(bad).has_value());
  }
  CHECK(ParseDuration("10").error().message().find("needs a unit") != std::string::npos);
}

TEST_CASE("FormatDuration round-trips", "[unit]") {
  for (const char* text : {"0s", "1s", "1m30s", "2d3h", "250ms"}) {
    CHECK(FormatDuration(ParseDuration(text).value()) == text);
  }
}

}  // namespace
}  // namespace leakwatch::util
