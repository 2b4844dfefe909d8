// leakwatch crawl end to end on loopback: RunCrawl with a real SQLite store, the
// fetch engine, the demo SOCKS5 gateway and fixture sites.
#include "crawler/crawl.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "demo/fixture_server.h"
#include "demo/socks5_server.h"
#include "store/store.h"
#include "tests/integration/crawl_site.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::crawler {
namespace {

using demo::FixtureServer;
using demo::Route;
using demo::Socks5Server;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kOnionA[] = "forumaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion";
constexpr char kOnionB[] = "pastebbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.onion";

std::string A(std::string_view path) {
  return std::string("http://") + kOnionA + std::string(path);
}
std::string B(std::string_view path) {
  return std::string("http://") + kOnionB + std::string(path);
}

struct World {
  World() : World(true) {}
  explicit World(bool start_servers) {
    options.db_path = dir / "db" / "leakwatch.db";
    options.fetch.min_delay = milliseconds(0);
    options.fetch.per_host = 8;
    options.fetch.concurrency = 16;
    options.fetch.connect_timeout = milliseconds(3000);
    options.fetch.page_total_timeout = milliseconds(5000);
    options.max_duration = seconds(60);
    options.backoff.jitter = 0.0;
    SourceSpec forum;
    forum.name = "forum-a";
    forum.start_urls = {A("/")};
    SourceSpec paste;
    paste.name = "paste-b";
    paste.start_urls = {B("/")};
    options.sources = {forum, paste};
    if (start_servers) StartServers();
  }

  void StartServers() {
    auto a = FixtureServer::Start();
    REQUIRE(a.has_value());
    site_a = std::move(a).value();
    auto b = FixtureServer::Start();
    REQUIRE(b.has_value());
    site_b = std::move(b).value();
    auto p = Socks5Server::Start();
    REQUIRE(p.has_value());
    proxy = std::move(p).value();
    proxy->MapOnion(kOnionA, site_a->port());
    proxy->MapOnion(kOnionB, site_b->port());
    options.fetch.proxy_url = proxy->ProxyUrl();
  }

  Result<CrawlSummary> Crawl() { return RunCrawl(options, processor, clock); }

  store::Store OpenStore() {
    auto s = store::Store::Open(options.db_path, clock);
    REQUIRE(s.has_value());
    return std::move(s).value();
  }

