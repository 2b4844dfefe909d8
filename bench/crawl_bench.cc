// crawl_bench: RunCrawl (fetcher + workers + SQLite writer + parsers) through the demo
// SOCKS5 gateway against a fixture site whose every response takes `latency`.
//
// The site: N pages "/p/i" of ~30 KB, page i links to pages 10i+1..10i+10, so the
// whole site is discovered from "/p/0". The bound: an ideal crawler with `concurrency`
// slots and a fixed latency, whose pages become available only when their parent has
// been fetched (simulated exactly below) — min(concurrency/latency, link discovery).
// The servers run in a forked child so CPU time and peak RSS are the crawler's own.
//
// Usage: crawl_bench [--pages N] [--latency-ms L] [--concurrency C[,C...]]
//                    [--processor parsers|href]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <queue>
#include <regex>
#include <string>
#include <vector>

#include "crawler/crawl.h"
#include "crawler/parsers_page_processor.h"
#include "demo/fixture_server.h"
#include "demo/socks5_server.h"

using namespace leakwatch;
using std::chrono::milliseconds;

namespace {

constexpr char kOnion[] = "benchsiteaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion";
constexpr int kFanout = 10;
constexpr size_t kPageBytes = 30 * 1024;

std::string PageHtml(int i, int pages, const std::string& filler) {
  std::string html = "<html><head><title>page " + std::to_string(i) + "</title></head><body><ul>";
  for (int c = kFanout * i + 1; c <= kFanout * i + kFanout && c < pages; ++c) {
    html += "<li><a href=\"/p/" + std::to_string(c) + "\">page " + std::to_string(c) + "</a></li>";
  }
  html += "</ul><p>";
  html += filler.substr(0, kPageBytes > html.size() ? kPageBytes - html.size() : 0);
  html += "</p></body></html>";
  return html;
}

// Ideal completion time: `slots` parallel fetches of fixed latency, a page available
// once its parent completed. Event simulation over the BFS tree.
double IdealSeconds(int pages, int slots, double latency) {
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int s = 0; s < slots; ++s) free_at.push(0.0);
  std::vector<double> done(static_cast<size_t>(pages), 0.0);
  // Pages in BFS order; page i's parent (i-1)/10 always precedes it. Greedy list
  // scheduling in index order is optimal here (equal durations, tree precedence).
  double end = 0.0;
  for (int i = 0; i < pages; ++i) {
    const double ready = i == 0 ? 0.0 : done[static_cast<size_t>((i - 1) / kFanout)];
    double slot = free_at.top();
    free_at.pop();
    const double start = std::max(ready, slot);
    done[static_cast<size_t>(i)] = start + latency;
    free_at.push(start + latency);
    end = std::max(end, start + latency);
  }
  return end;
}

class HrefProcessor final : public crawler::PageProcessor {
 public:
  crawler::ProcessedPage Process(const crawler::FetchedContent& content) override {
    crawler::ProcessedPage out;
    const std::string_view html = content.body.memory();
    size_t pos = 0;
    while ((pos = html.find("href=\"", pos)) != std::string_view::npos) {
      pos += 6;
      const size_t end = html.find('"', pos);
      if (end == std::string_view::npos) break;
      out.links.push_back(
          {"http://" + std::string(kOnion) + std::string(html.substr(pos, end - pos)),
           store::UrlKind::kListing});
      pos = end;
    }
    return out;
  }
};

