// crawler/crawl: one `leakwatch crawl` pass over all due sources, with the store.
//
// RunCrawl takes the crawl lock (flock on "<db>.crawl.lock" beside the database's resolved
// path, so a symlink to it takes the same lock: a second, overlapping run fails at once
// with Busy), checks the proxy (Tor down ->
// Unavailable, one clear message, no source blamed), opens a `runs` row, requeues URLs
// leased by a killed run, seeds each source's start URLs, then loops:
//   lease due URLs (store frontier) -> Fetcher (I/O thread) -> worker pool (hash,
//   PageProcessor) -> this thread, the single store writer: fetch log, frontier
//   outcome, new links, source health, blobs, run stats.
// Listings (start URLs and boards) are revisited every run; a listing's next page is
// followed while pages yield new URLs and the source's page budget lasts. Items and
// files are fetched once (items again only when the source says so). Transient
// failures are retried in later runs with exponential back-off and jitter (429/503
// Retry-After honoured); permanent ones (404, 410, refused redirects) are recorded and
// never retried. Unchanged bodies (304, or the same SHA-256 as last time) are not
// processed again.
//
// Big files: a response is a file when it is not HTML or text (whatever the link looked
// like). A body past its cap, and a file cut by a timeout, a broken circuit or the
// run's stop, is processed as a part (its sightings carry NewSighting::part, its WARC
// response record WARC-Truncated). When the server named a validator, the next run
// continues the file with "Range: bytes=N-" and If-Range, N a little before where this
// part ended (parts overlap by up to 64 KiB, so records and chunks cut at a boundary are
// matched whole); a changed file or a server without ranges sends it from the start. A source
// redirected to its login page (login_pattern) is marked session_expired and gets no further
// request in that run; the next run tries once more, in case its cookies were renewed.
//
// Evidence: for every fetched object that produced at least one sighting (archive
// members included: the evidence is the outer response), the writer appends request,
// response and metadata records to the run's WARC file (store::EvidenceWriter; bodies
// spooled to disk are streamed from their spool file) and records the response
// record's location on the sightings, in the same store transaction; the WARC file is
// fdatasync'ed before that transaction commits, so no committed sighting points at
// bytes a crash could lose. Content that matched nothing is written nowhere (only its
// hash and fetch metadata reach the DB) unless keep_unmatched. A failed WARC write
// (evidence volume full, directory unwritable) loses neither the sighting nor its
// evidence for good: the sightings are recorded (a new one is alerted once) without
// evidence, the object is not completed but due again with no validators or hash, so
// the next run fetches it again and fills the evidence in; the run counts an
// "evidence" error and ends "failed" (CrawlSummary::evidence_missing), so the command
// exits non-zero.
//
// Stopping: when *stop_flag becomes true (SIGINT/SIGTERM, see InstallStopSignals),
// --max-duration or --max-pages is reached, no transfer starts any more; running ones
// get `grace` to finish, then are aborted; leases are released; the run is finished
// as "interrupted" (or "ok" for limits). A SIGKILL leaves leases behind that the next
// run requeues: nothing recorded is lost, nothing is fetched twice once recorded.
//
// Threads: RunCrawl blocks the calling thread (it is the store writer) and runs one
// fetch thread plus Options::workers worker threads.
//
// Inside: how a URL is chosen is crawler/internal/scheduler.h; hashing and processing
// bodies, internal/worker_pool.h; what is written after a fetch, internal/run_writer.h;
// crawl.cc is the loop that ties them.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crawler/options.h"
#include "crawler/page_processor.h"
#include "crawler/policy.h"
#include "crawler/preflight.h"
#include "store/runs.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::crawler {

inline constexpr std::chrono::seconds kNewnymMinInterval{10};

struct SourceSpec {
  std::string name;
  std::string profile = "generic";
  std::vector<std::string> start_urls;     // listings, revisited every run
  bool direct = false;                     // clearnet without Tor: explicit only
  std::string cookies_file;                // Netscape format; empty: none
  std::string cookie_header;               // literal Cookie header; empty: none
  std::vector<std::string> extra_headers;  // "Name: value" lines for this source only
  std::string login_pattern;               // RE2 on a redirect target meaning "session expired"
  int max_depth = 3;                       // link hops from a start URL
  int listing_page_budget = 20;            // listing pages fetched per run
  bool revisit_items = false;
  std::chrono::seconds item_revisit_interval{std::chrono::hours(24)};
  int per_host = 0;                                    // 0: Options::per_host
  std::optional<std::chrono::milliseconds> min_delay;  // nullopt: Options::min_delay
};

