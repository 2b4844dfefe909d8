// tests/support/temp_dir: a private directory per test, removed when the test ends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace leakwatch::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  // Writes `content` to `name` (parents created) and returns the full path.
  std::filesystem::path Write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

// The read-only shared material (../shared), from $LW_SHARED_DIR set by CTest.
std::filesystem::path SharedDir();

}  // namespace leakwatch::testing
