// app/retention: the retention pass as `leakwatch db prune` and `leakwatch crawl` run
// it: the store ages out rows and lists the unreferenced, old WARC evidence files
// (store/retention.h); this layer deletes those files and describes the result.
//
// Where evidence lives: [store] evidence_dir (config::StoreConfig::evidence_dir,
// default $XDG_DATA_HOME/leakwatch/evidence).
//
// Thread safety: as the Store passed in (one thread at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::app {

struct PruneOutcome {
  store::RetentionReport report;    // rows removed (or counted) and files listed
  int64_t files_removed = 0;        // evidence files deleted (0 for a dry run)
  int64_t bytes_removed = 0;        // their sizes
  std::vector<std::string> errors;  // "path: reason" for files that could not be deleted
};

// How long non-sighting content is kept: [retention] days.
std::chrono::seconds RetentionMaxAge(const config::RetentionConfig& retention);

// One pass with cutoff now - max_age. Unless dry_run, deletes the listed evidence
// files (each re-checked first: a file modified since the listing is kept). A file
// that cannot be deleted is an entry in `errors`, not a failure.
// REQUIRES: max_age > 0. Errors: the store's (see RetentionRepository::Prune).
Result<PruneOutcome> PruneNow(store::Store& store, const std::filesystem::path& evidence_dir,
                              std::chrono::seconds max_age, const util::Clock& clock, bool dry_run);

// The crawl's daily rule: a pass as PruneNow when none ran in the last
// store::kPruneIntervalSeconds (RetentionRepository::PruneIfDue), else std::nullopt.
Result<std::optional<PruneOutcome>> PruneIfDue(store::Store& store,
                                               const std::filesystem::path& evidence_dir,
                                               std::chrono::seconds max_age,
                                               const util::Clock& clock);

// For `leakwatch crawl`: opens the database at `db_path`, runs PruneIfDue with the
// config's [store] evidence_dir and [retention] days, and returns the line to print
// ("retention: removed …"), "" when no pass was due, or "retention: failed …" (a
// failed pass never fails the crawl; it is retried next run).
std::string DailyPruneLine(const config::Config& config, const std::filesystem::path& db_path,
                           const util::Clock& clock);

// "12 fetch log rows, 3 blob rows, 2 evidence files (1.2 MiB)", prefixed "removed "
// or "would remove ".
std::string DescribePrune(const PruneOutcome& outcome);

}  // namespace leakwatch::app
