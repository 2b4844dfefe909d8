// crawl_bench: RunCrawl (fetcher + workers + SQLite writer + parsers) through the demo
// SOCKS5 gateway against a fixture site whose every response takes `latency`.
//
// The site: N pages "/p/i" of ~30 KB, page i links to pages 10i+1..10i+10, so the
// whole site is discovered from "/p/0". The bound: an ideal crawler with `concurrency`
// slots and a fixed latency, whose pages become available only when their parent has
// been fetched (simulated exactly below) — min(concurrency/latency, link discovery).
// The servers run in a forked child so CPU time and peak RSS are the crawler's own.
//
// Two more modes serve bench/crawl_compare.sh, which puts other crawlers beside this
// one: --serve runs the same site and gateway in the foreground for them, and
// --bound-only prints the computed bound, so every tool is measured against one figure.
// `crawl_bench --help` lists the flags.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <variant>
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
constexpr int kExitUsage = 2;

constexpr char kUsage[] =
    "Usage: crawl_bench [--pages N] [--latency-ms L] [--concurrency C[,C...]]\n"
    "                   [--processor parsers|href] [--format table|kv]\n"
    "       crawl_bench --serve [--pages N] [--latency-ms L]\n"
    "       crawl_bench --bound-only [--pages N] [--latency-ms L] [--concurrency C[,C...]]\n"
    "\n"
    "Crawls a fixture site of N ~30 KB pages (page i links to 10i+1..10i+10, all found\n"
    "from /p/0; every response waits L ms) with RunCrawl through the demo SOCKS5 gateway,\n"
    "once per concurrency C, and prints pages/s against the computed bound, CPU seconds\n"
    "per 1000 pages and peak RSS (the process's high-water mark so far).\n"
    "\n"
    "  --pages N          pages on the site (default 3000)\n"
    "  --latency-ms L     wait before every response (default 500)\n"
    "  --concurrency LIST global and per-host transfer limit, one run each (default\n"
    "                     16,64,256)\n"
    "  --processor P      parsers: the production extractor, built-in \"generic\" profile\n"
    "                     (default); href: a trivial href scanner (the crawler's own cost)\n"
    "  --format F         table (default) or kv: one \"result key=value ...\" line per run\n"
    "  --serve            start only the site and the gateway, print\n"
    "                     \"serve site_port=P proxy_port=Q onion=NAME pages=N latency_ms=L\"\n"
    "                     and serve until stdin reaches end of file or SIGTERM/SIGINT\n"
    "  --bound-only       print the bound, one \"bound ...\" line per concurrency, and exit\n"
    "  --help             this text\n";

struct Flags {
  int pages = 3000;
  int latency_ms = 500;
  std::vector<int> concurrencies = {16, 64, 256};
  std::string processor = "parsers";
  std::string format = "table";
  bool serve = false;
  bool bound_only = false;
};

// The whole of `s` as a decimal integer >= `min`, or nullopt.
std::optional<int> ParseInt(std::string_view s, int min) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min) return std::nullopt;
  return v;
}

std::optional<std::vector<int>> ParseList(std::string_view list) {
  std::vector<int> out;
  size_t p = 0;
  while (p <= list.size()) {
    size_t comma = list.find(',', p);
    if (comma == std::string_view::npos) comma = list.size();
    const auto v = ParseInt(list.substr(p, comma - p), 1);
    if (!v) return std::nullopt;
    out.push_back(*v);
    p = comma + 1;
  }
  return out;
}

