#include "app/notify_options.h"

namespace leakwatch::app {
namespace {

notify::SecretSource SecretFrom(const config::SecretRef& ref) {
  return notify::SecretSource{ref.file, ref.env};
}

notify::ChannelOptions CommonFrom(const config::ChannelCommon& common) {
  notify::ChannelOptions channel;
  channel.name = common.name;
  channel.immediate = common.immediate;
  channel.min_score = common.min_score;
  for (const std::string& kind : common.kinds) {
    Result<store::SightingKind> parsed = store::ParseSightingKind(kind);
    if (parsed.has_value()) channel.kinds.push_back(*parsed);
  }
  return channel;
}

notify::SmtpTls TlsFrom(config::SmtpTls tls) {
  switch (tls) {
    case config::SmtpTls::kImplicit:
      return notify::SmtpTls::kImplicit;
    case config::SmtpTls::kNone:
      return notify::SmtpTls::kNone;
    case config::SmtpTls::kStartTls:
      break;
  }
  return notify::SmtpTls::kStartTls;
}

}  // namespace

notify::Options NotifyOptionsFromConfig(const config::NotifyConfig& config) {
  notify::Options options;
  options.limits.max_attempts = config.max_attempts;
  options.limits.base_backoff = config.retry_base_backoff;
  options.limits.max_backoff = config.retry_max_backoff;
  for (const config::EmailChannel& e : config.email) {
    notify::ChannelOptions channel = CommonFrom(e.common);
    notify::EmailOptions email;
    email.smtp_url = e.smtp_url;
    email.from = e.from;
    email.to = e.to;
    email.username = e.username;
    email.password = SecretFrom(e.password);
    email.tls = TlsFrom(e.tls);
    email.timeout = e.timeout;
    email.ca_file = e.ca_file;
    channel.transport = std::move(email);
    options.channels.push_back(std::move(channel));
  }
  for (const config::WebhookChannel& w : config.webhook) {
    notify::ChannelOptions channel = CommonFrom(w.common);
    notify::WebhookOptions hook;
    hook.url = w.url;
    hook.secret = SecretFrom(w.secret);
    hook.timeout = w.timeout;
    channel.transport = std::move(hook);
    options.channels.push_back(std::move(channel));
  }
  for (const config::ExecChannel& x : config.exec) {
    notify::ChannelOptions channel = CommonFrom(x.common);
    notify::ExecOptions exec;
    exec.argv = x.command;
    exec.timeout = x.timeout;
    channel.transport = std::move(exec);
    options.channels.push_back(std::move(channel));
  }
  return options;
}

}  // namespace leakwatch::app
