// Helpers shared by the store tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "store/store.h"
#include "util/clock.h"

namespace leakwatch::store::testing_util {

// A fixed, recognisable start time: 2026-11-27T08:00:00Z.
inline constexpr int64_t kStartTime = 1795766400;

inline util::FakeClock MakeClock() { return util::FakeClock(util::FromUnixSeconds(kStartTime)); }

// The Status of a Result, dropping its value.
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.has_value() ? Status::Ok() : result.error();
}

inline std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace leakwatch::store::testing_util
