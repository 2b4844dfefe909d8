#include "crawler/crawl.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <deque>
#include <random>

#include "crawler/fetcher.h"
#include "crawler/internal/scheduler.h"
#include "crawler/internal/url.h"
#include "crawler/internal/worker_pool.h"
#include "store/evidence.h"
#include "store/store.h"
#include "util/files.h"
#include "util/log.h"
#include "util/onion.h"

namespace leakwatch::crawler {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kResultWait{50};
constexpr milliseconds kStatsInterval{2000};
constexpr milliseconds kAbortWait{3000};
constexpr milliseconds kProxyCheckTimeout{30000};

// flock(2) on a file beside the database, held for the life of the object.
class CrawlLock {
 public:
  static Result<CrawlLock> Acquire(const std::filesystem::path& db_path) {
    if (db_path.has_parent_path()) {
      LW_RETURN_IF_ERROR(util::EnsurePrivateDirectory(db_path.parent_path()));
    }
    // Beside the resolved file: a symlink to the database must take the same lock.
    const std::string path = util::ResolvedPath(db_path).string() + ".crawl.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IOError(path + ": cannot open lock file: " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Busy("another leakwatch crawl is running (lock " + path +
                            " is held); this run exits without doing anything");
      }
      return Status::IOError(path + ": flock failed: " + std::strerror(err));
    }
    return CrawlLock(fd);
  }
  CrawlLock(CrawlLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  CrawlLock& operator=(CrawlLock&&) = delete;
  CrawlLock(const CrawlLock&) = delete;
  ~CrawlLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }

 private:
  explicit CrawlLock(int fd) : fd_(fd) {}
  int fd_;
};

using detail::Job;
using detail::Processed;
using detail::WorkerPool;

std::string FormatBytes(int64_t bytes) {
  constexpr double kKiB = 1024.0;
  const double b = static_cast<double>(bytes);
  char buf[64];
  if (b >= kKiB * kKiB) {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", b / (kKiB * kKiB));
  } else if (b >= kKiB) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", b / kKiB);
  } else {
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(bytes));
  }
  return buf;
}

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
        rng_(std::random_device{}()),
        run_id_(run_id),
        scheduler_(options, store, clock, run_id) {}

  Result<CrawlSummary> Run();

 private:
  bool StopRequested() const { return options_.stop_flag != nullptr && options_.stop_flag->load(); }
  Result<int64_t> Lease(WorkerPool& pool);
  Status Write(Processed& p);
  Status WriteSuccess(Processed& p);
  // Appends `p`'s exchange to the run's WARC file. nullopt when evidence is off or the
  // write failed (logged and counted: the sightings are still recorded).
  std::optional<store::WarcLocation> WriteEvidence(const Processed& p);
  bool EvidenceWanted(const Processed& p) const {
    return !options_.evidence_dir.empty() && !p.unchanged &&
           (!p.page.sightings.empty() || options_.keep_unmatched);
  }
  // Marks the source profile_broken when this listing page suddenly yields (almost)
  // nothing compared with its own history (policy: LooksProfileBroken).
  Status CheckAdapterHealth(const store::FrontierEntry& e, int64_t items);
  Status WriteFailure(Processed& p);

  const CrawlOptions& options_;
  PageProcessor& processor_;
  const util::Clock& clock_;
  store::Store& store_;
  std::mt19937_64 rng_;
  const int64_t run_id_;
  detail::Scheduler scheduler_;

  std::optional<store::EvidenceWriter> evidence_;  // this run's WARC file (set in Run)

  CrawlSummary summary_;
  bool tor_down_ = false;
  std::string tor_down_detail_;
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

Status Crawl::CheckAdapterHealth(const store::FrontierEntry& e, int64_t items) {
  constexpr int64_t kYieldSamplesRead = 20;
  LW_ASSIGN_OR_RETURN(std::vector<store::YieldSample> samples,
                      store_.sources().RecentYields(e.source_id, kYieldSamplesRead));
  std::vector<int64_t> same_page;
  for (const store::YieldSample& sample : samples) {
    if (sample.url == e.url) same_page.push_back(sample.items);
  }
  if (!LooksProfileBroken(items, std::move(same_page))) return Status::Ok();
  util::LogWarn(
      "listing yields far fewer items than usual: the site's markup probably "
      "changed under its profile",
      {{"url", e.url}, {"items", std::to_string(items)}});
  return store_.sources().SetState(e.source_id, store::SourceState::kProfileBroken);
}

