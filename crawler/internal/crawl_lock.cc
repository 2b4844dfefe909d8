#include "crawler/internal/crawl_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "util/files.h"

namespace leakwatch::crawler::detail {

Result<CrawlLock> CrawlLock::Acquire(const std::filesystem::path& db_path) {
  if (db_path.has_parent_path()) {
    LW_RETURN_IF_ERROR(util::EnsurePrivateDirectory(db_path.parent_path()));
  }
  // Beside the resolved file: a symlink to the database must take the same lock.
  const std::string path = util::ResolvedPath(db_path).string() + ".crawl.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError(path + ": cannot open lock file: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Busy("another leakwatch crawl is running (lock " + path +
                          " is held); this run exits without doing anything");
    }
    return Status::IOError(path + ": flock failed: " + std::strerror(err));
  }
  return CrawlLock(fd);
}

CrawlLock::CrawlLock(CrawlLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}

CrawlLock::~CrawlLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace leakwatch::crawler::detail