// Returns the flags, or the exit code to leave with (0 after --help).
std::variant<Flags, int> ParseFlags(int argc, char** argv) {
  Flags f;
  auto bad = [](std::string_view what) {
    std::fprintf(stderr, "crawl_bench: %.*s\n\n%s", static_cast<int>(what.size()), what.data(),
                 kUsage);
    return kExitUsage;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (flag == "--serve") {
      f.serve = true;
      continue;
    }
    if (flag == "--bound-only") {
      f.bound_only = true;
      continue;
    }
    const bool takes_value = flag == "--pages" || flag == "--latency-ms" ||
                             flag == "--concurrency" || flag == "--processor" || flag == "--format";
    if (!takes_value) return bad("unknown flag: " + std::string(flag));
    if (i + 1 >= argc) return bad(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    if (flag == "--pages" || flag == "--latency-ms") {
      const auto v = ParseInt(value, 1);
      if (!v) return bad(std::string(flag) + ": not a positive integer: " + std::string(value));
      (flag == "--pages" ? f.pages : f.latency_ms) = *v;
    } else if (flag == "--concurrency") {
      auto list = ParseList(value);
      if (!list)
        return bad("--concurrency: not a list of positive integers: " + std::string(value));
      f.concurrencies = std::move(*list);
    } else if (flag == "--processor" && (value == "parsers" || value == "href")) {
      f.processor = value;
    } else if (flag == "--format" && (value == "table" || value == "kv")) {
      f.format = value;
    } else {
      return bad("bad value for " + std::string(flag) + ": " + std::string(value));
    }
  }
  if (f.serve && f.bound_only) return bad("--serve and --bound-only exclude each other");
  return f;
}

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

// The bench site and the SOCKS5 gateway that maps kOnion to it; both modes use this.
struct Servers {
  std::unique_ptr<demo::FixtureServer> site;
  std::unique_ptr<demo::Socks5Server> proxy;
};

std::optional<Servers> StartServers(int pages, int latency_ms) {
  demo::FixtureServer::Options so;
  so.io_threads = 1;
  auto site = demo::FixtureServer::Start(so);
  auto proxy = demo::Socks5Server::Start();
  if (!site || !proxy) return std::nullopt;
  (*site)->SetRecordRequests(false);
  std::string filler;
  while (filler.size() < kPageBytes)
    filler += "lorem ipsum dolor sit amet, consectetur adipiscing elit. ";
  (*site)->SetFallback([=](const demo::HttpRequest& r) -> std::optional<demo::Route> {
    if (r.target.rfind("/p/", 0) != 0) return std::nullopt;
    const int page = ParseInt(std::string_view(r.target).substr(3), 0).value_or(pages);
    if (page >= pages) return std::nullopt;
    demo::Route route = demo::Route::Html(PageHtml(page, pages, filler));
    route.latency = milliseconds(latency_ms);
    return route;
  });
  (*proxy)->MapOnion(kOnion, (*site)->port());
  return Servers{std::move(*site), std::move(*proxy)};
}

// SIGTERM and SIGINT, blocked in the calling thread (and so in every thread started
// after it) and delivered through the returned signalfd, so the servers stop cleanly.
int BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return -1;
  return ::signalfd(-1, &set, SFD_CLOEXEC);
}

// Blocks until `fd` reaches end of file (or fails) or a stop signal arrives on
// `signal_fd`. Data read from `fd` is discarded.
void WaitForEofOrSignal(int fd, int signal_fd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) {
      char buf[256];
      if (::read(fd, buf, sizeof(buf)) <= 0) return;
    }
  }
}

int Serve(const Flags& f) {
  const int signal_fd = BlockStopSignals();
  if (signal_fd < 0) return 1;
  auto servers = StartServers(f.pages, f.latency_ms);
  if (!servers) {
    std::fprintf(stderr, "crawl_bench: could not start the fixture site or the gateway\n");
    return 1;
  }
  std::printf("serve site_port=%u proxy_port=%u onion=%s pages=%d latency_ms=%d\n",
              servers->site->port(), servers->proxy->port(), kOnion, f.pages, f.latency_ms);
  std::fflush(stdout);
  WaitForEofOrSignal(STDIN_FILENO, signal_fd);
  ::close(signal_fd);
  return 0;  // servers stop and join in their destructors
}