Status Crawl::WriteSuccess(Processed& p) {
  const FetchResult& r = p.result;
  const store::FrontierEntry& e = p.job.entry;
  const int64_t now = util::ToUnixSeconds(clock_.Now());
  store::FetchCompletion c;
  c.last_status = std::to_string(r.http_status);
  c.etag = r.not_modified() ? e.etag : r.etag;
  c.last_modified = r.not_modified() ? e.last_modified : r.last_modified;
  c.content_hash = p.sha256.empty() ? e.content_hash : std::optional<std::string>(p.sha256);
  c.revisit_at = scheduler_.RevisitAt(p.job, now);
  LW_RETURN_IF_ERROR(store_.frontier().Complete(e.id, c));
  LW_RETURN_IF_ERROR(store_.sources().RecordSuccess(e.source_id));
  if (!p.sha256.empty()) {
    auto touched = store_.blobs().Touch(p.sha256, static_cast<int64_t>(p.bytes), r.content_type);
    if (!touched) return touched.error();
  }
  if (p.unchanged) return Status::Ok();
  std::optional<store::WarcLocation> evidence;
  if (EvidenceWanted(p)) evidence = WriteEvidence(p);
  p.evidence_body = Body();  // copied (or not needed): memory back to the budget
  for (store::RecordSightingRequest& request : p.page.sightings) {
    store::NewSighting& sighting = request.sighting;
    sighting.run_id = run_id_;
    sighting.linked_from = e.discovered_from;
    if (evidence) {
      sighting.evidence_warc = evidence->file.string();
      sighting.evidence_warc_offset = evidence->offset;
    }
    if (options_.route_alerts) request.notifications = options_.route_alerts(request.sighting);
    LW_ASSIGN_OR_RETURN(store::RecordSightingResult recorded, store_.RecordSighting(request));
    if (recorded.sighting.is_new) {
      ++summary_.new_sightings;
    } else if (evidence) {
      // Seen before, maybe by a run that kept no evidence: fill the gap only.
      auto filled = store_.sightings().SetEvidenceIfMissing(
          recorded.sighting.id, evidence->file.string(), evidence->offset);
      if (!filled.has_value()) return filled.error();
    }
  }
  if (!evidence && EvidenceWanted(p) && !p.page.sightings.empty()) {
    // Not complete without its evidence: the sightings stand (a new one is alerted once,
    // like any), but the object is due again now with no validators and no hash, so the
    // next run fetches and processes it again and fills the evidence in (above). TakeDue
    // never leases it twice in one run.
    ++summary_.evidence_missing;
    store::FetchCompletion again;
    again.last_status = c.last_status;
    again.revisit_at = now;
    LW_RETURN_IF_ERROR(store_.frontier().Complete(e.id, again));
  }
  LW_ASSIGN_OR_RETURN(int64_t added, scheduler_.AddLinks(p.job, p.page.links));
  summary_.new_urls += added;
  if (e.kind == store::UrlKind::kListing) {
    LW_RETURN_IF_ERROR(CheckAdapterHealth(e, p.page.items));
    LW_RETURN_IF_ERROR(store_.sources().AddYield(e.source_id, run_id_, e.url, p.page.items));
    LW_RETURN_IF_ERROR(scheduler_.FollowNextPage(p.job, p.page, added));
  }
  for (const store::NewAnomaly& a : p.page.anomalies) {
    ++summary_.stats.errors_by_class["anomaly"];
    util::LogDebug(
        "page anomaly",
        {{"url", a.url}, {"member", a.member_path}, {"kind", a.kind}, {"detail", a.detail}});
  }
  // Past the store's bounds an anomaly is counted there but not stored.
  auto recorded = store_.anomalies().Record(run_id_, e.source_id, p.page.anomalies);
  return recorded.has_value() ? Status::Ok() : recorded.error();
}

