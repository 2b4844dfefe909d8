// config/config: the one place where leakwatch's configuration schema lives.
//
// A leakwatch.toml file is parsed (toml++, privately) into a typed, fully validated
// `Config`: every field below has its documented default, every value has been
// range-checked, every URL and regex parsed, and the cross-field rules (Tor policy,
// unique names) hold. No TOML type appears in this header; code that needs a setting
// reads it from the struct. `crawler` and `notify` take their own Options structs,
// which `app` fills from a Config in one place.
//
// Errors are InvalidArgument statuses whose message names file, line, column and the
// key path, e.g.
//   leakwatch.toml:14:3: sources[2].max_depth: expected an integer 0..20, got "three"
// When a file has several problems, each one is reported on its own line (sorted by
// position, at most kMaxReportedErrors). Unknown keys are errors, with a "did you mean"
// suggestion when a known key is close.
//
// Secrets (SMTP password, webhook secret, Tor control password, fingerprint key) are
// never written inline: only `*_file` (a file readable by its owner only) or `*_env`
// (an environment variable name). The loader only records those references; the code
// that needs a secret reads it with util::ReadSecretFile / util::ReadSecretEnv, and
// `CheckSecrets` lets `doctor` check them all up front.
//
// Thread safety: the functions here are pure apart from reading the file and the
// injected Environment; a Config is a plain value, safe to share read-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::config {

using Milliseconds = std::chrono::milliseconds;

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;

// At most this many problems are listed in one load error.
inline constexpr size_t kMaxReportedErrors = 20;
// Config files larger than this are refused (TooLarge).
inline constexpr uint64_t kMaxConfigFileBytes = 4 * kMiB;

// ---------------------------------------------------------------------------------------
// Environment access, injectable so tests need not mutate the process environment.

struct Environment {
  // Returns the variable's value, or nullopt when unset. Empty values are returned as "".
  std::function<std::optional<std::string>(std::string_view name)> get;

  // Reads the real process environment (std::getenv).
  static Environment Process();
  // A fixed set of variables; everything else is unset.
  static Environment FromMap(std::map<std::string, std::string, std::less<>> vars);
};

// ---------------------------------------------------------------------------------------
// Small value types.

// A "host:port" pair, e.g. from tor.control_port or serve.listen. IPv6 hosts are written
// "[::1]:8080" in the config and kept here without brackets.
struct Endpoint {
  std::string host;
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 host.
  std::string ToString() const;
  bool operator==(const Endpoint&) const = default;
};

// One HTTP request header. Names are validated as HTTP tokens; values have no CR/LF.
struct HttpHeader {
  std::string name;
  std::string value;
  bool operator==(const HttpHeader&) const = default;
};

// Where a secret comes from: a file (owner-only permissions) or an environment
// variable. At most one is set; both empty means "no secret configured".
struct SecretRef {
  std::filesystem::path file;
  std::string env;

  bool empty() const { return file.empty() && env.empty(); }
};

// ---------------------------------------------------------------------------------------
// Sections. Defaults here are the documented defaults (leakwatch.example.toml repeats
// them); the loader overwrites only what the file sets.

// [store]
struct StoreConfig {
  // The SQLite database. Default: $XDG_DATA_HOME/leakwatch/leakwatch.db.
  std::filesystem::path db;
  // WARC evidence files. Default: $XDG_DATA_HOME/leakwatch/evidence.
  std::filesystem::path evidence_dir;
};

// [tor]
struct TorConfig {
  // The SOCKS proxy every non-direct request goes through. Always socks5h:// (names are
  // resolved by Tor, never locally) with no user:password (leakwatch sets a per-source
  // pair for stream isolation). Its host is an IP address or "localhost" (no DNS).
  // Empty string: no proxy; then only `direct` sources may be configured.
  std::string socks_proxy = "socks5h://127.0.0.1:9050";
  // host:port parsed from socks_proxy by the loader; nullopt when socks_proxy is empty.
  std::optional<Endpoint> socks_endpoint = Endpoint{"127.0.0.1", 9050};
  // Tor's control port (IP address or localhost), for the bootstrap check and NEWNYM;
  // nullopt = not configured.
  std::optional<Endpoint> control_port;
  // Control-port authentication: Tor's cookie file (may be group-readable, as Tor
  // makes it), or a password from a file or environment variable. At most one of
  // cookie and password. Neither: no authentication (Tor's "null" auth).
  std::filesystem::path control_cookie_file;
  SecretRef control_password;
  // Send SIGNAL NEWNYM at the start of each crawl run (only with a control port).
  bool newnym = true;
};

