// Every [notify] setting reaches notify::Options.
#include "app/notify_options.h"

#include <catch2/catch.hpp>
#include <variant>

namespace leakwatch::app {
namespace {

TEST_CASE("notify options carry every configured field of every channel", "[unit]") {
  config::NotifyConfig config;
  config.max_attempts = 5;
  config.retry_base_backoff = std::chrono::seconds(7);
  config.retry_max_backoff = std::chrono::minutes(9);
  config::EmailChannel email;
  email.common.name = "soc-mail";
  email.common.immediate = true;
  email.common.min_score = 0.5;
  email.common.kinds = {"exact", "image"};
  email.smtp_url = "smtps://mail.example.org:465";
  email.from = "leakwatch@example.org";
  email.to = {"soc@example.org"};
  email.username = "lw";
  email.password.file = "/etc/leakwatch/smtp.pass";
  email.tls = config::SmtpTls::kImplicit;
  email.timeout = std::chrono::seconds(20);
  email.ca_file = "/etc/leakwatch/relay-ca.pem";
  config.email = {email};
  config::WebhookChannel hook;
  hook.common.name = "soc-hook";
  hook.url = "https://hooks.example.org/lw";
  hook.secret.env = "LW_HOOK_SECRET";
  hook.timeout = std::chrono::seconds(3);
  config.webhook = {hook};
  config::ExecChannel exec;
  exec.common.name = "ticket";
  exec.command = {"/usr/local/bin/open-ticket", "--queue", "soc"};
  exec.timeout = std::chrono::seconds(30);
  config.exec = {exec};

  const notify::Options options = NotifyOptionsFromConfig(config);
  CHECK(options.limits.max_attempts == 5);
  CHECK(options.limits.base_backoff == std::chrono::seconds(7));
  CHECK(options.limits.max_backoff == std::chrono::minutes(9));
  REQUIRE(options.channels.size() == 3);

  const notify::ChannelOptions& mail = options.channels[0];
  CHECK(mail.name == "soc-mail");
  CHECK(mail.immediate);
  CHECK(mail.min_score == 0.5);
  CHECK(mail.kinds ==
        std::vector<store::SightingKind>{store::SightingKind::kExact, store::SightingKind::kImage});
  const auto& e = std::get<notify::EmailOptions>(mail.transport);
  CHECK(e.smtp_url == "smtps://mail.example.org:465");
  CHECK(e.from == "leakwatch@example.org");
  CHECK(e.to == std::vector<std::string>{"soc@example.org"});
  CHECK(e.username == "lw");
  CHECK(e.password.file == "/etc/leakwatch/smtp.pass");
  CHECK(e.tls == notify::SmtpTls::kImplicit);
  CHECK(e.timeout == std::chrono::seconds(20));
  CHECK(e.ca_file == "/etc/leakwatch/relay-ca.pem");

  const auto& w = std::get<notify::WebhookOptions>(options.channels[1].transport);
  CHECK(options.channels[1].name == "soc-hook");
  CHECK(w.url == "https://hooks.example.org/lw");
  CHECK(w.secret.env == "LW_HOOK_SECRET");
  CHECK(w.timeout == std::chrono::seconds(3));

  const auto& x = std::get<notify::ExecOptions>(options.channels[2].transport);
  CHECK(options.channels[2].name == "ticket");
  CHECK(x.argv == exec.command);
  CHECK(x.timeout == std::chrono::seconds(30));
}

}  // namespace
}  // namespace leakwatch::app