std::optional<store::WarcLocation> Crawl::WriteEvidence(const Processed& p) {
  const FetchResult& r = p.result;
  const store::FrontierEntry& e = p.job.entry;
  const Body& body = p.evidence_body;
  store::WarcExchange x;
  x.target_uri = r.final_url;
  x.request_head = r.request_head;
  x.response_head = store::WarcResponseHeadForDecodedBody(r.response_head, body.size());
  if (body.spooled()) {
    x.read_body = [&body](uint64_t offset, size_t max) { return body.Read(offset, max); };
    x.body_size = body.size();
  } else {
    x.body = body.memory();
  }
  x.fetched_at = r.fetched_at;
  std::string kinds;
  for (const store::RecordSightingRequest& s : p.page.sightings) {
    const std::string kind(store::SightingKindName(s.sighting.kind));
    if (kinds.find(kind) == std::string::npos) kinds += (kinds.empty() ? "" : ",") + kind;
  }
  x.metadata = {
      {"fetch-time", util::FormatRfc3339(r.fetched_at)},
      {"via-proxy", r.via_proxy},
      {"source", p.job.source->name},
      {"run-id", std::to_string(run_id_)},
      {"requested-url", e.url},
      {"redirects", std::to_string(r.redirects)},
      {"sha256", p.sha256},
      {"sightings", std::to_string(p.page.sightings.size())},
  };
  if (!kinds.empty()) x.metadata.emplace_back("sighting-kinds", kinds);
  if (p.page.sightings.empty()) {
    x.metadata.emplace_back("kept-because", "retention.keep_unmatched = true");
  }
  if (e.discovered_from) x.metadata.emplace_back("linked-from", *e.discovered_from);
  x.metadata.emplace_back("request-secrets",
                          "Cookie, Authorization and Proxy-Authorization values redacted");
  x.metadata.emplace_back("payload-coding",
                          "transfer and content coding removed by the client; the original "
                          "headers are kept as X-Leakwatch-Orig-*");
  if (r.response_head_truncated) x.metadata.emplace_back("response-head-truncated", "true");

  auto location = evidence_->Append(x);
  if (!location.has_value()) {
    ++summary_.stats.errors_by_class["evidence"];  // not a fetch error: like anomalies
    if (summary_.evidence_error.empty()) summary_.evidence_error = location.error().message();
    util::LogWarn(
        "cannot write WARC evidence; the object is fetched again by the next run to write it",
        {{"url", e.url}, {"error", location.error().ToString()}});
    return std::nullopt;
  }
  return std::move(location).value();
}

Status Crawl::WriteFailure(Processed& p) {
  const FetchResult& r = p.result;
  const store::FrontierEntry& e = p.job.entry;
  const std::string name(ErrorClassName(r.error));
  ++summary_.stats.errors;
  ++summary_.stats.errors_by_class[name];
  const Retry retry = RetryFor(r.error);
  if (retry == Retry::kNo) {
    if (r.refused_redirect) {
      util::LogWarn("redirect refused",
                    {{"url", e.url}, {"target", *r.refused_redirect}, {"reason", r.error_detail}});
    }
    return store_.frontier().FailPermanent(e.id, name);
  }
  const util::TimePoint now = clock_.Now();
  std::optional<std::chrono::seconds> retry_after;
  if (r.retry_after) retry_after = ParseRetryAfter(*r.retry_after, now);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const util::TimePoint due =
      NextRetryAt(options_.backoff, e.attempts + 1, now, retry_after, unit(rng_));
  LW_RETURN_IF_ERROR(store_.frontier().FailTransient(e.id, name, util::ToUnixSeconds(due)));
  const bool expired = r.error == ErrorClass::kSessionExpired;
  if (expired && scheduler_.MarkSessionExpired(p.job.source_index)) {
    util::LogWarn(
        "session expired (redirected to the login page): no more requests to this "
        "source in this run; renew its cookies",
        {{"source", p.job.source->name}, {"url", e.url}});
  }
  const store::SourceState state =
      expired ? store::SourceState::kSessionExpired : store::SourceState::kFailing;
  std::string message = r.error_detail.substr(0, 300);
  return store_.sources().RecordFailure(e.source_id, state, name, message);
}

