// leakwatch notify test | status | deliver: the notification channels from the CLI.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <ostream>

#include "app/commands.h"
#include "app/notify_options.h"
#include "notify/notify.h"
#include "store/store.h"
#include "util/clock.h"

namespace leakwatch::app {
namespace {

// How many of the newest sightings `notify status` inspects for recent failures (the
// store has no failure index; this keeps the command fast on a large database).
constexpr int64_t kStatusSightingsScanned = 500;
constexpr size_t kStatusFailuresShown = 10;

struct NotifyFlags {
  std::string channel;
};

// Opens an existing database; a missing file is a runtime failure with a hint rather
// than a silently created empty database.
Result<store::Store> OpenExistingStore(const std::filesystem::path& path,
                                       const util::Clock& clock) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound(fmt::format(
        "no database at {}: run `leakwatch init` (or a crawl) first, or pass --db", path.string()));
  }
  return store::Store::Open(path, clock);
}

Result<notify::Options> LoadOptions(Context& ctx, config::Config& config_out) {
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return config.error();
  config_out = std::move(config).value();
  return NotifyOptionsFromConfig(config_out.notify);
}

int RunNotifyTest(Context& ctx, const NotifyFlags& flags) {
  config::Config config;
  Result<notify::Options> options = LoadOptions(ctx, config);
  if (!options.has_value()) return ctx.Fail(options.error());
  if (options->channels.empty()) {
    return ctx.Fail(Status::InvalidArgument(
        "no notification channel is configured ([[notify.email]], [[notify.webhook]] or "
        "[[notify.exec]] in the config)"));
  }
  std::optional<std::string> only;
  if (!flags.channel.empty()) only = flags.channel;
  const util::SystemClock clock;
  const std::vector<notify::TestResult> results = notify::SendTest(*options, clock, only);
  if (results.empty()) {
    return ctx.Fail(Status::InvalidArgument(fmt::format("no channel named \"{}\"", flags.channel)));
  }
  Checklist list(ctx.env().out_is_tty);
  for (const notify::TestResult& r : results) {
    const std::string name = fmt::format("{} ({})", r.channel, r.transport);
    if (r.status.ok()) {
      list.Pass(name, "test message accepted");
    } else {
      list.Fail(name, r.status.message());
    }
  }
  list.Print(ctx.out());
  return list.all_passed() ? kExitOk : kExitFailure;
}

struct RecentFailure {
  int64_t sighting_id = 0;
  store::OutboxMessage message;
};

Result<std::vector<RecentFailure>> RecentFailures(store::Store& db) {
  store::SightingFilter filter;
  filter.limit = kStatusSightingsScanned;
  LW_ASSIGN_OR_RETURN(std::vector<store::Sighting> sightings, db.sightings().Query(filter));
  std::vector<RecentFailure> failures;
  for (const store::Sighting& s : sightings) {
    LW_ASSIGN_OR_RETURN(std::vector<store::OutboxMessage> rows, db.outbox().ListForSighting(s.id));
    for (store::OutboxMessage& m : rows) {
      if (m.state == store::OutboxState::kSent || !m.last_error.has_value()) continue;
      failures.push_back({s.id, std::move(m)});
      if (failures.size() >= kStatusFailuresShown) return failures;
    }
  }
  return failures;
}

