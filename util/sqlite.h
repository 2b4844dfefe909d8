// util/sqlite: a thin RAII layer over the SQLite C API that returns Status instead of
// throwing. Shared by `store/` (the leakwatch database) and `match/` (fingerprint
// packs are SQLite files too), so neither re-implements statement handling and no
// sqlite3 type appears outside this file's implementation.
//
// Thread safety: a Database and its Statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::util {

// PRAGMA application_id of leakwatch's own SQLite files, here so that each module can
// tell the other's files apart without depending on it.
inline constexpr int32_t kDatabaseApplicationId = 0x4C574442;  // "LWDB": store/
inline constexpr int32_t kPackApplicationId = 0x4C574650;      // "LWFP": match/ packs

class Statement;

// Value to bind or read; NULL is std::nullopt at the call sites that allow it.
struct Blob {
  std::string_view bytes;
};

class Database {
 public:
  enum class Mode {
    kReadOnly,
    kReadWriteCreate,
    // Read-only without locks, journal, -wal or -shm files (SQLite's immutable=1): for a
    // file nothing can be writing, e.g. on a read-only volume. A change made by another
    // process while it is open may be read as garbage (Corruption), never written.
    kImmutable,
  };

  // Opens (or creates) `path`. Foreign keys on, busy timeout 5 s; WAL when `wal` (only
  // with kReadWriteCreate). A file that is not a SQLite database fails with Corruption
  // naming the path.
  static Result<Database> Open(const std::filesystem::path& path, Mode mode, bool wal = true);

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // Runs a query expected to return one integer (e.g. PRAGMA user_version).
  Result<int64_t> QueryInt(std::string_view sql);

  int64_t LastInsertRowId() const;
  int64_t Changes() const;
  const std::filesystem::path& path() const { return path_; }

  // The underlying sqlite3* for code inside util only.
  void* RawHandleForUtil() const { return db_; }

 private:
  Database(void* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  Status Error(std::string_view what) const;

  void* db_ = nullptr;
  std::filesystem::path path_;
};

class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Binds parameters 1..N in order; returns *this for chaining checks via status().
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, Blob blob);
  Statement& Bind(int index, std::nullopt_t);
  Statement& Bind(int index, const std::optional<int64_t>& value);
  Statement& Bind(int index, const std::optional<std::string>& value);

  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    int index = 1;
    (Bind(index++, args), ...);
    return *this;
  }

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, for statements without results.
  Status Run();
  // Clears bindings and rewinds so the prepared statement can be reused.
  void Reset();

  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;
  std::optional<int64_t> ColumnOptionalInt(int col) const;
  std::optional<std::string> ColumnOptionalText(int col) const;

 private:
  friend class Database;
  Statement(void* stmt, void* db) : stmt_(stmt), db_(db) {}

  void* stmt_ = nullptr;
  void* db_ = nullptr;
  Status bind_status_;
};

// BEGIN IMMEDIATE on construction (via Begin); rolls back on destruction unless
// Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

}  // namespace leakwatch::util
