#include "store/retention.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

namespace fs = std::filesystem;

// A fetch row is the log of a sighting's fetch when a sighting has its URL (the page
// or the archive a member came from) or the hash of what it fetched.
#define LW_FETCH_AGED_OUT                                                                 \
  "fetched_at < ?1 AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.url = fetches.url) " \
  "AND (content_sha256 IS NULL OR NOT EXISTS "                                            \
  "(SELECT 1 FROM sightings s WHERE s.sha256 = fetches.content_sha256))"
#define LW_BLOB_AGED_OUT \
  "last_seen < ?1 AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.sha256 = blobs.sha256)"
constexpr const char* kCountFetches = "SELECT count(*) FROM fetches WHERE " LW_FETCH_AGED_OUT;
constexpr const char* kDeleteFetches = "DELETE FROM fetches WHERE " LW_FETCH_AGED_OUT;
constexpr const char* kCountBlobs = "SELECT count(*) FROM blobs WHERE " LW_BLOB_AGED_OUT;
constexpr const char* kDeleteBlobs = "DELETE FROM blobs WHERE " LW_BLOB_AGED_OUT;
#undef LW_FETCH_AGED_OUT
#undef LW_BLOB_AGED_OUT
constexpr const char* kReferencedEvidence =
    "SELECT DISTINCT evidence_warc FROM sightings "
    "WHERE evidence_warc IS NOT NULL AND evidence_warc != ''";
constexpr const char* kGetMeta = "SELECT value FROM meta WHERE key = ?1";
constexpr const char* kSetMeta =
    "INSERT INTO meta (key, value, updated_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";

constexpr const char* kLastPruneKey = "retention.last_prune_at";

// The ways a sighting's evidence_warc can name a file: its canonical path, and (for
// files that exist) its device and inode, which also catches hard links and paths
// spelled through a different symlinked directory.
struct ReferencedFiles {
  std::set<std::string> canonical_paths;
  std::set<std::pair<dev_t, ino_t>> inodes;

  void Add(const std::string& stored_path) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(fs::path(stored_path), ec);
    canonical_paths.insert(ec ? fs::path(stored_path).lexically_normal().string()
                              : canonical.string());
    struct stat st {};
    if (::stat(stored_path.c_str(), &st) == 0) inodes.emplace(st.st_dev, st.st_ino);
  }

  bool Contains(const fs::path& path, const struct stat& st) const {
    if (inodes.count({st.st_dev, st.st_ino}) > 0) return true;
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    return canonical_paths.count(ec ? path.lexically_normal().string() : canonical.string()) > 0;
  }
};

bool IsWarcName(const fs::path& path) {
  const std::string name = path.filename().string();
  auto ends_with = [&](std::string_view suffix) {
    return name.size() > suffix.size() &&
           std::string_view(name).substr(name.size() - suffix.size()) == suffix;
  };
  return ends_with(".warc") || ends_with(".warc.gz");
}

// Lists the unreferenced WARC files modified before `cutoff` under `dir`.
Status ListUnreferencedEvidence(const fs::path& dir, int64_t cutoff,
                                const ReferencedFiles& referenced, RetentionReport& report) {
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  const fs::file_status dir_status = fs::symlink_status(dir, ec);
  if (ec || !fs::exists(dir_status)) return Status::Ok();  // nothing written yet
  if (!fs::is_directory(dir_status) && !fs::is_symlink(dir_status)) {
    return Status::InvalidArgument(dir.string() + ": evidence directory is not a directory");
  }
  // The evidence directory itself may be a symlink (e.g. onto a data volume); entries
  // below it are never followed.
  // An unreadable subdirectory is skipped, not fatal: what can be listed is.
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec)
    return Status::IOError(dir.string() + ": cannot list evidence directory: " + ec.message());
  int64_t scanned = 0;
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return Status::IOError(dir.string() + ": cannot list evidence directory: " + ec.message());
    }
    if (++scanned > kMaxEvidenceEntriesScanned) {
      report.evidence_scan_truncated = true;
      break;
    }
    const fs::path& path = it->path();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (!IsWarcName(path)) continue;
    const int64_t modified_at = static_cast<int64_t>(st.st_mtim.tv_sec);
    if (modified_at >= cutoff) continue;
    if (referenced.Contains(path, st)) continue;
    report.unreferenced_evidence.push_back(
        EvidenceFile{path, static_cast<int64_t>(st.st_size), modified_at});
  }
  std::sort(report.unreferenced_evidence.begin(), report.unreferenced_evidence.end(),
            [](const EvidenceFile& a, const EvidenceFile& b) { return a.path < b.path; });
  return Status::Ok();
}

