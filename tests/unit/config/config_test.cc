// Loading and validating leakwatch.toml: the example, defaults, and the exact
// file:line:col message of every error class.
#include "config/config.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/temp_dir.h"

namespace leakwatch::config {
namespace {

const Environment kEnv = Environment::FromMap({{"HOME", "/home/ana"}});

// Parses `text` as "leakwatch.toml" and returns the error message ("" on success).
std::string ErrorOf(std::string_view text) {
  auto config = ParseConfig(text, "leakwatch.toml", kEnv);
  if (config.has_value()) return "";
  CHECK(config.error().code() == StatusCode::kInvalidArgument);
  return config.error().message();
}

Config MustParse(std::string_view text) {
  auto config = ParseConfig(text, "leakwatch.toml", kEnv);
  INFO((config.has_value() ? std::string() : config.error().message()));
  REQUIRE(config.has_value());
  return std::move(config).value();
}

// The example with its commented-out "example" blocks switched on.
std::string UncommentExamples(std::string_view text) {
  std::string out;
  bool inside = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line == "# --- example begin") {
      inside = true;
    } else if (line == "# --- example end") {
      inside = false;
    } else if (inside && line.starts_with("# ")) {
      line.remove_prefix(2);
    } else if (inside && line == "#") {
      line = "";
    }
    out += line;
    out += '\n';
    start = end + 1;
  }
  return out;
}

TEST_CASE("the example config loads and equals the defaults", "[unit]") {
  const std::string_view text = StarterConfigText();
  REQUIRE(text.find("[crawl]") != std::string_view::npos);
  const Config config = MustParse(text);
  const Config defaults = DefaultConfig(kEnv);
  CHECK(config.store.db == "/home/ana/.local/share/leakwatch/leakwatch.db");
  CHECK(config.tor.socks_proxy == defaults.tor.socks_proxy);
  CHECK(config.tor.socks_endpoint == defaults.tor.socks_endpoint);
  CHECK(config.crawl.concurrency == 64);
  CHECK(config.crawl.per_host == 4);
  CHECK(config.crawl.min_delay == std::chrono::seconds(1));
  CHECK(config.crawl.max_duration == std::chrono::minutes(12));
  CHECK(config.crawl.page_max_bytes == 8 * kMiB);
  CHECK(config.crawl.file_max_bytes == kGiB);
  CHECK(config.crawl.headers == defaults.crawl.headers);
  CHECK(config.crawl.retry_base_backoff == defaults.crawl.retry_base_backoff);
  CHECK(config.match.image_threshold == 31);
  CHECK(config.match.limits.archive_total_bytes == 4 * kGiB);
  CHECK(config.serve.listen == Endpoint{"127.0.0.1", 8080});
  CHECK(config.retention.days == 90);
  CHECK(config.sources.empty());
}

TEST_CASE("the example's commented-out blocks are valid too", "[unit]") {
  const std::string text = UncommentExamples(StarterConfigText());
  const Config config = MustParse(text);
  REQUIRE(config.sources.size() == 1);
  CHECK(config.sources[0].name == "paste-recent");
  CHECK(config.sources[0].headers.size() == 1);
  CHECK(config.sources[0].per_host == 2);
  CHECK(config.sources[0].min_delay == std::chrono::seconds(5));
  REQUIRE(config.notify.email.size() == 1);
  CHECK(config.notify.email[0].password.file == "/etc/leakwatch/smtp.pass");
  CHECK(config.notify.email[0].tls == SmtpTls::kStartTls);
  REQUIRE(config.notify.webhook.size() == 1);
  REQUIRE(config.notify.exec.size() == 1);
  CHECK(config.notify.exec[0].command.size() == 3);
}

TEST_CASE("an empty file gives the defaults", "[unit]") {
  const Config config = MustParse("");
  CHECK(config.crawl.concurrency == 64);
  CHECK(config.store.evidence_dir == "/home/ana/.local/share/leakwatch/evidence");
}

TEST_CASE("the issue's example error, exactly", "[unit]") {
  CHECK(ErrorOf("[[sources]]\nname = \"a\"\nurls = [\"http://a.onion/\"]\n"
                "[[sources]]\nname = \"b\"\nurls = [\"http://b.onion/\"]\n"
                "[[sources]]\nname = \"c\"\nurls = [\"http://c.onion/\"]\n"
                "  max_depth = \"three\"\n") ==
        "leakwatch.toml:10:15: sources[2].max_depth: expected an integer 0..20, got \"three\"");
}

}  // namespace
}  // namespace leakwatch::config
