// notify/internal/transports: the three ways a digest leaves leakwatch. Each call
// blocks for at most the channel's timeout and reports whether the far end ACCEPTED
// the digest (SMTP 250 after DATA, HTTP 2xx, exit status 0).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "notify/internal/digest.h"
#include "notify/notify.h"
#include "util/secret.h"
#include "util/status.h"

namespace leakwatch::notify::detail {

struct SendResult {
  Status status;  // OK = accepted; otherwise why not (no secrets in the message)
  // A server-requested delay (HTTP Retry-After on 429/503) before the next attempt.
  std::optional<std::chrono::seconds> retry_after;
};

// Reads the secret now. InvalidArgument when `source` is empty.
Result<util::Secret> ReadSecret(const SecretSource& source, std::string_view what);

// The complete RFC 5322 / MIME message (CRLF line ends): multipart/alternative with a
// text/plain and a text/html part, both base64 UTF-8. Header values are built from
// counts, the channel name and the configured addresses, with CR/LF removed.
std::string BuildEmailMessage(const EmailOptions& email, const Digest& digest, const Limits& limits,
                              std::string_view message_id_domain);

SendResult SendEmail(const EmailOptions& email, const Digest& digest, const Limits& limits,
                     std::string_view message_id_domain);

// "sha256=<lowercase hex HMAC-SHA256(key, body)>".
std::string WebhookSignature(std::string_view key, std::string_view body);

SendResult SendWebhook(const WebhookOptions& webhook, const Digest& digest, const std::string& body,
                       const Limits& limits);

// The exec hook's environment: PATH, HOME, LANG, TZ from ours when set, plus
// LEAKWATCH_EVENT, LEAKWATCH_CHANNEL, LEAKWATCH_COUNT, LEAKWATCH_WORST_KIND,
// LEAKWATCH_MAX_SCORE, LEAKWATCH_SIGHTING_IDS, LEAKWATCH_JSON_VERSION. Nothing else of
// ours (in particular no *_env secrets) is passed on.
std::vector<std::string> ExecEnvironment(const Digest& digest);

SendResult RunExecHook(const ExecOptions& exec, const Digest& digest, const std::string& body,
                       const Limits& limits);

}  // namespace leakwatch::notify::detail