Result<int64_t> CountWhere(detail::StoreCore& core, const char* sql, int64_t cutoff) {
  LW_ASSIGN_OR_RETURN(auto st, core.Prepare(sql));
  LW_ASSIGN_OR_RETURN(bool row, st->BindAll(cutoff).Step());
  return row ? st->ColumnInt(0) : int64_t{0};
}

}  // namespace

int64_t RetentionReport::evidence_bytes() const {
  int64_t total = 0;
  for (const EvidenceFile& file : unreferenced_evidence) total += file.bytes;
  return total;
}

bool PruneIsDue(std::optional<int64_t> last_prune_at, int64_t now, int64_t interval_seconds) {
  if (!last_prune_at) return true;
  if (*last_prune_at > now) return true;  // the clock was set back: do not wait for it
  return now - *last_prune_at >= interval_seconds;
}

Result<std::optional<int64_t>> RetentionRepository::LastPruneAt() {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGetMeta));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(std::string_view(kLastPruneKey)).Step());
  if (!found) return std::optional<int64_t>();
  const std::string text = st->ColumnText(0);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::Corruption(core_.db().path().string() + ": meta " + kLastPruneKey +
                              " is not a number");
  }
  return std::optional<int64_t>(value);
}

Status RetentionRepository::PruneRows(const RetentionRequest& request, RetentionReport& report) {
  report.dry_run = request.dry_run;
  if (request.dry_run) {
    LW_ASSIGN_OR_RETURN(report.fetches, CountWhere(core_, kCountFetches, request.cutoff));
    LW_ASSIGN_OR_RETURN(report.blobs, CountWhere(core_, kCountBlobs, request.cutoff));
    return Status::Ok();
  }
  LW_ASSIGN_OR_RETURN(report.fetches, core_.Write(kDeleteFetches, request.cutoff));
  LW_ASSIGN_OR_RETURN(report.blobs, core_.Write(kDeleteBlobs, request.cutoff));
  const int64_t now = core_.Now();
  const std::string value = std::to_string(now);
  return core_.Execute(kSetMeta, std::string_view(kLastPruneKey), std::string_view(value), now);
}

namespace {

Result<ReferencedFiles> ReadReferencedEvidence(detail::StoreCore& core) {
  LW_ASSIGN_OR_RETURN(auto st, core.Prepare(kReferencedEvidence));
  ReferencedFiles referenced;
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    referenced.Add(st->ColumnText(0));
  }
  return referenced;
}

}  // namespace

Result<RetentionReport> RetentionRepository::Prune(const RetentionRequest& request) {
  RetentionReport report;
  ReferencedFiles referenced;
  auto pass = [&]() -> Status {
    report = RetentionReport{};
    LW_RETURN_IF_ERROR(PruneRows(request, report));
    LW_ASSIGN_OR_RETURN(referenced, ReadReferencedEvidence(core_));
    return Status::Ok();
  };
  // A dry run only reads: no write transaction, so it never waits for a crawl.
  LW_RETURN_IF_ERROR(request.dry_run ? pass() : core_.InTransaction(pass));
  LW_RETURN_IF_ERROR(
      ListUnreferencedEvidence(request.evidence_dir, request.cutoff, referenced, report));
  return report;
}

Result<std::optional<RetentionReport>> RetentionRepository::PruneIfDue(
    const RetentionRequest& request, int64_t interval_seconds) {
  if (request.dry_run) return Status::InvalidArgument("PruneIfDue: a dry run is never due");
  std::optional<RetentionReport> result;
  const Status tx = core_.InTransaction([&]() -> Status {
    result.reset();
    LW_ASSIGN_OR_RETURN(std::optional<int64_t> last, LastPruneAt());
    if (!PruneIsDue(last, core_.Now(), interval_seconds)) return Status::Ok();
    LW_ASSIGN_OR_RETURN(RetentionReport report, Prune(request));
    result = std::move(report);
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return result;
}

}  // namespace leakwatch::store
