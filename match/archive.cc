#include "match/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace leakwatch::match {
namespace {

constexpr size_t kBlockBytes = 64 * 1024;
// Enough for every signature LooksLikeArchive knows (tar's is at offset 257).
constexpr size_t kSniffBytes = 512;
// Formats libarchive can only read with seeking (7-Zip) are buffered whole in memory,
// up to this size; larger ones are reported, not expanded.
constexpr size_t kMaxBufferedArchiveBytes = 256ull << 20;
constexpr size_t kMaxMemberNameBytes = 1024;
// Truncated members named one anomaly each, per top-level object; the rest are counted
// in one summary anomaly (a bomb of a million members must not flood the report).
constexpr uint64_t kMaxTruncationReports = 16;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// True when `head` starts with a signature the expander opens with libarchive.
bool LooksLikeArchive(std::string_view head);

// Signatures of single-stream compression formats (as opposed to archives).
bool LooksCompressed(std::string_view h) {
  return StartsWith(h, "\x1F\x8B") || StartsWith(h, "\x1F\x9D") ||
         (StartsWith(h, "BZh") && h.size() > 3 && h[3] >= '1' && h[3] <= '9') ||
         StartsWith(h, std::string_view("\xFD"
                                        "7zXZ\x00",
                                        6)) ||
         StartsWith(h, "\x28\xB5\x2F\xFD") || StartsWith(h, "\x04\x22\x4D\x18");
}

bool Is7z(std::string_view head) {
  return StartsWith(head, std::string_view("7z\xBC\xAF\x27\x1C", 6));
}

// Member names are attacker-controlled and end up on terminals and in JSON.
std::string SafeMemberName(const char* raw) {
  std::string name = raw == nullptr ? "?" : raw;
  if (name.size() > kMaxMemberNameBytes) name.resize(kMaxMemberNameBytes);
  for (char& c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  while (StartsWith(name, "./")) name.erase(0, 2);
  return name.empty() ? "?" : name;
}

// "dump.sql.gz" -> "dump.sql": the name of a compressed single stream's content.
std::string RawMemberName(const std::string& container_path) {
  const size_t sep = container_path.rfind("!/");
  std::string base = container_path.substr(sep == std::string::npos ? 0 : sep + 2);
  const size_t slash = base.rfind('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  const size_t dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) return base.substr(0, dot);
  return "data";
}

class Expander {
 public:
  Expander(const ArchiveLimits& limits, const SinkFactory& open_sink,
           const AnomalyCallback& on_anomaly)
      : limits_(limits), open_sink_(open_sink), on_anomaly_(on_anomaly) {}

  // `members_prefix` names the members of an archive found in this object (the object
  // path, except for the decompressed stream of a compression layer, whose members are
  // named after the compressed file: "dump.tar.gz!/imgs/x.zip").
  Status Process(ByteSource& src, const std::string& path, int depth,
                 const std::string& members_prefix, int filter_layers);
  const ExpandStats& stats() const { return stats_; }
  void CountTopBytes(size_t n) { top_read_ += n; }
  // The summary anomaly for truncated members beyond kMaxTruncationReports.
  void ReportUnnamedTruncations(const std::string& top_path);

 private:
  // libarchive's view of an object: the sniffed head first, then the rest of the
  // source, every byte also going to the object's own sink.
  struct TeeReader {
    Expander* self;
    ByteSource* src;
    ObjectSink* sink;
    std::string head;
    bool head_given = false;
    std::string buffer;
    Status error;
  };
  // One member's bytes, read from libarchive under the limits.
  class MemberSource final : public ByteSource {
   public:
    MemberSource(Expander& self, struct archive* a, std::string path)
        : self_(self), a_(a), path_(std::move(path)) {}
    Result<size_t> Read(char* buffer, size_t capacity) override;

   private:
    Expander& self_;
    struct archive* a_;
    std::string path_;
    bool done_ = false;
  };

  // An expanded object's sink under the matching budget (ArchiveLimits::max_ratio):
  // once a block does not fit, the object is truncated and later blocks are dropped.
  class BudgetedSink final : public ObjectSink {
   public:
    BudgetedSink(Expander& self, std::unique_ptr<ObjectSink> inner, std::string path)
        : self_(self), inner_(std::move(inner)), path_(std::move(path)) {}
    void Feed(std::string_view bytes) override;
    void Close() override { inner_->Close(); }

   private:
    Expander& self_;
    std::unique_ptr<ObjectSink> inner_;
    std::string path_;
    bool truncated_ = false;
  };

  static la_ssize_t ReadCallback(struct archive* a, void* client, const void** buffer);
  void Stop(const std::string& path, const std::string& which);
  void Report(const std::string& path, const std::string& kind, const std::string& detail) {
    on_anomaly_(Anomaly{path, kind, detail});
  }
  struct archive* NewReader(bool compression_only);
  void ExpandStreaming(TeeReader& tee, const std::string& path, int depth,
                       const std::string& members_prefix, int filter_layers, bool compression_only);
  void ExpandBuffered(ByteSource& src, ObjectSink& sink, std::string head, const std::string& path,
                      int depth);
  void IterateMembers(struct archive* a, const std::string& path, int depth,
                      const std::string& members_prefix, int filter_layers, bool compression_only);

  const ArchiveLimits& limits_;
  const SinkFactory& open_sink_;
  const AnomalyCallback& on_anomaly_;
  ExpandStats stats_;
  uint64_t top_read_ = 0;
  bool stopped_ = false;
};

la_ssize_t Expander::ReadCallback(struct archive*, void* client, const void** buffer) {
  auto* tee = static_cast<TeeReader*>(client);
  if (!tee->head_given) {
    tee->head_given = true;
    if (!tee->head.empty()) {
      *buffer = tee->head.data();
      return static_cast<la_ssize_t>(tee->head.size());
    }
  }
  tee->buffer.resize(kBlockBytes);
  auto n = tee->src->Read(tee->buffer.data(), tee->buffer.size());
  if (!n.has_value()) {
    tee->error = n.error();
    return -1;
  }
  tee->sink->Feed(std::string_view(tee->buffer.data(), *n));
  *buffer = tee->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

Result<size_t> Expander::MemberSource::Read(char* buffer, size_t capacity) {
  if (done_ || self_.stopped_) return size_t{0};
  const la_ssize_t n = archive_read_data(a_, buffer, capacity);
  if (n < 0) {
    const char* msg = archive_error_string(a_);
    self_.Report(path_, "corrupt",
                 std::string("cannot read member: ") + (msg ? msg : "unknown error"));
    done_ = true;
    return size_t{0};
  }
  if (n == 0) {
    done_ = true;
    return size_t{0};
  }
  self_.stats_.expanded_bytes += static_cast<uint64_t>(n);
  if (self_.stats_.expanded_bytes > self_.limits_.max_total_bytes) {
    self_.Stop(path_, "total expanded bytes");
  }
  return static_cast<size_t>(n);
}

void Expander::BudgetedSink::Feed(std::string_view bytes) {
  if (truncated_ || bytes.empty()) return;
  ExpandStats& stats = self_.stats_;
  const double budget = static_cast<double>(self_.limits_.ratio_floor_bytes) +
                        self_.limits_.max_ratio * static_cast<double>(self_.top_read_);
  if (static_cast<double>(stats.matched_bytes + bytes.size()) > budget) {
    truncated_ = true;
    if (++stats.truncated_members <= kMaxTruncationReports) {
      self_.Report(path_, "limit", "expansion ratio");
    }
    return;
  }
  stats.matched_bytes += bytes.size();
  inner_->Feed(bytes);
}

void Expander::ReportUnnamedTruncations(const std::string& top_path) {
  if (stats_.truncated_members <= kMaxTruncationReports) return;
  Report(top_path, "limit",
         "expansion ratio: " + std::to_string(stats_.truncated_members - kMaxTruncationReports) +
             " more members truncated");
}

void Expander::Stop(const std::string& path, const std::string& which) {
  if (stopped_) return;
  stopped_ = true;
  Report(path, "limit", which);
}

// A compression layer (gzip, xz, ...) is read with the raw format only, so its whole
// decompressed stream becomes one object that is sniffed in turn: a tar inside is then
// expanded as an archive, and a bomb of zeros cannot pass for an empty tar archive.
struct archive* Expander::NewReader(bool compression_only) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  if (compression_only) {
    archive_read_support_format_raw(a);
  } else {
    archive_read_support_format_all(a);
  }
  return a;
}

void Expander::IterateMembers(struct archive* a, const std::string& path, int depth,
                              const std::string& members_prefix, int filter_layers,
                              bool compression_only) {
  struct archive_entry* entry = nullptr;
  while (!stopped_) {
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      Report(path, "corrupt", std::string("damaged archive: ") + (msg ? msg : "unknown error"));
      break;
    }
    const auto type = archive_entry_filetype(entry);
    if (type != 0 && type != AE_IFREG) continue;
    if (++stats_.members > limits_.max_members) {
      Stop(path, "member count");
      break;
    }
    if (compression_only) {
      // The decompressed stream: same archive depth, its members named after `path`.
      const std::string inner_path = path + "!/" + RawMemberName(path);
      MemberSource member(*this, a, inner_path);
      const Status st = Process(member, inner_path, depth, members_prefix, filter_layers + 1);
      (void)st;  // a member source never fails: damage is reported as an anomaly
      break;
    }
    const std::string member_path =
        members_prefix + "!/" + SafeMemberName(archive_entry_pathname(entry));
    MemberSource member(*this, a, member_path);
    const Status st = Process(member, member_path, depth + 1, member_path, 0);
    (void)st;  // a member source never fails: damage is reported as an anomaly
  }
}

void Expander::ExpandStreaming(TeeReader& tee, const std::string& path, int depth,
                               const std::string& members_prefix, int filter_layers,
                               bool compression_only) {
  struct archive* a = NewReader(compression_only);
  if (archive_read_open(a, &tee, nullptr, &Expander::ReadCallback, nullptr) != ARCHIVE_OK) {
    if (tee.error.ok()) {
      const char* msg = archive_error_string(a);
      Report(path, "corrupt",
             std::string("cannot open archive: ") + (msg ? msg : "unknown format"));
    }
    archive_read_free(a);
    return;
  }
  IterateMembers(a, path, depth, members_prefix, filter_layers, compression_only);
  archive_read_free(a);
}

void Expander::ExpandBuffered(ByteSource& src, ObjectSink& sink, std::string data,
                              const std::string& path, int depth) {
  std::string block(kBlockBytes, '\0');
  while (true) {
    auto n = src.Read(block.data(), block.size());
    if (!n.has_value() || *n == 0) break;
    sink.Feed(std::string_view(block.data(), *n));
    if (data.size() + *n > kMaxBufferedArchiveBytes) {
      Report(path, "limit", "archive needs seeking and is too large to buffer");
      return;  // the caller drains the rest into the sink
    }
    data.append(block.data(), *n);
  }
  struct archive* a = NewReader(/*compression_only=*/false);
  if (archive_read_open_memory(a, data.data(), data.size()) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a);
    Report(path, "corrupt", std::string("cannot open archive: ") + (msg ? msg : "unknown format"));
    archive_read_free(a);
    return;
  }
  IterateMembers(a, path, depth, path, 0, false);
  archive_read_free(a);
}

Status Expander::Process(ByteSource& src, const std::string& path, int depth,
                         const std::string& members_prefix, int filter_layers) {
  std::unique_ptr<ObjectSink> sink = open_sink_(path, depth);
  // The top-level object's own bytes are what the budget is measured against.
  if (depth > 0 || filter_layers > 0) {
    sink = std::make_unique<BudgetedSink>(*this, std::move(sink), path);
  }
  stats_.max_depth_seen = std::max(stats_.max_depth_seen, depth);
  std::string head(kSniffBytes, '\0');
  size_t have = 0;
  while (have < kSniffBytes) {
    auto n = src.Read(head.data() + have, kSniffBytes - have);
    if (!n.has_value()) {
      sink->Close();
      return n.error();
    }
    if (*n == 0) break;
    have += *n;
  }
  head.resize(have);
  sink->Feed(head);
  if (!stopped_ && LooksLikeArchive(head)) {
    const bool compression = LooksCompressed(head);
    if (depth >= limits_.max_depth || (compression && filter_layers >= limits_.max_depth)) {
      Report(path, "limit", "nesting depth");
    } else if (Is7z(head)) {
      ExpandBuffered(src, *sink, head, path, depth);
    } else {
      TeeReader tee{this, &src, sink.get(), head, false, {}, Status::Ok()};
      ExpandStreaming(tee, path, depth, members_prefix, filter_layers, compression);
      if (!tee.error.ok()) {
        sink->Close();
        return tee.error;
      }
    }
  }
  // The rest of the object (e.g. a zip's central directory) still belongs to it.
  std::string block(kBlockBytes, '\0');
  while (true) {
    auto n = src.Read(block.data(), block.size());
    if (!n.has_value()) {
      sink->Close();
      return n.error();
    }
    if (*n == 0) break;
    sink->Feed(std::string_view(block.data(), *n));
  }
  sink->Close();
  return Status::Ok();
}

// Counts the bytes of the top-level object for the expansion ratio.
class CountingSource final : public ByteSource {
 public:
  CountingSource(ByteSource& inner, Expander& expander) : inner_(inner), expander_(expander) {}
  Result<size_t> Read(char* buffer, size_t capacity) override {
    auto n = inner_.Read(buffer, capacity);
    if (n.has_value()) expander_.CountTopBytes(*n);
    return n;
  }

