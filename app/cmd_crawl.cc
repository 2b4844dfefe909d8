// leakwatch crawl: one pass over all due sources, then alert delivery. Cron-safe: an
// overlapping run exits at once with kExitCrawlLocked (app.h); SIGINT/SIGTERM stop it cleanly.
// leakwatch sources: each source's health, and the anomalies of its last run.
#include <fmt/format.h>

#include <ostream>

#include "app/commands.h"
#include "app/crawl_setup.h"
#include "app/retention.h"
#include "store/store.h"
#include "util/bytes.h"
#include "util/duration.h"
#include "util/text.h"

namespace leakwatch::app {
namespace {

constexpr size_t kMaxErrorBytes = 60;  // of a source's last error in the table

struct CrawlFlags {
  std::string source;
  std::string max_duration;
  int64_t max_pages = -1;
};

int RunCrawlCommand(Context& ctx, const CrawlFlags& flags) {
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  Result<CrawlSetup> setup = PrepareCrawl(*config, ctx.DbPath(*config), ctx.env().vars);
  if (!setup.has_value()) return ctx.Fail(setup.error());
  crawler::CrawlOptions& options = setup->options;
  if (!flags.source.empty()) {
    const bool known = std::any_of(options.sources.begin(), options.sources.end(),
                                   [&](const auto& s) { return s.name == flags.source; });
    if (!known) {
      return ctx.Fail(Status::InvalidArgument("--source " + flags.source +
                                              ": no enabled source of that name in the config"));
    }
    options.only_source = flags.source;
  }
  if (!flags.max_duration.empty()) {
    Result<std::chrono::milliseconds> d = util::ParseDuration(flags.max_duration);
    if (!d.has_value()) return ctx.Fail(d.error().WithContext("--max-duration"));
    options.max_duration = *d;
  }
  if (flags.max_pages >= 0) options.max_pages = flags.max_pages;
  options.stop_flag = crawler::InstallStopSignals();

  util::SystemClock clock;
  Result<CrawlOutcome> outcome = RunCrawlAndNotify(*setup, clock);
  if (!outcome.has_value()) {
    const Status& st = outcome.error();
    ctx.err() << "leakwatch: " << st.message() << "\n";
    if (st.code() == StatusCode::kBusy) return kExitCrawlLocked;
    if (st.code() == StatusCode::kUnavailable) {
      // Retention does not need Tor: a proxy down for days must not stop it.
      if (std::string line = DailyPruneLine(*config, ctx.DbPath(*config), clock); !line.empty()) {
        ctx.out() << line << "\n";
      }
      return kExitTorDown;
    }
    return ExitCodeFor(st);
  }
  ctx.out() << outcome->summary.ToString() << "\n";
  if (const auto& by_class = outcome->summary.stats.errors_by_class; by_class.count("anomaly")) {
    ctx.out() << "anomalies (archive limits, damaged files, cut pages): `leakwatch runs show "
              << outcome->summary.run_id << "`\n";
  }
  if (!setup->notify.channels.empty()) {
    if (!outcome->delivery_status.ok()) {
      ctx.out() << "notify: delivery failed, retried next run: "
                << outcome->delivery_status.message() << "\n";
    } else {
      ctx.out() << "notify: " << outcome->delivery.delivered() << " delivered, "
                << outcome->delivery.failed() << " failed (retried next run)\n";
    }
  }
  for (const notify::SourceAlert& alert : outcome->source_alerts) {
    ctx.out() << "source " << alert.source << " is now " << store::SourceStateName(alert.state)
              << " (see `leakwatch sources`)\n";
  }
  for (const notify::ChannelResult& r : outcome->source_alert_results) {
    if (!r.status.ok()) {
      ctx.out() << "notify: source alert on " << r.channel << " failed: " << r.status.message()
                << "\n";
    }
  }
  // Retention at most once a day (app/retention.h); a failed pass never fails the crawl.
  if (std::string line = DailyPruneLine(*config, ctx.DbPath(*config), clock); !line.empty()) {
    ctx.out() << line << "\n";
  }
  // Sightings without their evidence: loud, so cron mail, systemd and `doctor` see it.
  if (outcome->summary.evidence_missing > 0) {
    ctx.err() << "leakwatch: " << outcome->summary.EvidenceProblem() << " ("
              << options.evidence_dir.string() << ")\n";
    return kExitFailure;
  }
  return kExitOk;
}

std::string Ago(std::optional<int64_t> at, int64_t now) {
  if (!at) return "never";
  return util::FormatDuration(std::chrono::seconds(std::max<int64_t>(0, now - *at))) + " ago";
}

// "last run 12: 3 anomalies (corrupt 2, limit 1): `leakwatch runs show 12`" for the
// newest run that fetched from `source_id`; "" when it had none.
Result<std::string> LastRunAnomalies(store::Store& db, int64_t source_id) {
  LW_ASSIGN_OR_RETURN(std::optional<int64_t> run, db.fetches().LatestRunOfSource(source_id));
  if (!run) return std::string();
  LW_ASSIGN_OR_RETURN(store::AnomalyCounts counts, db.anomalies().Counts(*run, source_id));
  if (counts.total == 0) return std::string();
  return fmt::format("last run {}: {} anomal{} ({}): `leakwatch runs show {}`", *run, counts.total,
                     counts.total == 1 ? "y" : "ies", AnomalyKindsText(counts.by_kind), *run);
}

// "files in part: 2, 1.5 GiB received of 4.0 GiB (1 of unknown size); later runs continue
// them": what is left of the big files a source serves.
std::string PartialFilesLine(const store::FrontierCounts& c) {
  std::string line =
      fmt::format("files in part: {}, {} received", c.partial,
                  util::FormatBytes(static_cast<uint64_t>(c.partial_bytes_received)));
  if (c.partial_size_unknown < c.partial) {
    line += " of " + util::FormatBytes(static_cast<uint64_t>(c.partial_bytes_known_size));
  }
  if (c.partial_size_unknown > 0) {
    line += fmt::format(" ({} of unknown size)", c.partial_size_unknown);
  }
  return line + "; later runs continue them";
}

int RunSources(Context& ctx) {
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  util::SystemClock clock;
  Result<store::Store> db = ctx.OpenDatabaseForReading(*config, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<std::vector<store::Source>> sources = db->sources().List();
  if (!sources.has_value()) return ctx.Fail(sources.error());
  const int64_t now = util::ToUnixSeconds(clock.Now());
  ctx.out() << fmt::format("{:<20} {:<15} {:<14} {:>5}  {}\n", "SOURCE", "STATE", "LAST OK",
                           "FAILS", "LAST ERROR");
  for (const config::SourceConfig& configured : config->sources) {
    const auto it = std::find_if(sources->begin(), sources->end(),
                                 [&](const store::Source& s) { return s.name == configured.name; });
    if (it == sources->end()) {
      ctx.out() << fmt::format("{:<20} {:<15} {:<14} {:>5}  {}\n", configured.name,
                               configured.enabled ? "not crawled" : "disabled", "never", 0, "");
      continue;
    }
    // A past error on a source that has recovered since would only mislead.
    std::string error;
    if (it->state != store::SourceState::kOk || it->consecutive_failures > 0) {
      error = it->last_error_class.value_or("");
      const std::string message = it->last_error.value_or("");
      if (!message.empty()) error += (error.empty() ? "" : ": ") + message;
    }
    ctx.out() << fmt::format("{:<20} {:<15} {:<14} {:>5}  {}\n", it->name,
                             store::SourceStateName(it->state), Ago(it->last_success_at, now),
                             it->consecutive_failures, util::DisplaySafe(error, kMaxErrorBytes));
    Result<std::string> anomalies = LastRunAnomalies(*db, it->id);
    if (!anomalies.has_value()) return ctx.Fail(anomalies.error());
    if (!anomalies->empty()) ctx.out() << "  " << *anomalies << "\n";
    Result<store::FrontierCounts> counts = db->frontier().Counts(it->id);
    if (!counts.has_value()) return ctx.Fail(counts.error());
    if (counts->partial > 0) ctx.out() << "  " << PartialFilesLine(*counts) << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCrawl(CLI::App& root, Context& ctx, Action& action) {
  auto flags = std::make_shared<CrawlFlags>();  // shared: outlives this function in the callback
  CLI::App* cmd = root.add_subcommand(
      "crawl",
      "One crawl pass over all due sources through the Tor proxy, then alert delivery. "
      "Exit 0 done, 1 failure, 2 bad config, 69 proxy (Tor) down, 75 another crawl is running");
  cmd->add_option("--source", flags->source, "Only this source");
  cmd->add_option(
      "--max-duration", flags->max_duration,
      "Stop starting transfers after this long (e.g. 10m; default [crawl].max_duration)");
  cmd->add_option("--max-pages", flags->max_pages, "Stop after this many pages (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunCrawlCommand(ctx, *flags); }; });

  CLI::App* sources = root.add_subcommand(
      "sources",
      "Each configured source's health, the anomalies (by kind) of the last run that "
      "crawled it, and its files received in part that later runs continue");
  sources->callback([&ctx, &action] { action = [&ctx] { return RunSources(ctx); }; });
}

}  // namespace leakwatch::app
