#include "crawler/internal/scheduler.h"

#include <algorithm>
#include <utility>

#include "parsers/url.h"
#include "util/hash.h"

namespace leakwatch::crawler::detail {
namespace {

constexpr int64_t kLeaseFactor = 2;  // URLs leased ahead: concurrency * this

std::string IsolationUser(const std::string& source_name) {
  constexpr size_t kUserHexChars = 16;
  return "lw-" + util::Sha256Hex(source_name).substr(0, kUserHexChars);
}

}  // namespace

Scheduler::Scheduler(const CrawlOptions& options, store::Store& store, const util::Clock& clock,
                     int64_t run_id)
    : options_(options), store_(store), clock_(clock), run_id_(run_id) {}

Result<int64_t> Scheduler::Seed() {
  int64_t new_urls = 0;
  for (const SourceSpec& spec : options_.sources) {
    if (options_.only_source && spec.name != *options_.only_source) continue;
    LW_ASSIGN_OR_RETURN(int64_t id, store_.sources().Upsert(spec.name, spec.profile));
    sources_.push_back(&spec);
    source_ids_.push_back(id);
    listing_pages_.push_back(0);
    session_expired_.push_back(false);
    in_flight_by_source_.push_back(0);
    std::set<std::string> hosts;
    std::vector<store::NewFrontierUrl> seeds;
    for (const std::string& raw : spec.start_urls) {
      LW_ASSIGN_OR_RETURN(const parsers::Url url, parsers::ParseHttpUrl(raw));
      hosts.insert(url.host());
      store::NewFrontierUrl n;
      n.source_id = id;
      n.url = url.spec();
      n.kind = store::UrlKind::kListing;
      n.depth = 0;
      seeds.push_back(std::move(n));
    }
    scope_hosts_.push_back(std::move(hosts));
    LW_ASSIGN_OR_RETURN(int64_t added, store_.frontier().AddBatch(seeds));
    new_urls += added;
  }
  if (options_.only_source && sources_.empty()) {
    return Status::InvalidArgument("no configured source is named " + *options_.only_source);
  }
  return new_urls;
}

// Fair between sources: each source may hold an equal share of the lease window;
// sources are served in an order that rotates on every call, so a lone free slot goes
// to each source in turn; room a source leaves (nothing due) goes to the others.
Result<std::vector<Job>> Scheduler::Lease() {
  std::vector<Job> jobs;
  const int64_t concurrency = options_.fetch.concurrency;
  const int64_t window = concurrency * kLeaseFactor;
  int64_t room = window - in_flight_;
  // Tops up in chunks: a lease is a query and a transaction, and with the fetcher
  // still holding most of a round of leased URLs one more URL per finished fetch
  // buys nothing. At the end of a run (nothing in flight) room is the whole window.
  if (room < std::max<int64_t>(1, concurrency / 4) || sources_.empty()) return jobs;
  std::vector<size_t> order;
  for (size_t k = 0; k < sources_.size(); ++k) {
    const size_t i = (next_first_ + k) % sources_.size();
    if (!session_expired_[i]) order.push_back(i);
  }
  next_first_ = (next_first_ + 1) % sources_.size();
  if (order.empty()) return jobs;
  const auto active = static_cast<int64_t>(order.size());
  const int64_t share = (window + active - 1) / active;
  // First round: each source up to its share. Sources that may have more due wait for
  // the second round, which splits the room left evenly between them.
  std::vector<size_t> more;
  for (size_t i : order) {
    const int64_t want = std::min(room, share - in_flight_by_source_[i]);
    if (want <= 0) {
      more.push_back(i);
      continue;
    }
    LW_ASSIGN_OR_RETURN(int64_t got, TakeDue(i, want, jobs));
    room -= got;
    if (got == want) more.push_back(i);
  }
  for (size_t k = 0; k < more.size() && room > 0; ++k) {
    const auto waiting = static_cast<int64_t>(more.size() - k);
    LW_ASSIGN_OR_RETURN(int64_t got, TakeDue(more[k], (room + waiting - 1) / waiting, jobs));
    room -= got;
  }
  return jobs;
}

Result<int64_t> Scheduler::TakeDue(size_t i, int64_t limit, std::vector<Job>& jobs) {
  LW_ASSIGN_OR_RETURN(auto entries, store_.frontier().TakeDue(run_id_, limit, source_ids_[i]));
  for (auto& entry : entries) {
    Job job;
    job.entry = std::move(entry);
    job.source_index = i;
    job.source = sources_[i];
    if (job.entry.kind == store::UrlKind::kListing) ++listing_pages_[i];
    ++in_flight_by_source_[i];
    ++in_flight_;
    jobs.push_back(std::move(job));
  }
  return static_cast<int64_t>(entries.size());
}

void Scheduler::Finished(const Job& job) {
  --in_flight_by_source_[job.source_index];
  --in_flight_;
}

FetchRequest Scheduler::MakeRequest(const Job& job) const {
  const SourceSpec& spec = *sources_[job.source_index];
  FetchRequest r;
  r.url = job.entry.url;
  const bool resuming = job.entry.resume_offset > 0 && job.entry.resume_validator.has_value();
  // A URL received in part was a file, even when it was linked as a page.
  r.kind = job.entry.kind == store::UrlKind::kFile || resuming ? BodyKind::kFile : BodyKind::kPage;
  if (resuming) {
    r.resume = FetchRequest::Resume{static_cast<uint64_t>(job.entry.resume_offset),
                                    *job.entry.resume_validator};
  }
  r.direct = spec.direct;
  r.socks_username = IsolationUser(spec.name);
  r.socks_password =
      options_.isolation_salt.empty() ? "run-" + std::to_string(run_id_) : options_.isolation_salt;
  r.cookie_file = spec.cookies_file;
  r.cookie_header = spec.cookie_header;
  r.extra_headers = spec.extra_headers;
  const std::set<std::string>& hosts = scope_hosts_[job.source_index];
  r.source_hosts.assign(hosts.begin(), hosts.end());
  if (job.entry.kind != store::UrlKind::kFile && !resuming) {  // If-Range guards a resume
    r.etag = job.entry.etag;
    r.last_modified = job.entry.last_modified;
  }
  r.redirects.login_pattern = spec.login_pattern;
  r.per_host = spec.per_host;
  r.min_delay = spec.min_delay;
  return r;
}

bool Scheduler::InScope(size_t index, const std::string& url) const {
  auto parsed = parsers::ParseHttpUrl(url);
  return parsed && scope_hosts_[index].count(parsed->host()) != 0;
}

Result<int64_t> Scheduler::AddLinks(const Job& job, const std::vector<DiscoveredLink>& links) {
  const int64_t depth = job.entry.depth + 1;
  if (depth > sources_[job.source_index]->max_depth) return 0;
  std::vector<store::NewFrontierUrl> batch;
  std::set<std::string> seen;
  for (const DiscoveredLink& link : links) {
    auto url = parsers::NormalizeHttpUrl(link.url);
    if (!url || !InScope(job.source_index, *url) || !seen.insert(*url).second) continue;
    store::NewFrontierUrl n;
    n.source_id = job.entry.source_id;
    n.url = *url;
    n.kind = link.kind;
    n.depth = depth;
    n.discovered_from = job.entry.url;
    batch.push_back(std::move(n));
  }
  if (batch.empty()) return 0;
  return store_.frontier().AddBatch(batch);
}

Status Scheduler::FollowNextPage(const Job& job, const ProcessedPage& page, int64_t new_links) {
  const size_t i = job.source_index;
  if (!page.next_page || new_links == 0) return Status::Ok();
  if (listing_pages_[i] >= sources_[i]->listing_page_budget) return Status::Ok();
  auto url = parsers::NormalizeHttpUrl(*page.next_page);
  if (!url || !InScope(i, *url)) return Status::Ok();
  next_pages_.insert(*url);
  LW_ASSIGN_OR_RETURN(auto existing, store_.frontier().Find(job.entry.source_id, *url));
  if (!existing) {
    store::NewFrontierUrl n;
    n.source_id = job.entry.source_id;
    n.url = *url;
    n.kind = store::UrlKind::kListing;
    n.depth = job.entry.depth;  // pagination does not count as depth
    n.discovered_from = job.entry.url;
    return store_.frontier().AddIfNew(n).has_value() ? Status::Ok()
                                                     : Status::IOError("frontier insert failed");
  }
  // Seen in an earlier run: due again now, validators and hash kept.
  if (existing->state == store::FrontierState::kDone && existing->last_run_id != run_id_) {
    store::FetchCompletion rearm;
    rearm.last_status = existing->last_status.value_or("rearmed");
    rearm.etag = existing->etag;
    rearm.last_modified = existing->last_modified;
    rearm.content_hash = existing->content_hash;
    rearm.revisit_at = util::ToUnixSeconds(clock_.Now());
    return store_.frontier().Complete(existing->id, rearm);
  }
  return Status::Ok();
}

std::optional<int64_t> Scheduler::RevisitAt(const Job& job, int64_t now) const {
  const SourceSpec& spec = *sources_[job.source_index];
  if (job.entry.kind == store::UrlKind::kListing && next_pages_.count(job.entry.url) == 0) {
    return now;  // every run (never twice in one run: TakeDue skips this run's rows)
  }
  if (job.entry.kind == store::UrlKind::kItem && spec.revisit_items) {
    return now + spec.item_revisit_interval.count();
  }
  return std::nullopt;
}

bool Scheduler::MarkSessionExpired(size_t index) {
  if (session_expired_[index]) return false;
  session_expired_[index] = true;
  return true;
}

}  // namespace leakwatch::crawler::detail