// [crawl]: global fetch limits; sources may override per_host and min_delay.
struct CrawlConfig {
  int concurrency = 64;                             // 1..1024 transfers at once
  int per_host = 4;                                 // 1..64 transfers per host
  Milliseconds min_delay{1000};                     // 0..1h between requests to one host
  Milliseconds max_duration{12 * 60 * 1000};        // 1s..7d per crawl run
  int64_t max_pages = 0;                            // pages per run, 0 = unlimited
  Milliseconds connect_timeout{60 * 1000};          // 1s..10m (onion circuits are slow)
  Milliseconds total_timeout{5 * 60 * 1000};        // 1s..24h per page transfer
  Milliseconds file_total_timeout{60 * 60 * 1000};  // 1s..24h per file transfer
  uint64_t low_speed_limit = 1024;                  // bytes/s, 0 disables the check
  Milliseconds low_speed_time{60 * 1000};           // 1s..1h below the limit -> abort
  // Bytes read per fetch; past them what arrived is matched as a part (see the example
  // config) and a file is continued by the next run.
  uint64_t page_max_bytes = 8 * kMiB;   // pages (HTML, text)
  uint64_t file_max_bytes = 1 * kGiB;   // files: anything that is not a page
  uint64_t spool_threshold = 8 * kMiB;  // bodies above this go to a temp file
  // Response bodies held in memory at once; past it, bodies are spooled to files.
  uint64_t memory_budget = 256 * kMiB;
  // Where spool files go; empty = the system temporary directory ($TMPDIR or /tmp).
  std::filesystem::path spool_dir;
  int workers = 2;        // 1..64 threads that parse, expand, match
  int max_redirects = 5;  // 0..10, only http/https, on the proxy
  // Tor Browser's User-Agent (Tor Browser reports the same one on every platform).
  std::string user_agent = "Mozilla/5.0 (Windows NT 10.0; rv:115.0) Gecko/20100101 Firefox/115.0";
  // Extra request headers, sent after the defaults below; [crawl.headers] entries
  // replace a default of the same name (case-insensitive), an empty value removes it.
  // Refused at load: Host, Content-Length, Expect and hop-by-hop headers (libcurl's),
  // and credentials (Cookie, Authorization), which belong in [sources.headers].
  std::vector<HttpHeader> headers = {
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
      {"Accept-Language", "en-US,en;q=0.5"},
  };
  // Transient failures are retried in later runs after base * 2^(failures-1), with
  // jitter, capped at max.
  Milliseconds retry_base_backoff{60 * 1000};           // 1s..7d
  Milliseconds retry_max_backoff{24 * 60 * 60 * 1000};  // >= base, ..30d
};

// [match.watch]: watch-list terms and RE2 regexes producing `mention` sightings.
struct WatchConfig {
  std::vector<std::string> terms;  // plain substrings, non-empty
  std::vector<std::string> regex;  // RE2 syntax; each one compiled at load
  bool ignore_case = true;         // applies to terms and regexes
};

// [match.records]: columns for record fingerprinting (`fingerprint build` flags win).
struct RecordsConfig {
  std::vector<std::string> identifier;     // columns that identify a record (weakly)
  std::vector<std::string> corroborating;  // columns that confirm one
  int proximity_tokens = 32;               // 1..1000: how near a corroborating value must be
};

// [match.limits]: archive-bomb and decoder limits, on by default.
struct MatchLimits {
  int archive_depth = 4;                    // 0..16 nested archives
  uint64_t archive_total_bytes = 4 * kGiB;  // expanded bytes per scanned object
  uint32_t archive_ratio = 200;             // 1..100000 expanded:compressed
  uint64_t archive_members = 100000;        // 1..10,000,000 members per object
  uint64_t image_max_pixels = 50'000'000;   // checked from the header before decoding
  uint64_t scan_max_bytes = 64 * kGiB;      // `scan`: bytes read per top-level object
};

// [match]
struct MatchConfig {
  std::filesystem::path pack;      // fingerprint pack; empty = not configured
  std::filesystem::path key_file;  // 32-byte key file; required when pack is set
  int image_threshold = 31;        // 0..256 PDQ Hamming distance
  bool dihedral = true;            // also match rotated/flipped images
  WatchConfig watch;
  RecordsConfig records;
  MatchLimits limits;
};

