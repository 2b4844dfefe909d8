// store/internal/core: what every repository shares: the connection, the clock, the
// prepared-statement cache and the transaction runner with its test fault hook.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "store/anomalies.h"
#include "store/blobs.h"
#include "store/coverage.h"
#include "store/fetches.h"
#include "store/frontier.h"
#include "store/outbox.h"
#include "store/retention.h"
#include "store/runs.h"
#include "store/sightings.h"
#include "store/sources.h"
#include "util/clock.h"
#include "util/sqlite.h"
#include "util/status.h"

namespace leakwatch::store::detail {

// A cached prepared statement borrowed for one use: reset (bindings cleared, read
// lock released) when the borrow ends.
class ScopedStatement {
 public:
  explicit ScopedStatement(util::Statement& statement) : statement_(&statement) {}
  ScopedStatement(ScopedStatement&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ~ScopedStatement() {
    if (statement_ != nullptr) statement_->Reset();
  }
  util::Statement* operator->() { return statement_; }
  util::Statement& operator*() { return *statement_; }

 private:
  util::Statement* statement_;
};

class StoreCore {
 public:
  StoreCore(util::Database db, const util::Clock& clock);
  StoreCore(const StoreCore&) = delete;
  StoreCore& operator=(const StoreCore&) = delete;

  util::Database& db() { return db_; }
  const util::Database& db() const { return db_; }
  int64_t Now() const { return util::ToUnixSeconds(clock_.Now()); }

  // The prepared statement for `sql`, prepared on first use and reused afterwards.
  // REQUIRES: `sql` is a string literal (the cache is keyed by its address).
  Result<ScopedStatement> Prepare(const char* sql);

  // See Store::InTransaction.
  Status InTransaction(const std::function<Status()>& body);
  // Runs one INSERT / UPDATE / DELETE in a transaction of its own (or the enclosing
  // one), so every write passes the commit fault hook. Returns the rows changed.
  template <typename... Args>
  Result<int64_t> Write(const char* sql, const Args&... args) {
    int64_t changed = 0;
    const Status tx = InTransaction([&]() -> Status {
      LW_ASSIGN_OR_RETURN(auto st, Prepare(sql));
      LW_RETURN_IF_ERROR(st->BindAll(args...).Run());
      changed = db_.Changes();
      return Status::Ok();
    });
    if (!tx.ok()) return tx;
    return changed;
  }
  // As Write, when the count does not matter.
  template <typename... Args>
  Status Execute(const char* sql, const Args&... args) {
    auto changed = Write(sql, args...);
    return changed.has_value() ? Status::Ok() : std::move(changed).error();
  }
  // As Write, for an INSERT: returns the new rowid.
  template <typename... Args>
  Result<int64_t> Insert(const char* sql, const Args&... args) {
    int64_t rowid = 0;
    const Status tx = InTransaction([&]() -> Status {
      LW_ASSIGN_OR_RETURN(auto st, Prepare(sql));
      LW_RETURN_IF_ERROR(st->BindAll(args...).Run());
      rowid = db_.LastInsertRowId();
      return Status::Ok();
    });
    if (!tx.ok()) return tx;
    return rowid;
  }

  // See Store::SetCommitFaultForTesting.
  void SetCommitFault(int k) {
    fault_at_commit_ = k;
    commits_ = 0;
  }
  int commits() const { return commits_; }

  RunRepository runs{*this};
  SourceRepository sources{*this};
  FrontierRepository frontier{*this};
  FetchRepository fetches{*this};
  BlobRepository blobs{*this};
  SightingRepository sightings{*this};
  OutboxRepository outbox{*this};
  CoverageRepository coverage{*this};
  RetentionRepository retention{*this};
  AnomalyRepository anomalies{*this};

 private:
  util::Database db_;
  const util::Clock& clock_;
  std::unordered_map<const char*, util::Statement> statements_;
  int transaction_depth_ = 0;
  int fault_at_commit_ = 0;
  int commits_ = 0;
};

}  // namespace leakwatch::store::detail
