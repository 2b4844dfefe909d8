// store_bench: how fast the single store writer records crawl outcomes and sightings,
// against a real SQLite file (WAL, synchronous=NORMAL) on the local disk.
//
//   store_bench [DIR] [PAGES]
//
// Phase 1 (crawl): a frontier seeded with one listing grows by 10 new links per page;
// pages are leased in batches of 64 (TakeDue) and each outcome is one transaction:
// Complete + fetch log row + blob Touch + AddBatch(10 links). Reports pages/s.
// It runs three times: every call committing on its own (the baseline), one
// transaction per page, and 16 pages per transaction (a writer that groups results). Figures: wall
// pages/s and CPU ms per page (the machine may be shared: CPU time is the stable figure). Phase 2
// (sightings): RecordSighting with 2 channels and 1 coverage ref each. Phase 3 (query): `sightings
// --limit 50` and a per-day summary over all of them.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/clock.h"
#include "util/hash.h"

namespace {

using leakwatch::Status;
using namespace leakwatch::store;  // NOLINT(google-build-using-namespace): a bench main
using Clock = std::chrono::steady_clock;

constexpr int64_t kLinksPerPage = 10;
constexpr int64_t kLeaseBatch = 64;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Process CPU seconds: the figure that matters on a shared, loaded machine.
double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct Rate {
  double per_second = 0;       // wall clock
  double cpu_ms_per_item = 0;  // CPU
};

[[noreturn]] void Die(const Status& st) {
  std::fprintf(stderr, "store_bench: %s\n", st.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(leakwatch::Result<T> r) {
  if (!r.has_value()) Die(r.error());
  return std::move(r).value();
}

void MustOk(const Status& st) {
  if (!st.ok()) Die(st);
}

// Records one fetched page: AddBatch(links) + fetch log + blob + Complete.
Status RecordPage(Store& store, int64_t run, int64_t source, const FrontierEntry& e,
                  int64_t& next_url) {
  {
    std::vector<NewFrontierUrl> links;
    links.reserve(kLinksPerPage);
    for (int64_t i = 0; i < kLinksPerPage; ++i) {
      links.push_back(NewFrontierUrl{source,
                                     "http://bench.onion/item/" + std::to_string(next_url++),
                                     UrlKind::kItem, e.depth + 1, e.url, std::nullopt});
    }
    const std::string hash = leakwatch::util::Sha256Hex(e.url);
    auto added = store.frontier().AddBatch(links);
    if (!added.has_value()) return added.error();
    FetchLogEntry log;
    log.run_id = run;
    log.source_id = source;
    log.url = e.url;
    log.http_status = 200;
    log.bytes = 30000;
    log.content_sha256 = hash;
    auto logged = store.fetches().Log(log);
    if (!logged.has_value()) return logged.error();
    auto touched = store.blobs().Touch(hash, 30000, "text/html");
    if (!touched.has_value()) return touched.error();
    FetchCompletion done;
    done.content_hash = hash;
    return store.frontier().Complete(e.id, done);
  }
}

// pages_per_transaction 0: every store call commits on its own (the baseline).
Rate CrawlPhase(const std::filesystem::path& path, int64_t pages, int64_t pages_per_transaction) {
  std::filesystem::remove(path);
  leakwatch::util::SystemClock clock;
  Store store = Must(Store::Open(path, clock));
  const int64_t source = Must(store.sources().Upsert("bench", "generic"));
  const int64_t run = Must(store.runs().Start(getpid()));
  Must(store.frontier().AddIfNew(
      NewFrontierUrl{source, "http://bench.onion/", UrlKind::kListing, 0, std::nullopt, {}}));
  int64_t next_url = 0;
  int64_t done = 0;
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  while (done < pages) {
    auto batch = Must(store.frontier().TakeDue(run, kLeaseBatch));
    if (batch.empty()) break;
    const auto remaining = static_cast<size_t>(pages - done);
    if (batch.size() > remaining) batch.resize(remaining);
    const auto group = static_cast<size_t>(pages_per_transaction > 0 ? pages_per_transaction : 1);
    for (size_t first = 0; first < batch.size(); first += group) {
      const size_t last = std::min(batch.size(), first + group);
      auto record_group = [&]() -> Status {
        for (size_t i = first; i < last; ++i) {
          Status st = RecordPage(store, run, source, batch[i], next_url);
          if (!st.ok()) return st;
        }
        return Status::Ok();
      };
      MustOk(pages_per_transaction > 0 ? store.InTransaction(record_group) : record_group());
      done += static_cast<int64_t>(last - first);
    }
  }
  const double seconds = SecondsSince(start);
  const double cpu = CpuSeconds() - cpu_start;
  Must(store.frontier().Release(run));
  return Rate{static_cast<double>(done) / seconds, cpu * 1000 / static_cast<double>(done)};
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : "/tmp/leakwatch-store-bench";
  int64_t pages = 20000;
  if (argc > 2) pages = std::stoll(argv[2]);
  std::filesystem::create_directories(dir);

  for (int64_t per_tx : {int64_t{0}, int64_t{1}, int64_t{16}}) {
    const Rate rate = CrawlPhase(dir / "crawl.db", pages, per_tx);
    const std::string label = per_tx == 0   ? "baseline, one transaction per call"
                              : per_tx == 1 ? "one transaction per page"
                                            : "16 pages per transaction";
    std::printf("crawl, %-36s %7.0f pages/s wall, %.3f CPU ms/page (%lld pages, %lld links each)\n",
                label.c_str(), rate.per_second, rate.cpu_ms_per_item, static_cast<long long>(pages),
                static_cast<long long>(kLinksPerPage));
  }

  std::filesystem::remove(dir / "sightings.db");
  leakwatch::util::SystemClock clock;
  Store store = Must(Store::Open(dir / "sightings.db", clock));
  const int64_t sightings = pages;
  auto start = Clock::now();
  double cpu_start = CpuSeconds();
  for (int64_t i = 0; i < sightings; ++i) {
    RecordSightingRequest r;
    r.sighting.source = i % 2 == 0 ? "paste" : "forum";
    r.sighting.url = "http://bench.onion/paste/" + std::to_string(i);
    r.sighting.sha256 = leakwatch::util::Sha256Hex(r.sighting.url);
    r.sighting.kind = SightingKind::kRecords;
    r.sighting.score = 3;
    r.notifications = {{"email:0", "{}"}, {"webhook:0", "{}"}};
    r.coverage = {{CoverageKind::kFile, "file-" + std::to_string(i % 5000)}};
    Must(store.RecordSighting(r));
  }
  double seconds = SecondsSince(start);
  std::printf(
      "RecordSighting (2 channels, 1 coverage ref): %7.0f sightings/s wall, "
      "%.3f CPU ms each (%lld)\n",
      static_cast<double>(sightings) / seconds,
      (CpuSeconds() - cpu_start) * 1000 / static_cast<double>(sightings),
      static_cast<long long>(sightings));

  start = Clock::now();
  constexpr int kQueries = 200;
  for (int i = 0; i < kQueries; ++i) {
    SightingFilter f;
    f.limit = 50;
    f.source = "forum";
    Must(store.sightings().Query(f));
  }
  seconds = SecondsSince(start);
  std::printf("Query(source, limit 50) over %lld sightings: %8.2f ms each\n",
              static_cast<long long>(sightings), seconds * 1000 / kQueries);
  start = Clock::now();
  Must(store.sightings().CountByDay());
  std::printf("CountByDay over %lld sightings: %8.2f ms\n", static_cast<long long>(sightings),
              SecondsSince(start) * 1000);
  return 0;
}