// [parse.limits]: caps on each page a site profile parses (parsers::Limits, whose
// defaults these repeat). Hitting one truncates the work and records an anomaly.
struct ParserLimits {
  uint64_t max_page_bytes = 8 * kMiB;        // 1KiB..1GiB of body parsed
  uint64_t max_nodes = 500'000;              // 1000..100,000,000 elements handed to Gumbo
  uint64_t max_depth = 256;                  // 16..4096 element nesting
  uint64_t max_selector_steps = 20'000'000;  // 1000..10,000,000,000 selector steps per page
  Milliseconds max_time{3000};               // 10ms..10m of selector evaluation per page
  uint64_t max_links = 5000;                 // 1..1,000,000 links kept per page
  uint64_t max_documents = 1000;             // 1..1,000,000 documents kept per page
  uint64_t max_document_bytes = 4 * kMiB;    // 1KiB..1GiB of text per document
  uint64_t max_field_bytes = 512;            // 16..64KiB per title, author, time, anchor
};

// [parse]
struct ParserConfig {
  ParserLimits limits;
};

// One [[sources]] entry. Its headers ([sources.headers]) are all sent, Cookie and
// Authorization among them, to the source's own hosts only (never to another host a
// redirect leads to), replacing a [crawl.headers] entry of the same name; the loader
// refuses the same transport headers as in [crawl.headers], credentials aside.
struct SourceConfig {
  std::string name;                       // unique, [a-z0-9_-]{1,64}
  std::string profile = "generic";        // a site profile name, "generic" or "auto"
  std::vector<std::string> urls;          // absolute http(s) URLs, at least one
  std::filesystem::path cookies_file;     // Netscape cookie file (a credential), optional
  std::vector<HttpHeader> headers;        // extra headers, to this source's hosts only
  bool direct = false;                    // true = clearnet without Tor, explicit only
  int max_depth = 3;                      // 0..20 link hops from the start URLs
  int page_budget = 20;                   // 1..100000 listing pages per run
  std::optional<int> per_host;            // overrides crawl.per_host
  std::optional<Milliseconds> min_delay;  // overrides crawl.min_delay
  bool revisit_items = false;             // re-fetch item pages (see revisit_interval)
  Milliseconds revisit_interval{24 * 60 * 60 * 1000};  // 1m..365d between item re-fetches
  std::string login_pattern;  // RE2 matched against the final URL; empty = none
  bool enabled = true;
};

// Filters shared by every notification channel.
struct ChannelCommon {
  std::string name;                // unique across channels; default "<kind>-<index>"
  bool immediate = false;          // send high-score sightings as soon as recorded
  double min_score = 0.0;          // only sightings scoring at least this
  std::vector<std::string> kinds;  // subset of exact,partial,records,image,mention; empty = all
};

enum class SmtpTls {
  kStartTls,  // smtp:// upgraded with STARTTLS, which is required (default for smtp://)
  kImplicit,  // smtps:// (default for smtps://)
  kNone,      // plain text, for a local relay only
};

// One [[notify.email]] entry.
struct EmailChannel {
  ChannelCommon common;
  std::string smtp_url;  // smtp://host[:port] or smtps://host[:port]
  std::string from;
  std::vector<std::string> to;  // at least one address
  std::string username;         // empty = no SMTP AUTH
  SecretRef password;           // required when username is set
  SmtpTls tls = SmtpTls::kStartTls;
  Milliseconds timeout{60 * 1000};  // 1s..10m
  std::filesystem::path ca_file;    // extra CA bundle (PEM) to trust; empty = system CAs
};

// One [[notify.webhook]] entry.
struct WebhookChannel {
  ChannelCommon common;
  std::string url;                  // http(s) URL the JSON body is POSTed to
  SecretRef secret;                 // HMAC-SHA256 key for X-Leakwatch-Signature; required
  Milliseconds timeout{10 * 1000};  // 1s..5m
};

// One [[notify.exec]] entry.
struct ExecChannel {
  ChannelCommon common;
  std::vector<std::string> command;  // argv; command[0] is an absolute path
  Milliseconds timeout{30 * 1000};   // 1s..1h
};

// [notify]
struct NotifyConfig {
  // Failed deliveries are retried in later runs after base * 2^(attempts-1), capped at
  // max, and given up (marked failed) after max_attempts.
  int max_attempts = 12;                               // 1..1000
  Milliseconds retry_base_backoff{60 * 1000};          // 1s..1d
  Milliseconds retry_max_backoff{6 * 60 * 60 * 1000};  // >= base, ..30d
  std::vector<EmailChannel> email;
  std::vector<WebhookChannel> webhook;
  std::vector<ExecChannel> exec;
};

// [serve]
struct ServeConfig {
  Endpoint listen{"127.0.0.1", 8080};
};

