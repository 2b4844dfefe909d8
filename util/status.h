// util/status: the error currency of leakwatch.
//
// Expected failures (bad input, missing files, a full disk, hostile content) are
// values, never exceptions: functions return `Status` or `Result<T>`. A Status
// carries a code (which decides the process exit code in `app/`) and a message that
// already names what it concerns: file:line:col, URL, key path.
//
// `Result<T>` uses the member names of `std::expected<T, Status>` (has_value, value,
// error, operator*, operator->) so that moving to std::expected is a rename.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace leakwatch {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad user input or configuration: exit code 2
  kNotFound,
  kAlreadyExists,
  kCorruption,  // a file we own is damaged (DB, pack)
  kIOError,
  kTooLarge,     // a size, count or ratio cap was hit
  kUnsupported,  // e.g. a DB or pack written by a newer leakwatch
  kBusy,         // another process holds a lock
  kPermissionDenied,
  kUnavailable,  // a service (Tor, SMTP) is unreachable
  kTimeout,
  kCancelled,
  kInternal,  // a bug: should be unreachable
};

// The stable lowercase name of a code, e.g. "too_large". Used in logs and error rows.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status TooLarge(std::string msg) { return {StatusCode::kTooLarge, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status Busy(std::string msg) { return {StatusCode::kBusy, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Timeout(std::string msg) { return {StatusCode::kTimeout, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "code: message", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "context: message"; the code is kept.
  Status WithContext(std::string_view context) const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result built from an OK status carries no value");
    if (status_.ok()) status_ = Status::Internal("Result built from an OK status");
  }

  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }

  // REQUIRES: has_value().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  // By value, so `for (auto& x : Foo().value())` cannot dangle into a temporary.
  T value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

  // REQUIRES: !has_value().
  const Status& error() const& { return status_; }
  Status&& error() && { return std::move(status_); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace leakwatch

#define LW_CONCAT_INNER(a, b) a##b
#define LW_CONCAT(a, b) LW_CONCAT_INNER(a, b)

// Propagates a non-OK Status from an expression returning Status. Names are unique
// (__COUNTER__) so nesting, e.g. in a lambda passed to a wrapped call, cannot shadow.
#define LW_RETURN_IF_ERROR(expr) LW_RETURN_IF_ERROR_IMPL(LW_CONCAT(lw_status_, __COUNTER__), expr)
#define LW_RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                     \
    ::leakwatch::Status tmp = (expr);      \
    if (!tmp.ok()) return tmp;             \
  } while (false)

// `LW_ASSIGN_OR_RETURN(auto x, Foo());` binds x to Foo()'s value or returns its error.
#define LW_ASSIGN_OR_RETURN(lhs, expr) \
  LW_ASSIGN_OR_RETURN_IMPL(LW_CONCAT(lw_result_, __COUNTER__), lhs, expr)
#define LW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)       \
  auto tmp = (expr);                                   \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()