struct CrawlOptions {
  Options fetch;
  std::filesystem::path db_path;
  std::vector<SourceSpec> sources;
  std::optional<std::string> only_source;  // --source NAME
  std::chrono::milliseconds max_duration{std::chrono::minutes(12)};
  int64_t max_pages = 0;  // 0: no limit
  BackoffRules backoff;
  std::chrono::milliseconds grace{5000};  // in-flight transfers allowed after a stop
  // Set from a signal handler (InstallStopSignals) or a test; may be null.
  const std::atomic<bool>* stop_flag = nullptr;
  bool preflight = true;
  ControlPortOptions control;
  // Send SIGNAL NEWNYM on the control port at the start of the run so it does not
  // reuse the previous run's circuits; skipped when the previous run started less
  // than kNewnymMinInterval ago (Tor's own rate limit). Failure only logs a warning.
  bool newnym = false;
  // The outbox messages a new sighting gets (the channels whose filters it passes),
  // enqueued in the same transaction as the sighting. Unset: none. Supplied by app
  // from notify's routing rules, which the crawler does not know.
  std::function<std::vector<store::NotificationRequest>(const store::NewSighting&)> route_alerts;
  // Per-run stream isolation secret mixed into each source's SOCKS password, so a new
  // run gets new circuits even without a control port. Empty: derived from the run id.
  std::string isolation_salt;
  // Evidence: where this run's WARC file goes ("run-<id>.warc", created 0600 on the
  // first record; the directory 0700 if missing). Empty: no evidence is kept.
  std::filesystem::path evidence_dir;
  // Also keep responses that produced no sighting ([retention] keep_unmatched). Off by
  // default: a monitor must not hoard third-party content that is not the dataset.
  bool keep_unmatched = false;
  // Test hook (STYLE rule 17): > 0 makes the k-th store commit of the run fail and
  // roll back (store::Store::SetCommitFaultForTesting), as a crash before COMMIT would.
  int commit_fault_for_testing = 0;
  // Test hook: > 0 lets this run's evidence file grow to at most this many bytes, as
  // if the evidence volume were full past it (store::EvidenceWriter).
  uint64_t evidence_max_file_size_for_testing = 0;
};

struct CrawlSummary {
  int64_t run_id = 0;
  store::RunStatus status = store::RunStatus::kOk;
  store::RunStats stats;
  int64_t new_urls = 0;
  int64_t new_sightings = 0;
  std::chrono::milliseconds duration{0};  // measured on the injected clock
  bool stopped_by_signal = false;
  bool tor_down = false;
  // Objects whose sightings were recorded without their evidence (the WARC write
  // failed); each is fetched again by the next run. > 0 makes the run "failed".
  int64_t evidence_missing = 0;
  std::string evidence_error;  // the first failed evidence write's message
  // One line for the terminal: "crawl: 120 pages, 3.1 MiB, 4 errors (timeout 3, ...) in 42s".
  std::string ToString() const;
  // The sentence for the run's note and the terminal when evidence_missing > 0.
  std::string EvidenceProblem() const;
};

// Runs one crawl pass. Errors: Busy when another crawl holds the lock; Unavailable
// when the proxy is down (a failed run row is still written when the DB opened);
// InvalidArgument for bad options (an .onion start URL on a direct source, ...);
// store errors otherwise. A run that could not write some evidence is not an error:
// its summary has status kFailed and evidence_missing > 0 (the notifications of its
// sightings must still go out). `processor` and `clock` must outlive the call; the run
// reads time only from `clock` (max_duration, grace, stats interval, duration).
Result<CrawlSummary> RunCrawl(const CrawlOptions& options, PageProcessor& processor,
                              const util::Clock& clock);

// Installs SIGINT/SIGTERM handlers that set the returned flag (async-signal-safe).
// Call once from main before RunCrawl; pass the flag as CrawlOptions::stop_flag.
const std::atomic<bool>* InstallStopSignals();

}  // namespace leakwatch::crawler
