// crawler/internal/scheduler: how a URL is chosen. Seeds each source's start URLs,
// leases due URLs from the store's frontier for this run, keeps sources in their
// scope (the hosts of their start URLs), admits discovered links and a listing's next
// page, decides when a fetched URL is due again, and builds each FetchRequest (the
// source's SOCKS isolation, cookies, headers, validators, politeness overrides).
//
// The frontier itself (what is pending, leased, done) lives in the store; the
// scheduler holds only this run's view: the sources crawled, what it has leased and
// not yet got back, listing pages fetched per source, sessions found expired.
//
// Threads: one thread only (the run's store writer). No network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crawler/crawl.h"
#include "crawler/fetcher.h"
#include "crawler/page_processor.h"
#include "store/frontier.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::crawler::detail {

// A frontier URL leased to this run, and the source it belongs to.
struct Job {
  store::FrontierEntry entry;
  size_t source_index = 0;             // into Scheduler::source
  const SourceSpec* source = nullptr;  // owned by CrawlOptions
};

class Scheduler {
 public:
  // `options`, `store` and `clock` must outlive the Scheduler. `run_id` is the run
  // that leases (store::RunsRepository::Start).
  Scheduler(const CrawlOptions& options, store::Store& store, const util::Clock& clock,
            int64_t run_id);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Registers the sources of this run (all, or CrawlOptions::only_source) in the store
  // and adds their start URLs to the frontier as listings at depth 0. Call once, first.
  // Returns how many frontier URLs were new. Errors: InvalidArgument for a start URL
  // that does not parse or for an only_source that names no source; store errors.
  Result<int64_t> Seed();

  // Leases due URLs for the fetcher, keeping at most twice Options::concurrency
  // leased and not yet Finished (the window). Leases nothing while less than a
  // quarter of the concurrency is free (each lease is a query and a transaction).
  // Fair between sources, at any concurrency: a source holds at most an equal share
  // of the window while others have URLs due, whatever its position in the config
  // (slots, not fetches: a slow source gets fewer fetches per second, never more
  // slots), and a lone free slot goes to each source in turn. Room that sources with
  // nothing due leave goes to the others. Sources whose session expired this run get
  // nothing. Store errors.
  Result<std::vector<Job>> Lease();
  // A leased job came back from the fetcher (whatever its outcome).
  void Finished(const Job& job);
  // Jobs leased and not yet Finished.
  int64_t in_flight() const { return in_flight_; }
  // Of those, the ones of source `index`.
  int64_t in_flight(size_t index) const { return in_flight_by_source_[index]; }

  // The request for `job`: its source's SOCKS credentials (one circuit set per source
  // and run), cookies, headers, login pattern and politeness overrides; the URL's
  // validators for a conditional GET (not for files). Its id is left 0.
  FetchRequest MakeRequest(const Job& job) const;

  // True when `url` (normalised) is on a host of source `index`'s start URLs.
  bool InScope(size_t index, const std::string& url) const;

  // Adds the in-scope, de-duplicated `links` found on `job`'s page to the frontier,
  // one hop deeper, unless that is past the source's max_depth. Returns how many
  // were new.
  Result<int64_t> AddLinks(const Job& job, const std::vector<DiscoveredLink>& links);

  // Follows a listing's next page while pages yield new URLs (`new_links` > 0) and the
  // source's listing_page_budget lasts: added at the same depth, or, when an earlier
  // run fetched it, made due again now. Store errors.
  Status FollowNextPage(const Job& job, const ProcessedPage& page, int64_t new_links);

  // When `job`'s URL, fetched successfully at `now` (Unix seconds), is due again:
  // listings every run (except pages reached as a next page: followed only while they
  // yield), items when the source revisits them, files never (nullopt: done).
  std::optional<int64_t> RevisitAt(const Job& job, int64_t now) const;

  // Marks source `index`'s session expired: nothing more is leased for it in this run.
  // Returns true the first time.
  bool MarkSessionExpired(size_t index);

  size_t source_count() const { return sources_.size(); }
  const SourceSpec& source(size_t index) const { return *sources_[index]; }

 private:
  // Leases up to `limit` due URLs of source `i` into `jobs`. Returns how many.
  Result<int64_t> TakeDue(size_t i, int64_t limit, std::vector<Job>& jobs);

  const CrawlOptions& options_;
  store::Store& store_;
  const util::Clock& clock_;
  const int64_t run_id_;

  std::vector<const SourceSpec*> sources_;  // the sources crawled this run
  std::vector<int64_t> source_ids_;
  std::vector<std::set<std::string>> scope_hosts_;
  std::vector<int64_t> listing_pages_;  // listing pages leased this run, per source
  // Sources redirected to their login page this run: nothing more is leased for them
  // until the next run (every request would bounce off the login page too).
  std::vector<bool> session_expired_;
  std::set<std::string> next_pages_;  // URLs reached as a listing's next page
  std::vector<int64_t> in_flight_by_source_;
  int64_t in_flight_ = 0;
  size_t next_first_ = 0;  // the source Lease serves first next time
};

}  // namespace leakwatch::crawler::detail
