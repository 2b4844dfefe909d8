#include "match/scan.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/hash.h"

namespace leakwatch::match {
namespace {

namespace fs = std::filesystem;

constexpr size_t kRereadBlockBytes = 1 << 20;

// SHA-256 of the first `size` bytes of the regular file behind `fd`, read again from
// offset 0 (pread: the expander's position is untouched): the bytes that were matched,
// also when the object was cut at max_object_bytes. Empty when they can no longer be
// read (the file shrank, an I/O error).
std::string RereadSha256(int fd, uint64_t size) {
  util::Sha256 sha;
  std::string block(kRereadBlockBytes, '\0');
  uint64_t offset = 0;
  while (offset < size) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(block.size(), size - offset));
    const ssize_t n = ::pread(fd, block.data(), want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {};
    }
    if (n == 0) return {};
    sha.Update(std::string_view(block.data(), static_cast<size_t>(n)));
    offset += static_cast<uint64_t>(n);
  }
  const util::Sha256Digest d = sha.Finish();
  return util::HexEncode(d.data(), d.size());
}

class MatchSink final : public ObjectSink {
 public:
  // `reread_fd` >= 0: the object is that regular file, re-read for its SHA-256 when it
  // has findings instead of being kept in memory.
  MatchSink(const Matcher& matcher, std::string path, const MatchOptions& options, int reread_fd,
            ScanSink& out, ScanSummary& summary)
      : reread_(reread_fd >= 0 && options.compute_sha256 && options.sha256_only_with_findings),
        reread_fd_(reread_fd),
        out_(out),
        summary_(summary) {
    MatchOptions stream_options = options;
    if (reread_) stream_options.compute_sha256 = false;
    stream_ = matcher.NewStream(std::move(path), stream_options);
  }
  void Feed(std::string_view bytes) override { stream_->Feed(bytes); }
  void Close() override {
    MatchResult r = stream_->Finish();
    if (reread_ && !r.findings.empty()) {
      r.sha256 = RereadSha256(reread_fd_, r.size);
      for (Finding& f : r.findings) f.sha256 = r.sha256;
    }
    ++summary_.objects;
    for (const Finding& f : r.findings) {
      ++summary_.findings;
      out_.OnFinding(f);
    }
    for (const Anomaly& a : r.anomalies) {
      ++summary_.anomalies;
      out_.OnAnomaly(a);
    }
  }

 private:
  bool reread_;
  int reread_fd_;
  std::unique_ptr<MatchStream> stream_;
  ScanSink& out_;
  ScanSummary& summary_;
};

std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// A top-level object's bytes: counted, capped at max_object_bytes, and for a FIFO read
// without blocking past the idle timeout.
class ObjectSource final : public ByteSource {
 public:
  // `idle_timeout` > 0: `fd` is non-blocking and each read waits at most that long.
  ObjectSource(int fd, uint64_t max_bytes, std::chrono::milliseconds idle_timeout,
               uint64_t& counter)
      : fd_(fd), remaining_(max_bytes), idle_timeout_(idle_timeout), counter_(counter) {}

  Result<size_t> Read(char* buffer, size_t capacity) override {
    if (remaining_ == 0) {
      // At the cap: one more byte tells a cut object from one that ends exactly here.
      if (!probed_) {
        probed_ = true;
        char probe = 0;
        LW_ASSIGN_OR_RETURN(const size_t n, ReadSome(&probe, 1));
        capped_ = n > 0;
      }
      return size_t{0};
    }
    LW_ASSIGN_OR_RETURN(
        const size_t n,
        ReadSome(buffer, static_cast<size_t>(std::min<uint64_t>(capacity, remaining_))));
    remaining_ -= n;
    counter_ += n;
    return n;
  }
  bool capped() const { return capped_; }

