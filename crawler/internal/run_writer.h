// crawler/internal/run_writer: what is written after a fetch. The run's single store
// writer records each processed fetch, a batch at a time in one store transaction:
//   every fetch    a fetch log row, the run's page, byte and error counts;
//   success        the frontier outcome (validators, content hash, when it is due
//                  again), the source's success, the blob; unless the body is
//                  unchanged: WARC evidence, the sightings (with their alerts; a
//                  sighting seen before gets this evidence if it had none), the new
//                  links, for listings the yield, the adapter health check and the
//                  next page, and the page's anomalies (counted, and stored as rows
//                  within the store's bounds);
//   no evidence    when the WARC write fails, the sightings still stand (a new one is
//                  alerted once) but the object is left due again now without
//                  validators or hash, so the next run fetches it again and fills the
//                  evidence in; the run counts it (CrawlSummary::evidence_missing) and
//                  ends failed;
//   failure        permanent (never retried) or transient (back-off with jitter,
//                  Retry-After honoured), the source's failure state; a session
//                  redirected to its login page stops the source for the run;
//   Tor down       nothing: the URL stays leased and is released at the end.
//
// Threads: the run's writer thread only (it owns the store's writes).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>

#include "crawler/crawl.h"
#include "crawler/internal/scheduler.h"
#include "crawler/internal/worker_pool.h"
#include "store/evidence.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::crawler::detail {

class RunWriter {
 public:
  // Every reference must outlive the RunWriter. Counts go to `summary` (stats,
  // new_urls, new_sightings, evidence_missing, evidence_error). The evidence
  // directory and its test size limit are read from `options` here, once.
  RunWriter(const CrawlOptions& options, store::Store& store, const util::Clock& clock,
            Scheduler& scheduler, int64_t run_id, CrawlSummary& summary);
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  // True when `p`'s body goes into the run's WARC file: evidence is on, the body
  // changed, and it produced a sighting (or keep_unmatched). Any thread.
  bool EvidenceWanted(const Processed& p) const;

  // Records `batch` in one store transaction; WARC records appended for it are synced before the
  // commit, so no committed sighting points at bytes a crash could lose. An error rolls the whole
  // batch back and is returned; the run should then stop.
  Status WriteBatch(std::deque<Processed>& batch);

  // A result said Tor itself went down (the run should stop; nobody is blamed).
  bool tor_down() const { return tor_down_; }
  const std::string& tor_down_detail() const { return tor_down_detail_; }

 private:
  Status Write(Processed& p);
  Status WriteSuccess(Processed& p);
  Status WriteFailure(Processed& p);
  // Marks the source profile_broken when this listing page suddenly yields (almost)
  // nothing compared with its own history (policy: LooksProfileBroken).
  Status CheckAdapterHealth(const store::FrontierEntry& e, int64_t items);
  // Appends `p`'s exchange (with its metadata record: source, run, requested URL,
  // sighting kinds, ...) to the run's WARC file. nullopt when the write failed (logged,
  // counted as an "evidence" error, the first message kept in the summary).
  std::optional<store::WarcLocation> WriteEvidence(const Processed& p);

  const CrawlOptions& options_;
  store::Store& store_;
  const util::Clock& clock_;
  Scheduler& scheduler_;
  const int64_t run_id_;
  CrawlSummary& summary_;
  std::mt19937_64 rng_;  // back-off jitter

  store::EvidenceWriter evidence_;  // this run's WARC file, created on the first record

  bool tor_down_ = false;
  std::string tor_down_detail_;
};

}  // namespace leakwatch::crawler::detail
