#include "app/crawl_setup.h"

#include <strings.h>

#include "app/immediate_delivery.h"
#include "app/notify_options.h"
#include "app/source_alerts.h"
#include "crawler/parsers_page_processor.h"
#include "store/store.h"
#include "util/secret.h"

namespace leakwatch::app {
namespace {

// "Name: value", or "Name:" (removes a header libcurl would add) for an empty value.
std::string HeaderLine(const config::HttpHeader& h) {
  return h.value.empty() ? h.name + ":" : h.name + ": " + h.value;
}

crawler::Options FetchOptionsFromConfig(const config::Config& config) {
  const config::CrawlConfig& c = config.crawl;
  crawler::Options o;
  o.proxy_url = config.tor.socks_proxy;
  o.concurrency = c.concurrency;
  o.per_host = c.per_host;
  o.min_delay = c.min_delay;
  o.max_page_bytes = c.page_max_bytes;
  o.max_file_bytes = c.file_max_bytes;
  o.spool_threshold_bytes = c.spool_threshold;
  o.memory_budget_bytes = c.memory_budget;
  if (!c.spool_dir.empty()) o.spool_dir = c.spool_dir;
  o.connect_timeout = c.connect_timeout;
  o.page_total_timeout = c.total_timeout;
  o.file_total_timeout = c.file_total_timeout;
  o.low_speed_bytes_per_second = static_cast<int64_t>(c.low_speed_limit);
  o.low_speed_time = c.low_speed_time;
  o.max_redirects = c.max_redirects;
  o.user_agent = c.user_agent;
  // The config's list already merges [crawl.headers] over the defaults.
  o.headers.clear();
  for (const config::HttpHeader& h : c.headers) o.headers.push_back(HeaderLine(h));
  o.workers = c.workers;
  return o;
}

crawler::SourceSpec SourceFromConfig(const config::SourceConfig& s) {
  crawler::SourceSpec spec;
  spec.name = s.name;
  spec.profile = s.profile;
  spec.start_urls = s.urls;
  spec.direct = s.direct;
  spec.cookies_file = s.cookies_file.string();
  // Every [sources.headers] entry is sent (the loader refused those that must not be
  // set by hand), to the source's own hosts only; Cookie goes through libcurl's cookie
  // option so it merges with the cookie file's into one header.
  for (const config::HttpHeader& h : s.headers) {
    if (strcasecmp(h.name.c_str(), "cookie") == 0) {
      spec.cookie_header = h.value;
    } else {
      spec.extra_headers.push_back(HeaderLine(h));
    }
  }
  spec.login_pattern = s.login_pattern;
  spec.max_depth = s.max_depth;
  spec.listing_page_budget = s.page_budget;
  spec.revisit_items = s.revisit_items;
  spec.item_revisit_interval = std::chrono::duration_cast<std::chrono::seconds>(s.revisit_interval);
  if (s.per_host) spec.per_host = *s.per_host;
  spec.min_delay = s.min_delay;
  return spec;
}

}  // namespace

Result<std::string> ReadControlPassword(const config::SecretRef& ref,
                                        const config::Environment& env) {
  if (ref.empty()) return std::string();
  if (!ref.file.empty()) {
    LW_ASSIGN_OR_RETURN(util::Secret secret, util::ReadSecretFile(ref.file));
    return std::string(secret.Reveal());
  }
  std::optional<std::string> value = env.get(ref.env);
  if (!value || value->empty()) {
    return Status::InvalidArgument("tor.control_password_env: " + ref.env + " is not set");
  }
  return *value;
}

Result<CrawlSetup> PrepareCrawl(const config::Config& config, const std::filesystem::path& db_path,
                                const config::Environment& env) {
  LW_ASSIGN_OR_RETURN(parsers::ProfileSet profiles, parsers::ProfileSet::WithBuiltins());
  CrawlSetup setup{.options = {},
                   .profiles = std::move(profiles),
                   .matcher = nullptr,
                   .watchlist = {},
                   .content = ContentOptionsFromConfig(config),
                   .notify = NotifyOptionsFromConfig(config.notify)};
  if (Status st = setup.profiles.LoadDirectory(config::UserProfilesDir(env)); !st.ok()) {
    return Status::InvalidArgument(st.message());
  }
  LW_ASSIGN_OR_RETURN(setup.matcher,
                      LoadMatcher(config.match.pack, config.match.key_file, setup.content));
  const config::WatchConfig& watch = config.match.watch;
  LW_ASSIGN_OR_RETURN(setup.watchlist,
                      match::WatchList::Compile(watch.terms, watch.regex, watch.ignore_case));

  crawler::CrawlOptions& o = setup.options;
  o.fetch = FetchOptionsFromConfig(config);
  o.db_path = db_path;
  for (const config::SourceConfig& s : config.sources) {
    if (s.enabled) o.sources.push_back(SourceFromConfig(s));
  }
  // Evidence of sightings goes to [store] evidence_dir (default under the data
  // directory); unmatched content only with [retention] keep_unmatched.
  o.evidence_dir = config.store.evidence_dir;
  // `--db` elsewhere with evidence_dir left at its default: keep the evidence beside
  // that database, not in the default data directory of another installation.
  if (db_path != config.store.db && db_path.has_parent_path() &&
      config.store.evidence_dir == config::DefaultConfig(env).store.evidence_dir) {
    o.evidence_dir = db_path.parent_path() / "evidence";
  }
  o.keep_unmatched = config.retention.keep_unmatched;
  o.max_duration = config.crawl.max_duration;
  o.max_pages = config.crawl.max_pages;
  o.backoff.base =
      std::chrono::duration_cast<std::chrono::seconds>(config.crawl.retry_base_backoff);
  o.backoff.max = std::chrono::duration_cast<std::chrono::seconds>(config.crawl.retry_max_backoff);
  if (config.tor.control_port) {
    o.control.address = config.tor.control_port->ToString();
    o.control.cookie_file = config.tor.control_cookie_file;
    o.newnym = config.tor.newnym;
    LW_ASSIGN_OR_RETURN(o.control.password, ReadControlPassword(config.tor.control_password, env));
  }
  for (const config::SourceConfig& s : config.sources) {
    if (s.enabled && s.profile != "auto" && setup.profiles.Find(s.profile) == nullptr) {
      return Status::InvalidArgument("sources." + s.name + ": unknown site profile \"" + s.profile +
                                     "\" (built-in, user profile, or \"auto\")");
    }
  }
  o.route_alerts = [channels = setup.notify](const store::NewSighting& sighting) {
    return notify::RoutesFor(channels, sighting);
  };
  return setup;
}

namespace {

// The sources' states as the store has them; empty before the first run.
std::vector<store::Source> SourceStates(const std::filesystem::path& db_path,
                                        const util::Clock& clock) {
  if (!std::filesystem::exists(db_path)) return {};
  Result<store::Store> db = store::Store::Open(db_path, clock);
  if (!db.has_value()) return {};
  Result<std::vector<store::Source>> sources = db->sources().List();
  return sources.has_value() ? std::move(sources).value() : std::vector<store::Source>{};
}

}  // namespace

Result<CrawlOutcome> RunCrawlAndNotify(CrawlSetup& setup, const util::Clock& clock) {
  const crawler::ProcessOptions process{
      .parse = setup.content.parse, .archive = setup.content.archive, .match = setup.content.match};
  crawler::ParsersPageProcessor processor(setup.profiles, setup.matcher.get(),
                                          setup.watchlist.empty() ? nullptr : &setup.watchlist,
                                          process);
  CrawlOutcome outcome;
  const std::vector<store::Source> sources_before = SourceStates(setup.options.db_path, clock);
  {
    ImmediateDelivery immediate(setup.options.db_path, setup.notify, clock,
                                setup.immediate_interval);
    LW_ASSIGN_OR_RETURN(outcome.summary, crawler::RunCrawl(setup.options, processor, clock));
  }
  if (setup.notify.channels.empty()) return outcome;
  Result<store::Store> db = store::Store::Open(setup.options.db_path, clock);
  if (!db.has_value()) {
    outcome.delivery_status = db.error();
    return outcome;
  }
  Result<notify::DeliveryReport> report = notify::DeliverPending(*db, setup.notify, clock);
  if (report.has_value()) {
    outcome.delivery = std::move(report).value();
  } else {
    outcome.delivery_status = report.error();
  }
  Result<std::vector<store::Source>> sources_after = db->sources().List();
  if (sources_after.has_value()) {
    outcome.source_alerts = NewSourceAlerts(sources_before, *sources_after);
    outcome.source_alert_results =
        notify::SendSourceAlerts(setup.notify, outcome.source_alerts, clock);
  }
  return outcome;
}

}  // namespace leakwatch::app
