#include "crawler/crawl.h"

#include <unistd.h>

#include <csignal>
#include <deque>

#include "crawler/fetcher.h"
#include "crawler/internal/crawl_lock.h"
#include "crawler/internal/run_writer.h"
#include "crawler/internal/scheduler.h"
#include "crawler/internal/worker_pool.h"
#include "parsers/url.h"
#include "store/store.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/onion.h"

namespace leakwatch::crawler {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kResultWait{50};
constexpr milliseconds kStatsInterval{2000};
constexpr milliseconds kAbortWait{3000};
constexpr milliseconds kProxyCheckTimeout{30000};

using detail::CrawlLock;
using detail::Job;
using detail::Processed;
using detail::WorkerPool;

std::atomic<bool> g_stop_signalled{false};

extern "C" void OnStopSignal(int) { g_stop_signalled.store(true); }

class Crawl {
 public:
  Crawl(const CrawlOptions& options, PageProcessor& processor, const util::Clock& clock,
        store::Store& store, int64_t run_id)
      : options_(options),
        processor_(processor),
        clock_(clock),
        store_(store),
        run_id_(run_id),
        scheduler_(options, store, clock, run_id),
        writer_(options, store, clock, scheduler_, run_id, summary_) {}

  Result<CrawlSummary> Run();

 private:
  bool StopRequested() const { return options_.stop_flag != nullptr && options_.stop_flag->load(); }
  Result<int64_t> Lease(WorkerPool& pool);

