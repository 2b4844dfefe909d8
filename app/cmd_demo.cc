// leakwatch demo: the whole pipeline on a simulated dark web, in one command.
//
// In a fresh work directory (a temp dir, or --dir): generate the synthetic dataset,
// build its fingerprint pack and key, start the world (onion sites behind a SOCKS5
// gateway) and a local SMTP sink, write a config pointing at them, crawl twice with
// the production pipeline (PrepareCrawl + RunCrawlAndNotify, exactly what `leakwatch
// crawl` runs) with one new leak posted in between, then print the sightings, the
// email digest the sink received and a verdict. Exit 0 when every seeded leak was
// found, nothing innocuous was flagged and the second run added no duplicates; 1
// otherwise. --serve keeps the world running for experiments with a normal crawl.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>

#include "app/commands.h"
#include "app/crawl_setup.h"
#include "demo/dataset.h"
#include "demo/smtp_sink.h"
#include "demo/world.h"
#include "match/builder.h"
#include "match/image_hooks.h"
#include "match/key.h"
#include "store/store.h"
#include "util/files.h"

namespace leakwatch::app {
namespace {

using Clock = std::chrono::steady_clock;

struct DemoFlags {
  std::string dir;
  uint64_t seed = 1;
  bool serve = false;
  int min_latency_ms = 100;
  int max_latency_ms = 800;
};

// Timestamped progress lines, so a user sees the demo moving.
class Progress {
 public:
  explicit Progress(std::ostream& out) : out_(out), start_(Clock::now()) {}
  void Line(std::string_view text) {
    std::lock_guard lock(mu_);
    const double s = std::chrono::duration<double>(Clock::now() - start_).count();
    out_ << fmt::format("[{:5.1f}s] {}\n", s, text) << std::flush;
  }
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  std::ostream& out_;
  Clock::time_point start_;
  std::mutex mu_;
};

// Prints the world's request count every few seconds while a crawl runs.
class RequestTicker {
 public:
  RequestTicker(Progress& progress, const demo::World& world)
      : thread_([&progress, &world, this] {
          std::unique_lock lock(mu_);
          int64_t last = world.TotalRequests();
          while (!cv_.wait_for(lock, std::chrono::seconds(3), [this] { return done_; })) {
            const int64_t now = world.TotalRequests();
            if (now != last)
              progress.Line(fmt::format("  ... {} requests served by the onion sites", now));
            last = now;
          }
        }) {}
  ~RequestTicker() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Result<std::filesystem::path> MakeWorkDir(const DemoFlags& flags) {
  std::error_code ec;
  if (!flags.dir.empty()) {
    const std::filesystem::path dir = std::filesystem::absolute(flags.dir, ec);
    if (ec) return Status::InvalidArgument("--dir " + flags.dir + ": " + ec.message());
    LW_RETURN_IF_ERROR(util::EnsurePrivateDirectory(dir));
    // A kept directory is reused: start from an empty database so the verdict is about
    // this run only (dataset, pack and key are rebuilt or reused deterministically).
    for (const char* stale : {"leakwatch.db", "leakwatch.db-wal", "leakwatch.db-shm", "evidence"}) {
      std::filesystem::remove_all(dir / stale, ec);
    }
    return dir;
  }
  const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
  const std::filesystem::path dir = std::filesystem::temp_directory_path(ec) /
                                    fmt::format("leakwatch-demo-{}-{}", getpid(), stamp);
  if (ec) return Status::IOError("no temp directory: " + ec.message());
  LW_RETURN_IF_ERROR(util::EnsurePrivateDirectory(dir));
  return dir;
}

Status BuildDemoPack(const demo::Dataset& dataset, const std::filesystem::path& pack,
                     const std::filesystem::path& key_file) {
  if (!std::filesystem::exists(key_file)) LW_RETURN_IF_ERROR(match::GenerateKeyFile(key_file));
  LW_ASSIGN_OR_RETURN(match::DatasetKey key, match::DatasetKey::Load(key_file));
  match::PdqImageFingerprinter images;
  match::BuildOptions options;
  options.dataset_dir = dataset.dir;
  options.record_files = {dataset.dir / dataset.records_file};
  LW_ASSIGN_OR_RETURN(options.identifiers, match::ParseColumnSpecs(demo::kIdentifierColumns));
  LW_ASSIGN_OR_RETURN(options.corroborating, match::ParseColumnSpecs(demo::kCorroboratingColumns));
  options.output = pack;
  options.tool_version = "leakwatch-demo";
  options.image_fingerprinter = &images;
  LW_ASSIGN_OR_RETURN(match::BuildSummary summary, match::BuildPack(options, key));
  (void)summary;
  return Status::Ok();
}

// The config a user would write for this world; only the proxy is special.
std::string DemoConfig(const std::filesystem::path& dir, const demo::World& world,
                       const demo::SmtpSink& sink) {
  std::string toml = fmt::format(
      "# Written by `leakwatch demo`: the simulated dark web of the demo.\n"
      "[store]\ndb = {}\nevidence_dir = {}\n\n"
      "[tor]\n# The demo's SOCKS5 gateway plays Tor: .onion names only, resolved by the proxy.\n"
      "socks_proxy = {}\nnewnym = false\n\n"
      "[crawl]\nconcurrency = 64\nper_host = 16\nmin_delay = \"0s\"\nmax_duration = \"50s\"\n"
      "connect_timeout = \"10s\"\ntotal_timeout = \"30s\"\nretry_base_backoff = \"1s\"\n"
      "retry_max_backoff = \"10s\"\nworkers = 2\n\n"
      "[match]\npack = {}\nkey_file = {}\n\n"
      "[match.watch]\nterms = [\"Northreach Border Agency\", \"Perimetrix\"]\n\n",
      TomlString((dir / "leakwatch.db").string()), TomlString((dir / "evidence").string()),
      TomlString(world.ProxyUrl()), TomlString((dir / "dataset.lwfp").string()),
      TomlString((dir / "dataset.key").string()));
  for (const demo::WorldSource& s : world.Sources()) {
    toml += fmt::format("[[sources]]\nname = {}\nprofile = {}\nurls = [{}]\n", TomlString(s.name),
                        TomlString(s.profile), TomlString(s.start_urls.at(0)));
    if (!s.cookie_name.empty()) {
      toml +=
          fmt::format("cookies_file = {}\n", TomlString((dir / (s.name + ".cookies")).string()));
    }
    toml += "\n";
  }
  toml += fmt::format(
      "[notify]\nretry_base_backoff = \"1s\"\n\n"
      "[[notify.email]]\nname = \"soc-mail\"\nsmtp_url = {}\n"
      "# The demo's SMTP sink is on loopback; never use \"none\" with a real relay.\n"
      "tls = \"none\"\nfrom = \"leakwatch@demo.invalid\"\nto = [\"soc@demo.invalid\"]\n",
      TomlString(sink.Url()));
  return toml;
}

Status WriteDemoFiles(const std::filesystem::path& dir, const demo::World& world,
                      const demo::SmtpSink& sink) {
  for (const demo::WorldSource& s : world.Sources()) {
    if (s.cookie_name.empty()) continue;
    // Netscape cookie file: domain, include-subdomains, path, secure, expiry, name, value.
    const std::string line =
        fmt::format("# Netscape HTTP Cookie File\n{}\tFALSE\t/\tFALSE\t0\t{}\t{}\n", s.onion,
                    s.cookie_name, s.cookie_value);
    LW_RETURN_IF_ERROR(util::WriteFileAtomic(dir / (s.name + ".cookies"), line));
  }
  return util::WriteFileAtomic(dir / "leakwatch.toml", DemoConfig(dir, world, sink));
}

std::string ShortUrl(const std::string& url) {
  // "http://<56 chars>.onion/x" -> "http://abcdefgh….onion/x"
  const size_t onion = url.find(".onion");
  const size_t scheme = url.find("://");
  if (onion == std::string::npos || scheme == std::string::npos || onion < scheme + 3 + 8) {
    return url;
  }
  std::string out = url.substr(0, scheme + 3 + 8) + "…" + url.substr(onion);
  return out.size() > 72 ? out.substr(0, 71) + "…" : out;
}

struct Verdict {
  std::vector<std::string> missed;        // leak ids not found
  std::vector<std::string> false_alarms;  // innocuous URLs flagged
  std::vector<std::string> duplicates;    // sightings recorded twice
  int64_t second_run_new_on_old_leaks = 0;
  bool ok() const {
    return missed.empty() && false_alarms.empty() && duplicates.empty() &&
           second_run_new_on_old_leaks == 0;
  }
};

struct CrawlRecord {
  crawler::CrawlSummary summary;
  std::string notify_line;
};

Result<CrawlRecord> CrawlOnce(const std::filesystem::path& config_path,
                              const config::Environment& env, Progress& progress,
                              const demo::World& world) {
  LW_ASSIGN_OR_RETURN(config::Config config, config::LoadConfig(config_path, env));
  LW_ASSIGN_OR_RETURN(CrawlSetup setup, PrepareCrawl(config, config.store.db, env));
  setup.options.stop_flag = crawler::InstallStopSignals();
  util::SystemClock clock;
  RequestTicker ticker(progress, world);
  LW_ASSIGN_OR_RETURN(CrawlOutcome outcome, RunCrawlAndNotify(setup, clock));
  CrawlRecord record{outcome.summary, ""};
  record.notify_line = outcome.delivery_status.ok()
                           ? fmt::format("notify: {} delivered, {} failed",
                                         outcome.delivery.delivered(), outcome.delivery.failed())
                           : "notify: delivery failed: " + outcome.delivery_status.message();
  return record;
}

void PrintSightings(std::ostream& out, const std::vector<store::Sighting>& sightings,
                    const demo::World& world) {
  out << fmt::format("\n{:>4}  {:<8} {:>7}  {:<13} {:<18} {}\n", "ID", "KIND", "SCORE", "SOURCE",
                     "SEEDED LEAK", "URL");
  for (auto it = sightings.rbegin(); it != sightings.rend(); ++it) {
    const store::Sighting& s = *it;
    const demo::SeededLeak* leak = world.LeakForUrl(s.url);
    std::string where = ShortUrl(s.url);
    if (!s.member_path.empty()) where += " !/" + s.member_path;
    out << fmt::format("{:>4}  {:<8} {:>7.3f}  {:<13} {:<18} {}\n", s.id,
                       store::SightingKindName(s.kind), s.score, s.source,
                       leak ? leak->id : "(innocuous!)", where);
  }
}

void PrintSourceHealth(std::ostream& out, store::Store& db) {
  auto sources = db.sources().List();
  if (!sources.has_value()) return;
  out << fmt::format("\n{:<14} {:<10} {:>8}  {}\n", "SOURCE", "STATE", "FAILURES", "LAST ERROR");
  for (const store::Source& s : *sources) {
    out << fmt::format("{:<14} {:<10} {:>8}  {}\n", s.name, store::SourceStateName(s.state),
                       s.consecutive_failures, s.last_error.value_or("-").substr(0, 60));
  }
}

// Decodes standard base64, skipping line breaks; stops at the first other character.
std::string DecodeBase64(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '\r' || c == '\n') continue;
    if (v < 0) break;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// The readable part of a digest mail: its Subject and the text/plain body (decoded).
std::string ReadableMail(const std::string& data) {
  std::string result;
  const size_t subject = data.find("\r\nSubject: ");
  if (subject != std::string::npos) {
    result += data.substr(subject + 2, data.find("\r\n", subject + 2) - subject - 2) + "\n\n";
  }
  const size_t plain = data.find("Content-Type: text/plain");
  const size_t body = plain == std::string::npos ? std::string::npos : data.find("\r\n\r\n", plain);
  if (body == std::string::npos) return result + data;
  const size_t end = data.find("\r\n--", body + 4);
  const std::string part =
      data.substr(body + 4, end == std::string::npos ? std::string::npos : end - body - 4);
  const size_t header_end = plain == std::string::npos ? 0 : body;
  const bool base64 = data.substr(plain, header_end - plain).find("base64") != std::string::npos;
  return result + (base64 ? DecodeBase64(part) : part);
}

void PrintMail(std::ostream& out, const demo::SmtpSink& sink) {
  const auto messages = sink.Messages();
  out << fmt::format("\nSMTP sink received {} message(s)\n", messages.size());
  constexpr size_t kMaxLines = 30;
  for (size_t i = 0; i < messages.size(); ++i) {
    out << fmt::format("----- message {} (to {}) -----\n", i + 1, fmt::join(messages[i].to, ", "));
    const std::string text = ReadableMail(messages[i].data);
    size_t pos = 0;
    for (size_t lines = 0; pos < text.size() && lines < kMaxLines; ++lines) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      out << text.substr(pos, end - pos) << "\n";
      pos = end + 1;
    }
    if (pos < text.size()) out << "[... truncated for the terminal ...]\n";
  }
}

Verdict Judge(const std::vector<store::Sighting>& sightings, const demo::World& world,
              const std::set<int64_t>& second_run_new_ids) {
  Verdict v;
  std::set<std::string> found;
  std::map<std::string, int> seen;
  for (const store::Sighting& s : sightings) {
    const demo::SeededLeak* leak = world.LeakForUrl(s.url);
    if (leak == nullptr) {
      v.false_alarms.push_back(s.url);
      continue;
    }
    found.insert(leak->id);
    const std::string key = s.url + "|" + s.member_path + "|" +
                            std::string(store::SightingKindName(s.kind)) + "|" + s.dataset_refs;
    if (++seen[key] == 2) v.duplicates.push_back(key);
    if (second_run_new_ids.count(s.id) != 0 && !leak->posted_later) ++v.second_run_new_on_old_leaks;
  }
  for (const demo::SeededLeak& leak : world.Leaks()) {
    if (found.count(leak.id) == 0) v.missed.push_back(leak.id);
  }
  return v;
}

int RunDemo(Context& ctx, const DemoFlags& flags) {
  std::ostream& out = ctx.out();
  Progress progress(out);
  Result<std::filesystem::path> dir_or = MakeWorkDir(flags);
  if (!dir_or.has_value()) return ctx.Fail(dir_or.error());
  const std::filesystem::path dir = *dir_or;
  progress.Line("work directory " + dir.string());

  progress.Line(fmt::format("generating the synthetic dataset (seed {})", flags.seed));
  demo::DatasetOptions dataset_options;
  dataset_options.seed = flags.seed;
  Result<demo::Dataset> dataset = demo::GenerateDataset(dir / "dataset", dataset_options);
  if (!dataset.has_value()) return ctx.Fail(dataset.error());
  progress.Line(fmt::format("  {} plate captures, {} traveler photos, {} records (all invented)",
                            dataset->plate_files.size(), dataset->photo_files.size(),
                            dataset->records.size()));

  progress.Line("building the fingerprint pack (hashes only) and its key");
  if (Status st = BuildDemoPack(*dataset, dir / "dataset.lwfp", dir / "dataset.key"); !st.ok()) {
    return ctx.Fail(st);
  }

  demo::WorldOptions world_options;
  world_options.seed = flags.seed;
  world_options.min_latency = std::chrono::milliseconds(flags.min_latency_ms);
  world_options.max_latency = std::chrono::milliseconds(flags.max_latency_ms);
  Result<std::unique_ptr<demo::World>> world = demo::World::Start(*dataset, world_options);
  if (!world.has_value()) return ctx.Fail(world.error());
  Result<std::unique_ptr<demo::SmtpSink>> sink = demo::SmtpSink::Start();
  if (!sink.has_value()) return ctx.Fail(sink.error());
  progress.Line(
      fmt::format("simulated dark web up: {} onion sites behind the gateway {} "
                  "(latency {}-{} ms), SMTP sink {}",
                  (*world)->Sources().size(), (*world)->ProxyUrl(), flags.min_latency_ms,
                  flags.max_latency_ms, (*sink)->Url()));
  for (const demo::WorldSource& s : (*world)->Sources()) {
    progress.Line(fmt::format("  {:<13} {:<17} {}{}", s.name, s.profile, ShortUrl(s.start_urls[0]),
                              s.offline ? "  (offline)" : ""));
  }
  if (Status st = WriteDemoFiles(dir, **world, **sink); !st.ok()) return ctx.Fail(st);
  const std::filesystem::path config_path = dir / "leakwatch.toml";
  // The user's own profiles and settings stay out of the demo.
  const config::Environment env =
      config::Environment::FromMap({{"HOME", dir.string()},
                                    {"XDG_CONFIG_HOME", (dir / "xdg-config").string()},
                                    {"XDG_DATA_HOME", (dir / "xdg-data").string()}});

  progress.Line("crawl 1: leakwatch crawl with config " + config_path.string());
  Result<CrawlRecord> first = CrawlOnce(config_path, env, progress, **world);
  if (!first.has_value()) return ctx.Fail(first.error().WithContext("crawl 1"));
  progress.Line("  " + first->summary.ToString());
  progress.Line("  " + first->notify_line);
  const size_t mails_after_first = (*sink)->MessageCount();
  if (crawler::InstallStopSignals()->load()) {
    return ctx.Fail(Status::Cancelled("demo interrupted"));
  }

  if (Status st = (*world)->PostNewLeak(); !st.ok()) return ctx.Fail(st);
  progress.Line("a new leak was just posted on the paste site");
  progress.Line("crawl 2: the same command again");
  Result<CrawlRecord> second = CrawlOnce(config_path, env, progress, **world);
  if (!second.has_value()) return ctx.Fail(second.error().WithContext("crawl 2"));
  progress.Line("  " + second->summary.ToString());
  progress.Line("  " + second->notify_line);

  util::SystemClock clock;
  Result<store::Store> db = store::Store::Open(dir / "leakwatch.db", clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  store::SightingFilter all;
  all.limit = 0;
  Result<std::vector<store::Sighting>> sightings = db->sightings().Query(all);
  if (!sightings.has_value()) return ctx.Fail(sightings.error());
  std::set<int64_t> second_run_new;
  for (const store::Sighting& s : *sightings) {
    if (s.run_id && *s.run_id == second->summary.run_id) second_run_new.insert(s.id);
  }

  PrintSightings(out, *sightings, **world);
  PrintSourceHealth(out, *db);
  PrintMail(out, **sink);

  const Verdict verdict = Judge(*sightings, **world, second_run_new);
  const auto leaks = (*world)->Leaks();
  out << "\nSeeded leaks:\n";
  for (const demo::SeededLeak& leak : leaks) {
    const bool missed =
        std::find(verdict.missed.begin(), verdict.missed.end(), leak.id) != verdict.missed.end();
    out << fmt::format("  [{}] {:<17} {} (expect {}){}\n", missed ? "MISSED" : "found ", leak.id,
                       leak.description, fmt::join(leak.kinds, "/"),
                       leak.posted_later ? " - posted between the runs" : "");
  }
  for (const std::string& url : verdict.false_alarms)
    out << "  innocuous content flagged: " << url << "\n";
  for (const std::string& key : verdict.duplicates) out << "  duplicate sighting: " << key << "\n";
  const size_t mails_second = (*sink)->MessageCount() - mails_after_first;
  out << fmt::format(
      "\nverdict: {} - {}/{} seeded leaks found, {} innocuous pages flagged, {} duplicates, "
      "{} sightings, {} + {} digest mail(s), {:.1f}s\n",
      verdict.ok() ? "PASS" : "FAIL", leaks.size() - verdict.missed.size(), leaks.size(),
      verdict.false_alarms.size(),
      verdict.duplicates.size() + static_cast<size_t>(verdict.second_run_new_on_old_leaks),
      sightings->size(), mails_after_first, mails_second, progress.Elapsed());

  if (flags.serve) {
    out << fmt::format(
        "\nThe simulated dark web keeps running (Ctrl-C to stop).\n"
        "  proxy:   {}\n  config:  {}\n  try:     leakwatch --config {} crawl\n"
        "           leakwatch --config {} sightings\n",
        (*world)->ProxyUrl(), config_path.string(), config_path.string(), config_path.string());
    out.flush();
    const std::atomic<bool>* stop = crawler::InstallStopSignals();
    while (!stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } else if (flags.dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return verdict.ok() ? kExitOk : kExitFailure;
}

}  // namespace

void RegisterDemo(CLI::App& root, Context& ctx, Action& action) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* demo = root.add_subcommand(
      "demo", "The whole pipeline on a simulated dark web on loopback (no Tor needed)");
  demo->add_option("--dir", flags->dir,
                   "Work directory to keep (dataset, pack, key, config, DB); default: a temp "
                   "dir removed at the end");
  demo->add_option("--seed", flags->seed, "Seed of the dataset and the world")
      ->capture_default_str();
  demo->add_flag("--serve", flags->serve,
                 "Keep the world running afterwards and print how to crawl it yourself");
  demo->add_option("--min-latency-ms", flags->min_latency_ms, "Smallest per-response latency")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  demo->add_option("--max-latency-ms", flags->max_latency_ms, "Largest per-response latency")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  demo->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunDemo(ctx, *flags); }; });
}

}  // namespace leakwatch::app