int PrintBounds(const Flags& f) {
  for (int c : f.concurrencies) {
    const double ideal = IdealSeconds(f.pages, c, f.latency_ms / 1000.0);
    std::printf("bound pages=%d latency_ms=%d concurrency=%d seconds=%.3f pages_per_s=%.2f\n",
                f.pages, f.latency_ms, c, ideal, f.pages / ideal);
  }
  return 0;
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

double CpuSeconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int RunCrawls(const Flags& f) {
  // Servers in a child process: the parent's rusage is the crawler alone. The child
  // serves until the parent's end of `keepalive` closes (parent done, or dead).
  int port_pipe[2];
  int keepalive[2];
  if (::pipe(port_pipe) != 0 || ::pipe(keepalive) != 0) return 1;
  const pid_t child = ::fork();
  if (child < 0) return 1;
  if (child == 0) {
    ::close(port_pipe[0]);
    ::close(keepalive[1]);
    const int signal_fd = BlockStopSignals();
    auto servers = StartServers(f.pages, f.latency_ms);
    if (signal_fd < 0 || !servers) ::_exit(1);
    const uint16_t port = servers->proxy->port();
    if (::write(port_pipe[1], &port, sizeof(port)) != sizeof(port)) ::_exit(1);
    WaitForEofOrSignal(keepalive[0], signal_fd);
    servers.reset();
    ::_exit(0);
  }
  ::close(port_pipe[1]);
  ::close(keepalive[0]);
  uint16_t proxy_port = 0;
  if (::read(port_pipe[0], &proxy_port, sizeof(proxy_port)) != sizeof(proxy_port)) return 1;
  ::close(port_pipe[0]);

  auto profiles = parsers::ProfileSet::WithBuiltins();
  if (!profiles) return 1;
  crawler::ParsersPageProcessor parsers_processor(*profiles, nullptr);
  HrefProcessor href_processor;
  crawler::PageProcessor& processor = f.processor == "href"
                                          ? static_cast<crawler::PageProcessor&>(href_processor)
                                          : parsers_processor;

  const bool table = f.format == "table";
  if (table) {
    std::printf("pages=%d latency=%dms fanout=%d page=%zuKB processor=%s\n", f.pages, f.latency_ms,
                kFanout, kPageBytes / 1024, f.processor.c_str());
    std::printf("%6s %8s %9s %9s %8s %10s %12s %10s\n", "conc", "fetched", "seconds", "pages/s",
                "bound/s", "fraction", "cpu_s/1000p", "peak_rss");
  }
  int status = 0;
  for (int c : f.concurrencies) {
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
    std::filesystem::remove_all(dir);
    if (!summary) {
      std::fprintf(stderr, "crawl_bench: crawl failed at concurrency %d: %s\n", c,
                   summary.error().ToString().c_str());
      status = 1;
      continue;
    }
    const int fetched = static_cast<int>(summary->stats.pages);
    const double ideal = IdealSeconds(fetched, c, f.latency_ms / 1000.0);
    const double rate = fetched / seconds;
    const double bound = fetched / ideal;
    const double cpu = CpuSeconds(after) - CpuSeconds(before);
    if (table) {
      std::printf("%6d %8d %9.2f %9.1f %8.1f %9.1f%% %12.3f %8ldMB\n", c, fetched, seconds, rate,
                  bound, 100.0 * rate / bound, cpu / fetched * 1000.0, after.ru_maxrss / 1024);
    } else {
      std::printf(
          "result tool=leakwatch-%s concurrency=%d pages=%d seconds=%.3f cpu_s=%.3f "
          "peak_rss_kb=%ld bound_per_s=%.2f\n",
          f.processor.c_str(), c, fetched, seconds, cpu, after.ru_maxrss, bound);
    }
    std::fflush(stdout);
  }
  ::close(keepalive[1]);
  ::waitpid(child, nullptr, 0);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = ParseFlags(argc, argv);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const Flags& flags = std::get<Flags>(parsed);
  if (flags.bound_only) return PrintBounds(flags);
  if (flags.serve) return Serve(flags);
  return RunCrawls(flags);
}
