#include "util/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace leakwatch::util {
namespace fs = std::filesystem;

namespace {

std::string ErrnoMessage(const fs::path& path, std::string_view what) {
  return path.string() + ": " + std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

Result<std::string> ReadFileCapped(const fs::path& path, uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path)) return Status::NotFound(path.string() + ": no such file");
    return Status::IOError(ErrnoMessage(path, "cannot open"));
  }
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return Status::InvalidArgument(path.string() + ": is a directory");
  std::string data;
  constexpr size_t kBlock = 64 * 1024;
  char buffer[kBlock];
  while (in) {
    in.read(buffer, kBlock);
    const auto got = static_cast<size_t>(in.gcount());
    if (data.size() + got > max_bytes) {
      return Status::TooLarge(path.string() + ": larger than the " + std::to_string(max_bytes) +
                              "-byte limit");
    }
    data.append(buffer, got);
  }
  if (in.bad()) return Status::IOError(ErrnoMessage(path, "read failed"));
  return data;
}

Status WriteFileAtomic(const fs::path& path, std::string_view data, fs::perms mode) {
  const fs::path tmp = path.string() + ".tmp." + std::to_string(getpid());
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return Status::IOError(ErrnoMessage(tmp, "cannot create"));
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = Status::IOError(ErrnoMessage(tmp, "write failed"));
      ::close(fd);
      ::unlink(tmp.c_str());
      return st;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Status st = Status::IOError(ErrnoMessage(tmp, "sync failed"));
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::IOError(ErrnoMessage(path, "rename failed"));
    ::unlink(tmp.c_str());
    return st;
  }
  return Status::Ok();
}

Status EnsurePrivateDirectory(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::Ok();
  fs::create_directories(path, ec);
  if (ec) return Status::IOError(path.string() + ": cannot create directory: " + ec.message());
  fs::permissions(path, fs::perms::owner_all, ec);
  if (ec) return Status::IOError(path.string() + ": cannot set mode 0700: " + ec.message());
  return Status::Ok();
}

fs::path ResolvedPath(const fs::path& path) {
  std::error_code ec;
  fs::path current = fs::absolute(path, ec);
  if (ec) return path;
  for (int hop = 0; hop < kMaxSymlinkHops && fs::is_symlink(current, ec); ++hop) {
    const fs::path target = fs::read_symlink(current, ec);
    if (ec) break;
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  fs::path resolved = fs::weakly_canonical(current, ec);
  return ec ? current.lexically_normal() : resolved;
}

}  // namespace leakwatch::util
