#include "store/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "store/internal/core.h"
#include "store/internal/file_access.h"
#include "store/internal/migrations.h"
#include "util/files.h"

namespace leakwatch::store {
namespace detail {

StoreCore::StoreCore(util::Database db, const util::Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Result<ScopedStatement> StoreCore::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    LW_ASSIGN_OR_RETURN(util::Statement statement, db_.Prepare(sql));
    it = statements_.emplace(sql, std::move(statement)).first;
  }
  return ScopedStatement(it->second);
}

Status StoreCore::InTransaction(const std::function<Status()>& body) {
  if (transaction_depth_ > 0) return body();
  LW_ASSIGN_OR_RETURN(util::Transaction tx, util::Transaction::Begin(db_));
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
  };
  {
    DepthGuard guard(transaction_depth_);
    LW_RETURN_IF_ERROR(body());  // `tx` rolls back as it goes out of scope
  }
  ++commits_;
  if (commits_ == fault_at_commit_) {
    return Status::IOError(db_.path().string() + ": injected commit fault (commit " +
                           std::to_string(commits_) + ")");
  }
  return tx.Commit();
}

}  // namespace detail

namespace {

// The DB holds sighting URLs and source health: private to the user from creation.
Status CreatePrivateFileIfMissing(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  if (errno == EEXIST) return Status::Ok();
  return Status::IOError(path.string() + ": cannot create database file: " + std::strerror(errno));
}

// A Corruption from opening means "this file is not a SQLite database at all".
Status ExplainOpenFailure(const Status& status, const std::filesystem::path& path) {
  if (status.code() != StatusCode::kCorruption) return status;
  return Status::Corruption(path.string() + ": not a SQLite database, or damaged beyond opening (" +
                            status.message() + "); move it aside or restore it from a backup");
}

void AddProblem(CheckReport& report, std::string problem) {
  if (report.problems.size() < kMaxCheckProblems) report.problems.push_back(std::move(problem));
}

// Read-only checks shared by Store::Check and Store::CheckFile. Damage found while
// checking is part of the report, not an error.
Result<CheckReport> RunChecks(util::Database& db) {
  CheckReport report;
  report.path = db.path();
  LW_ASSIGN_OR_RETURN(detail::FileIdentity identity, detail::IdentifyFile(db));
  report.kind = identity.kind;
  report.kind_description = detail::DescribeFile(identity);
  report.schema_version = identity.user_version;

  auto integrity = db.Prepare("PRAGMA integrity_check(" + std::to_string(kMaxCheckProblems) + ")");
  if (!integrity.has_value()) {
    AddProblem(report, integrity.error().message());
  } else {
    bool saw_only_ok = true;
    int rows = 0;
    for (;;) {
      auto row = integrity->Step();
      if (!row.has_value()) {
        saw_only_ok = false;
        AddProblem(report, row.error().message());
        break;
      }
      if (!*row) break;
      ++rows;
      std::string line = integrity->ColumnText(0);
      if (line != "ok") {
        saw_only_ok = false;
        AddProblem(report, "integrity: " + line);
      }
    }
    report.integrity_ok = saw_only_ok && rows > 0;
  }

  auto foreign = db.Prepare("PRAGMA foreign_key_check");
  if (!foreign.has_value()) {
    AddProblem(report, foreign.error().message());
  } else {
    report.foreign_keys_ok = true;
    for (;;) {
      auto row = foreign->Step();
      if (!row.has_value()) {
        report.foreign_keys_ok = false;
        AddProblem(report, row.error().message());
        break;
      }
      if (!*row) break;
      report.foreign_keys_ok = false;
      AddProblem(report, "foreign key: " + foreign->ColumnText(0) + " row " +
                             std::to_string(foreign->ColumnInt(1)) + " references a missing " +
                             foreign->ColumnText(2) + " row");
    }
  }
  if (report.kind == FileKind::kFingerprintPack || report.kind == FileKind::kOtherApplication) {
    AddProblem(report, "not a leakwatch database: it is " + report.kind_description);
  } else if (report.schema_version > kLatestSchemaVersion) {
    AddProblem(report, "schema " + std::to_string(report.schema_version) +
                           " was written by a newer leakwatch (this build knows up to " +
                           std::to_string(kLatestSchemaVersion) + ")");
  } else if (report.schema_version < kLatestSchemaVersion) {
    AddProblem(report, "schema " + std::to_string(report.schema_version) +
                           " is older than this build's " + std::to_string(kLatestSchemaVersion) +
                           " (opening it with leakwatch migrates it)");
  }
  return report;
}

// A read-only connection to an existing file, as `access` says.
Result<util::Database> OpenReadOnly(const std::filesystem::path& path, Access access) {
  const auto mode = access == Access::kSnapshot ? util::Database::Mode::kImmutable
                                                : util::Database::Mode::kReadOnly;
  auto db = util::Database::Open(path, mode, /*wal=*/false);
  if (!db.has_value()) return ExplainOpenFailure(db.error(), path);
  return db;
}

}  // namespace