int ParseInt(const char* s) {
  int v = 0;
  std::from_chars(s, s + std::char_traits<char>::length(s), v);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int pages = 3000;
  int latency_ms = 500;
  std::vector<int> concurrencies = {16, 64, 256};
  std::string processor_name = "parsers";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--pages") pages = ParseInt(argv[i + 1]);
    if (flag == "--latency-ms") latency_ms = ParseInt(argv[i + 1]);
    if (flag == "--processor") processor_name = argv[i + 1];
    if (flag == "--concurrency") {
      concurrencies.clear();
      std::string list = argv[i + 1];
      size_t p = 0;
      while (p <= list.size()) {
        size_t comma = list.find(',', p);
        if (comma == std::string::npos) comma = list.size();
        concurrencies.push_back(ParseInt(list.substr(p, comma - p).c_str()));
        p = comma + 1;
      }
    }
  }

  // Servers in a child process: the parent's rusage is the crawler alone.
  int ports[2];
  if (::pipe(ports) != 0) return 1;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(ports[0]);
    demo::FixtureServer::Options so;
    so.io_threads = 1;
    auto site = demo::FixtureServer::Start(so);
    auto proxy = demo::Socks5Server::Start();
    if (!site || !proxy) ::_exit(1);
    (*site)->SetRecordRequests(false);
    std::string filler;
    while (filler.size() < kPageBytes)
      filler += "lorem ipsum dolor sit amet, consectetur adipiscing elit. ";
    (*site)->SetFallback([=](const demo::HttpRequest& r) -> std::optional<demo::Route> {
      if (r.target.rfind("/p/", 0) != 0) return std::nullopt;
      const int i = ParseInt(r.target.c_str() + 3);
      if (i < 0 || i >= pages) return std::nullopt;
      demo::Route route = demo::Route::Html(PageHtml(i, pages, filler));
      route.latency = milliseconds(latency_ms);
      return route;
    });
    (*proxy)->MapOnion(kOnion, (*site)->port());
    const uint16_t port = (*proxy)->port();
    if (::write(ports[1], &port, sizeof(port)) != sizeof(port)) ::_exit(1);
    char c;
    while (::read(ports[1], &c, 1) > 0) {
    }
    ::pause();
    ::_exit(0);
  }
  ::close(ports[1]);
  uint16_t proxy_port = 0;
  if (::read(ports[0], &proxy_port, sizeof(proxy_port)) != sizeof(proxy_port)) return 1;

  auto profiles = parsers::ProfileSet::WithBuiltins();
  if (!profiles) return 1;
  crawler::ParsersPageProcessor parsers_processor(*profiles, nullptr);
  HrefProcessor href_processor;
  crawler::PageProcessor& processor = processor_name == "href"
                                          ? static_cast<crawler::PageProcessor&>(href_processor)
                                          : parsers_processor;

  std::printf("pages=%d latency=%dms fanout=%d page=%zuKB processor=%s\n", pages, latency_ms,
              kFanout, kPageBytes / 1024, processor_name.c_str());
  std::printf("%6s %8s %9s %9s %8s %10s %12s %10s\n", "conc", "fetched", "seconds", "pages/s",
              "bound/s", "fraction", "cpu_s/1000p", "peak_rss");
  for (int c : concurrencies) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("lw-crawl-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    crawler::CrawlOptions o;
    o.db_path = dir / "bench.db";
    o.fetch.proxy_url = "socks5h://127.0.0.1:" + std::to_string(proxy_port);
    o.fetch.concurrency = c;
    o.fetch.per_host = c;
    o.fetch.min_delay = milliseconds(0);
    o.fetch.workers = 2;
    o.max_duration = std::chrono::minutes(10);
    crawler::SourceSpec s;
    s.name = "bench";
    s.profile = "generic";
    s.max_depth = 100;
    s.start_urls = {std::string("http://") + kOnion + "/p/0"};
    o.sources = {s};
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    util::SystemClock clock;
    const auto start = std::chrono::steady_clock::now();
    auto summary = crawler::RunCrawl(o, processor, clock);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    if (!summary) {
      std::printf("crawl failed: %s\n", summary.error().ToString().c_str());
      continue;
    }
    auto cpu = [](const rusage& r) {
      return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
             static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
    };
    const double fetched = static_cast<double>(summary->stats.pages);
    const double ideal = IdealSeconds(static_cast<int>(fetched), c, latency_ms / 1000.0);
    const double rate = fetched / seconds;
    const double bound = fetched / ideal;
    std::printf("%6d %8.0f %9.2f %9.1f %8.1f %9.1f%% %12.3f %8ldMB\n", c, fetched, seconds, rate,
                bound, 100.0 * rate / bound, (cpu(after) - cpu(before)) / fetched * 1000.0,
                after.ru_maxrss / 1024);
    std::fflush(stdout);
    std::filesystem::remove_all(dir);
  }
  ::close(ports[0]);
  ::kill(child, SIGTERM);
  ::waitpid(child, nullptr, 0);
  return 0;
}