 private:
  ByteSource& inner_;
  Expander& expander_;
};

bool LooksLikeArchive(std::string_view h) {
  using sv = std::string_view;
  return StartsWith(h, "PK\x03\x04") || StartsWith(h, "PK\x05\x06") ||
         StartsWith(h, "PK\x07\x08") || StartsWith(h, "\x1F\x8B") ||  // gzip
         StartsWith(h, "\x1F\x9D") ||                                 // compress (.Z)
         (StartsWith(h, "BZh") && h.size() > 3 && h[3] >= '1' && h[3] <= '9') ||
         StartsWith(h, sv("\xFD"
                          "7zXZ\x00",
                          6)) ||               // xz
         StartsWith(h, "\x28\xB5\x2F\xFD") ||  // zstd
         StartsWith(h, "\x04\x22\x4D\x18") ||  // lz4
         Is7z(h) ||
         StartsWith(h, "Rar!\x1A\x07") || StartsWith(h, "MSCF") || StartsWith(h, "070707") ||
         StartsWith(h, "070701") || StartsWith(h, "070702") || StartsWith(h, "!<arch>\n") ||
         StartsWith(h, "xar!") || (h.size() > 6 && h.substr(2, 3) == "-lh") ||  // lha
         (h.size() >= 262 && h.substr(257, 5) == "ustar");                      // tar
}

}  // namespace

Result<ExpandStats> ExpandObject(ByteSource& source, const std::string& path,
                                 const ArchiveLimits& limits, const SinkFactory& open_sink,
                                 const AnomalyCallback& on_anomaly) {
  Expander expander(limits, open_sink, on_anomaly);
  CountingSource counted(source, expander);
  const Status st = expander.Process(counted, path, 0, path, 0);
  expander.ReportUnnamedTruncations(path);
  LW_RETURN_IF_ERROR(st);
  return expander.stats();
}

Result<size_t> FdSource::Read(char* buffer, size_t capacity) {
  while (true) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    return Status::IOError(std::string("read failed: ") + std::strerror(errno));
  }
}

Result<size_t> MemorySource::Read(char* buffer, size_t capacity) {
  const size_t n = std::min(capacity, bytes_.size());
  std::memcpy(buffer, bytes_.data(), n);
  bytes_.remove_prefix(n);
  return n;
}

}  // namespace leakwatch::match
