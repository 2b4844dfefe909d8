#include "match/scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace leakwatch::match {
namespace {

namespace fs = std::filesystem;

class MatchSink final : public ObjectSink {
 public:
  MatchSink(const Matcher& matcher, std::string path, const MatchOptions& options, ScanSink& out,
            ScanSummary& summary)
      : stream_(matcher.NewStream(std::move(path), options)), out_(out), summary_(summary) {}
  void Feed(std::string_view bytes) override { stream_->Feed(bytes); }
  void Close() override {
    MatchResult r = stream_->Finish();
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
  const SinkFactory open_sink = [&](const std::string& object_path, int) {
    return std::make_unique<MatchSink>(matcher, object_path, options.match, sink, summary);
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
