// leakwatch db check: SQLite integrity_check, foreign keys and schema version.
// leakwatch db prune: the retention pass (app/retention.h), on demand.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <ostream>
#include <system_error>

#include "app/checklist.h"
#include "app/commands.h"
#include "app/retention.h"
#include "store/store.h"
#include "util/duration.h"

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
  const store::CheckReport& r = *report;
  if (r.kind == store::FileKind::kFingerprintPack) {
    list.Fail("database", db_path.string() + " is " + r.kind_description,
              "name the database with --db or [store].db; `leakwatch fingerprint info` reads a "
              "pack");
    return;
  }
  if (r.kind == store::FileKind::kOtherApplication) {
    list.Fail("database", db_path.string() + " is " + r.kind_description,
              "name the leakwatch database with --db or [store].db; leakwatch never converts "
              "another program's file");
    return;
  }
  list.Pass("database", db_path.string());
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
    list.Fail("schema", versions,
              r.kind == store::FileKind::kEmpty ? "`leakwatch init` creates the tables"
                                                : "any write (e.g. `leakwatch init`) migrates it");
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

struct PruneFlags {
  std::string older_than;  // empty: [retention] days
  bool dry_run = false;
};

// Files listed one per line up to this many; the rest are counted.
constexpr size_t kMaxFilesListed = 50;
// The shortest --older-than: a crawl appends to its evidence file for at most its
// max_duration, so anything younger may still be in use.
constexpr std::chrono::seconds kMinPruneAge = std::chrono::hours(1);

int RunDbPrune(Context& ctx, const PruneFlags& flags) {
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  std::chrono::seconds max_age = RetentionMaxAge(config->retention);
  if (!flags.older_than.empty()) {
    Result<std::chrono::milliseconds> age = util::ParseDuration(flags.older_than);
    if (!age.has_value()) return ctx.Fail(age.error().WithContext("--older-than"));
    max_age = std::chrono::duration_cast<std::chrono::seconds>(*age);
    if (max_age < kMinPruneAge) {
      return ctx.Fail(Status::InvalidArgument(
          "--older-than " + flags.older_than +
          ": must be at least 1h (a running crawl's evidence file must never look old)"));
    }
  }
  util::SystemClock clock;
  Result<store::Store> db = ctx.OpenDatabaseForWriting(*config, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<PruneOutcome> outcome =
      PruneNow(*db, config->store.evidence_dir, max_age, clock, flags.dry_run);
  if (!outcome.has_value()) return ctx.Fail(outcome.error());

  const int64_t cutoff = util::ToUnixSeconds(clock.Now()) - max_age.count();
  ctx.out() << DescribePrune(*outcome) << "\n"
            << fmt::format("  kept: sightings and what they refer to; cutoff {} ({} ago)\n",
                           util::FormatRfc3339(util::FromUnixSeconds(cutoff)),
                           util::FormatDuration(max_age));
  if (flags.dry_run) {
    const auto& files = outcome->report.unreferenced_evidence;
    for (size_t i = 0; i < files.size() && i < kMaxFilesListed; ++i) {
      ctx.out() << "  would delete " << files[i].path.string() << "\n";
    }
    if (files.size() > kMaxFilesListed) {
      ctx.out() << "  ... and " << files.size() - kMaxFilesListed << " more evidence files\n";
    }
  }
  for (const std::string& error : outcome->errors) {
    ctx.err() << "leakwatch: cannot delete " << error << "\n";
  }
  return outcome->errors.empty() ? kExitOk : kExitFailure;
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

  auto prune_flags = std::make_shared<PruneFlags>();  // outlives this function
  CLI::App* prune = db->add_subcommand(
      "prune",
      "Delete fetch log rows, blob rows and WARC evidence files of content no sighting "
      "refers to, older than [retention] days (default 90). Sightings and their evidence "
      "are kept. `leakwatch crawl` runs this once a day");
  prune->add_option("--older-than", prune_flags->older_than,
                    "Age limit instead of [retention] days (e.g. 90d, 36h)");
  prune->add_flag("--dry-run", prune_flags->dry_run,
                  "Count and list what would be removed; change nothing");
  prune->callback([&ctx, &action, prune_flags] {
    action = [&ctx, prune_flags] { return RunDbPrune(ctx, *prune_flags); };
  });
}

}  // namespace leakwatch::app