// [retention]
struct RetentionConfig {
  int days = 90;                // 1..36500: non-sighting fetch logs, blobs, WARC age out
  bool keep_unmatched = false;  // keep WARC evidence of content that matched nothing
};

struct Config {
  // The file this was loaded from (empty for ParseConfig on text).
  std::filesystem::path source_file;

  StoreConfig store;
  TorConfig tor;
  CrawlConfig crawl;
  MatchConfig match;
  ParserConfig parse;
  std::vector<SourceConfig> sources;
  NotifyConfig notify;
  ServeConfig serve;
  RetentionConfig retention;
};

// ---------------------------------------------------------------------------------------
// Loading.

// The configuration used when no file sets anything: all documented defaults, with
// store paths under `env`'s XDG data directory.
Config DefaultConfig(const Environment& env = Environment::Process());

// Parses and validates TOML text. `file_name` is used in error messages only
// ("leakwatch.toml:14:3: ..."). Relative paths in the text are kept as written.
// Errors: InvalidArgument (syntax, schema, validation) with file:line:col messages.
Result<Config> ParseConfig(std::string_view toml_text, std::string_view file_name,
                           const Environment& env = Environment::Process());

// Reads and parses a config file. Relative paths inside it (db, pack, key_file,
// *_file, ...) are resolved against the file's directory. Errors: NotFound (the
// message suggests `leakwatch init`), TooLarge past kMaxConfigFileBytes, IOError,
// and ParseConfig's InvalidArgument (messages use the path as given).
Result<Config> LoadConfig(const std::filesystem::path& path,
                          const Environment& env = Environment::Process());

// The commented starter config (config/leakwatch.example.toml, embedded at build
// time), which `leakwatch init` writes. It parses cleanly with ParseConfig.
std::string_view StarterConfigText();

// ---------------------------------------------------------------------------------------
// Paths (XDG base directories).

// Where the config path came from, for messages ("config from $LEAKWATCH_CONFIG: ...").
enum class ConfigPathOrigin { kFlag, kEnv, kDefault };

struct ConfigPathChoice {
  std::filesystem::path path;
  ConfigPathOrigin origin = ConfigPathOrigin::kDefault;
};

// Precedence: `flag` (--config) > $LEAKWATCH_CONFIG (when non-empty) >
// $XDG_CONFIG_HOME/leakwatch/leakwatch.toml. Does not check that the file exists.
ConfigPathChoice ResolveConfigPath(const std::optional<std::filesystem::path>& flag,
                                   const Environment& env = Environment::Process());

// $XDG_CONFIG_HOME/leakwatch (XDG_CONFIG_HOME when absolute, else $HOME/.config).
std::filesystem::path ConfigDir(const Environment& env = Environment::Process());
// $XDG_DATA_HOME/leakwatch (XDG_DATA_HOME when absolute, else $HOME/.local/share).
std::filesystem::path DefaultDataDir(const Environment& env = Environment::Process());
// $XDG_CONFIG_HOME/leakwatch/profiles: the user's own site profiles.
std::filesystem::path UserProfilesDir(const Environment& env = Environment::Process());

// ---------------------------------------------------------------------------------------
// Secrets, for `doctor`.

// The result of checking one secret reference.
struct SecretCheck {
  std::string key_path;  // e.g. "notify.email[0].password_file"
  std::string target;    // the file path or environment variable name
  Status status;         // OK, NotFound, PermissionDenied (message says which chmod)
};

// Checks every secret reference in `config` without keeping any secret bytes: files
// exist, are regular and readable, and are not accessible by group or others (the Tor
// control cookie, which Tor makes group-readable, is only checked for readability);
// environment variables are set and non-empty. Also covers sources' cookies_file.
std::vector<SecretCheck> CheckSecrets(const Config& config,
                                      const Environment& env = Environment::Process());

// The first failing SecretCheck's status, or OK.
Status ValidateSecretFiles(const Config& config, const Environment& env = Environment::Process());

// ---------------------------------------------------------------------------------------
// Helpers shared with the command line.

// Parses a byte size: a non-negative integer of bytes, or a number with a unit:
// B, KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB (powers of 1000),
// e.g. "8MiB", "512 KiB". InvalidArgument otherwise.
Result<uint64_t> ParseByteSize(std::string_view text);

// The host of an absolute URL (lower-cased, without brackets for IPv6), or
// InvalidArgument when `url` is not a valid http(s) URL as the loader accepts them.
Result<std::string> UrlHost(std::string_view url);

}  // namespace leakwatch::config
