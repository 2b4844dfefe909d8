#include "util/status.h"

#include <catch2/catch.hpp>

namespace leakwatch {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  LW_ASSIGN_OR_RETURN(int half, Half(x));
  return Half(half);
}

TEST_CASE("Result carries a value or the status explaining its absence", "[unit]") {
  REQUIRE(Quarter(8).value() == 2);
  const Result<int> r = Quarter(6);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == StatusCode::kInvalidArgument);
  CHECK(r.error().ToString() == "invalid_argument: odd: 3");
}

TEST_CASE("WithContext prefixes the message and keeps the code", "[unit]") {
  const Status st = Status::TooLarge("body").WithContext("http://x.onion/");
  CHECK(st.code() == StatusCode::kTooLarge);
  CHECK(st.message() == "http://x.onion/: body");
  CHECK(Status::Ok().WithContext("x").ok());
}

}  // namespace
}  // namespace leakwatch
