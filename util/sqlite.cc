#include "util/sqlite.h"

#include <sqlite3.h>

#include <cctype>
#include <string>
#include <utility>

namespace leakwatch::util {
namespace {

constexpr int kBusyTimeoutMs = 5000;

sqlite3* Db(void* p) { return static_cast<sqlite3*>(p); }
sqlite3_stmt* St(void* p) { return static_cast<sqlite3_stmt*>(p); }

Status FromCode(int rc, std::string message) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status::Corruption(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Busy(std::move(message));
    case SQLITE_CANTOPEN:
      return Status::IOError(std::move(message));
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Status::IOError(std::move(message));
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::PermissionDenied(std::move(message));
    case SQLITE_TOOBIG:
      return Status::TooLarge(std::move(message));
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(std::move(message));
    default:
      return Status::IOError(std::move(message));
  }
}

// "file:" URI of `path` with the query `query` (RFC 3986 percent-encoding of everything
// but unreserved characters and '/', so '?', '#' and '%' in a file name stay a name).
std::string FileUri(const std::filesystem::path& path, std::string_view query) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (const char c : path.string()) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      uri += c;
    } else {
      uri += '%';
      uri += kHex[byte >> 4];
      uri += kHex[byte & 0xF];
    }
  }
  uri += '?';
  uri += query;
  return uri;
}

}  // namespace

Result<Database> Database::Open(const std::filesystem::path& path, Mode mode, bool wal) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX;
  std::string name = path.string();
  switch (mode) {
    case Mode::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case Mode::kReadWriteCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case Mode::kImmutable:
      flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
      name = FileUri(path, "immutable=1");
      break;
  }
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  Database db(raw, path);
  if (rc != SQLITE_OK) {
    return FromCode(rc, path.string() + ": cannot open database: " +
                            (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  sqlite3_extended_result_codes(raw, 1);
  // The first real read tells whether the file is a database at all.
  LW_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON; SELECT count(*) FROM sqlite_master;"));
  if (wal && mode == Mode::kReadWriteCreate) {
    LW_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"));
  }
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(Db(db_));
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(Db(db_));
}

Status Database::Error(std::string_view what) const {
  const int rc = sqlite3_extended_errcode(Db(db_));
  return FromCode(rc, path_.string() + ": " + std::string(what) + ": " + sqlite3_errmsg(Db(db_)));
}

Status Database::Exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(Db(db_), text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = path_.string() + ": " + (err != nullptr ? err : sqlite3_errstr(rc));
  sqlite3_free(err);
  return FromCode(rc, std::move(message));
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(Db(db_), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error("prepare failed");
  return Statement(stmt, db_);
}

Result<int64_t> Database::QueryInt(std::string_view sql) {
  LW_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  LW_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return Status::NotFound(path_.string() + ": query returned no row");
  return stmt.ColumnInt(0);
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(Db(db_)); }
int64_t Database::Changes() const { return sqlite3_changes64(Db(db_)); }

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(other.db_),
      bind_status_(std::move(other.bind_status_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(St(stmt_));
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    bind_status_ = std::move(other.bind_status_);
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(St(stmt_));
}

namespace {
Status BindResult(int rc, void* db) {
  if (rc == SQLITE_OK) return Status::Ok();
  return FromCode(rc, std::string("bind failed: ") + sqlite3_errmsg(Db(db)));
}
}  // namespace

Statement& Statement::Bind(int index, int64_t value) {
  if (bind_status_.ok())
    bind_status_ = BindResult(sqlite3_bind_int64(St(stmt_), index, value), db_);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  if (bind_status_.ok())
    bind_status_ = BindResult(sqlite3_bind_double(St(stmt_), index, value), db_);
  return *this;
}
Statement& Statement::Bind(int index, std::string_view text) {
  if (bind_status_.ok()) {
    bind_status_ = BindResult(sqlite3_bind_text64(St(stmt_), index, text.data(), text.size(),
                                                  SQLITE_TRANSIENT, SQLITE_UTF8),
                              db_);
  }
  return *this;
}
Statement& Statement::Bind(int index, Blob blob) {
  if (bind_status_.ok()) {
    bind_status_ = BindResult(sqlite3_bind_blob64(St(stmt_), index, blob.bytes.data(),
                                                  blob.bytes.size(), SQLITE_TRANSIENT),
                              db_);
  }
  return *this;
}
Statement& Statement::Bind(int index, std::nullopt_t) {
  if (bind_status_.ok()) bind_status_ = BindResult(sqlite3_bind_null(St(stmt_), index), db_);
  return *this;
}
Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : Bind(index, std::nullopt);
}
Statement& Statement::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : Bind(index, std::nullopt);
}

Result<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  const int rc = sqlite3_step(St(stmt_));
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return FromCode(
      rc, std::string(sqlite3_db_filename(Db(db_), "main")) + ": " + sqlite3_errmsg(Db(db_)));
}

Status Statement::Run() {
  for (;;) {
    LW_ASSIGN_OR_RETURN(bool has_row, Step());
    if (!has_row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(St(stmt_));
  sqlite3_clear_bindings(St(stmt_));
  bind_status_ = Status::Ok();
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(St(stmt_), col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(St(stmt_), col); }
std::string Statement::ColumnText(int col) const {
  const auto* text = sqlite3_column_text(St(stmt_), col);
  const int n = sqlite3_column_bytes(St(stmt_), col);
  return text != nullptr ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n))
                         : std::string();
}
std::string Statement::ColumnBlob(int col) const {
  const void* data = sqlite3_column_blob(St(stmt_), col);
  const int n = sqlite3_column_bytes(St(stmt_), col);
  return data != nullptr ? std::string(static_cast<const char*>(data), static_cast<size_t>(n))
                         : std::string();
}
bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(St(stmt_), col) == SQLITE_NULL;
}
std::optional<int64_t> Statement::ColumnOptionalInt(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt(col);
}
std::optional<std::string> Statement::ColumnOptionalText(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnText(col);
}

Result<Transaction> Transaction::Begin(Database& db) {
  LW_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Database* db = std::exchange(db_, nullptr);
  if (db == nullptr) return Status::Internal("transaction already finished");
  Status st = db->Exec("COMMIT");
  if (!st.ok()) (void)db->Exec("ROLLBACK");
  return st;
}

}  // namespace leakwatch::util