Store::Store(std::unique_ptr<detail::StoreCore> core, Access access)
    : core_(std::move(core)), access_(access) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::Open(const std::filesystem::path& path, const util::Clock& clock) {
  if (path.empty()) return Status::InvalidArgument("database path is empty");
  if (path.has_parent_path()) {
    LW_RETURN_IF_ERROR(util::EnsurePrivateDirectory(path.parent_path()));
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path.string() + ": is a directory, not a database file");
  }
  if (const std::string obstacle = detail::WriteObstacle(detail::InspectFile(path), path);
      !obstacle.empty()) {
    return Status::PermissionDenied(path.string() + ": cannot write the database: " + obstacle);
  }
  LW_RETURN_IF_ERROR(CreatePrivateFileIfMissing(path));

  // Rollback-journal mode until the file is known to be ours and current: switching
  // to WAL rewrites the header, and a refused file must stay byte-for-byte unchanged.
  auto db = util::Database::Open(path, util::Database::Mode::kReadWriteCreate, /*wal=*/false);
  if (!db.has_value()) return ExplainOpenFailure(db.error(), path);
  LW_RETURN_IF_ERROR(detail::CheckOpenable(*db));

  auto core = std::make_unique<detail::StoreCore>(std::move(db).value(), clock);
  detail::StoreCore* raw = core.get();
  LW_RETURN_IF_ERROR(detail::MigrateTo(
      raw->db(), kLatestSchemaVersion,
      [raw](const std::function<Status()>& body) { return raw->InTransaction(body); }));
  LW_RETURN_IF_ERROR(raw->db().Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"));
  return Store(std::move(core), Access::kReadWrite);
}

Result<Store> Store::OpenForReading(const std::filesystem::path& path, const util::Clock& clock) {
  const detail::FileFacts facts = detail::InspectFile(path);
  LW_ASSIGN_OR_RETURN(Access access, detail::ChooseReadAccess(facts, path));
  LW_ASSIGN_OR_RETURN(util::Database db, OpenReadOnly(path, access));
  LW_RETURN_IF_ERROR(detail::CheckOpenable(db));
  LW_ASSIGN_OR_RETURN(int64_t version, db.QueryInt("PRAGMA user_version"));
  if (version < kLatestSchemaVersion) {
    const std::string obstacle = detail::WriteObstacle(facts, path);
    if (obstacle.empty()) return Open(path, clock);  // migrates, as any writer would
    return Status::Unsupported(
        path.string() + ": schema " + std::to_string(version) + " is older than this build's " +
        std::to_string(kLatestSchemaVersion) + " and cannot be migrated where it is (" + obstacle +
        "); run `leakwatch --db COPY init` on a writable copy to migrate it");
  }
  return Store(std::make_unique<detail::StoreCore>(std::move(db), clock), access);
}

Result<CheckReport> Store::CheckFile(const std::filesystem::path& path) {
  LW_ASSIGN_OR_RETURN(Access access, detail::ChooseReadAccess(detail::InspectFile(path), path));
  LW_ASSIGN_OR_RETURN(util::Database db, OpenReadOnly(path, access));
  return RunChecks(db);
}

const std::filesystem::path& Store::path() const { return core_->db().path(); }

Result<int64_t> Store::SchemaVersion() { return core_->db().QueryInt("PRAGMA user_version"); }

Result<CheckReport> Store::Check() { return RunChecks(core_->db()); }

Status Store::InTransaction(const std::function<Status()>& body) {
  return core_->InTransaction(body);
}

Result<RecordSightingResult> Store::RecordSighting(const RecordSightingRequest& request) {
  RecordSightingResult result;
  const Status tx = core_->InTransaction([&]() -> Status {
    result = RecordSightingResult{};
    LW_ASSIGN_OR_RETURN(result.sighting, core_->sightings.Upsert(request.sighting));
    if (result.sighting.is_new) {
      for (const NotificationRequest& notification : request.notifications) {
        LW_ASSIGN_OR_RETURN(bool queued, core_->outbox.Enqueue(result.sighting.id, notification));
        if (queued) ++result.notifications_enqueued;
      }
    }
    // Refs the pipeline did not name are read from the sighting's dataset_refs.
    const std::vector<CoverageRef> coverage =
        request.coverage.empty() ? CoverageRefsFromDatasetRefs(request.sighting.dataset_refs)
                                 : request.coverage;
    if (!coverage.empty()) {
      LW_ASSIGN_OR_RETURN(result.coverage_newly_seen,
                          core_->coverage.MarkSeen(coverage, result.sighting.id));
    }
    return Status::Ok();
  });
  if (!tx.ok()) return tx;
  return result;
}

RunRepository& Store::runs() { return core_->runs; }
SourceRepository& Store::sources() { return core_->sources; }
FrontierRepository& Store::frontier() { return core_->frontier; }
FetchRepository& Store::fetches() { return core_->fetches; }
BlobRepository& Store::blobs() { return core_->blobs; }
SightingRepository& Store::sightings() { return core_->sightings; }
OutboxRepository& Store::outbox() { return core_->outbox; }
CoverageRepository& Store::coverage() { return core_->coverage; }
RetentionRepository& Store::retention() { return core_->retention; }
AnomalyRepository& Store::anomalies() { return core_->anomalies; }

void Store::SetCommitFaultForTesting(int k) { core_->SetCommitFault(k); }
int Store::CommitCountForTesting() const { return core_->commits(); }

}  // namespace leakwatch::store
