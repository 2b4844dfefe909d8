// leakwatch db check: SQLite integrity_check, foreign keys and schema version.
#include <ostream>

#include "app/checklist.h"
#include "app/commands.h"
#include "store/store.h"

namespace leakwatch::app {
namespace {

// Adds the database checks to `list`; shared by `db check` and `doctor`.
void CheckDatabase(const std::filesystem::path& db_path, Checklist& list) {
  Result<store::CheckReport> report = store::Store::CheckFile(db_path);
  if (!report.has_value()) {
    const Status& st = report.error();
    std::string hint;
    if (st.code() == StatusCode::kNotFound) hint = "`leakwatch init` creates it";
    if (st.code() == StatusCode::kCorruption) {
      hint = "the file is not a leakwatch database: restore it from a backup or move it away";
    }
    list.Fail("database", st.message(), hint);
    return;
  }
  list.Pass("database", db_path.string());
  const store::CheckReport& r = *report;
  if (r.integrity_ok && r.foreign_keys_ok) {
    list.Pass("integrity", "integrity_check and foreign_key_check found no problem");
  } else {
    std::string detail = "problems found:";
    for (const std::string& problem : r.problems) detail += "\n    " + problem;
    list.Fail("integrity", detail, "restore the database from a backup");
  }
  const std::string versions = "schema " + std::to_string(r.schema_version) +
                               ", this build writes " + std::to_string(r.supported_version);
  if (r.schema_version == r.supported_version) {
    list.Pass("schema", versions);
  } else if (r.schema_version > r.supported_version) {
    list.Fail("schema", versions, "written by a newer leakwatch: upgrade leakwatch");
  } else {
    list.Fail("schema", versions, "any write (e.g. `leakwatch init`) migrates it");
  }
}

int RunDbCheck(Context& ctx) {
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  Checklist list(ctx.env().out_is_tty);
  CheckDatabase(ctx.DbPath(*config), list);
  list.Print(ctx.out());
  return list.all_passed() ? kExitOk : kExitFailure;
}

}  // namespace

void AddDatabaseChecks(const std::filesystem::path& db_path, Checklist& list) {
  CheckDatabase(db_path, list);
}

void RegisterDb(CLI::App& root, Context& ctx, Action& action) {
  CLI::App* db = root.add_subcommand("db", "Database maintenance");
  db->require_subcommand(1);
  CLI::App* check = db->add_subcommand(
      "check",
      "Check the database: SQLite integrity, foreign keys, schema version (exit 1 on "
      "any problem)");
  check->callback([&ctx, &action] { action = [&ctx] { return RunDbCheck(ctx); }; });
}

}  // namespace leakwatch::app
