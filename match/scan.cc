#include "match/scan.h"

#include <fcntl.h>
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

// SHA-256 of the regular file behind `fd`, read again from offset 0 (pread: the
// expander's position is untouched). Empty when it cannot be read or no longer has
// `expected_size` bytes: evidence must be the hash of what was matched.
std::string RereadSha256(int fd, uint64_t expected_size) {
  util::Sha256 sha;
  std::string block(kRereadBlockBytes, '\0');
  uint64_t offset = 0;
  while (true) {
    const ssize_t n = ::pread(fd, block.data(), block.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {};
    }
    if (n == 0) break;
    sha.Update(std::string_view(block.data(), static_cast<size_t>(n)));
    offset += static_cast<uint64_t>(n);
    if (offset > expected_size) return {};
  }
  if (offset != expected_size) return {};
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

class CountingFdSource final : public ByteSource {
 public:
  CountingFdSource(int fd, uint64_t& counter) : inner_(fd), counter_(counter) {}
  Result<size_t> Read(char* buffer, size_t capacity) override {
    auto n = inner_.Read(buffer, capacity);
    if (n.has_value()) counter_ += *n;
    return n;
  }

 private:
  FdSource inner_;
  uint64_t& counter_;
};

void ScanFd(const Matcher& matcher, int fd, const std::string& path, const ScanOptions& options,
            ScanSink& sink, ScanSummary& summary) {
  CountingFdSource source(fd, summary.bytes);
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
  if (!r.has_value()) {
    ++summary.errors;
    sink.OnError(path, r.error().WithContext(path));
  }
}

void ScanFile(const Matcher& matcher, const fs::path& file, const std::string& display,
              const ScanOptions& options, ScanSink& sink, ScanSummary& summary) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ++summary.errors;
    sink.OnError(display, Status::IOError(display + ": cannot open: " + std::strerror(errno)));
    return;
  }
  ScanFd(matcher, fd, display, options, sink, summary);
  ::close(fd);
}

}  // namespace

ScanSummary Scan(const Matcher& matcher, const std::vector<std::string>& paths,
                 const ScanOptions& options, ScanSink& sink) {
  ScanSummary summary;
  for (const std::string& p : paths) {
    if (p == "-") {
      ScanFd(matcher, options.stdin_fd, "-", options, sink, summary);
      continue;
    }
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      ++summary.errors;
      sink.OnError(p, Status::NotFound(p + ": no such file or directory"));
      continue;
    }
    if (!fs::is_directory(status)) {
      ScanFile(matcher, p, p, options, sink, summary);
      continue;
    }
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
    for (const auto& f : files) ScanFile(matcher, f, f.string(), options, sink, summary);
  }
  return summary;
}

int ScanExitCode(const ScanSummary& summary) {
  if (summary.errors > 0) return 2;
  return summary.findings > 0 ? 0 : 1;
}

}  // namespace leakwatch::match
