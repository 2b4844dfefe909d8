#include "util/secret.h"

#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>

#include "util/files.h"

namespace leakwatch::util {
namespace {
constexpr uint64_t kMaxSecretBytes = 64 * 1024;
}  // namespace

Secret::~Secret() {
  if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
}

Secret::Secret(Secret&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

Result<Secret> ReadSecretFile(const std::filesystem::path& path, bool strip_newline) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound(path.string() + ": secret file does not exist or cannot be read");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::PermissionDenied(
        fmt::format("{}: secret file is accessible by group or others (mode {:04o}); run "
                    "`chmod 600 {}`",
                    path.string(), st.st_mode & 07777, path.string()));
  }
  LW_ASSIGN_OR_RETURN(std::string bytes, ReadFileCapped(path, kMaxSecretBytes));
  if (strip_newline && !bytes.empty() && bytes.back() == '\n') {
    bytes.pop_back();
    if (!bytes.empty() && bytes.back() == '\r') bytes.pop_back();
  }
  return Secret(std::move(bytes));
}

Result<Secret> ReadSecretEnv(std::string_view name) {
  const std::string key(name);
  const char* value = std::getenv(key.c_str());
  if (value == nullptr || value[0] == '\0') {
    return Status::NotFound("environment variable " + key + " is not set");
  }
  return Secret(value);
}

}  // namespace leakwatch::util
