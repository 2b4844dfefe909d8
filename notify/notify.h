// notify/notify: delivers sighting alerts by email (SMTP), webhook and exec hook.
//
// What it owns: turning pending outbox rows (store/outbox.h) into one digest per
// channel per run, sending it, and recording the outcome. It takes its own Options
// (app maps config::NotifyConfig onto them in app/notify_options.cc); it never reads
// the config file.
//
// Delivery protocol (DeliverPending):
//   1. ClaimDue leases the channel's due pending rows (a second process skips them);
//   2. the sightings are loaded and rendered into ONE digest (email: text + HTML
//      parts; webhook and exec: the JSON body documented in docs/notify.md);
//   3. the channel is given the digest; only when it ACCEPTED it (SMTP 250 after the
//      DATA terminator, an HTTP 2xx answer, exit status 0) are the rows marked sent,
//      in one transaction; otherwise they stay pending with attempts + 1, last_error
//      and a back-off time (Retry-After wins for HTTP 429/5xx), and are given up
//      (state "failed", still visible in `leakwatch notify status`) after
//      Limits::max_attempts.
//   A sent row is never sent again. The one window in which an alert can go out twice
//   is a crash (or a failed commit) between the channel's acceptance and the MarkSent
//   commit: the lease then expires and the next run sends the digest again. Alerts are
//   therefore delivered at least once, and exactly once unless the process dies in
//   that window.
//
// Threads: every function here blocks the calling thread (network and child process
// I/O with the configured timeouts); the Store passed in must belong to that thread.
// Secrets (SMTP password, webhook HMAC key) are read at send time through
// util::ReadSecretFile / util::ReadSecretEnv and never logged or stored.
//
// Limits: see Limits below; every network call has a timeout, response bodies and
// child output are capped, attacker-controlled text (URLs, snippets) is escaped for
// HTML, stripped of control characters for text, and never put in a mail header.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/sightings.h"
#include "store/sources.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/status.h"

namespace leakwatch::notify {

using Milliseconds = std::chrono::milliseconds;

// Where a secret comes from: a file readable by its owner only, or an environment
// variable. At most one is set. Read at send time, never kept.
struct SecretSource {
  std::filesystem::path file;
  std::string env;

