// crawler/internal/crawl_lock: one crawl at a time per database. An flock(2) on
// "<db>.crawl.lock" beside the database's resolved path (a symlink to the database
// takes the same lock), held for the life of the object; the kernel releases it when
// the process dies, so a killed run never leaves a stale lock behind.
//
// Threads: any; the object is not shared.
#pragma once

#include <filesystem>

#include "util/status.h"

namespace leakwatch::crawler::detail {

class CrawlLock {
 public:
  // Takes the lock for the database at `db_path`, creating its directory (0700, as
  // every private directory) when missing. Busy when another process holds it;
  // IOError when the lock file cannot be opened or locked.
  static Result<CrawlLock> Acquire(const std::filesystem::path& db_path);

  CrawlLock(CrawlLock&& o) noexcept;
  CrawlLock& operator=(CrawlLock&&) = delete;
  CrawlLock(const CrawlLock&) = delete;
  CrawlLock& operator=(const CrawlLock&) = delete;
  ~CrawlLock();  // releases the lock

 private:
  explicit CrawlLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace leakwatch::crawler::detail
