// Archive expansion and Scan over real archives written with libarchive's writer.
#include "match/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "match/scan.h"
#include "tests/unit/match/match_test_data.h"

namespace leakwatch::match {
namespace {

using testdata::Fixture;

struct Entry {
  std::string name;
  std::string data;
};

la_ssize_t AppendToString(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// format: "zip", "tar", "7z", "raw"; filter: "", "gzip", "xz", "bzip2", "zstd".
std::string MakeArchive(const std::string& format, const std::string& filter,
                        const std::vector<Entry>& entries) {
  struct archive* a = archive_write_new();
  if (format == "zip") archive_write_set_format_zip(a);
  if (format == "tar") archive_write_set_format_pax_restricted(a);
  if (format == "7z") archive_write_set_format_7zip(a);
  if (format == "raw") archive_write_set_format_raw(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  if (filter == "xz") archive_write_add_filter_xz(a);
  if (filter == "bzip2") archive_write_add_filter_bzip2(a);
  if (filter == "zstd") archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  std::string out;
  REQUIRE(archive_write_open(a, &out, nullptr, AppendToString, nullptr) == ARCHIVE_OK);
  for (const auto& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, e.data.data(), e.data.size()) ==
            static_cast<la_ssize_t>(e.data.size()));
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

struct CollectingSink final : ScanSink {
  std::vector<Finding> findings;
  std::vector<Anomaly> anomalies;
  std::vector<std::string> errors;
  void OnFinding(const Finding& f) override { findings.push_back(f); }
  void OnAnomaly(const Anomaly& a) override { anomalies.push_back(a); }
  void OnError(const std::string& path, const Status&) override { errors.push_back(path); }

  const Finding* At(const std::string& path, FindingKind kind) const {
    for (const auto& f : findings) {
      if (f.path == path && f.kind == kind) return &f;
    }
    return nullptr;
  }
  bool HasAnomaly(const std::string& message) const {
    for (const auto& a : anomalies) {
      if (a.Message() == message) return true;
    }
    return false;
  }
};

long MaxRssKb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

TEST_CASE("a dataset file inside a zip inside a tar.gz is found with its member path", "[unit]") {
  Fixture fx({2000, 120 * 1024});
  const auto m = fx.Load();
  const std::string jpg = Fixture::Read(fx.files[0]);
  const std::string png = Fixture::Read(fx.files[1]);
  const std::string zip = MakeArchive("zip", "", {{"0001.jpg", jpg}, {"notes.txt", "hello"}});
  const std::string tgz =
      MakeArchive("tar", "gzip", {{"readme.txt", "proof"}, {"imgs/x.zip", zip}, {"p.png", png}});
  testing::TempDir dir;
  const auto path = dir.Write("dump.tar.gz", tgz).string();
  CollectingSink sink;
  const ScanSummary s = Scan(*m, {path}, ScanOptions{}, sink);
  CHECK(sink.anomalies.empty());
  const Finding* f = sink.At(path + "!/imgs/x.zip!/0001.jpg", FindingKind::kExact);
  REQUIRE(f != nullptr);
  CHECK(f->dataset_refs == std::vector<std::string>{fx.RefOf(fx.files[0])});
  CHECK(f->sha256 == util::Sha256Hex(jpg));
  CHECK(sink.At(path + "!/p.png", FindingKind::kExact) != nullptr);
  // tgz, its decompressed tar, readme, x.zip, 0001.jpg, notes.txt, p.png
  CHECK(s.objects == 7);
  CHECK(ScanExitCode(s) == 0);
}

TEST_CASE("every compression filter and 7z are expanded", "[unit]") {
  Fixture fx({30 * 1024});
  const auto m = fx.Load();
  const std::string data = Fixture::Read(fx.files[0]);
  for (const std::string filter : {"gzip", "xz", "bzip2", "zstd"}) {
    INFO(filter);
    const std::string raw = MakeArchive("raw", filter, {{"x", data}});
    const auto r = [&] {
      CollectingSink sink;
      testing::TempDir dir;
      const auto p = dir.Write("leak.jpg." + filter, raw).string();
      Scan(*m, {p}, ScanOptions{}, sink);
      return sink.At(p + "!/leak.jpg", FindingKind::kExact) != nullptr;
    }();
    CHECK(r);
  }
  const std::string sevenz = MakeArchive("7z", "", {{"a/b.jpg", data}});
  testing::TempDir dir;
  const auto p = dir.Write("x.7z", sevenz).string();
  CollectingSink sink;
  Scan(*m, {p}, ScanOptions{}, sink);
  CHECK(sink.At(p + "!/a/b.jpg", FindingKind::kExact) != nullptr);
}

TEST_CASE("a high-ratio gzip hits the expansion ratio limit with bounded memory", "[unit]") {
  Fixture fx({5000}, 5);
  const auto m = fx.Load();
  const std::string bomb = MakeArchive("raw", "gzip", {{"zeros", std::string(100u << 20, '\0')}});
  REQUIRE(bomb.size() < (1u << 20));
  testing::TempDir dir;
  const auto p = dir.Write("bomb.gz", bomb).string();
  const long rss_before = MaxRssKb();
  CollectingSink sink;
  const ScanSummary s = Scan(*m, {p, fx.files[0].string()}, ScanOptions{}, sink);
  CHECK(sink.HasAnomaly("limit: expansion ratio"));
  CHECK(sink.At(fx.files[0].string(), FindingKind::kExact) != nullptr);  // the scan went on
  CHECK(MaxRssKb() - rss_before < 64 * 1024);
  CHECK(ScanExitCode(s) == 0);

  // With the limit out of the way the same file expands fully.
  ScanOptions relaxed;
  relaxed.limits.max_ratio = 1e9;
  CollectingSink sink2;
  Scan(*m, {p}, relaxed, sink2);
  CHECK(sink2.anomalies.empty());
}

TEST_CASE("a nested zip bomb stops at a limit and memory stays bounded", "[unit]") {
  Fixture fx({5000}, 5);
  const auto m = fx.Load();
  std::string level = MakeArchive("zip", "", {{"z.bin", std::string(10u << 20, '\0')}});
  for (int depth = 0; depth < 3; ++depth) {
    std::vector<Entry> entries;
    for (int i = 0; i < 10; ++i) entries.push_back({"l" + std::to_string(i) + ".zip", level});
    level = MakeArchive("zip", "", entries);
  }
  testing::TempDir dir;
  const auto p = dir.Write("42.zip", level).string();
  // The default ratio, a total cap small enough for a quick test: each leaf beyond the
  // matching budget is truncated (the first few named), then the total cap stops it.
  ScanOptions opts;
  opts.limits.max_total_bytes = 300u << 20;
  const long rss_before = MaxRssKb();
  CollectingSink sink;
  Scan(*m, {p}, opts, sink);
  CHECK(sink.HasAnomaly("limit: expansion ratio"));
  CHECK(sink.HasAnomaly("limit: total expanded bytes"));
  size_t named = 0;
  bool summary = false;
  for (const auto& a : sink.anomalies) {
    if (a.Message() == "limit: expansion ratio") {
      ++named;
      CHECK(a.path.find(p + "!/") == 0);  // a member (a leaf or a nested zip), not the bomb
    }
    if (a.detail.find("more members truncated") != std::string::npos) {
      summary = true;
      CHECK(a.path == p);
    }
  }
  CHECK(named == 16);
  CHECK(summary);
  CHECK(MaxRssKb() - rss_before < 64 * 1024);

  ScanOptions tight;
  tight.limits.max_ratio = 1e9;
  tight.limits.max_total_bytes = 50u << 20;
  CollectingSink sink2;
  Scan(*m, {p}, tight, sink2);
  CHECK(sink2.HasAnomaly("limit: total expanded bytes"));
}

// Issue 14 item 1: padding first used to stop the whole object at the ratio limit.
TEST_CASE("a compressible member first does not hide the dataset files after it", "[unit]") {
  Fixture fx({40 * 1024, 50 * 1024, 60 * 1024, 45 * 1024, 55 * 1024, 35 * 1024}, 5);
  const auto m = fx.Load();
  std::string log;
  const std::string line = "2026-03-14T08:31:07 gate-3 INFO heartbeat ok, queue empty\n";
  while (log.size() < (24u << 20)) log += line;
  std::vector<Entry> entries = {{"logs/app.log", log}};
  for (size_t i = 0; i < fx.files.size(); ++i) {
    entries.push_back({"imgs/" + fx.files[i].filename().string(), Fixture::Read(fx.files[i])});
  }
  const std::string tgz = MakeArchive("tar", "gzip", entries);
  REQUIRE(tgz.size() < 600 * 1024);
  testing::TempDir dir;
  const auto p = dir.Write("dump.tar.gz", tgz).string();
  ScanOptions opts;
  opts.limits.max_ratio = 20;  // a small budget keeps the test fast: ~3 MiB of the log
  CollectingSink sink;
  const ScanSummary s = Scan(*m, {p}, opts, sink);
  for (const auto& f : fx.files) {
    INFO(f.filename());
    CHECK(sink.At(p + "!/imgs/" + f.filename().string(), FindingKind::kExact) != nullptr);
  }
  CHECK(sink.HasAnomaly("limit: expansion ratio"));
  bool log_named = false;
  for (const auto& a : sink.anomalies) log_named |= a.path == p + "!/logs/app.log";
  CHECK(log_named);
  CHECK_FALSE(sink.HasAnomaly("limit: total expanded bytes"));
  CHECK(ScanExitCode(s) == 0);

  // The total-bytes cap still bounds the object: below the log's size nothing after it
  // is reached.
  opts.limits.max_total_bytes = 8u << 20;
  CollectingSink capped;
  Scan(*m, {p}, opts, capped);
  CHECK(capped.HasAnomaly("limit: total expanded bytes"));
  for (const auto& f : fx.files) {
    CHECK(capped.At(p + "!/imgs/" + f.filename().string(), FindingKind::kExact) == nullptr);
  }
}

TEST_CASE("nesting depth and member count limits are reported per object", "[unit]") {
  Fixture fx({3000}, 5);
  const auto m = fx.Load();
  const std::string data = Fixture::Read(fx.files[0]);
  std::string nested = MakeArchive("zip", "", {{"deep.jpg", data}});
  for (int i = 0; i < 5; ++i) nested = MakeArchive("zip", "", {{"n.zip", nested}});
  testing::TempDir dir;
  const auto p = dir.Write("deep.zip", nested).string();
  CollectingSink sink;
  Scan(*m, {p}, ScanOptions{}, sink);
  CHECK(sink.HasAnomaly("limit: nesting depth"));

  std::vector<Entry> many;
  for (int i = 0; i < 150; ++i) many.push_back({"f" + std::to_string(i), "x"});
  const auto q = dir.Write("many.zip", MakeArchive("zip", "", many)).string();
  ScanOptions opts;
  opts.limits.max_members = 100;
  CollectingSink sink2;
  Scan(*m, {q}, opts, sink2);
  CHECK(sink2.HasAnomaly("limit: member count"));
}

TEST_CASE("a corrupt archive is reported and the scan goes on", "[unit]") {
  Fixture fx({40 * 1024}, 5);
  const auto m = fx.Load();
  const std::string data = Fixture::Read(fx.files[0]);
  std::string zip =
      MakeArchive("zip", "", {{"a.txt", std::string(50000, 'a') + "tail"}, {"b.jpg", data}});
  for (size_t i = 60; i < 400; ++i) zip[i] = static_cast<char>(zip[i] ^ 0x55);
  std::string tgz = MakeArchive("tar", "gzip", {{"b.jpg", data}});
  tgz.resize(tgz.size() / 2);
  testing::TempDir dir;
  const auto p1 = dir.Write("broken.zip", zip).string();
  const auto p2 = dir.Write("truncated.tar.gz", tgz).string();
  CollectingSink sink;
  const ScanSummary s = Scan(*m, {p1, p2, fx.files[0].string()}, ScanOptions{}, sink);
  bool corrupt = false;
  for (const auto& a : sink.anomalies) corrupt |= a.kind == "corrupt";
  CHECK(corrupt);
  CHECK(sink.At(fx.files[0].string(), FindingKind::kExact) != nullptr);
  CHECK(s.errors == 0);
}

TEST_CASE("scan reads stdin and directories and sets grep-style exit codes", "[unit]") {
  Fixture fx({8000, 9000}, 5);
  const auto m = fx.Load();
  const std::string data = Fixture::Read(fx.files[1]);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&] {
    size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::write(fds[1], data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  ScanOptions opts;
  opts.stdin_fd = fds[0];
  CollectingSink sink;
  const ScanSummary s = Scan(*m, {"-", fx.dataset.string()}, opts, sink);
  writer.join();
  ::close(fds[0]);
  CHECK(sink.At("-", FindingKind::kExact) != nullptr);
  CHECK(sink.At(fx.files[0].string(), FindingKind::kExact) != nullptr);
  CHECK(ScanExitCode(s) == 0);

  testing::TempDir dir;
  const auto other = dir.Write("other.bin", "nothing to see").string();
  CollectingSink none;
  CHECK(ScanExitCode(Scan(*m, {other}, ScanOptions{}, none)) == 1);
  CollectingSink missing;
  const ScanSummary ms = Scan(*m, {(dir / "nope").string()}, ScanOptions{}, missing);
  CHECK(ScanExitCode(ms) == 2);
  CHECK(missing.errors.size() == 1);
}

}  // namespace
}  // namespace leakwatch::match
