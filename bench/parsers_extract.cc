// bench_parsers: single-thread throughput of the page path on realistic pages.
//
// Corpus: every engine fixture in tests/data/parsers/<profile>/*.html (stock markup
// of each engine), plus each thread fixture with its post block repeated to ~150 KB
// (a busy 25-post thread page). For each page it measures, over `rounds` passes:
//   gumbo     gumbo_parse + gumbo_destroy_output only (the ceiling)
//   extract   parsers::Extract with the page's own profile (charset, pre-filter,
//             Gumbo, selectors, scan, dedupe)
//   auto      parsers::ExtractAuto (adds engine detection over all profiles)
//   json      Extract + ExtractionToJson
// Figures are MB of HTML per CPU-second of this (single) thread.
// Usage: bench_parsers [rounds=20]
#include <gumbo.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/extract.h"
#include "parsers/profile.h"

namespace {

namespace fs = std::filesystem;
using leakwatch::parsers::Extract;
using leakwatch::parsers::ExtractAuto;
using leakwatch::parsers::ExtractionToJson;
using leakwatch::parsers::Page;
using leakwatch::parsers::Profile;
using leakwatch::parsers::ProfileSet;

struct BenchPage {
  std::string name;
  std::string url;
  std::string content_type;
  std::string body;
  const Profile* profile;
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string RequestField(const std::string& request, const std::string& key) {
  const size_t pos = request.find(key + ": ");
  if (pos == std::string::npos) return {};
  const size_t end = request.find('\n', pos);
  return request.substr(pos + key.size() + 2, end - pos - key.size() - 2);
}

// Repeats the text between the first and last occurrence of `marker` (one post) until
// the page is about `target` bytes.
std::string Inflate(const std::string& body, const std::string& marker, size_t target) {
  const size_t first = body.find(marker);
  const size_t second = body.find(marker, first + 1);
  if (first == std::string::npos || second == std::string::npos) return {};
  const std::string post = body.substr(first, second - first);
  std::string out = body.substr(0, second);
  while (out.size() + (body.size() - second) < target) out += post;
  out += body.substr(second);
  return out;
}

template <typename Fn>
double MegabytesPerSecond(const std::vector<BenchPage>& pages, int rounds, Fn&& fn) {
  // Process CPU time, not wall time: the figure is per core and does not depend on
  // what else the machine runs.
  size_t bytes = 0;
  const std::clock_t start = std::clock();
  for (int round = 0; round < rounds; ++round) {
    for (const auto& page : pages) {
      fn(page);
      bytes += page.body.size();
    }
  }
  const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  return static_cast<double>(bytes) / 1e6 / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::stoi(argv[1]) : 20;
  auto profiles = ProfileSet::WithBuiltins();
  if (!profiles.has_value()) {
    std::fprintf(stderr, "%s\n", profiles.error().message().c_str());
    return 1;
  }
  const fs::path data = fs::path(LW_SOURCE_DIR) / "tests/data/parsers";
  std::vector<BenchPage> pages;
  const std::vector<std::pair<std::string, std::string>> post_markers = {
      {"phpbb3_prosilver", "<div id=\"p1"},
      {"mybb", "<a name=\"pid"},
      {"xenforo2", "<article class=\"message message--post"},
      {"vbulletin4", "<li class=\"postbitlegacy"},
      {"smf", "<div class=\"windowbg\" id=\"msg"},
      {"discourse", "<div itemscope itemtype='http://schema.org/DiscussionForumPosting'"},
      {"nodebb", "<li component=\"post\""},
      {"vbulletin3", "<div id=\"edit"},
      {"xenforo1", "<li id=\"post-"}};
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    if (entry.path().extension() != ".html") continue;
    const std::string dir = entry.path().parent_path().filename().string();
    const Profile* profile = profiles->Find(dir);
    if (profile == nullptr) continue;
    const std::string request = ReadAll(fs::path(entry.path()).replace_extension(".request"));
    BenchPage page{dir + "/" + entry.path().stem().string(), RequestField(request, "url"),
                   RequestField(request, "content-type"), ReadAll(entry.path()), profile};
    for (const auto& [name, marker] : post_markers) {
      if (name != dir || entry.path().stem() != "thread") continue;
      BenchPage big = page;
      big.name += "_x25";
      constexpr size_t kBusyThreadBytes = 150 * 1024;
      big.body = Inflate(page.body, marker, kBusyThreadBytes);
      if (!big.body.empty()) pages.push_back(std::move(big));
    }
    pages.push_back(std::move(page));
  }
  size_t total = 0;
  for (const auto& page : pages) total += page.body.size();
  std::printf("corpus: %zu pages, %.1f KB total, %d rounds\n", pages.size(),
              static_cast<double>(total) / 1024.0, rounds);

  const double gumbo = MegabytesPerSecond(pages, rounds, [](const BenchPage& page) {
    GumboOutput* output =
        gumbo_parse_with_options(&kGumboDefaultOptions, page.body.data(), page.body.size());
    gumbo_destroy_output(&kGumboDefaultOptions, output);
  });
  size_t sink = 0;
  const double extract = MegabytesPerSecond(pages, rounds, [&](const BenchPage& page) {
    auto result = Extract(Page{page.url, page.body, page.content_type}, *page.profile);
    sink += result->links.size();
  });
  const double automatic = MegabytesPerSecond(pages, rounds, [&](const BenchPage& page) {
    auto result = ExtractAuto(Page{page.url, page.body, page.content_type}, *profiles);
    sink += result->links.size();
  });
  const double json = MegabytesPerSecond(pages, rounds, [&](const BenchPage& page) {
    auto result = Extract(Page{page.url, page.body, page.content_type}, *page.profile);
    sink += ExtractionToJson(*result).size();
  });
  std::printf("gumbo parse only      %8.1f MB/s\n", gumbo);
  std::printf("extract (own profile) %8.1f MB/s  (%.0f%% of gumbo)\n", extract,
              100.0 * extract / gumbo);
  std::printf("extract auto-detect   %8.1f MB/s\n", automatic);
  std::printf("extract + JSON        %8.1f MB/s\n", json);
  std::printf("(sink %zu)\n", sink);
  return 0;
}
