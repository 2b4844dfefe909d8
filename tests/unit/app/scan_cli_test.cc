// `leakwatch scan` as a user runs it: a pack made with `fingerprint build`, then the
// documented jsonl lines (docs/scan-format.md), the table, and grep's exit codes.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "demo/dataset.h"
#include "tests/support/hostile_text.h"
#include "tests/unit/app/cli_runner.h"
#include "util/files.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

constexpr int kRecords = 150;  // more than a finding's dataset_refs name (100)

std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
  return bytes;
}

std::string Plate(int i) { return "QK" + std::to_string(40000 + i) + "T"; }
std::string Name(int i) { return "traveler " + std::to_string(i) + " okafor"; }

struct ScanWorld {
  Cli cli;
  fs::path key = cli.home / "dataset.key";
  fs::path pack = cli.home / "dataset.lwfp";
  std::string photo = RandomBytes(64 * 1024, 3);

  ScanWorld() {
    cli.home.Write("dataset/photos/0001.jpg", photo);
    std::string csv = "plate,traveler_name\n";
    for (int i = 0; i < kRecords; ++i) csv += Plate(i) + "," + Name(i) + "\n";
    const fs::path records = cli.home.Write("records.csv", csv);
    REQUIRE(cli({"fingerprint", "keygen", key.string()}) == 0);
    REQUIRE(cli({"fingerprint", "build", "--dataset", (cli.home / "dataset").string(), "--records",
                 records.string(), "--identifier", "plate", "--corroborating", "traveler_name",
                 "--out", pack.string(), "--key-file", key.string()}) == 0);
  }

  int Scan(std::vector<std::string> args) {
    std::vector<std::string> full = {"scan", "--pack", pack.string(), "--key-file", key.string()};
    full.insert(full.end(), args.begin(), args.end());
    return cli(full);
  }

  std::vector<nlohmann::json> Lines() const {
    std::vector<nlohmann::json> lines;
    size_t start = 0;
    while (start < cli.out.size()) {
      const size_t end = cli.out.find('\n', start);
      REQUIRE(end != std::string::npos);  // every line ends with a newline
      lines.push_back(nlohmann::json::parse(cli.out.substr(start, end - start)));
      start = end + 1;
    }
    return lines;
  }
};

TEST_CASE("scan jsonl: an exact copy, with the documented fields", "[unit]") {
  ScanWorld w;
  const fs::path copy = w.cli.home.Write("found/IMG_7781.jpg", w.photo);
  REQUIRE(w.Scan({"--format", "jsonl", copy.string()}) == 0);
  const std::vector<nlohmann::json> lines = w.Lines();
  REQUIRE(lines.size() == 1);
  const nlohmann::json& f = lines[0];
  CHECK(f["path"] == copy.string());
  CHECK(f["kind"] == "exact");
  CHECK(f["score"] == 1.0);
  CHECK(f["confidence"] == "high");
  REQUIRE(f["dataset_refs"].size() == 1);
  CHECK(f["dataset_refs"][0].get<std::string>().rfind("f:", 0) == 0);
  CHECK(f["dataset_ref"] == f["dataset_refs"]);  // the deprecated alias, for one release
  CHECK(f["sha256"].get<std::string>().size() == 64);
  CHECK(f["size"] == w.photo.size());
  CHECK(f["matched_bytes"] == w.photo.size());
}

// Issue 14 item 8: a file (or member) name full of controls, bidi overrides and invalid
// UTF-8 reaches neither the table nor the jsonl raw.
TEST_CASE("scan output: a hostile file name is neutralised in the table, escaped in jsonl",
          "[unit]") {
  ScanWorld w;
  std::string name = leakwatch::testing::EveryHostileCodePoint();
  name = name.substr(0, name.find('\0'));  // a file name cannot hold NUL
  const fs::path copy = w.cli.home.Write("found/" + name + ".jpg", w.photo);
  REQUIRE(w.Scan({"--format", "jsonl", copy.string()}) == 0);
  INFO(leakwatch::testing::FirstHostile(w.cli.out).value_or(""));
  CHECK_FALSE(leakwatch::testing::FirstHostile(w.cli.out).has_value());
  const std::vector<nlohmann::json> lines = w.Lines();
  REQUIRE(lines.size() == 1);
  const std::string path = lines[0]["path"];
  const std::string valid = copy.string().substr(0, copy.string().find("\x80x\xC0\xAF"));
  CHECK(path.rfind(valid, 0) == 0);  // escaped, not lost

  REQUIRE(w.Scan({copy.string()}) == 0);
  INFO(leakwatch::testing::FirstHostile(w.cli.out).value_or(""));
  CHECK_FALSE(leakwatch::testing::FirstHostile(w.cli.out).has_value());
  CHECK(w.cli.out.find("found/x?x?x?x") != std::string::npos);
}

