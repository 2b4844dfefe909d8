// leakwatch notify test | status | deliver: the notification channels from the CLI.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include "app/commands.h"
#include "app/notify_options.h"
#include "notify/notify.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/text.h"

namespace leakwatch::app {
namespace {

// `notify status` reads at most this many failed messages, prints at most this many
// groups (one per failed digest) and this many sighting ids per group.
constexpr int64_t kStatusFailuresRead = 1000;
constexpr size_t kStatusGroupsShown = 20;
constexpr size_t kStatusIdsShown = 12;
constexpr size_t kStatusErrorBytes = 300;

struct NotifyFlags {
  std::string channel;
};

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
  const std::vector<notify::ChannelResult> results = notify::SendTest(*options, clock, only);
  if (results.empty()) {
    return ctx.Fail(Status::InvalidArgument(fmt::format("no channel named \"{}\"", flags.channel)));
  }
  Checklist list(ctx.env().out_is_tty);
  for (const notify::ChannelResult& r : results) {
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

// Failed messages of one channel that share state, attempts, error and retry time:
// in practice one digest that failed as a whole.
struct FailureGroup {
  const store::OutboxMessage* first = nullptr;
  std::vector<int64_t> sighting_ids;
};

std::vector<FailureGroup> GroupFailures(const std::vector<store::OutboxMessage>& messages) {
  std::vector<FailureGroup> groups;
  for (const store::OutboxMessage& m : messages) {
    if (!groups.empty()) {
      const store::OutboxMessage& g = *groups.back().first;
      if (g.channel == m.channel && g.state == m.state && g.attempts == m.attempts &&
          g.last_error == m.last_error && g.next_attempt_at == m.next_attempt_at) {
        groups.back().sighting_ids.push_back(m.sighting_id);
        continue;
      }
    }
    groups.push_back(FailureGroup{&m, {m.sighting_id}});
  }
  return groups;
}

std::string JoinIds(const std::vector<int64_t>& ids) {
  std::string text;
  for (size_t i = 0; i < ids.size() && i < kStatusIdsShown; ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(ids[i]);
  }
  if (ids.size() > kStatusIdsShown) {
    text += fmt::format(" (+{} more)", ids.size() - kStatusIdsShown);
  }
  return text;
}

std::string NextRetry(const store::OutboxMessage& m, int64_t now) {
  if (m.state == store::OutboxState::kFailed) return "given up";
  const std::string at = util::FormatRfc3339(util::FromUnixSeconds(m.next_attempt_at));
  if (m.next_attempt_at <= now) return at + " (due now)";
  return fmt::format("{} (in {})", at,
                     util::FormatDuration(std::chrono::seconds(m.next_attempt_at - now)));
}

// The "Failed deliveries" section of `notify status`.
Status PrintFailures(store::Store& db, int64_t now, std::ostream& out) {
  LW_ASSIGN_OR_RETURN(int64_t total, db.outbox().CountFailures());
  if (total == 0) return Status::Ok();
  LW_ASSIGN_OR_RETURN(std::vector<store::OutboxMessage> messages,
                      db.outbox().ListFailures(kStatusFailuresRead));
  const std::vector<FailureGroup> groups = GroupFailures(messages);
  out << fmt::format("\nFailed deliveries ({} message{}):\n", total, total == 1 ? "" : "s");
  for (size_t i = 0; i < groups.size() && i < kStatusGroupsShown; ++i) {
    const store::OutboxMessage& m = *groups[i].first;
    out << fmt::format(
        "  {}: sighting{} {}, {} attempt{}, next retry: {}\n", util::DisplaySafe(m.channel, 64),
        groups[i].sighting_ids.size() == 1 ? "" : "s", JoinIds(groups[i].sighting_ids), m.attempts,
        m.attempts == 1 ? "" : "s", NextRetry(m, now));
    out << "    last error: "
        << util::DisplaySafe(m.last_error.value_or("(none recorded)"), kStatusErrorBytes) << "\n";
  }
  size_t shown_messages = 0;
  for (size_t i = 0; i < groups.size() && i < kStatusGroupsShown; ++i) {
    shown_messages += groups[i].sighting_ids.size();
  }
  const int64_t hidden = total - static_cast<int64_t>(shown_messages);
  if (hidden > 0) {
    out << fmt::format("  ... and {} more failed message{}\n", hidden, hidden == 1 ? "" : "s");
  }
  return Status::Ok();
}

int RunNotifyStatus(Context& ctx) {
  config::Config config;
  Result<notify::Options> options = LoadOptions(ctx, config);
  if (!options.has_value()) return ctx.Fail(options.error());
  const util::SystemClock clock;
  Result<store::Store> db = ctx.OpenDatabaseForReading(config, clock);
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
  if (Status st = PrintFailures(*db, util::ToUnixSeconds(clock.Now()), out); !st.ok()) {
    return ctx.Fail(st);
  }
  out << fmt::format("\n{} pending, {} given up.\n", pending, failed);
  return failed > 0 ? kExitFailure : kExitOk;
}

int RunNotifyDeliver(Context& ctx, const NotifyFlags& flags) {
  config::Config config;
  Result<notify::Options> options = LoadOptions(ctx, config);
  if (!options.has_value()) return ctx.Fail(options.error());
  const util::SystemClock clock;
  Result<store::Store> db = ctx.OpenDatabaseForWriting(config, clock);
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
      "Outbox counts per channel and failed deliveries: channel, sightings, attempts, "
      "last error, next retry (exit 1 when some alerts were given up)");
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
