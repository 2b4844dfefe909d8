// Outbox delivery: claim, digest, send, mark (protocol in notify/notify.h).
#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "notify/internal/digest.h"
#include "notify/internal/transports.h"
#include "notify/notify.h"
#include "util/log.h"

namespace leakwatch::notify {
namespace {

using detail::Digest;
using detail::SendResult;

SendResult Send(const ChannelOptions& channel, const Digest& digest, const Options& options) {
  return std::visit(
      [&](const auto& transport) -> SendResult {
        using T = std::decay_t<decltype(transport)>;
        if constexpr (std::is_same_v<T, EmailOptions>) {
          return detail::SendEmail(transport, digest, options.limits, options.message_id_domain);
        } else if constexpr (std::is_same_v<T, WebhookOptions>) {
          return detail::SendWebhook(transport, digest, detail::RenderJson(digest), options.limits);
        } else {
          return detail::RunExecHook(transport, digest, detail::RenderJson(digest), options.limits);
        }
      },
      channel.transport);
}

// base * 2^(attempts-1), capped at max (attempts >= 1 is the attempt that just failed).
Milliseconds Backoff(const Limits& limits, int64_t attempts) {
  Milliseconds delay = limits.base_backoff;
  for (int64_t i = 1; i < attempts && delay < limits.max_backoff; ++i) delay *= 2;
  return std::min(delay, limits.max_backoff);
}

int64_t NextAttemptAt(const Limits& limits, int64_t now, int64_t attempts,
                      const std::optional<std::chrono::seconds>& retry_after) {
  Milliseconds delay = Backoff(limits, attempts);
  if (retry_after.has_value()) {
    // The server said when; honour it, within our own cap.
    delay = std::min<Milliseconds>(std::max<Milliseconds>(*retry_after, Milliseconds(1000)),
                                   limits.max_backoff);
  }
  const int64_t seconds = std::chrono::ceil<std::chrono::seconds>(delay).count();
  return now + std::max<int64_t>(seconds, 1);
}

// The channel's min_score / kinds filter (mentions carry no score).
bool Admits(const ChannelOptions& channel, store::SightingKind kind, double score) {
  if (kind != store::SightingKind::kMention && score < channel.min_score) return false;
  return channel.kinds.empty() ||
         std::find(channel.kinds.begin(), channel.kinds.end(), kind) != channel.kinds.end();
}

bool Selected(const ChannelOptions& channel, const DeliveryFilter& filter) {
  if (filter.channel.has_value() && channel.name != *filter.channel) return false;
  if (filter.immediate_only && !channel.immediate) return false;
  return true;
}

Status RecordFailure(store::Store& store, const Limits& limits,
                     const std::vector<store::OutboxMessage>& messages, const SendResult& sent,
                     int64_t now, ChannelReport& report) {
  const std::string& error = sent.status.message();
  return store.InTransaction([&]() -> Status {
    for (const store::OutboxMessage& m : messages) {
      const int64_t attempts = m.attempts + 1;
      if (attempts >= limits.max_attempts) {
        LW_RETURN_IF_ERROR(store.outbox().MarkGivenUp(
            m.id, fmt::format("gave up after {} attempts: {}", attempts, error)));
        ++report.sightings_given_up;
      } else {
        LW_RETURN_IF_ERROR(store.outbox().MarkFailed(
            m.id, error, NextAttemptAt(limits, now, attempts, sent.retry_after)));
        ++report.sightings_failed;
      }
    }
    return Status::Ok();
  });
}

// One batch: claimed rows -> one digest -> one send. Returns false when the channel
// failed (no further batch is tried this run).
Result<bool> DeliverBatch(store::Store& store, const Options& options,
                          const ChannelOptions& channel, std::vector<store::OutboxMessage> claimed,
                          int64_t now, ChannelReport& report) {
  Digest digest;
  digest.channel = channel.name;
  digest.generated_at = now;
  std::vector<store::OutboxMessage> included;
  for (store::OutboxMessage& m : claimed) {
    Result<store::Sighting> sighting = store.sightings().Get(m.sighting_id);
    if (!sighting.has_value()) {
      if (sighting.error().code() != StatusCode::kNotFound) return sighting.error();
      LW_RETURN_IF_ERROR(store.outbox().MarkGivenUp(m.id, "the sighting no longer exists"));
      ++report.sightings_given_up;
      continue;
    }
    if (!Admits(channel, sighting->kind, sighting->score)) {
      // Queued by a caller that did not route with RoutesFor: the user's filter wins.
      LW_RETURN_IF_ERROR(store.outbox().MarkGivenUp(
          m.id, "not sent: the channel's min_score/kinds filter excludes this sighting"));
      ++report.sightings_given_up;
      continue;
    }
    digest.sightings.push_back(std::move(sighting).value());
    included.push_back(std::move(m));
  }
  if (included.empty()) return true;

  const SendResult sent = Send(channel, digest, options);
  if (!sent.status.ok()) {
    report.last_error = sent.status.message();
    util::LogWarn("notification failed", {{"channel", channel.name},
                                          {"transport", std::string(TransportName(channel))},
                                          {"sightings", std::to_string(included.size())},
                                          {"error", sent.status.message()}});
    LW_RETURN_IF_ERROR(RecordFailure(store, options.limits, included, sent, now, report));
    return false;
  }
  // The channel accepted the digest. From here until this commit is the documented
  // window in which a crash makes the digest go out again after the lease expires.
  Status marked = store.InTransaction([&]() -> Status {
    for (const store::OutboxMessage& m : included)
      LW_RETURN_IF_ERROR(store.outbox().MarkSent(m.id));
    return Status::Ok();
  });
  if (!marked.ok()) {
    return marked.WithContext(fmt::format(
        "channel {} accepted {} sightings but marking them sent failed; they will be sent "
        "again after the lease expires",
        channel.name, included.size()));
  }
  ++report.digests_sent;
  report.sightings_delivered += static_cast<int64_t>(included.size());
  util::LogInfo("notification delivered", {{"channel", channel.name},
                                           {"transport", std::string(TransportName(channel))},
                                           {"sightings", std::to_string(included.size())}});
  return true;
}

}  // namespace

std::string_view TransportName(const ChannelOptions& channel) {
  switch (channel.transport.index()) {
    case 0:
      return "email";
    case 1:
      return "webhook";
    default:
      return "exec";
  }
}

int64_t DeliveryReport::delivered() const {
  int64_t n = 0;
  for (const ChannelReport& c : channels) n += c.sightings_delivered;
  return n;
}

int64_t DeliveryReport::failed() const {
  int64_t n = 0;
  for (const ChannelReport& c : channels) n += c.sightings_failed + c.sightings_given_up;
  return n;
}

std::vector<store::NotificationRequest> RoutesFor(const Options& options,
                                                  const store::NewSighting& sighting) {
  std::vector<store::NotificationRequest> routes;
  for (const ChannelOptions& channel : options.channels) {
    if (!Admits(channel, sighting.kind, sighting.score)) continue;
    routes.push_back(store::NotificationRequest{channel.name, "{}"});
  }
  return routes;
}

Result<DeliveryReport> DeliverPending(store::Store& store, const Options& options,
                                      const util::Clock& clock, const DeliveryFilter& filter) {
  DeliveryReport report;
  const int64_t batch = std::max<int64_t>(1, options.limits.max_sightings_per_digest);
  for (const ChannelOptions& channel : options.channels) {
    if (!Selected(channel, filter)) continue;
    ChannelReport channel_report;
    channel_report.channel = channel.name;
    while (true) {
      LW_ASSIGN_OR_RETURN(
          std::vector<store::OutboxMessage> claimed,
          store.outbox().ClaimDue(batch, channel.name, options.limits.lease_seconds));
      if (claimed.empty()) break;
      const bool full_batch = static_cast<int64_t>(claimed.size()) >= batch;
      const int64_t now = util::ToUnixSeconds(clock.Now());
      LW_ASSIGN_OR_RETURN(
          bool ok, DeliverBatch(store, options, channel, std::move(claimed), now, channel_report));
      if (!ok || !full_batch) break;
    }
    report.channels.push_back(std::move(channel_report));
  }
  return report;
}

std::vector<ChannelResult> SendTest(const Options& options, const util::Clock& clock,
                                    const std::optional<std::string>& channel_name) {
  std::vector<ChannelResult> results;
  for (const ChannelOptions& channel : options.channels) {
    if (channel_name.has_value() && channel.name != *channel_name) continue;
    const Digest digest = detail::MakeTestDigest(channel.name, util::ToUnixSeconds(clock.Now()));
    SendResult sent = Send(channel, digest, options);
    results.push_back(
        ChannelResult{channel.name, std::string(TransportName(channel)), std::move(sent.status)});
  }
  return results;
}

std::vector<ChannelResult> SendSourceAlerts(const Options& options,
                                            const std::vector<SourceAlert>& alerts,
                                            const util::Clock& clock,
                                            const std::optional<std::string>& channel_name) {
  std::vector<ChannelResult> results;
  if (alerts.empty()) return results;
  for (const ChannelOptions& channel : options.channels) {
    if (channel_name.has_value() && channel.name != *channel_name) continue;
    Digest digest;
    digest.channel = channel.name;
    digest.event = detail::DigestEvent::kSourceHealth;
    digest.source_alerts = alerts;
    digest.generated_at = util::ToUnixSeconds(clock.Now());
    SendResult sent = Send(channel, digest, options);
    if (sent.status.ok()) {
      util::LogInfo("source health alert delivered",
                    {{"channel", channel.name}, {"sources", std::to_string(alerts.size())}});
    } else {
      util::LogWarn("source health alert not delivered",
                    {{"channel", channel.name}, {"error", sent.status.message()}});
    }
    results.push_back(
        ChannelResult{channel.name, std::string(TransportName(channel)), std::move(sent.status)});
  }
  return results;
}

}  // namespace leakwatch::notify