  leakwatch::testing::TempDir dir;
  util::FakeClock clock{util::FromUnixSeconds(1'800'000'000)};
  leakwatch::testing::HrefProcessor processor;
  CrawlOptions options;
  std::unique_ptr<FixtureServer> site_a;
  std::unique_ptr<FixtureServer> site_b;
  std::unique_ptr<Socks5Server> proxy;
};

TEST_CASE("a crawl fetches two sources through the proxy, each item once", "[integration]") {
  World w;
  leakwatch::testing::ServeForum(*w.site_a, 3, 5, milliseconds(10));
  leakwatch::testing::ServeForum(*w.site_b, 1, 4, milliseconds(10));

  auto first = w.Crawl();
  REQUIRE(first.has_value());
  CHECK(first->status == store::RunStatus::kOk);
  CHECK(first->stats.errors == 0);
  CHECK(first->stats.pages == 3 + 15 + 1 + 4);
  for (int i = 1; i <= 15; ++i) CHECK(w.site_a->Hits("/item/" + std::to_string(i)) == 1);
  CHECK(w.site_a->Hits("/list/3") == 1);
  CHECK(w.site_b->Hits("/item/4") == 1);

  // Every CONNECT named the onion (socks5h) and each source had its own auth pair.
  std::map<std::string, std::set<std::string>> users_by_host;
  for (const auto& c : w.proxy->Connects()) {
    CHECK(c.address_type == 0x03);
    users_by_host[c.host].insert(c.username);
  }
  REQUIRE(users_by_host.size() == 2);
  REQUIRE(users_by_host[kOnionA].size() == 1);
  REQUIRE(users_by_host[kOnionB].size() == 1);
  CHECK(*users_by_host[kOnionA].begin() != *users_by_host[kOnionB].begin());

  {
    store::Store s = w.OpenStore();
    auto runs = s.runs().Latest(5);
    REQUIRE(runs.has_value());
    REQUIRE(runs->size() == 1);
    CHECK(runs->at(0).status == store::RunStatus::kOk);
    CHECK(runs->at(0).stats.pages == 23);
    auto source = s.sources().Get("forum-a");
    REQUIRE(source.has_value());
    CHECK(source->state == store::SourceState::kOk);
    CHECK(source->last_success_at.has_value());
  }

  // Second run: the start listing is revisited; its page yields nothing new, so the
  // next pages are not followed, and no item is fetched again.
  w.clock.Advance(std::chrono::hours(1));
  auto second = w.Crawl();
  REQUIRE(second.has_value());
  CHECK(w.site_a->Hits("/") == 2);
  CHECK(w.site_a->Hits("/list/2") == 1);
  for (int i = 1; i <= 15; ++i) CHECK(w.site_a->Hits("/item/" + std::to_string(i)) == 1);
  CHECK(second->stats.pages == 2);
}

TEST_CASE("new items on the first listing page make the crawl walk the next pages",
          "[integration]") {
  World w;
  w.options.sources.resize(1);
  leakwatch::testing::ServeForum(*w.site_a, 3, 5, milliseconds(0));
  REQUIRE(w.Crawl().has_value());
  // Ten new threads: the board's pages shift by two.
  leakwatch::testing::ServeForum(*w.site_a, 5, 5, milliseconds(0));
  w.clock.Advance(std::chrono::hours(1));
  auto second = w.Crawl();
  REQUIRE(second.has_value());
  CHECK(w.site_a->Hits("/list/2") == 2);  // rearmed: page 1 yielded new items
  CHECK(w.site_a->Hits("/list/3") == 2);  // page 2 did too; page 3 yields nothing new
  CHECK(w.site_a->Hits("/list/4") == 0);
  for (int i = 1; i <= 25; ++i) CHECK(w.site_a->Hits("/item/" + std::to_string(i)) == 1);
}

TEST_CASE("redirects to clearnet and file:// are refused and recorded", "[integration]") {
  World w;
  w.options.sources.resize(1);
  w.site_a->SetRoute("/", Route::Html("<a href=\"/item/1\">x</a><a href=\"/item/2\">y</a>"));
  w.site_a->SetRoute("/item/1", Route::Redirect(302, "http://tracker.example.net/p.gif"));
  w.site_a->SetRoute("/item/2", Route::Redirect(302, "file:///etc/shadow"));
  auto summary = w.Crawl();
  REQUIRE(summary.has_value());
  CHECK(summary->stats.errors_by_class["redirect_refused"] == 2);
  store::Store s = w.OpenStore();
  auto source = s.sources().Get("forum-a");
  REQUIRE(source.has_value());
  for (const char* path : {"/item/1", "/item/2"}) {
    auto e = s.frontier().Find(source->id, A(path));
    REQUIRE(e.has_value());
    REQUIRE(e->has_value());
    CHECK((*e)->state == store::FrontierState::kFailedPermanent);
    CHECK((*e)->last_status == "redirect_refused");
  }
  for (const auto& c : w.proxy->Connects()) CHECK(c.host != "tracker.example.net");
  auto log = s.fetches().ListByRun(summary->run_id, 100);
  REQUIRE(log.has_value());
  int refused = 0;
  for (const auto& f : *log) refused += f.error_class == "redirect_refused" ? 1 : 0;
  CHECK(refused == 2);
}

TEST_CASE("an expired session stops its source for the run, not the loop or other sources",
          "[integration]") {
  World w;
  w.options.fetch.concurrency = 2;  // leases 4 URLs at a time: 2 per source
  w.options.sources[0].login_pattern = "/login";
  std::string listing;
  for (int i = 1; i <= 30; ++i) listing += "<a href=\"/item/" + std::to_string(i) + "\">t</a>";
  w.site_a->SetRoute("/", Route::Html(listing));
  for (int i = 1; i <= 30; ++i) {
    w.site_a->SetRoute("/item/" + std::to_string(i), Route::Redirect(302, "/login?next=x"));
  }
  leakwatch::testing::ServeForum(*w.site_b, 2, 10, milliseconds(0));

  const auto item_hits = [&] {
    int hits = 0;
    for (int i = 1; i <= 30; ++i) hits += w.site_a->Hits("/item/" + std::to_string(i));
    return hits;
  };
  auto first = w.Crawl();
  REQUIRE(first.has_value());
  // Only what was already leased when the first bounce came back was requested.
  CHECK(item_hits() >= 1);
  CHECK(item_hits() <= 4);
  CHECK(w.site_a->Hits("/login?next=x") == 0);  // never followed
  CHECK(w.site_b->Hits("/item/20") == 1);       // the other source was crawled in full
  {
    store::Store s = w.OpenStore();
    auto source = s.sources().Get("forum-a");
    REQUIRE(source.has_value());
    CHECK(source->state == store::SourceState::kSessionExpired);
  }
  // The next run tries again (the cookies may have been renewed) and stops again.
  w.clock.Advance(std::chrono::hours(1));
  const int before = item_hits();
  REQUIRE(w.Crawl().has_value());
  CHECK(item_hits() - before <= 4);
}

TEST_CASE("a body past its cap is kept truncated, 429 Retry-After and back-off grow across runs",
          "[integration]") {
  World w;
  w.options.sources.resize(1);
  w.options.fetch.max_page_bytes = 64 * 1024;
  w.options.fetch.max_file_bytes = 256 * 1024;
  w.options.backoff.base = seconds(60);
  w.site_a->SetRoute("/", Route::Html("<a href=\"/item/big\">b</a><a href=\"/item/busy\">c</a>"
                                      "<a href=\"/item/down\">d</a>"));
  w.site_a->SetRoute("/item/big", Route::Huge(10 << 20));
  w.site_a->SetRoute("/item/busy", Route::TooManyRequests(3600));
  w.site_a->SetRoute("/item/down", Route::Status(503, "maintenance"));

  auto first = w.Crawl();
  REQUIRE(first.has_value());
  store::Store s = w.OpenStore();
  const int64_t id = s.sources().Get("forum-a")->id;
  auto entry = [&](const char* path) { return s.frontier().Find(id, A(path))->value(); };
  const int64_t t0 = util::ToUnixSeconds(w.clock.Now());
  // A file (application/octet-stream) read up to its cap and processed, not failed; it
  // names no validator, so there is nothing to resume and it is done.
  CHECK(entry("/item/big").state == store::FrontierState::kDone);
  CHECK(entry("/item/big").last_status == "truncated");
  CHECK(entry("/item/big").resume_offset == 0);
  CHECK(entry("/item/busy").next_due_at == t0 + 3600);  // Retry-After beats the 60 s back-off
  CHECK(entry("/item/down").next_due_at == t0 + 60);

  std::vector<int64_t> delays = {60};
  for (int run = 0; run < 3; ++run) {
    w.clock.Set(util::FromUnixSeconds(entry("/item/down").next_due_at));
    const int64_t now = util::ToUnixSeconds(w.clock.Now());
    REQUIRE(w.Crawl().has_value());
    delays.push_back(entry("/item/down").next_due_at - now);
  }
  CHECK(delays == std::vector<int64_t>{60, 120, 240, 480});
  CHECK(w.site_a->Hits("/item/big") == 1);
  CHECK(w.site_a->Hits("/item/down") == 4);
  auto source = s.sources().Get("forum-a");
  // The revisited listing succeeds in the same runs, resetting consecutive_failures
  // whenever its result is written after the 503's: only the failure record is stable.
  CHECK(source->last_failure_at.has_value());
  CHECK(source->last_error_class == "http_server_error");
}

// Moves one minute every time anyone reads it (the run loop, the fetcher, the store):
// a run that measures its deadline on the injected clock reaches a 30-minute
// max_duration within a few turns of its loop, whatever the wall clock says.
class SteppingClock final : public util::Clock {
 public:
  util::TimePoint Now() const override {
    return util::FromUnixSeconds(1'800'000'000 + 60 * reads_.fetch_add(1));
  }

 private:
  mutable std::atomic<int64_t> reads_{0};
};

TEST_CASE("the run's deadline and duration are read from the injected clock", "[integration]") {
  World w;
  w.options.sources.resize(1);
  w.options.max_duration = std::chrono::minutes(30);
  leakwatch::testing::ServeForum(*w.site_a, 4, 25, milliseconds(20));  // 104 pages
  SteppingClock clock;
  const auto started = std::chrono::steady_clock::now();
  auto r = RunCrawl(w.options, w.processor, clock);
  REQUIRE(r.has_value());
  CHECK(r->status == store::RunStatus::kOk);  // a limit, not a signal
  CHECK(!r->stopped_by_signal);
  CHECK(r->duration >= std::chrono::minutes(30));
  CHECK(r->stats.pages < 104);
  CHECK(std::chrono::steady_clock::now() - started < seconds(30));
}

TEST_CASE("an overlapping run exits at once with Busy", "[integration]") {
  World w;
  w.options.sources.resize(1);
  leakwatch::testing::ServeForum(*w.site_a, 1, 4, milliseconds(1500));
  auto running = std::async(std::launch::async, [&] { return w.Crawl(); });
  while (w.site_a->TotalRequests() == 0) std::this_thread::sleep_for(milliseconds(10));
  const auto start = std::chrono::steady_clock::now();
  leakwatch::testing::HrefProcessor other;
  util::SystemClock clock;
  auto second = RunCrawl(w.options, other, clock);
  CHECK(std::chrono::steady_clock::now() - start < seconds(1));
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == StatusCode::kBusy);
  auto first = running.get();
  REQUIRE(first.has_value());
  CHECK(first->status == store::RunStatus::kOk);
}

TEST_CASE("Tor down stops the crawl early with one clear error, no source blamed",
          "[integration]") {
  World w;
  w.proxy.reset();
  auto r = w.Crawl();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == StatusCode::kUnavailable);
  CHECK(r.error().message().find("Tor is not reachable") != std::string::npos);
  store::Store s = w.OpenStore();
  auto runs = s.runs().Latest(1);
  REQUIRE(runs->size() == 1);
  CHECK(runs->at(0).status == store::RunStatus::kFailed);
  auto sources = s.sources().List();
  REQUIRE(sources.has_value());
  for (const auto& src : *sources) CHECK(src.consecutive_failures == 0);
}

TEST_CASE("onion-service errors are transient per URL and named", "[integration]") {
  World w;
  w.proxy->ForceReply(kOnionB, demo::kSocksOnionIntroFailed);
  leakwatch::testing::ServeForum(*w.site_a, 1, 2, milliseconds(0));
  auto r = w.Crawl();
  REQUIRE(r.has_value());
  CHECK(r->stats.errors_by_class["onion_intro_failed"] == 1);
  store::Store s = w.OpenStore();
  auto paste = s.sources().Get("paste-b");
  CHECK(paste->state == store::SourceState::kFailing);
  CHECK(paste->last_error_class == "onion_intro_failed");
  CHECK(s.sources().Get("forum-a")->state == store::SourceState::kOk);
}

// Forks a crawler process while this process has no other thread (forking a
// multi-threaded process can leave the child deadlocked on a lock held by a thread
// that does not exist there). The child waits for the proxy URL on a pipe, then runs
// RunCrawl with SIGINT/SIGTERM handlers installed.
struct ChildCrawl {
  pid_t pid = -1;
  int write_fd = -1;