  const CrawlOptions& options_;
  PageProcessor& processor_;
  const util::Clock& clock_;
  store::Store& store_;
  const int64_t run_id_;
  CrawlSummary summary_;
  detail::Scheduler scheduler_;
  detail::RunWriter writer_;
};

// Leases due URLs and submits them. Returns how many.
Result<int64_t> Crawl::Lease(WorkerPool& pool) {
  LW_ASSIGN_OR_RETURN(std::vector<Job> jobs, scheduler_.Lease());
  for (Job& job : jobs) {
    FetchRequest request = scheduler_.MakeRequest(job);
    pool.Submit(std::move(job), std::move(request));
  }
  return static_cast<int64_t>(jobs.size());
}

Result<CrawlSummary> Crawl::Run() {
  summary_.run_id = run_id_;
  // Time comes from the injected clock only, read once per turn of the loop.
  const util::TimePoint started = clock_.Now();
  const util::TimePoint deadline = started + options_.max_duration;
  LW_ASSIGN_OR_RETURN(summary_.new_urls, scheduler_.Seed());
  LW_ASSIGN_OR_RETURN(std::unique_ptr<Fetcher> fetcher, Fetcher::Start(options_.fetch, clock_));
  WorkerPool pool(
      *fetcher, processor_, [this](const Processed& p) { return writer_.EvidenceWanted(p); },
      options_.fetch.workers);

  bool stopping = false;
  bool aborted = false;
  util::TimePoint stop_at{};
  util::TimePoint last_stats = started;
  Status failure;
  for (;;) {
    const util::TimePoint now = clock_.Now();
    const bool limit_hit =
        now >= deadline || (options_.max_pages > 0 && summary_.stats.pages >= options_.max_pages);
    if (!stopping && (StopRequested() || limit_hit || writer_.tor_down() || !failure.ok())) {
      stopping = true;
      summary_.stopped_by_signal = StopRequested();
      stop_at = now;
      fetcher->StopStarting();
    }
    int64_t leased = 0;
    if (!stopping) {
      auto l = Lease(pool);
      if (!l) {
        failure = l.error();
        continue;
      }
      leased = *l;
    }
    std::deque<Processed> batch = pool.TakeDone(kResultWait);
    for (const Processed& p : batch) scheduler_.Finished(p.job);
    if (!batch.empty()) {
      Status st = writer_.WriteBatch(batch);
      if (!st.ok()) failure = st;
    }
    if (now - last_stats >= kStatsInterval) {
      last_stats = now;
      store_.runs().UpdateStats(run_id_, summary_.stats).ok();
    }
    if (scheduler_.in_flight() == 0 && (stopping || (leased == 0 && batch.empty()))) break;
    if (stopping && !aborted && now - stop_at >= options_.grace) {
      fetcher->AbortRunning();
      aborted = true;
    }
    if (stopping && aborted && now - stop_at >= options_.grace + kAbortWait) break;
  }
  pool.Stop();
  fetcher.reset();
  auto released = store_.frontier().Release(run_id_);
  if (!released) return released.error();

  summary_.duration = std::chrono::duration_cast<milliseconds>(clock_.Now() - started);
  summary_.tor_down = writer_.tor_down();
  if (!failure.ok()) {
    summary_.status = store::RunStatus::kFailed;
  } else if (writer_.tor_down() || summary_.evidence_missing > 0) {
    summary_.status = store::RunStatus::kFailed;
  } else if (summary_.stopped_by_signal) {
    summary_.status = store::RunStatus::kInterrupted;
  } else {
    summary_.status = store::RunStatus::kOk;
  }
  std::string note = summary_.ToString();
  if (writer_.tor_down()) note += "; Tor went down: " + writer_.tor_down_detail();
  if (!failure.ok()) note += "; " + failure.ToString();
  if (summary_.evidence_missing > 0) note += "; " + summary_.EvidenceProblem();
  LW_RETURN_IF_ERROR(store_.runs().Finish(run_id_, summary_.status, summary_.stats, note));
  if (!failure.ok()) return failure;
  if (writer_.tor_down()) {
    return Status::Unavailable("Tor went down during the crawl: " + writer_.tor_down_detail());
  }
  return summary_;
}

Status Validate(const CrawlOptions& options) {
  for (const SourceSpec& spec : options.sources) {
    for (const std::string& url : spec.start_urls) {
      auto parsed = parsers::ParseHttpUrl(url);
      if (!parsed) {
        return Status::InvalidArgument("source " + spec.name + ": not an http(s) URL: " + url);
      }
      if (util::IsOnionHost(parsed->host()) && spec.direct) {
        return Status::InvalidArgument("source " + spec.name +
                                       ": an .onion URL cannot be fetched direct (without Tor)");
      }
      if (!spec.direct && options.fetch.proxy_url.empty()) {
        return Status::InvalidArgument("source " + spec.name +
                                       " needs the Tor proxy but [tor] socks_proxy is empty");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

std::string CrawlSummary::ToString() const {
  std::string out = "crawl: " + std::to_string(stats.pages) + " pages, " +
                    util::FormatBytes(static_cast<uint64_t>(stats.bytes)) + ", " +
                    std::to_string(stats.errors) + " errors";
  if (!stats.errors_by_class.empty()) {
    out += " (";
    bool first = true;
    for (const auto& [name, count] : stats.errors_by_class) {
      if (!first) out += ", ";
      first = false;
      out += name + " " + std::to_string(count);
    }
    out += ")";
  }
  out += ", " + std::to_string(new_urls) + " new URLs, " + std::to_string(new_sightings) +
         " new sightings in " + std::to_string(duration.count() / 1000) + "s";
  if (evidence_missing > 0) {
    out += "; EVIDENCE MISSING for " + std::to_string(evidence_missing) + " object(s)";
  }
  return out;
}

std::string CrawlSummary::EvidenceProblem() const {
  return "evidence could not be written for " + std::to_string(evidence_missing) + " object(s)" +
         (evidence_error.empty() ? "" : " (" + evidence_error + ")") +
         ": their sightings are recorded without it and the objects are fetched again by the "
         "next run; free space on the evidence volume";
}

Result<CrawlSummary> RunCrawl(const CrawlOptions& options, PageProcessor& processor,
                              const util::Clock& clock) {
  LW_RETURN_IF_ERROR(Validate(options));
  LW_ASSIGN_OR_RETURN(CrawlLock lock, CrawlLock::Acquire(options.db_path));
  LW_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(options.db_path, clock));
  if (options.commit_fault_for_testing > 0) {
    store.SetCommitFaultForTesting(options.commit_fault_for_testing);
  }
  LW_ASSIGN_OR_RETURN(int64_t run_id, store.runs().Start(static_cast<int64_t>(::getpid())));
  auto abandoned = store.runs().MarkAbandoned(run_id);
  if (!abandoned) return abandoned.error();
  auto requeued = store.frontier().RequeueAbandoned(run_id);
  if (!requeued) return requeued.error();
  // Keys written under an older URL normal form are rewritten once (parsers/url.h).
  auto rekeyed = store.frontier().Rekey(parsers::kUrlForm, [](std::string_view url) {
    auto key = parsers::NormalizeHttpUrl(url);
    return key ? std::optional<std::string>(*key) : std::nullopt;
  });
  if (!rekeyed) return rekeyed.error();

  bool needs_proxy = false;
  for (const SourceSpec& s : options.sources) needs_proxy = needs_proxy || !s.direct;
  if (options.preflight && needs_proxy) {
    auto health = CheckProxy(options.fetch.proxy_url, options.control, kProxyCheckTimeout);
    Status problem;
    if (!health) {
      problem = health.error();
    } else if (!health->ok()) {
      problem = Status::Unavailable("Tor is not bootstrapped yet (" +
                                    std::to_string(health->bootstrap_percent.value_or(0)) +
                                    "%: " + health->bootstrap_summary + ")");
    }
    if (!problem.ok()) {
      store.runs().Finish(run_id, store::RunStatus::kFailed, {}, problem.message()).ok();
      return problem;
    }
  }
  if (options.newnym && !options.control.address.empty()) {
    auto recent = store.runs().Latest(2);
    const bool too_soon =
        recent && recent->size() == 2 &&
        util::ToUnixSeconds(clock.Now()) - recent->at(1).started_at < kNewnymMinInterval.count();
    if (!too_soon) {
      Status st = SignalNewnym(options.control, kProxyCheckTimeout);
      if (!st.ok()) util::LogWarn("SIGNAL NEWNYM failed", {{"error", st.ToString()}});
    }
  }
  Crawl crawl(options, processor, clock, store, run_id);
  return crawl.Run();
}

const std::atomic<bool>* InstallStopSignals() {
  struct sigaction action {};
  action.sa_handler = &OnStopSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  return &g_stop_signalled;
}

}  // namespace leakwatch::crawler