Status Crawl::Write(Processed& p) {
  scheduler_.Finished(p.job);
  const FetchResult& r = p.result;
  if (r.error == ErrorClass::kCancelled) return Status::Ok();  // released at the end
  if (r.error == ErrorClass::kTorDown) {
    // Not the site's fault: the URL stays leased and is released untouched.
    tor_down_ = true;
    tor_down_detail_ = r.error_detail;
    return Status::Ok();
  }
  ++summary_.stats.pages;
  summary_.stats.bytes += static_cast<int64_t>(p.bytes);
  store::FetchLogEntry log;
  log.run_id = run_id_;
  log.source_id = p.job.entry.source_id;
  log.url = p.job.entry.url;
  if (r.http_status > 0) log.http_status = r.http_status;
  if (!r.ok()) log.error_class = std::string(ErrorClassName(r.error));
  log.bytes = static_cast<int64_t>(p.bytes);
  log.duration_ms = r.duration_ms;
  if (!p.sha256.empty()) log.content_sha256 = p.sha256;
  auto logged = store_.fetches().Log(log);
  if (!logged) return logged.error();
  return r.ok() ? WriteSuccess(p) : WriteFailure(p);
}

Result<CrawlSummary> Crawl::Run() {
  summary_.run_id = run_id_;
  evidence_.emplace(options_.evidence_dir, run_id_);
  evidence_->SetMaxFileSizeForTesting(options_.evidence_max_file_size_for_testing);
  // Time comes from the injected clock only, read once per turn of the loop.
  const util::TimePoint started = clock_.Now();
  const util::TimePoint deadline = started + options_.max_duration;
  LW_ASSIGN_OR_RETURN(summary_.new_urls, scheduler_.Seed());
  LW_ASSIGN_OR_RETURN(std::unique_ptr<Fetcher> fetcher, Fetcher::Start(options_.fetch, clock_));
  WorkerPool pool(
      *fetcher, processor_, [this](const Processed& p) { return EvidenceWanted(p); },
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
    if (!stopping && (StopRequested() || limit_hit || tor_down_ || !failure.ok())) {
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
    if (!batch.empty()) {
      Status st = store_.InTransaction([&]() -> Status {
        for (Processed& p : batch) LW_RETURN_IF_ERROR(Write(p));
        // The sightings written above point at WARC records: make those bytes durable
        // before the rows commit, so a crash or power cut can never leave a committed
        // sighting whose evidence offset is past the end of the file. (A crash after
        // the sync but before the commit only leaves unreferenced records behind; the
        // URLs are fetched again by the next run.)
        return evidence_->Sync();
      });
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
  summary_.tor_down = tor_down_;
  if (!failure.ok()) {
    summary_.status = store::RunStatus::kFailed;
  } else if (tor_down_ || summary_.evidence_missing > 0) {
    summary_.status = store::RunStatus::kFailed;
  } else if (summary_.stopped_by_signal) {
    summary_.status = store::RunStatus::kInterrupted;
  } else {
    summary_.status = store::RunStatus::kOk;
  }
  std::string note = summary_.ToString();
  if (tor_down_) note += "; Tor went down: " + tor_down_detail_;
  if (!failure.ok()) note += "; " + failure.ToString();
  if (summary_.evidence_missing > 0) note += "; " + summary_.EvidenceProblem();
  LW_RETURN_IF_ERROR(store_.runs().Finish(run_id_, summary_.status, summary_.stats, note));
  if (!failure.ok()) return failure;
  if (tor_down_) return Status::Unavailable("Tor went down during the crawl: " + tor_down_detail_);
  return summary_;
}

Status Validate(const CrawlOptions& options) {
  for (const SourceSpec& spec : options.sources) {
    for (const std::string& url : spec.start_urls) {
      auto parts = detail::SplitUrl(url);
      if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
        return Status::InvalidArgument("source " + spec.name + ": not an http(s) URL: " + url);
      }
      if (util::IsOnionHost(parts->host) && spec.direct) {
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
                    FormatBytes(stats.bytes) + ", " + std::to_string(stats.errors) + " errors";
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