  bool empty() const { return file.empty() && env.empty(); }
};

enum class SmtpTls {
  kStartTls,  // smtp:// upgraded with STARTTLS; a server without STARTTLS is an error
  kImplicit,  // smtps:// (TLS from the first byte)
  kNone,      // plain smtp://, for a local relay only
};

struct EmailOptions {
  std::string smtp_url;         // smtp://host[:port] or smtps://host[:port]
  std::string from;             // envelope and header sender, a bare address
  std::vector<std::string> to;  // at least one bare address
  std::string username;         // empty = no SMTP AUTH
  SecretSource password;        // required when username is set
  SmtpTls tls = SmtpTls::kStartTls;
  Milliseconds timeout{60 * 1000};
  // Extra CA bundle to trust (PEM), e.g. for a private relay; empty = system CAs.
  std::filesystem::path ca_file;
};

struct WebhookOptions {
  std::string url;      // http(s) URL the JSON body is POSTed to; redirects not followed
  SecretSource secret;  // HMAC-SHA256 key for X-Leakwatch-Signature; required
  Milliseconds timeout{10 * 1000};
};

struct ExecOptions {
  // argv; argv[0] is an absolute path. Run directly (posix_spawn), never via a shell.
  std::vector<std::string> argv;
  Milliseconds timeout{30 * 1000};  // the process group is killed (SIGKILL) on expiry
};

struct ChannelOptions {
  // The channel's unique name; also its outbox key (store NotificationRequest.channel),
  // so renaming a channel orphans its pending rows.
  std::string name;
  bool immediate = false;  // DeliverPending with immediate_only flushes these right away
  double min_score = 0.0;  // route only sightings scoring at least this
  std::vector<store::SightingKind> kinds;  // route only these kinds; empty = all
  std::variant<EmailOptions, WebhookOptions, ExecOptions> transport;
};

// "email", "webhook" or "exec".
std::string_view TransportName(const ChannelOptions& channel);

struct Limits {
  int64_t max_sightings_per_digest = 200;        // more pending rows -> several digests
  int64_t max_attempts = 12;                     // then the rows are given up ("failed")
  Milliseconds base_backoff{60 * 1000};          // retry after base * 2^(attempts-1) ...
  Milliseconds max_backoff{6 * 60 * 60 * 1000};  // ... capped here
  int64_t lease_seconds = store::kDefaultOutboxLeaseSeconds;
  uint64_t max_response_bytes = 64 * 1024;  // webhook response body kept (rest dropped)
  uint64_t max_child_output_bytes = 4096;   // exec hook stdout+stderr kept for errors
  size_t max_field_chars = 512;             // URLs/snippets longer than this are cut
};

struct Options {
  std::vector<ChannelOptions> channels;
  Limits limits;
  // Domain used in Message-ID headers; empty = the domain of each channel's `from`.
  std::string message_id_domain;
};

// The notifications a newly recorded sighting should queue: one per channel whose
// min_score and kinds admit it. The pipeline passes them to Store::RecordSighting.
std::vector<store::NotificationRequest> RoutesFor(const Options& options,
                                                  const store::NewSighting& sighting);

struct DeliveryFilter {
  std::optional<std::string> channel;  // only this channel (by name)
  bool immediate_only = false;         // only channels with immediate = true
};

struct ChannelReport {
  std::string channel;
  int64_t digests_sent = 0;
  int64_t sightings_delivered = 0;
  int64_t sightings_failed = 0;    // still pending, retried later
  int64_t sightings_given_up = 0;  // past max_attempts, or their sighting was deleted
  std::string last_error;          // empty when everything went out
};

struct DeliveryReport {
  std::vector<ChannelReport> channels;
  int64_t delivered() const;
  int64_t failed() const;  // failed + given up
};

// Delivers every due pending outbox row of the selected channels (see the protocol
// above). Rows whose channel is not in `options` are left alone (a channel removed
// from the config keeps its rows for `notify status`). A row whose sighting the
// channel's min_score/kinds filter excludes (queued without RoutesFor) is not sent: it
// is given up with a message saying so.
// Errors: only store failures (the report says what the channels did). A channel that
// fails is not an error of this call: it is counted in the report.
Result<DeliveryReport> DeliverPending(store::Store& store, const Options& options,
                                      const util::Clock& clock, const DeliveryFilter& filter = {});

// What one channel did with a message sent outside the outbox.
struct ChannelResult {
  std::string channel;
  std::string transport;  // "email", "webhook", "exec"
  Status status;          // OK when the channel accepted the message
};

// Sends a clearly labelled test message (a digest with one made-up sighting) through
// every channel, or only `channel_name` when given. Touches no store.
std::vector<ChannelResult> SendTest(const Options& options, const util::Clock& clock,
                                    const std::optional<std::string>& channel_name = std::nullopt);

// A source that needs a human: its pages fetch fine but the profile extracts nothing
// any more (the site changed its markup), or its login session expired. Without an
// alert the monitor would silently watch nothing there.
struct SourceAlert {
  std::string source;        // the source's configured name
  store::SourceState state;  // kProfileBroken or kSessionExpired
  std::string detail;        // why (may quote site content: rendered escaped)
};

// Sends one "source health" message listing `alerts` through every channel (or only
// `channel_name`), whatever the channels' min_score/kinds filters: those filter
// sightings, and a source gone blind hides sightings of every kind. The caller sends an
// alert once, when a source enters the state. Not queued in the outbox: a channel that
// fails is reported (and logged) here and not retried; the state stays visible in
// `leakwatch sources` and `leakwatch doctor`. Touches no store.
std::vector<ChannelResult> SendSourceAlerts(
    const Options& options, const std::vector<SourceAlert>& alerts, const util::Clock& clock,
    const std::optional<std::string>& channel_name = std::nullopt);

}  // namespace leakwatch::notify
