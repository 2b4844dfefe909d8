// util/files: small filesystem helpers: capped reads, atomic writes, private
// directories and symlink resolution. (The XDG base-directory rules for default
// locations live in config (ResolveConfigPath, DefaultDataDir), which reads the
// injected environment.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::util {

// Reads a whole file, failing with TooLarge past `max_bytes` instead of growing.
Result<std::string> ReadFileCapped(const std::filesystem::path& path, uint64_t max_bytes);

// Writes `data` to a temp file beside `path`, fsyncs it and renames it over `path`,
// so readers never see a half-written file. `mode` applies to the new file.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data,
                       std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write);

// Creates `path` and its parents with mode 0700 where missing.
Status EnsurePrivateDirectory(const std::filesystem::path& path);

// `path` made absolute with every symbolic link resolved, the last component included
// even when it dangles (a link to a file not created yet), so that two spellings of one
// file (a symlink, "a/../b", a relative path) give one result. Components that do not
// exist are kept as written. Stops following after kMaxSymlinkHops links (a loop).
std::filesystem::path ResolvedPath(const std::filesystem::path& path);
inline constexpr int kMaxSymlinkHops = 40;  // Linux's own limit (MAXSYMLINKS)

}  // namespace leakwatch::util
