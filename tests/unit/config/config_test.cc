// Loading and validating leakwatch.toml: the example, defaults, and the exact
// file:line:col message of every error class.
#include "config/config.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "config/internal/loader.h"
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

// Key paths the example documents, as "table.key", from active and commented-out
// lines alike ("# db = ..." documents store.db).
std::set<std::string> DocumentedKeys(std::string_view text) {
  static const std::regex kTable(R"(^\[\[?([a-z_.]+)\]\]?\s*$)");
  static const std::regex kKey(R"(^([a-z_]+) = )");
  std::set<std::string> documented;
  std::string table;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    while (line.starts_with("# ")) line.erase(0, 2);
    std::smatch m;
    if (std::regex_search(line, m, kTable)) {
      table = m[1];
      for (size_t dot = table.find('.'); dot != std::string::npos; dot = table.find('.', dot + 1)) {
        documented.insert(table.substr(0, dot));  // "notify" for [[notify.email]]
      }
      documented.insert(table);
    } else if (std::regex_search(line, m, kKey)) {
      documented.insert(table.empty() ? std::string(m[1]) : table + "." + std::string(m[1]));
    }
  }
  return documented;
}

TEST_CASE("the example documents every key the loader knows", "[unit]") {
  const std::set<std::string> documented = DocumentedKeys(StarterConfigText());
  const std::vector<std::string> known =
      detail::SchemaKeysForTesting(UncommentExamples(StarterConfigText()));
  REQUIRE(known.size() > 90);  // the schema was read, arrays of tables included
  for (std::string key : known) {
    key = std::regex_replace(key, std::regex(R"(\[\])"), "");
    // The settings every channel shares are documented once, on the email example.
    key = std::regex_replace(
        key, std::regex(R"(^notify\.(webhook|exec)\.(name|immediate|min_score|kinds)$)"),
        "notify.email.$2");
    INFO(key);
    CHECK(documented.count(key) == 1);
  }
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

TEST_CASE("unknown keys are errors, with a suggestion when one is close", "[unit]") {
  CHECK(ErrorOf("[crawl]\nconcurency = 8\n") ==
        "leakwatch.toml:2:1: crawl.concurency: unknown key, did you mean `concurrency`?");
  CHECK(ErrorOf("[crawl]\nper_hots = 8\n") ==
        "leakwatch.toml:2:1: crawl.per_hots: unknown key, did you mean `per_host`?");
  CHECK(ErrorOf("[crawl]\nwhatever = 1\n") == "leakwatch.toml:2:1: crawl.whatever: unknown key");
  CHECK(ErrorOf("[crawl]\n\"a\\nb\" = 1\n") == "leakwatch.toml:2:1: crawl.a\\u000ab: unknown key");
  // C1 and bidi controls too (util::EscapeUnsafe): a key cannot reorder or hide the message.
  CHECK(ErrorOf("[crawl]\n\"a\\u202eb\\u009b\" = 1\n") ==
        "leakwatch.toml:2:1: crawl.a\\u202eb\\u009b: unknown key");
  CHECK(ErrorOf("[[sorces]]\nname = \"a\"\n") ==
        "leakwatch.toml:1:3: sorces: unknown key, did you mean `sources`?");
  CHECK(ErrorOf("[match.wacth]\nterms = []\n") ==
        "leakwatch.toml:1:8: match.wacth: unknown key, did you mean `watch`?");
  CHECK(ErrorOf("[[notify.email]]\nsmtp_url = \"smtp://m.example.org\"\nfrom = \"a@b.c\"\n"
                "to = [\"d@e.f\"]\n  smtp_ulr = 1\n") ==
        "leakwatch.toml:5:3: notify.email[0].smtp_ulr: unknown key, did you mean `smtp_url`?");
}

TEST_CASE("wrong types are errors naming the expected type and the value", "[unit]") {
  CHECK(ErrorOf("[crawl]\nconcurrency = \"64\"\n") ==
        "leakwatch.toml:2:15: crawl.concurrency: expected an integer 1..1024, got \"64\"");
  CHECK(ErrorOf("[match]\ndihedral = \"yes\"\n") ==
        "leakwatch.toml:2:12: match.dihedral: expected true or false, got \"yes\"");
  CHECK(ErrorOf("[tor]\nsocks_proxy = 9050\n") ==
        "leakwatch.toml:2:15: tor.socks_proxy: expected a string, got 9050");
  CHECK(ErrorOf("crawl = 3\n") == "leakwatch.toml:1:9: crawl: expected a table ([crawl]), got 3");
  CHECK(ErrorOf("sources = \"x\"\n") ==
        "leakwatch.toml:1:11: sources: expected an array of tables ([[sources]]), got \"x\"");
  CHECK(ErrorOf("[match.watch]\nterms = [\"a\", 2]\n") ==
        "leakwatch.toml:2:15: match.watch.terms[1]: expected a non-empty string, got 2");
  CHECK(ErrorOf("[crawl]\nmin_delay = 1.5\n") ==
        "leakwatch.toml:2:13: crawl.min_delay: expected a duration 0s..1h (e.g. \"30s\", "
        "\"12m\", \"1h30m\"), got 1.5");
}

TEST_CASE("out-of-range values are errors naming the range", "[unit]") {
  CHECK(ErrorOf("[crawl]\nconcurrency = 0\n") ==
        "leakwatch.toml:2:15: crawl.concurrency: expected an integer 1..1024, got 0");
  CHECK(ErrorOf("[match]\nimage_threshold = 257\n") ==
        "leakwatch.toml:2:19: match.image_threshold: expected an integer 0..256, got 257");
  CHECK(ErrorOf("[retention]\ndays = -1\n") ==
        "leakwatch.toml:2:8: retention.days: expected an integer 1..36500, got -1");
  CHECK(ErrorOf("[crawl]\npage_max_bytes = \"2GiB\"\n") ==
        "leakwatch.toml:2:18: crawl.page_max_bytes: expected a size 1KiB..1GiB (bytes, or e.g. "
        "\"8MiB\"), got \"2GiB\"");
  CHECK(ErrorOf("[crawl]\nconnect_timeout = \"1h\"\n") ==
        "leakwatch.toml:2:19: crawl.connect_timeout: expected a duration 1s..10m (e.g. \"30s\", "
        "\"12m\", \"1h30m\"), got \"1h\"");
  CHECK(ErrorOf("[crawl]\nretry_base_backoff = \"2h\"\nretry_max_backoff = \"1h\"\n") ==
        "leakwatch.toml:3:21: crawl.retry_max_backoff: retry_max_backoff must be at least "
        "retry_base_backoff");
}

TEST_CASE("durations and sizes", "[unit]") {
  CHECK(ErrorOf("[crawl]\nmin_delay = \"1 sec\"\n") ==
        "leakwatch.toml:2:13: crawl.min_delay: expected a duration 0s..1h (e.g. \"30s\", "
        "\"12m\", \"1h30m\"), got \"1 sec\"");
  CHECK(ErrorOf("[crawl]\nmax_duration = 720\n") ==
        "leakwatch.toml:2:16: crawl.max_duration: expected a duration 1s..7d (e.g. \"30s\", "
        "\"12m\", \"1h30m\"), got 720");
  CHECK(ErrorOf("[crawl]\nspool_threshold = \"8 megs\"\n") ==
        "leakwatch.toml:2:19: crawl.spool_threshold: expected a size 64KiB..1GiB (bytes, or e.g. "
        "\"8MiB\"), got \"8 megs\"");
  const Config config = MustParse(
      "[crawl]\nmin_delay = \"1m30s\"\nmax_duration = \"2h\"\npage_max_bytes = 65536\n"
      "file_max_bytes = \"2GB\"\nspool_threshold = \"512 KiB\"\nlow_speed_limit = 0\n");
  CHECK(config.crawl.min_delay == std::chrono::seconds(90));
  CHECK(config.crawl.page_max_bytes == 65536);
  CHECK(config.crawl.file_max_bytes == 2'000'000'000);
  CHECK(config.crawl.spool_threshold == 512 * kKiB);
  CHECK(config.crawl.low_speed_limit == 0);
  CHECK(ErrorOf("[crawl]\nmax_duration = \"500ms\"\n").find("expected a duration 1s..7d") !=
        std::string::npos);
}

TEST_CASE("URLs are parsed: http/https only, no credentials, valid host and port", "[unit]") {
  const auto url_error = [](std::string_view url) {
    return ErrorOf("[[sources]]\nname = \"s\"\nurls = [\"http://ok.onion/\", \"" +
                   std::string(url) + "\"]\n");
  };
  CHECK(url_error("ftp://x.onion/") ==
        "leakwatch.toml:3:29: sources[0].urls[1]: bad URL \"ftp://x.onion/\": scheme \"ftp\" "
        "is not allowed (expected http://, https://)");
  CHECK(url_error("x.onion/page") ==
        "leakwatch.toml:3:29: sources[0].urls[1]: bad URL \"x.onion/page\": not an absolute URL "
        "(expected http://, https://)");
  CHECK(url_error("http://user:pw@x.onion/") ==
        "leakwatch.toml:3:29: sources[0].urls[1]: bad URL \"http://***@x.onion/\": "
        "credentials in URLs are not allowed");
  CHECK(url_error("http://x.onion:99999/") ==
        "leakwatch.toml:3:29: sources[0].urls[1]: bad URL \"http://x.onion:99999/\": bad port "
        "\"99999\" (expected 1..65535)");
  CHECK(url_error("http://x .onion/") ==
        "leakwatch.toml:3:29: sources[0].urls[1]: bad URL \"http://x .onion/\": URL contains a "
        "space, control or non-ASCII character (percent-encode it)");
  CHECK(url_error("http:///path") ==
        "leakwatch.toml:3:29: sources[0].urls[1]: bad URL \"http:///path\": URL has no host");
  const Config config = MustParse(
      "[[sources]]\nname = \"s\"\nurls = [\"HTTPS://Example.org:8443/a?b#c\", "
      "\"http://[::1]:8080/\"]\ndirect = true\n");
  CHECK(config.sources[0].urls.size() == 2);
  CHECK(config.sources[0].direct);
}

TEST_CASE("inline secrets are refused, pointing at *_file / *_env", "[unit]") {
  CHECK(ErrorOf("[[notify.email]]\nsmtp_url = \"smtp://m.example.org\"\nfrom = \"a@b.c\"\n"
                "to = [\"d@e.f\"]\nusername = \"u\"\npassword = \"hunter2\"\n") ==
        "leakwatch.toml:6:1: notify.email[0].password: secrets are never written in the config "
        "file; use `password_file` or `password_env` (a file only you can read, or an "
        "environment variable)");
  CHECK(ErrorOf("[match]\nkey = \"00112233\"\n") ==
        "leakwatch.toml:2:1: match.key: secrets are never written in the config file; use "
        "`key_file` (a file only you can read, or an environment variable)");
  CHECK(ErrorOf("[tor]\ncontrol_password = \"x\"\n") ==
        "leakwatch.toml:2:1: tor.control_password: secrets are never written in the config "
        "file; use `control_password_file` or `control_password_env` (a file only you can "
        "read, or an environment variable)");
  CHECK(ErrorOf("[[notify.webhook]]\nurl = \"https://h.example.org/\"\nsecret_file = \"/s\"\n"
                "secret_env = \"S\"\n") ==
        "leakwatch.toml:4:14: notify.webhook[0].secret_env: set either secret_file or "
        "secret_env, not both");
  CHECK(ErrorOf("[[notify.webhook]]\nurl = \"https://h.example.org/\"\n") ==
        "leakwatch.toml:1:1: notify.webhook[0].secret_file: missing; the webhook body is signed "
        "(X-Leakwatch-Signature), set secret_file or secret_env");
}

TEST_CASE("unknown keys are unknown first, even when they look like a secret", "[unit]") {
  // Issue 14 item 15: a typo'd key ending in "key" got the inline-secret lecture.
  CHECK(ErrorOf("[match]\nbogus_key = 1\n") == "leakwatch.toml:2:1: match.bogus_key: unknown key");
  CHECK(ErrorOf("[tor]\ncontrol_passwd = \"x\"\n") ==
        "leakwatch.toml:2:1: tor.control_passwd: unknown key");
  CHECK(ErrorOf("[crawl]\nconcurrency_key = 8\n") ==
        "leakwatch.toml:2:1: crawl.concurrency_key: unknown key");
  CHECK(ErrorOf("[[sources]]\nname = \"s\"\nurls = [\"http://a.onion/\"]\napi_token = \"x\"\n") ==
        "leakwatch.toml:4:1: sources[0].api_token: unknown key");
  // The value of an unknown key is never echoed, secret-looking or not.
  CHECK(ErrorOf("[crawl]\nsession_token = \"hunter2\"\n").find("hunter2") == std::string::npos);
}

TEST_CASE("regexes are compiled at load, errors point at the bad character", "[unit]") {
  CHECK(ErrorOf("[match.watch]\nregex = ['ok', 'foo\\q']\n") ==
        "leakwatch.toml:2:20: match.watch.regex[1]: invalid regex at character 4: invalid "
        "escape sequence: \\q");
  CHECK(ErrorOf("[match.watch]\nregex = [\"a(b\"]\n") ==
        "leakwatch.toml:2:11: match.watch.regex[0]: invalid regex at character 1: missing ): "
        "a(b");
  CHECK(ErrorOf("[[sources]]\nname = \"s\"\nurls = [\"http://a.onion/\"]\n"
                "login_pattern = 'login[' \n") ==
        "leakwatch.toml:4:23: sources[0].login_pattern: invalid regex at character 6: missing ]: "
        "[");
  // Last line without a newline; an escape before the error falls back to the value's column.
  CHECK(ErrorOf("\n\n[match.watch]\nregex = ['x\\q']") ==
        "leakwatch.toml:4:12: match.watch.regex[0]: invalid regex at character 2: invalid escape "
        "sequence: \\q");
  CHECK(ErrorOf("[match.watch]\nregex = [\"\\\\d\\\\q\"]\n") ==
        "leakwatch.toml:2:10: match.watch.regex[0]: invalid regex at character 3: invalid escape "
        "sequence: \\q");
  // Control characters from the pattern are escaped: one problem stays one line.
  CHECK(ErrorOf("[match.watch]\nregex = [\"\\n(\"]\n") ==
        "leakwatch.toml:2:11: match.watch.regex[0]: invalid regex at character 1: missing ): "
        "\\u000a(");
  const Config config =
      MustParse("[match.watch]\nregex = ['perceptics\\.com']\nterms = [\"CBP\"]\n");
  CHECK(config.match.watch.regex == std::vector<std::string>{"perceptics\\.com"});
}

TEST_CASE("Tor policy: .onion needs the proxy and is never direct", "[unit]") {
  CHECK(ErrorOf("[tor]\nsocks_proxy = \"\"\n[[sources]]\nname = \"s\"\n"
                "urls = [\"http://abc.onion/\"]\n") ==
        "leakwatch.toml:5:9: sources[0].urls[0]: an .onion URL needs tor.socks_proxy (e.g. "
        "\"socks5h://127.0.0.1:9050\")");
  CHECK(ErrorOf("[[sources]]\nname = \"s\"\ndirect = true\nurls = [\"http://abc.ONION/x\"]\n") ==
        "leakwatch.toml:4:9: sources[0].urls[0]: an .onion URL cannot be fetched with direct = "
        "true (onion services are reachable only through Tor)");
  CHECK(ErrorOf("[tor]\nsocks_proxy = \"\"\n[[sources]]\nname = \"s\"\n"
                "urls = [\"https://example.org/\"]\n") ==
        "leakwatch.toml:5:9: sources[0].urls[0]: tor.socks_proxy is empty: set it, or mark this "
        "source direct = true to fetch it without Tor");
  CHECK(ErrorOf("[tor]\nsocks_proxy = \"socks5://127.0.0.1:9050\"\n") ==
        "leakwatch.toml:2:15: tor.socks_proxy: must be a socks5h:// URL, so that Tor resolves "
        "names and the local resolver never sees them, got \"socks5://127.0.0.1:9050\"");
  CHECK(ErrorOf("[tor]\nsocks_proxy = \"socks5h://tor:hunter2@127.0.0.1:9050\"\n") ==
        "leakwatch.toml:2:15: tor.socks_proxy: bad proxy URL \"socks5h://***@127.0.0.1:9050\": "
        "credentials in URLs are not allowed");
  CHECK(ErrorOf("[tor]\nsocks_proxy = \"socks5h://127.0.0.1\"\n") ==
        "leakwatch.toml:2:15: tor.socks_proxy: the proxy URL needs a port, e.g. "
        "\"socks5h://127.0.0.1:9050\"");
  CHECK(ErrorOf("[tor]\nsocks_proxy = \"socks5h://tor.internal:9050\"\n") ==
        "leakwatch.toml:2:15: tor.socks_proxy: must be an IP address or localhost (leakwatch "
        "never resolves names itself), got \"socks5h://tor.internal:9050\"");
  CHECK(ErrorOf("[tor]\ncontrol_port = \"tor:9051\"\n") ==
        "leakwatch.toml:2:16: tor.control_port: must be an IP address or localhost (leakwatch "
        "never resolves names itself), got \"tor:9051\"");
  CHECK(MustParse("[tor]\nsocks_proxy = \"socks5h://[::1]:9050\"\n").tor.socks_endpoint ==
        Endpoint{"::1", 9050});
  const Config direct = MustParse(
      "[tor]\nsocks_proxy = \"\"\n[[sources]]\nname = \"s\"\n"
      "direct = true\nurls = [\"https://example.org/\"]\n");
  CHECK(direct.tor.socks_proxy.empty());
  CHECK_FALSE(direct.tor.socks_endpoint.has_value());
  const Config custom = MustParse(
      "[tor]\nsocks_proxy = \"socks5h://localhost:19050\"\ncontrol_port = "
      "\"127.0.0.1:9051\"\n");
  CHECK(custom.tor.socks_endpoint == Endpoint{"localhost", 19050});
  CHECK(custom.tor.control_port == Endpoint{"127.0.0.1", 9051});
}

TEST_CASE("source names are validated and unique", "[unit]") {
  CHECK(ErrorOf("[[sources]]\nname = \"paste\"\nurls = [\"http://a.onion/\"]\n"
                "[[sources]]\nname = \"paste\"\nurls = [\"http://b.onion/\"]\n") ==
        "leakwatch.toml:5:8: sources[1].name: duplicate source name \"paste\" (first defined by "
        "sources[0])");
  CHECK(ErrorOf("[[sources]]\nname = \"Paste Site\"\nurls = [\"http://a.onion/\"]\n") ==
        "leakwatch.toml:2:8: sources[0].name: expected a name of 1..64 characters a-z, 0-9, '_' "
        "or '-', got \"Paste Site\"");
  CHECK(ErrorOf("[[sources]]\nurls = [\"http://a.onion/\"]\n") ==
        "leakwatch.toml:1:1: sources[0].name: missing; every source needs a unique name");
  CHECK(ErrorOf("[[sources]]\nname = \"s\"\n") ==
        "leakwatch.toml:1:1: sources[0].urls: missing; a source needs at least one start URL");
  CHECK(ErrorOf("[[sources]]\nname = \"s\"\nurls = []\n") ==
        "leakwatch.toml:3:8: sources[0].urls: expected at least one item, got an empty array");
}

TEST_CASE("TOML syntax errors give file:line:col", "[unit]") {
  CHECK(ErrorOf("[crawl]\nconcurrency = = 3\n") ==
        "leakwatch.toml:2:15: TOML syntax error: Error while parsing value: could not determine "
        "value type");
  CHECK(ErrorOf("[crawl\n").starts_with("leakwatch.toml:1:"));
  CHECK(ErrorOf("[crawl]\nconcurrency = 1\n[crawl]\n").starts_with("leakwatch.toml:3:"));
  CHECK(ErrorOf("a = \"\xff\"\n").starts_with("leakwatch.toml:1:"));
}

TEST_CASE("several problems are all reported, in file order", "[unit]") {
  CHECK(ErrorOf("[retention]\ndays = 0\n[crawl]\nper_host = 0\nconcurency = 1\n") ==
        "leakwatch.toml:2:8: retention.days: expected an integer 1..36500, got 0\n"
        "leakwatch.toml:4:12: crawl.per_host: expected an integer 1..64, got 0\n"
        "leakwatch.toml:5:1: crawl.concurency: unknown key, did you mean `concurrency`?");
  std::string many;
  for (int i = 0; i < 30; ++i) many += "k" + std::to_string(i) + " = 1\n";
  const std::string message = ErrorOf(many);
  CHECK(std::count(message.begin(), message.end(), '\n') == 20);
  CHECK(message.ends_with("leakwatch.toml: ... and 10 more problems"));
}

TEST_CASE("crawler and delivery tuning", "[unit]") {
  const Config config = MustParse(
      "[crawl]\ntotal_timeout = \"2m\"\nfile_total_timeout = \"3h\"\nmemory_budget = "
      "\"1GiB\"\nspool_dir = \"/var/tmp/lw\"\nworkers = 4\n"
      "[notify]\nmax_attempts = 3\nretry_base_backoff = \"30s\"\nretry_max_backoff = \"1h\"\n"
      "[[sources]]\nname = \"s\"\nurls = [\"http://a.onion/\"]\nrevisit_items = true\n"
      "revisit_interval = \"6h\"\n");
  CHECK(config.crawl.total_timeout == std::chrono::minutes(2));
  CHECK(config.crawl.file_total_timeout == std::chrono::hours(3));
  CHECK(config.crawl.memory_budget == kGiB);
  CHECK(config.crawl.spool_dir == "/var/tmp/lw");
  CHECK(config.crawl.workers == 4);
  CHECK(config.notify.max_attempts == 3);
  CHECK(config.notify.retry_base_backoff == std::chrono::seconds(30));
  CHECK(config.notify.retry_max_backoff == std::chrono::hours(1));
  CHECK(config.sources[0].revisit_interval == std::chrono::hours(6));
  CHECK(config.sources[0].page_budget == 20);
  CHECK(ErrorOf("[notify]\nretry_base_backoff = \"12h\"\n") ==
        "leakwatch.toml:2:22: notify.retry_base_backoff: retry_max_backoff must be at least "
        "retry_base_backoff");
  CHECK(ErrorOf("[crawl]\nworkers = 0\n") ==
        "leakwatch.toml:2:11: crawl.workers: expected an integer 1..64, got 0");
}

TEST_CASE("notification channels", "[unit]") {
  const Config config = MustParse(
      "[[notify.email]]\nsmtp_url = \"smtps://mail.example.org\"\nfrom = \"lw@example.org\"\n"
      "to = [\"soc@example.org\", \"ir@example.org\"]\nusername = \"lw\"\n"
      "password_env = \"SMTP_PASS\"\nkinds = [\"exact\", \"image\"]\nmin_score = 0.5\n"
      "[[notify.email]]\nsmtp_url = \"smtp://localhost:2525\"\ntls = \"none\"\n"
      "from = \"lw@example.org\"\nto = [\"soc@example.org\"]\n"
      "[[notify.exec]]\ncommand = [\"/usr/bin/logger\", \"-t\", \"leakwatch\"]\ntimeout = "
      "\"5s\"\n");
  REQUIRE(config.notify.email.size() == 2);
  CHECK(config.notify.email[0].tls == SmtpTls::kImplicit);
  CHECK(config.notify.email[0].password.env == "SMTP_PASS");
  CHECK(config.notify.email[0].common.name == "email-0");
  CHECK(config.notify.email[0].common.min_score == 0.5);
  CHECK(config.notify.email[0].common.kinds == std::vector<std::string>{"exact", "image"});
  CHECK(config.notify.email[1].tls == SmtpTls::kNone);
  CHECK(config.notify.email[1].common.name == "email-1");
  CHECK(config.notify.exec[0].timeout == std::chrono::seconds(5));

  const std::string email = "[[notify.email]]\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\n";
  CHECK(ErrorOf(email + "smtp_url = \"smtps://m.example.org\"\ntls = \"starttls\"\n") ==
        "leakwatch.toml:5:7: notify.email[0].tls: smtps:// URLs always use implicit TLS; use tls "
        "= \"implicit\" or an smtp:// URL");
  CHECK(ErrorOf(email + "smtp_url = \"smtp://m.example.org\"\ntls = \"startls\"\n") ==
        "leakwatch.toml:5:7: notify.email[0].tls: expected one of starttls, implicit, none, got "
        "\"startls\", did you mean `starttls`?");
  CHECK(ErrorOf(email + "smtp_url = \"http://m.example.org\"\n") ==
        "leakwatch.toml:4:12: notify.email[0].smtp_url: bad SMTP URL \"http://m.example.org\": "
        "scheme \"http\" is not allowed (expected smtp://, smtps://)");
  CHECK(ErrorOf(email + "smtp_url = \"smtp://m.example.org\"\nusername = \"u\"\n") ==
        "leakwatch.toml:5:12: notify.email[0].username: SMTP AUTH needs password_file or "
        "password_env");
  CHECK(ErrorOf(email + "smtp_url = \"smtp://m.example.org\"\nkinds = [\"imgae\"]\n") ==
        "leakwatch.toml:5:10: notify.email[0].kinds[0]: expected one of exact, partial, records, "
        "image, mention, got \"imgae\", did you mean `image`?");
  CHECK(ErrorOf("[[notify.exec]]\ncommand = [\"open-ticket\"]\n") ==
        "leakwatch.toml:2:12: notify.exec[0].command[0]: the program must be an absolute path (no "
        "$PATH lookup), got \"open-ticket\"");
  CHECK(ErrorOf("[[notify.exec]]\nname = \"x\"\ncommand = [\"/bin/true\"]\n"
                "[[notify.exec]]\nname = \"x\"\ncommand = [\"/bin/true\"]\n") ==
        "leakwatch.toml:5:8: notify.exec[1].name: duplicate channel name \"x\" (also used by "
        "notify.exec[0])");
}

TEST_CASE("headers: defaults replaced by name, removed by an empty value", "[unit]") {
  const Config config = MustParse(
      "[crawl.headers]\naccept-language = \"de\"\nAccept = \"\"\nDNT = \"1\"\n"
      "[[sources]]\nname = \"s\"\nurls = [\"http://a.onion/\"]\n[sources.headers]\n"
      "Cookie = \"sid=1\"\n");
  CHECK(config.crawl.headers == std::vector<HttpHeader>{{"DNT", "1"}, {"accept-language", "de"}});
  CHECK(config.sources[0].headers == std::vector<HttpHeader>{{"Cookie", "sid=1"}});
  CHECK(ErrorOf("[crawl.headers]\n\"Bad Name\" = \"x\"\n") ==
        "leakwatch.toml:2:1: crawl.headers.Bad Name: not a valid HTTP header name (letters, "
        "digits and !#$%&'*+-.^_`|~)");
  CHECK(ErrorOf("[crawl.headers]\nX = \"a\\r\\nInjected: 1\"\n") ==
        "leakwatch.toml:2:5: crawl.headers.X: expected a header value (a string without line "
        "breaks or other control characters, at most 8192 bytes), got a string with a control "
        "character or too long");
  CHECK(ErrorOf("[crawl.headers]\nX = \"a\\u001b[31m\"\n")
            .find("leakwatch.toml:2:5: crawl.headers.X: expected a header value") == 0);
}

// Issue 14 item 7: every [sources.headers] entry is kept (and sent); only the headers
// that must not be set by hand are refused, where they are written.
TEST_CASE("headers: all source headers kept, hand-set transport headers refused", "[unit]") {
  const std::string source = "[[sources]]\nname = \"s\"\nurls = [\"http://a.onion/\"]\n";
  const Config config =
      MustParse(source +
                "[sources.headers]\nCookie = \"sid=1\"\nAuthorization = \"Bearer t\"\n"
                "Referer = \"http://a.onion/\"\nX-Forum-Token = \"abc\"\nAccept = \"\"\n");
  CHECK(config.sources[0].headers == std::vector<HttpHeader>{{"Accept", ""},
                                                             {"Authorization", "Bearer t"},
                                                             {"Cookie", "sid=1"},
                                                             {"Referer", "http://a.onion/"},
                                                             {"X-Forum-Token", "abc"}});
  const std::string refused =
      ": cannot be set by hand: libcurl sets it for each request and connection (Host, "
      "Content-Length, Expect and the hop-by-hop headers)";
  for (const std::string name :
       {"Host", "content-length", "Transfer-Encoding", "Connection", "Keep-Alive", "TE", "Trailer",
        "Upgrade", "Proxy-Authorization", "Proxy-Connection", "Expect"}) {
    INFO(name);
    CHECK(ErrorOf(source + "[sources.headers]\nReferer = \"x\"\n" + name + " = \"x\"\n") ==
          "leakwatch.toml:6:1: sources[0].headers." + name + refused);
    CHECK(ErrorOf("[crawl.headers]\n" + name + " = \"x\"\n") ==
          "leakwatch.toml:2:1: crawl.headers." + name + refused);
  }
  // A credential sent to every host (a redirect could take it anywhere) is refused.
  CHECK(ErrorOf("[crawl]\nworkers = 2\n[crawl.headers]\nAuthorization = \"Bearer t\"\n") ==
        "leakwatch.toml:4:1: crawl.headers.Authorization: a credential belongs to one source: set "
        "it in that source's [sources.headers], which are sent to the source's own hosts only");
  CHECK(ErrorOf("[crawl.headers]\ncookie = \"sid=1\"\n")
            .find("leakwatch.toml:2:1: crawl.headers.cookie: a credential belongs to one source") ==
        0);
}

TEST_CASE("paths: ~ expanded, relative ones resolved against the config file", "[unit]") {
  testing::TempDir dir;
  const auto file = dir.Write("etc/leakwatch.toml",
                              "[store]\ndb = \"data/lw.db\"\n[match]\npack = \"~/p.lwfp\"\n"
                              "key_file = \"../keys/k\"\n");
  auto config = LoadConfig(file, kEnv);
  REQUIRE(config.has_value());
  CHECK(config->source_file == file);
  CHECK(config->store.db == dir.path() / "etc/data/lw.db");
  CHECK(config->match.pack == "/home/ana/p.lwfp");
  CHECK(config->match.key_file == dir.path() / "keys/k");
  CHECK(ErrorOf("[match]\npack = \"/p\"\n") ==
        "leakwatch.toml:2:8: match.pack: match.key_file is required when match.pack is set (the "
        "pack is useless without its key)");
}

TEST_CASE("LoadConfig: missing, oversized and broken files", "[unit]") {
  testing::TempDir dir;
  auto missing = LoadConfig(dir / "nope.toml", kEnv);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == StatusCode::kNotFound);
  CHECK(missing.error().message().find("leakwatch init") != std::string::npos);

  const auto big = dir.Write("big.toml", std::string(kMaxConfigFileBytes + 1, '#'));
  auto too_large = LoadConfig(big, kEnv);
  REQUIRE_FALSE(too_large.has_value());
  CHECK(too_large.error().code() == StatusCode::kTooLarge);

  const auto broken = dir.Write("broken.toml", "[crawl]\nper_host = 100\n");
  auto invalid = LoadConfig(broken, kEnv);
  REQUIRE_FALSE(invalid.has_value());
  CHECK(invalid.error().message() ==
        broken.string() + ":2:12: crawl.per_host: expected an integer 1..64, got 100");
}

}  // namespace
}  // namespace leakwatch::config