 private:
  Result<size_t> ReadSome(char* buffer, size_t capacity) {
    while (true) {
      if (idle_timeout_.count() > 0) {
        struct pollfd p {};
        p.fd = fd_;
        p.events = POLLIN;
        const int r = ::poll(&p, 1, static_cast<int>(idle_timeout_.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) {
          return Status::Timeout("no data for " + DurationText(idle_timeout_) +
                                 " (a FIFO without a writer?); gave up");
        }
      }
      const ssize_t n = ::read(fd_, buffer, capacity);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::IOError(std::string("read failed: ") + std::strerror(errno));
    }
  }

  int fd_;
  uint64_t remaining_;
  std::chrono::milliseconds idle_timeout_;
  uint64_t& counter_;
  bool probed_ = false;
  bool capped_ = false;
};

// `fifo`: a named FIFO, opened non-blocking, read under the idle timeout.
void ScanFd(const Matcher& matcher, int fd, const std::string& path, const ScanOptions& options,
            bool fifo, ScanSink& sink, ScanSummary& summary) {
  ObjectSource source(fd, options.max_object_bytes,
                      fifo ? options.idle_timeout : std::chrono::milliseconds(0), summary.bytes);
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  const SinkFactory open_sink = [&](const std::string& object_path, int depth) {
    return std::make_unique<MatchSink>(matcher, object_path, options.match,
                                       depth == 0 && regular ? fd : -1, sink, summary);
  };
  const AnomalyCallback on_anomaly = [&](const Anomaly& a) {
    ++summary.anomalies;
    sink.OnAnomaly(a);
  };
  auto r = ExpandObject(source, path, options.limits, open_sink, on_anomaly);
  if (source.capped()) {
    on_anomaly(Anomaly{path, "limit",
                       "object bytes: only the first " + std::to_string(options.max_object_bytes) +
                           " bytes were read and matched"});
  }
  if (!r.has_value()) {
    ++summary.errors;
    sink.OnError(path, r.error().WithContext(path));
  }
}

void ScanFile(const Matcher& matcher, const fs::path& file, const std::string& display,
              const ScanOptions& options, bool fifo, ScanSink& sink, ScanSummary& summary) {
  // O_NONBLOCK: opening a FIFO that has no writer would block until one comes.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
  if (fd < 0) {
    ++summary.errors;
    sink.OnError(display, Status::IOError(display + ": cannot open: " + std::strerror(errno)));
    return;
  }
  ScanFd(matcher, fd, display, options, fifo, sink, summary);
  ::close(fd);
}

// Why a path of this type is not read, or empty when it is (regular files, FIFOs,
// block devices; directories are walked before this is asked).
std::string RefusedType(mode_t mode) {
  if (S_ISREG(mode) || S_ISFIFO(mode) || S_ISBLK(mode)) return {};
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

constexpr char kReadableTypes[] =
    "scan reads files, directories, FIFOs, block devices and - (stdin)";

}  // namespace

ScanSummary Scan(const Matcher& matcher, const std::vector<std::string>& paths,
                 const ScanOptions& options, ScanSink& sink) {
  ScanSummary summary;
  for (const std::string& p : paths) {
    if (p == "-") {
      struct stat st {};
      if (::fstat(options.stdin_fd, &st) == 0 && S_ISCHR(st.st_mode) &&
          ::isatty(options.stdin_fd) == 0) {
        ++summary.errors;
        sink.OnError(
            p, Status::Unsupported("-: standard input is a character device (e.g. /dev/zero), an "
                                   "endless input; " +
                                   std::string(kReadableTypes)));
        continue;
      }
      ScanFd(matcher, options.stdin_fd, "-", options, /*fifo=*/false, sink, summary);
      continue;
    }
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      ++summary.errors;
      if (errno == ENOENT || errno == ENOTDIR) {
        sink.OnError(p, Status::NotFound(p + ": no such file or directory"));
      } else {
        sink.OnError(p, Status::IOError(p + ": " + std::strerror(errno)));
      }
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      const std::string refused = RefusedType(st.st_mode);
      if (!refused.empty()) {
        ++summary.errors;
        sink.OnError(p, Status::Unsupported(p + ": " + refused + ", not read (" +
                                            std::string(kReadableTypes) + ")"));
        continue;
      }
      ScanFile(matcher, p, p, options, S_ISFIFO(st.st_mode), sink, summary);
      continue;
    }
    std::error_code ec;
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path());
    }
    if (ec) {
      ++summary.errors;
      sink.OnError(p, Status::IOError(p + ": cannot list directory: " + ec.message()));
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      ScanFile(matcher, f, f.string(), options, /*fifo=*/false, sink, summary);
    }
  }
  return summary;
}

int ScanExitCode(const ScanSummary& summary) {
  if (summary.errors > 0) return 2;
  return summary.findings > 0 ? 0 : 1;
}

}  // namespace leakwatch::match