TEST_CASE("scan jsonl: a records finding names every record it shows", "[unit]") {
  ScanWorld w;
  // Columns swapped and renamed, as a leaker re-exports them.
  std::string paste = "name;plate_no\n";
  for (int i = 0; i < kRecords; ++i) paste += Name(i) + ";" + Plate(i) + "\n";
  const fs::path file = w.cli.home.Write("paste.txt", paste);
  REQUIRE(w.Scan({"--format", "jsonl", file.string()}) == 0);
  const std::vector<nlohmann::json> lines = w.Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["kind"] == "records");
  CHECK(lines[0]["score"] == kRecords);
  const auto refs = lines[0]["dataset_refs"].get<std::vector<std::string>>();
  CHECK(refs.size() == static_cast<size_t>(kRecords));
  CHECK(std::set<std::string>(refs.begin(), refs.end()).size() == refs.size());

  REQUIRE(w.Scan({file.string()}) == 0);
  CHECK(Contains(w.cli.out, "KIND     SCORE    CONF  DATASET_REF"));
  CHECK(Contains(w.cli.out, "records  150      high"));
  CHECK(Contains(w.cli.out, ",+147 "));
}

TEST_CASE("scan exit codes follow grep: 1 for nothing, 2 for an error", "[unit]") {
  ScanWorld w;
  const fs::path other = w.cli.home.Write("other.bin", RandomBytes(50 * 1024, 99));
  CHECK(w.Scan({"--format", "jsonl", other.string()}) == 1);
  CHECK(w.cli.out.empty());

  CHECK(w.Scan({(w.cli.home / "no-such-file").string()}) == 2);
  CHECK(Contains(w.cli.err, "no-such-file"));

  const fs::path wrong_key = w.cli.home / "wrong.key";
  REQUIRE(w.cli({"fingerprint", "keygen", wrong_key.string()}) == 0);
  CHECK(w.cli({"scan", "--pack", w.pack.string(), "--key-file", wrong_key.string(),
               other.string()}) == 2);
  CHECK(Contains(w.cli.err, "key"));

  CHECK(w.cli({"scan", "--pack", w.pack.string(), "--key-file", w.key.string(), "--format", "xml",
               other.string()}) == 2);
}

// A .tar.gz written with libarchive, members in order.
std::string TarGz(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_gzip(a);
  REQUIRE(archive_write_open(
              a, &out, nullptr,
              [](struct archive*, void* client, const void* buffer, size_t length) -> la_ssize_t {
                static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
                return static_cast<la_ssize_t>(length);
              },
              nullptr) == ARCHIVE_OK);
  for (const auto& [name, content] : members) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, content.data(), content.size()) ==
            static_cast<la_ssize_t>(content.size()));
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

// Issue 14 item 1: a repetitive log first in a tar.gz used to stop the whole archive at
// the expansion ratio ("limit: expansion ratio" and exit 1): the plate images after it
// were never matched.
TEST_CASE("scan: a padded log first in a tar.gz does not hide the dataset images after it",
          "[unit]") {
  Cli cli;
  demo::DatasetOptions options;
  options.plate_images = 6;
  options.traveler_photos = 0;
  options.records = 6;
  auto dataset = demo::GenerateDataset(cli.home / "dataset", options);
  REQUIRE(dataset.has_value());
  const fs::path key = cli.home / "dataset.key";
  const fs::path pack = cli.home / "dataset.lwfp";
  REQUIRE(cli({"fingerprint", "keygen", key.string()}) == 0);
  REQUIRE(cli({"fingerprint", "build", "--dataset", dataset->dir.string(), "--out", pack.string(),
               "--key-file", key.string()}) == 0);
  // The config's limits: a small ratio keeps the test fast (the log is ~24 MiB, not the
  // issue's 300 MB), the mechanism is the same.
  cli.home.Write("config/leakwatch/leakwatch.toml", "[match]\npack = \"" + pack.string() +
                                                        "\"\nkey_file = \"" + key.string() +
                                                        "\"\n[match.limits]\narchive_ratio = 20\n");
  std::string log;
  while (log.size() < (24u << 20)) log += "2026-03-14T08:31:07 lane-3 INFO reader idle\n";
  std::vector<std::pair<std::string, std::string>> members = {{"var/log/reader.log", log}};
  for (const std::string& plate : dataset->plate_files) {
    auto bytes = util::ReadFileCapped(dataset->dir / plate, 16u << 20);
    REQUIRE(bytes.has_value());
    members.emplace_back("export/" + plate, *bytes);
  }
  const fs::path tgz = cli.home.Write("dump.tar.gz", TarGz(members));
  REQUIRE(fs::file_size(tgz) < (1u << 20));

  REQUIRE(cli({"scan", "--format", "jsonl", tgz.string()}) == 0);
  std::set<std::string> exact;
  bool log_truncated = false;
  size_t start = 0;
  while (start < cli.out.size()) {
    const size_t end = cli.out.find('\n', start);
    REQUIRE(end != std::string::npos);
    const auto line = nlohmann::json::parse(cli.out.substr(start, end - start));
    start = end + 1;
    if (line["kind"] == "exact") exact.insert(line["path"].get<std::string>());
    if (line["kind"] == "anomaly" && line["message"] == "limit: expansion ratio" &&
        line["path"] == tgz.string() + "!/var/log/reader.log") {
      log_truncated = true;
    }
  }
  for (const std::string& plate : dataset->plate_files) {
    CHECK(exact.count(tgz.string() + "!/export/" + plate) == 1);
  }
  CHECK(log_truncated);
}