  void Go(const std::string& proxy_url) {
    REQUIRE(::write(write_fd, proxy_url.data(), proxy_url.size()) ==
            static_cast<ssize_t>(proxy_url.size()));
    ::close(write_fd);
  }
};

ChildCrawl ForkCrawler(const CrawlOptions& base) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    std::string proxy_url;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
      proxy_url.append(buf, static_cast<size_t>(n));
    CrawlOptions o = base;
    o.fetch.proxy_url = proxy_url;
    o.stop_flag = InstallStopSignals();
    util::SystemClock clock;
    leakwatch::testing::HrefProcessor processor;
    auto r = RunCrawl(o, processor, clock);
    ::_exit(r.has_value() ? 0 : 1);
  }
  ::close(fds[0]);
  return {pid, fds[1]};
}

// Waits until the site has seen `n` requests; false after 60 s.
bool WaitForRequests(const FixtureServer& site, int64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (site.TotalRequests() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST_CASE("SIGTERM mid-run stops within 10 s and the resumed run fetches each remaining URL once",
          "[integration]") {
  World w(false);
  w.options.sources.resize(1);
  w.options.fetch.concurrency = 4;
  w.options.fetch.per_host = 4;
  ChildCrawl crawl = ForkCrawler(w.options);
  const pid_t child = crawl.pid;
  REQUIRE(child > 0);
  w.StartServers();
  leakwatch::testing::ServeForum(*w.site_a, 4, 10, milliseconds(150));
  crawl.Go(w.options.fetch.proxy_url);
  if (!WaitForRequests(*w.site_a, 12)) ::kill(child, SIGKILL);
  const auto signalled = std::chrono::steady_clock::now();
  REQUIRE(::kill(child, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(std::chrono::steady_clock::now() - signalled < seconds(10));
  CHECK(WIFEXITED(status));
  const int64_t before_resume = w.site_a->TotalRequests();
  CHECK(before_resume < 44);

  {
    store::Store s = w.OpenStore();
    auto runs = s.runs().Latest(1);
    CHECK(runs->at(0).status == store::RunStatus::kInterrupted);
  }
  auto resumed = w.Crawl();
  REQUIRE(resumed.has_value());
  for (int i = 1; i <= 40; ++i) CHECK(w.site_a->Hits("/item/" + std::to_string(i)) == 1);
  for (int k = 2; k <= 4; ++k) CHECK(w.site_a->Hits("/list/" + std::to_string(k)) == 1);
}

TEST_CASE("SIGKILL mid-run loses nothing recorded and the next run completes the rest",
          "[integration]") {
  World w(false);
  w.options.sources.resize(1);
  w.options.fetch.concurrency = 4;
  ChildCrawl crawl = ForkCrawler(w.options);
  const pid_t child = crawl.pid;
  REQUIRE(child > 0);
  w.StartServers();
  leakwatch::testing::ServeForum(*w.site_a, 4, 10, milliseconds(100));
  crawl.Go(w.options.fetch.proxy_url);
  REQUIRE(WaitForRequests(*w.site_a, 15));
  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);

  std::set<std::string> done_before;
  {
    store::Store s = w.OpenStore();
    auto check = s.Check();
    REQUIRE(check.has_value());
    CHECK(check->ok());
    const int64_t id = s.sources().Get("forum-a")->id;
    for (int i = 1; i <= 40; ++i) {
      auto e = s.frontier().Find(id, A("/item/" + std::to_string(i)));
      if (e.has_value() && e->has_value() && (*e)->state == store::FrontierState::kDone) {
        done_before.insert((*e)->url);
      }
    }
  }
  auto resumed = w.Crawl();
  REQUIRE(resumed.has_value());
  store::Store s = w.OpenStore();
  const int64_t id = s.sources().Get("forum-a")->id;
  for (int i = 1; i <= 40; ++i) {
    const std::string path = "/item/" + std::to_string(i);
    auto e = s.frontier().Find(id, A(path));
    REQUIRE(e->has_value());
    CHECK((*e)->state == store::FrontierState::kDone);
    // Recorded before the kill: never fetched again. In flight at the kill: at most twice.
    CHECK(w.site_a->Hits(path) == (done_before.count(A(path)) ? 1 : w.site_a->Hits(path)));
    CHECK(w.site_a->Hits(path) <= 2);
  }
  auto runs = s.runs().Latest(2);
  REQUIRE(runs->size() == 2);
  CHECK(runs->at(1).status == store::RunStatus::kInterrupted);  // marked abandoned
}

TEST_CASE("a crawl creates a missing data directory private (0700)", "[integration]") {
  World w;
  w.proxy.reset();  // the run stops at the proxy check, after taking the lock
  const std::filesystem::path data_dir = w.dir / "fresh" / "data";
  w.options.db_path = data_dir / "leakwatch.db";
  auto r = w.Crawl();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == StatusCode::kUnavailable);
  REQUIRE(std::filesystem::is_directory(data_dir));
  CHECK(std::filesystem::status(data_dir).permissions() == std::filesystem::perms::owner_all);
}

TEST_CASE("a run through a symlink to the database is refused while another runs",
          "[integration]") {
  World w;
  w.options.sources.resize(1);
  leakwatch::testing::ServeForum(*w.site_a, 1, 4, milliseconds(1500));
  auto running = std::async(std::launch::async, [&] { return w.Crawl(); });
  while (w.site_a->TotalRequests() == 0) std::this_thread::sleep_for(milliseconds(10));
  CrawlOptions via_link = w.options;
  via_link.db_path = w.dir / "link-to.db";
  std::filesystem::create_symlink(w.options.db_path, via_link.db_path);
  leakwatch::testing::HrefProcessor other;
  util::SystemClock clock;
  auto second = RunCrawl(via_link, other, clock);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == StatusCode::kBusy);
  auto first = running.get();
  REQUIRE(first.has_value());
  CHECK(first->status == store::RunStatus::kOk);
}

}  // namespace
}  // namespace leakwatch::crawler
