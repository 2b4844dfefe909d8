// util/clock: the injected source of "now", so that scheduling, back-off and
// retention logic is tested without sleeping (tests use FakeClock).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace leakwatch::util {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock now. Thread safety: any thread.
  virtual TimePoint Now() const = 0;
};

// The real clock. Thread safety: any thread.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to. Not thread safe: tests drive it from one thread.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override { return now_; }
  void Advance(Duration by) { now_ += by; }
  void Set(TimePoint to) { now_ = to; }

 private:
  TimePoint now_;
};

// Seconds since the Unix epoch (the store's time representation).
int64_t ToUnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(int64_t seconds);

// RFC 3339 UTC with second precision, e.g. "2026-11-27T07:51:26Z".
std::string FormatRfc3339(TimePoint t);

}  // namespace leakwatch::util
