// app/crawl_setup: the one place where a Config becomes a running crawl pipeline
// (STYLE rule 3): crawler options, site profiles, the fingerprint matcher, the parse
// and match options (app/content_options.h) and the notification channels; and the pass `leakwatch
// crawl` (and `leakwatch demo`) runs: one crawl, then delivery of what it found.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "app/content_options.h"
#include "config/config.h"
#include "crawler/crawl.h"
#include "match/matcher.h"
#include "match/watchlist.h"
#include "notify/notify.h"
#include "parsers/profile.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::app {

struct CrawlSetup {
  crawler::CrawlOptions options;
  parsers::ProfileSet profiles;
  std::unique_ptr<match::Matcher> matcher;  // null when no pack is configured
  match::WatchList watchlist;               // [match.watch]; may be empty
  ContentOptions content;                   // [parse] and [match]: how bodies are read
  notify::Options notify;
  // How often `immediate = true` channels are flushed while the crawl runs.
  std::chrono::milliseconds immediate_interval{std::chrono::seconds(5)};
};

// Builds everything a crawl needs from `config`. WARC evidence goes to [store]
// evidence_dir; when that is left at its default and `db_path` is not the configured
// database (`--db`), to "evidence/" beside `db_path`. [retention] keep_unmatched is
// passed on as CrawlOptions::keep_unmatched. Loads the pack (with its key file,
// permission-checked) and the user's site profiles. Errors: InvalidArgument for
// configuration problems (a bad profile, a source naming an unknown profile),
// the pack loader's errors otherwise.
Result<CrawlSetup> PrepareCrawl(const config::Config& config, const std::filesystem::path& db_path,
                                const config::Environment& env);

// The Tor control-port password named by [tor] control_password_file / _env; "" when
// none is configured.
Result<std::string> ReadControlPassword(const config::SecretRef& ref,
                                        const config::Environment& env);

struct CrawlOutcome {
  crawler::CrawlSummary summary;
  notify::DeliveryReport delivery;
  Status delivery_status;  // a failed delivery pass does not fail the crawl: retried next run
  // Sources that entered profile_broken / session_expired in this run, and what each
  // channel did with the one alert about them.
  std::vector<notify::SourceAlert> source_alerts;
  std::vector<notify::ChannelResult> source_alert_results;
};

// Runs one crawl pass with `setup`, flushing `immediate` channels while it runs
// (app/immediate_delivery.h), then delivers every due notification and tells every
// channel about sources that started needing a human (app/source_alerts.h).
// Errors: those of crawler::RunCrawl (Busy: another run holds the lock;
// Unavailable: the proxy is down).
Result<CrawlOutcome> RunCrawlAndNotify(CrawlSetup& setup, const util::Clock& clock);

}  // namespace leakwatch::app