// Runs `w.Scan(args)` on a thread; false when it has not returned within `limit` (the
// caller then unblocks it: the scan must never be left running past the test).
struct ScanInBackground {
  std::future<int> done;
  ScanInBackground(ScanWorld& w, std::vector<std::string> args)
      : done(std::async(std::launch::async, [&w, args] { return w.Scan(args); })) {}
  bool ReturnedWithin(std::chrono::seconds limit) {
    return done.wait_for(limit) == std::future_status::ready;
  }
};

// Issue 14 item 3: `scan /dev/zero` read forever; a FIFO without a writer blocked in
// open() forever.
TEST_CASE("scan refuses a character device and names it", "[unit]") {
  ScanWorld w;
  ScanInBackground scan(w, {"/dev/zero"});
  if (!scan.ReturnedWithin(std::chrono::seconds(20))) {
    FAIL("scan /dev/zero did not return");  // the old behaviour: reads forever
  }
  CHECK(scan.done.get() == 2);
  CHECK(Contains(w.cli.err, "/dev/zero: a character device, not read"));
}

TEST_CASE("scan gives up a FIFO without a writer after the idle timeout", "[unit]") {
  std::signal(SIGPIPE, SIG_IGN);
  ScanWorld w;
  const fs::path fifo = w.cli.home / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  ScanInBackground scan(w, {"--idle-timeout", "300ms", fifo.string()});
  const bool returned = scan.ReturnedWithin(std::chrono::seconds(20));
  if (!returned) {
    // Unblock an open() waiting for a writer, so the test ends either way.
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd >= 0) ::close(fd);
  }
  const int code = scan.done.get();
  REQUIRE(returned);
  CHECK(code == 2);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(Contains(w.cli.err, fifo.string()));
  CHECK(Contains(w.cli.err, "no data for 300ms"));
}

TEST_CASE("scan reads a FIFO with a writer, up to the byte cap of the flag or the config",
          "[unit]") {
  std::signal(SIGPIPE, SIG_IGN);
  ScanWorld w;
  const fs::path fifo = w.cli.home / "endless";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // An endless writer (zeros, as /dev/zero would give) that stops after 20 s at most.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) return;
    const std::string block(64 * 1024, '\0');
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!stop && std::chrono::steady_clock::now() < until) {
      if (::write(fd, block.data(), block.size()) < 0) break;  // EPIPE: the reader is done
    }
    ::close(fd);
  });
  ScanInBackground scan(w, {"--format", "jsonl", "--max-bytes", "2MiB", fifo.string()});
  const bool returned = scan.ReturnedWithin(std::chrono::seconds(30));
  stop = true;
  const int code = scan.done.get();
  writer.join();
  CHECK(returned);
  CHECK(code == 1);  // read 2 MiB, nothing matched
  const std::vector<nlohmann::json> lines = w.Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["path"] == fifo.string());
  CHECK(lines[0]["anomaly"] == "limit");
  CHECK(lines[0]["detail"] == "object bytes: only the first 2097152 bytes were read and matched");

  // The config key, for a regular file: the dataset photo at the front is found in the
  // part read (a partial match), and the cut is reported.
  const fs::path big = w.cli.home.Write("big.bin", w.photo + RandomBytes(3u << 20, 5));
  w.cli.home.Write("config/leakwatch/leakwatch.toml",
                   "[match]\npack = \"" + w.pack.string() + "\"\nkey_file = \"" + w.key.string() +
                       "\"\n[match.limits]\nscan_max_bytes = \"1MiB\"\n");
  CHECK(w.cli({"scan", "--format", "jsonl", big.string()}) == 0);
  bool partial = false;
  bool cut = false;
  for (const auto& line : w.Lines()) {
    if (line["kind"] == "partial") {
      partial = true;
      CHECK(line["size"] == 1u << 20);
      CHECK(line["sha256"].get<std::string>().size() == 64);  // the hash of what was read
    }
    cut |= line["kind"] == "anomaly" && line["detail"].get<std::string>().find(
                                            "only the first 1048576 bytes") != std::string::npos;
  }
  CHECK(partial);
  CHECK(cut);

  // The config is read even when the flags name the pack and key: its limits still apply.
  w.cli.home.Write("config/leakwatch/leakwatch.toml",
                   "[match.limits]\nscan_max_bytes = \"1MiB\"\n");
  CHECK(w.cli({"scan", "--format", "jsonl", "--pack", w.pack.string(), "--key-file", w.key.string(),
               big.string()}) == 0);
  cut = false;
  for (const auto& line : w.Lines()) {
    cut |= line["kind"] == "anomaly" && line["detail"].get<std::string>().find(
                                            "only the first 1048576 bytes") != std::string::npos;
  }
  CHECK(cut);
}

}  // namespace
}  // namespace leakwatch::app
