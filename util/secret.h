// util/secret: secrets (keys, passwords) read from files or the environment.
//
// A Secret has no formatter, no operator<< and no implicit conversion to string, so
// it cannot be logged by accident; code that must use the bytes calls Reveal().
// Secret files readable by group or others are refused: a leaked key undoes the
// protection the fingerprint pack's keyed hashes give.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::util {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string bytes) : bytes_(std::move(bytes)) {}
  ~Secret();  // wipes the bytes
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  // The secret's bytes; borrow only for the call that needs them, never store or log.
  std::string_view Reveal() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

// Reads a secret file. Fails with PermissionDenied if the file is readable or
// writable by group or others (the message says which chmod fixes it). A single
// trailing newline is stripped when `strip_newline` (passwords typed into a file).
Result<Secret> ReadSecretFile(const std::filesystem::path& path, bool strip_newline = true);

// Reads a secret from environment variable `name`; NotFound when unset or empty.
Result<Secret> ReadSecretEnv(std::string_view name);

}  // namespace leakwatch::util
