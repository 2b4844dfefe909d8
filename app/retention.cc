#include "app/retention.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/bytes.h"

namespace leakwatch::app {
namespace {

std::string Plural(int64_t n, const char* singular, const char* plural) {
  return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

// Deletes the files the store listed. Each is re-checked first (still a regular
// file, still older than the cutoff), so a file rewritten since the listing stays.
void DeleteEvidence(int64_t cutoff, PruneOutcome& outcome) {
  for (const store::EvidenceFile& file : outcome.report.unreferenced_evidence) {
    struct stat st {};
    if (::lstat(file.path.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        outcome.errors.push_back(file.path.string() + ": " + std::strerror(errno));
      }
      continue;
    }
    if (!S_ISREG(st.st_mode) || static_cast<int64_t>(st.st_mtim.tv_sec) >= cutoff) continue;
    if (::unlink(file.path.c_str()) != 0) {
      outcome.errors.push_back(file.path.string() + ": " + std::strerror(errno));
      continue;
    }
    ++outcome.files_removed;
    outcome.bytes_removed += static_cast<int64_t>(st.st_size);
  }
}

int64_t CutoffFor(std::chrono::seconds max_age, const util::Clock& clock) {
  return util::ToUnixSeconds(clock.Now()) - max_age.count();
}

}  // namespace

std::chrono::seconds RetentionMaxAge(const config::RetentionConfig& retention) {
  return std::chrono::hours(24) * retention.days;
}

Result<PruneOutcome> PruneNow(store::Store& store, const std::filesystem::path& evidence_dir,
                              std::chrono::seconds max_age, const util::Clock& clock,
                              bool dry_run) {
  if (max_age.count() <= 0) return Status::InvalidArgument("retention age must be positive");
  const int64_t cutoff = CutoffFor(max_age, clock);
  PruneOutcome outcome;
  LW_ASSIGN_OR_RETURN(outcome.report, store.retention().Prune(
                                          store::RetentionRequest{cutoff, evidence_dir, dry_run}));
  if (!dry_run) DeleteEvidence(cutoff, outcome);
  return outcome;
}

Result<std::optional<PruneOutcome>> PruneIfDue(store::Store& store,
                                               const std::filesystem::path& evidence_dir,
                                               std::chrono::seconds max_age,
                                               const util::Clock& clock) {
  if (max_age.count() <= 0) return Status::InvalidArgument("retention age must be positive");
  const int64_t cutoff = CutoffFor(max_age, clock);
  LW_ASSIGN_OR_RETURN(std::optional<store::RetentionReport> report,
                      store.retention().PruneIfDue(store::RetentionRequest{cutoff, evidence_dir,
                                                                           /*dry_run=*/false}));
  if (!report) return std::optional<PruneOutcome>();
  PruneOutcome outcome;
  outcome.report = std::move(*report);
  DeleteEvidence(cutoff, outcome);
  return std::optional<PruneOutcome>(std::move(outcome));
}

std::string DailyPruneLine(const config::Config& config, const std::filesystem::path& db_path,
                           const util::Clock& clock) {
  Result<store::Store> db = store::Store::Open(db_path, clock);
  if (!db.has_value()) return "retention: failed, retried next run: " + db.error().message();
  Result<std::optional<PruneOutcome>> pruned =
      PruneIfDue(*db, config.store.evidence_dir, RetentionMaxAge(config.retention), clock);
  if (!pruned.has_value()) {
    return "retention: failed, retried next run: " + pruned.error().message();
  }
  if (!pruned->has_value()) return "";
  std::string line = "retention: " + DescribePrune(**pruned);
  if (!(*pruned)->errors.empty()) {
    line += fmt::format("; {} could not be deleted (first: {})",
                        Plural(static_cast<int64_t>((*pruned)->errors.size()), "file", "files"),
                        (*pruned)->errors.front());
  }
  return line;
}

std::string DescribePrune(const PruneOutcome& outcome) {
  const store::RetentionReport& r = outcome.report;
  const int64_t files =
      r.dry_run ? static_cast<int64_t>(r.unreferenced_evidence.size()) : outcome.files_removed;
  const int64_t bytes = r.dry_run ? r.evidence_bytes() : outcome.bytes_removed;
  std::string text = fmt::format("{} {}, {}, {} ({})", r.dry_run ? "would remove" : "removed",
                                 Plural(r.fetches, "fetch log row", "fetch log rows"),
                                 Plural(r.blobs, "blob row", "blob rows"),
                                 Plural(files, "evidence file", "evidence files"),
                                 util::FormatBytes(static_cast<uint64_t>(bytes)));
  if (r.evidence_scan_truncated) text += "; more evidence files wait for the next pass";
  return text;
}

}  // namespace leakwatch::app