int RunNotifyStatus(Context& ctx) {
  config::Config config;
  Result<notify::Options> options = LoadOptions(ctx, config);
  if (!options.has_value()) return ctx.Fail(options.error());
  const util::SystemClock clock;
  Result<store::Store> db = OpenExistingStore(ctx.DbPath(config), clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<std::vector<store::OutboxChannelCounts>> counts = db->outbox().CountsByChannel();
  if (!counts.has_value()) return ctx.Fail(counts.error());

  std::map<std::string, std::string> transports;
  for (const notify::ChannelOptions& c : options->channels) {
    transports[c.name] = std::string(notify::TransportName(c));
  }
  std::map<std::string, store::OutboxChannelCounts> by_channel;
  for (const store::OutboxChannelCounts& c : *counts) by_channel[c.channel] = c;
  for (const auto& [name, transport] : transports) {
    if (by_channel.count(name) == 0) by_channel[name] = store::OutboxChannelCounts{name, 0, 0, 0};
  }
  std::ostream& out = ctx.out();
  out << fmt::format("{:<24} {:<10} {:>8} {:>8} {:>8}\n", "CHANNEL", "TRANSPORT", "PENDING", "SENT",
                     "FAILED");
  int64_t pending = 0;
  int64_t failed = 0;
  for (const auto& [name, c] : by_channel) {
    const auto t = transports.find(name);
    out << fmt::format("{:<24} {:<10} {:>8} {:>8} {:>8}\n", name,
                       t == transports.end() ? "(removed)" : t->second, c.pending, c.sent,
                       c.failed);
    pending += c.pending;
    failed += c.failed;
  }
  Result<std::vector<RecentFailure>> failures = RecentFailures(*db);
  if (!failures.has_value()) return ctx.Fail(failures.error());
  if (!failures->empty()) {
    out << "\nRecent delivery failures (newest sightings first):\n";
    for (const RecentFailure& f : *failures) {
      const std::string when =
          f.message.state == store::OutboxState::kFailed
              ? std::string("given up")
              : "next attempt " +
                    util::FormatRfc3339(util::FromUnixSeconds(f.message.next_attempt_at));
      out << fmt::format("  sighting {} on {}: {} attempt(s), {}: {}\n", f.sighting_id,
                         f.message.channel, f.message.attempts, when, *f.message.last_error);
    }
  }
  out << fmt::format("\n{} pending, {} given up.\n", pending, failed);
  return failed > 0 ? kExitFailure : kExitOk;
}

int RunNotifyDeliver(Context& ctx, const NotifyFlags& flags) {
  config::Config config;
  Result<notify::Options> options = LoadOptions(ctx, config);
  if (!options.has_value()) return ctx.Fail(options.error());
  const util::SystemClock clock;
  Result<store::Store> db = OpenExistingStore(ctx.DbPath(config), clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  notify::DeliveryFilter filter;
  if (!flags.channel.empty()) filter.channel = flags.channel;
  Result<notify::DeliveryReport> report = notify::DeliverPending(*db, *options, clock, filter);
  if (!report.has_value()) return ctx.Fail(report.error());
  for (const notify::ChannelReport& c : report->channels) {
    ctx.out() << fmt::format("{}: {} delivered in {} digest(s), {} failed, {} given up{}{}\n",
                             c.channel, c.sightings_delivered, c.digests_sent, c.sightings_failed,
                             c.sightings_given_up, c.last_error.empty() ? "" : ": ", c.last_error);
  }
  return report->failed() > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void RegisterNotify(CLI::App& root, Context& ctx, Action& action) {
  CLI::App* notify = root.add_subcommand("notify", "Notification channels (email, webhook, exec)");
  notify->require_subcommand(1);
  auto flags = std::make_shared<NotifyFlags>();  // shared: outlives this function in callbacks

  CLI::App* test = notify->add_subcommand(
      "test",
      "Send a test message through each channel; one ✓/✗ line each, exit 0 when all "
      "accepted it, 1 otherwise");
  test->add_option("--channel", flags->channel, "Only this channel (by name)");
  test->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunNotifyTest(ctx, *flags); }; });

  CLI::App* status = notify->add_subcommand(
      "status",
      "Outbox counts per channel and recent delivery failures (exit 1 when some "
      "alerts were given up)");
  status->callback([&ctx, &action] { action = [&ctx] { return RunNotifyStatus(ctx); }; });

  CLI::App* deliver = notify->add_subcommand(
      "deliver",
      "Deliver pending alerts now (the crawl does this after each run); exit 1 "
      "when a channel failed");
  deliver->add_option("--channel", flags->channel, "Only this channel (by name)");
  deliver->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunNotifyDeliver(ctx, *flags); }; });
}

}  // namespace leakwatch::app
