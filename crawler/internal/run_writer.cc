#include "crawler/internal/run_writer.h"

#include <string>
#include <utility>
#include <vector>

#include "crawler/errors.h"
#include "crawler/policy.h"
#include "util/log.h"

namespace leakwatch::crawler::detail {
namespace {

// Bytes matched twice where one part of an object ends and the next begins: the
// chunker's largest chunk (match/chunker.h), longer than any record line.
constexpr uint64_t kResumeOverlapBytes = 64 * 1024;

// Where the next run continues an object received in part, if the server named a
// validator that If-Range can check (a strong ETag, else Last-Modified) and the body's
// offsets are the object's (not content-decoded); nullopt when there is nothing to
// continue or no safe way to. Matching state does not survive a run, so the next part
// starts kResumeOverlapBytes before this one ended (at most half of this part, so every
// run gets further): a record line or a content-defined chunk cut at the end of one
// part is seen whole in the next.
std::optional<store::FetchCompletion::Resume> ResumeAfter(const FetchResult& r,
                                                          uint64_t body_bytes) {
  if (!r.truncated_by || r.body_kind != BodyKind::kFile || r.content_decoded) return std::nullopt;
  const uint64_t end = r.range_start + body_bytes;
  if (body_bytes == 0 || (r.object_size && end >= *r.object_size)) return std::nullopt;
  std::string validator;
  if (r.etag && r.etag->rfind("W/", 0) != 0) {
    validator = *r.etag;
  } else if (r.last_modified) {
    validator = *r.last_modified;
  } else {
    return std::nullopt;
  }
  store::FetchCompletion::Resume resume;
  resume.offset =
      static_cast<int64_t>(end - std::min<uint64_t>(kResumeOverlapBytes, body_bytes / 2));
  resume.validator = std::move(validator);
  if (r.object_size) resume.object_size = static_cast<int64_t>(*r.object_size);
  return resume;
}

// The resume state an entry was leased with, to keep when this fetch must be redone.
std::optional<store::FetchCompletion::Resume> ResumeOf(const store::FrontierEntry& e) {
  if (e.resume_offset <= 0 || !e.resume_validator) return std::nullopt;
  return store::FetchCompletion::Resume{e.resume_offset, *e.resume_validator, e.object_size};
}

// WARC-Truncated's vocabulary for why a transfer stopped early.
std::string WarcTruncatedReason(ErrorClass why) {
  switch (why) {
    case ErrorClass::kTooLarge:
      return "length";
    case ErrorClass::kTimeout:
    case ErrorClass::kTooSlow:
      return "time";
    case ErrorClass::kNetwork:
      return "disconnect";
    default:
      return "unspecified";
  }
}

}  // namespace

RunWriter::RunWriter(const CrawlOptions& options, store::Store& store, const util::Clock& clock,
                     Scheduler& scheduler, int64_t run_id, CrawlSummary& summary)
    : options_(options),
      store_(store),
      clock_(clock),
      scheduler_(scheduler),
      run_id_(run_id),
      summary_(summary),
      rng_(std::random_device{}()),
      evidence_(options.evidence_dir, run_id) {
  evidence_.SetMaxFileSizeForTesting(options.evidence_max_file_size_for_testing);
}

bool RunWriter::EvidenceWanted(const Processed& p) const {
  return !options_.evidence_dir.empty() && !p.unchanged &&
         (!p.page.sightings.empty() || options_.keep_unmatched);
}

Status RunWriter::WriteBatch(std::deque<Processed>& batch) {
  return store_.InTransaction([&]() -> Status {
    for (Processed& p : batch) LW_RETURN_IF_ERROR(Write(p));
    // The sightings written above point at WARC records: make those bytes durable
    // before the rows commit, so a crash or power cut can never leave a committed
    // sighting whose evidence offset is past the end of the file. (A crash after
    // the sync but before the commit only leaves unreferenced records behind; the
    // URLs are fetched again by the next run.)
    return evidence_.Sync();
  });
}

Status RunWriter::CheckAdapterHealth(const store::FrontierEntry& e, int64_t items) {
  constexpr int64_t kYieldSamplesRead = 20;
  LW_ASSIGN_OR_RETURN(std::vector<store::YieldSample> samples,
                      store_.sources().RecentYields(e.source_id, kYieldSamplesRead));
  std::vector<int64_t> same_page;
  for (const store::YieldSample& sample : samples) {
    if (sample.url == e.url) same_page.push_back(sample.items);
  }
  if (!LooksProfileBroken(items, std::move(same_page))) return Status::Ok();
  util::LogWarn(
      "listing yields far fewer items than usual: the site's markup probably "
      "changed under its profile",
      {{"url", e.url}, {"items", std::to_string(items)}});
  return store_.sources().SetState(e.source_id, store::SourceState::kProfileBroken);
}

Status RunWriter::WriteSuccess(Processed& p) {
  const FetchResult& r = p.result;
  const store::FrontierEntry& e = p.job.entry;
  const int64_t now = util::ToUnixSeconds(clock_.Now());
  store::FetchCompletion c;
  c.last_status = std::to_string(r.http_status);
  c.etag = r.not_modified() ? e.etag : r.etag;
  c.last_modified = r.not_modified() ? e.last_modified : r.last_modified;
  c.content_hash = p.sha256.empty() ? e.content_hash : std::optional<std::string>(p.sha256);
  c.revisit_at = scheduler_.RevisitAt(p.job, now);
  c.resume = ResumeAfter(r, p.bytes);
  if (c.resume) {
    c.last_status = "partial";
    c.revisit_at = now;  // the next run continues it (TakeDue skips this run's rows)
  } else if (r.truncated_by) {
    c.last_status = "truncated";  // what arrived was matched; the rest cannot be asked for
  }
  LW_RETURN_IF_ERROR(store_.frontier().Complete(e.id, c));
  LW_RETURN_IF_ERROR(store_.sources().RecordSuccess(e.source_id));
  if (!p.sha256.empty()) {
    auto touched = store_.blobs().Touch(p.sha256, static_cast<int64_t>(p.bytes), r.content_type);
    if (!touched) return touched.error();
  }
  if (p.unchanged) return Status::Ok();
  std::optional<store::WarcLocation> evidence;
  if (EvidenceWanted(p)) evidence = WriteEvidence(p);
  p.evidence_body = Body();  // copied (or not needed): memory back to the budget
  for (store::RecordSightingRequest& request : p.page.sightings) {
    store::NewSighting& sighting = request.sighting;
    sighting.run_id = run_id_;
    sighting.linked_from = e.discovered_from;
    if (evidence) {
      sighting.evidence_warc = evidence->file.string();
      sighting.evidence_warc_offset = evidence->offset;
    }
    if (options_.route_alerts) request.notifications = options_.route_alerts(request.sighting);
    LW_ASSIGN_OR_RETURN(store::RecordSightingResult recorded, store_.RecordSighting(request));
    if (recorded.sighting.is_new) {
      ++summary_.new_sightings;
    } else if (evidence) {
      // Seen before, maybe by a run that kept no evidence: fill the gap only.
      auto filled = store_.sightings().SetEvidenceIfMissing(
          recorded.sighting.id, evidence->file.string(), evidence->offset);
      if (!filled.has_value()) return filled.error();
    }
  }
  if (!evidence && EvidenceWanted(p) && !p.page.sightings.empty()) {
    // Not complete without its evidence: the sightings stand (a new one is alerted once,
    // like any), but the object is due again now with no validators and no hash, so the
    // next run fetches and processes it again and fills the evidence in (above). TakeDue
    // never leases it twice in one run.
    ++summary_.evidence_missing;
    store::FetchCompletion again;
    again.last_status = c.last_status;
    again.revisit_at = now;
    again.resume = ResumeOf(e);  // the same part again
    LW_RETURN_IF_ERROR(store_.frontier().Complete(e.id, again));
  }
  LW_ASSIGN_OR_RETURN(int64_t added, scheduler_.AddLinks(p.job, p.page.links));
  summary_.new_urls += added;
  if (e.kind == store::UrlKind::kListing) {
    LW_RETURN_IF_ERROR(CheckAdapterHealth(e, p.page.items));
    LW_RETURN_IF_ERROR(store_.sources().AddYield(e.source_id, run_id_, e.url, p.page.items));
    LW_RETURN_IF_ERROR(scheduler_.FollowNextPage(p.job, p.page, added));
  }
  for (const store::NewAnomaly& a : p.page.anomalies) {
    ++summary_.stats.errors_by_class["anomaly"];
    util::LogDebug(
        "page anomaly",
        {{"url", a.url}, {"member", a.member_path}, {"kind", a.kind}, {"detail", a.detail}});
  }
  // Past the store's bounds an anomaly is counted there but not stored.
  auto recorded = store_.anomalies().Record(run_id_, e.source_id, p.page.anomalies);
  return recorded.has_value() ? Status::Ok() : recorded.error();
}

std::optional<store::WarcLocation> RunWriter::WriteEvidence(const Processed& p) {
  const FetchResult& r = p.result;
  const store::FrontierEntry& e = p.job.entry;
  const Body& body = p.evidence_body;
  store::WarcExchange x;
  x.target_uri = r.final_url;
  x.request_head = r.request_head;
  x.response_head = store::WarcResponseHeadForDecodedBody(r.response_head, body.size());
  if (body.spooled()) {
    x.read_body = [&body](uint64_t offset, size_t max) { return body.Read(offset, max); };
    x.body_size = body.size();
  } else {
    x.body = body.memory();
  }
  x.fetched_at = r.fetched_at;
  if (r.truncated_by) x.truncated = WarcTruncatedReason(*r.truncated_by);
  std::string kinds;
  for (const store::RecordSightingRequest& s : p.page.sightings) {
    const std::string kind(store::SightingKindName(s.sighting.kind));
    if (kinds.find(kind) == std::string::npos) kinds += (kinds.empty() ? "" : ",") + kind;
  }
  x.metadata = {
      {"fetch-time", util::FormatRfc3339(r.fetched_at)},
      {"via-proxy", r.via_proxy},
      {"source", p.job.source->name},
      {"run-id", std::to_string(run_id_)},
      {"requested-url", e.url},
      {"redirects", std::to_string(r.redirects)},
      {"sha256", p.sha256},
      {"sightings", std::to_string(p.page.sightings.size())},
  };
  if (!kinds.empty()) x.metadata.emplace_back("sighting-kinds", kinds);
  if (p.page.sightings.empty()) {
    x.metadata.emplace_back("kept-because", "retention.keep_unmatched = true");
  }
  if (e.discovered_from) x.metadata.emplace_back("linked-from", *e.discovered_from);
  x.metadata.emplace_back("request-secrets",
                          "Cookie, Authorization and Proxy-Authorization values redacted");
  x.metadata.emplace_back("payload-coding",
                          "transfer and content coding removed by the client; the original "
                          "headers are kept as X-Leakwatch-Orig-*");
  if (r.response_head_truncated) x.metadata.emplace_back("response-head-truncated", "true");
  if (r.truncated_by || r.range_start > 0) {
    x.metadata.emplace_back("object-part",
                            "offset " + std::to_string(r.range_start) + ", length " +
                                std::to_string(p.bytes) + ", object size " +
                                (r.object_size ? std::to_string(*r.object_size) : "unknown"));
  }
  if (r.truncated_by) {
    x.metadata.emplace_back("truncated-by", std::string(ErrorClassName(*r.truncated_by)));
  }

  auto location = evidence_.Append(x);
  if (!location.has_value()) {
    ++summary_.stats.errors_by_class["evidence"];  // not a fetch error: like anomalies
    if (summary_.evidence_error.empty()) summary_.evidence_error = location.error().message();
    util::LogWarn(
        "cannot write WARC evidence; the object is fetched again by the next run to write it",
        {{"url", e.url}, {"error", location.error().ToString()}});
    return std::nullopt;
  }
  return std::move(location).value();
}

Status RunWriter::WriteFailure(Processed& p) {
  const FetchResult& r = p.result;
  const store::FrontierEntry& e = p.job.entry;
  const std::string name(ErrorClassName(r.error));
  ++summary_.stats.errors;
  ++summary_.stats.errors_by_class[name];
  const Retry retry = RetryFor(r.error);
  if (retry == Retry::kNo) {
    if (r.refused_redirect) {
      util::LogWarn("redirect refused",
                    {{"url", e.url}, {"target", *r.refused_redirect}, {"reason", r.error_detail}});
    }
    return store_.frontier().FailPermanent(e.id, name);
  }
  const util::TimePoint now = clock_.Now();
  std::optional<std::chrono::seconds> retry_after;
  if (r.retry_after) retry_after = ParseRetryAfter(*r.retry_after, now);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const util::TimePoint due =
      NextRetryAt(options_.backoff, e.attempts + 1, now, retry_after, unit(rng_));
  LW_RETURN_IF_ERROR(store_.frontier().FailTransient(e.id, name, util::ToUnixSeconds(due)));
  const bool expired = r.error == ErrorClass::kSessionExpired;
  if (expired && scheduler_.MarkSessionExpired(p.job.source_index)) {
    util::LogWarn(
        "session expired (redirected to the login page): no more requests to this "
        "source in this run; renew its cookies",
        {{"source", p.job.source->name}, {"url", e.url}});
  }
  const store::SourceState state =
      expired ? store::SourceState::kSessionExpired : store::SourceState::kFailing;
  std::string message = r.error_detail.substr(0, 300);
  return store_.sources().RecordFailure(e.source_id, state, name, message);
}

Status RunWriter::Write(Processed& p) {
  const FetchResult& r = p.result;
  if (r.error == ErrorClass::kCancelled) return Status::Ok();  // released at the end
  if (r.error == ErrorClass::kTorDown) {
    // Not the site's fault: the URL stays leased and is released untouched.
    tor_down_ = true;
    tor_down_detail_ = r.error_detail;
    return Status::Ok();
  }
  ++summary_.stats.pages;
  summary_.stats.bytes += static_cast<int64_t>(p.bytes);
  store::FetchLogEntry log;
  log.run_id = run_id_;
  log.source_id = p.job.entry.source_id;
  log.url = p.job.entry.url;
  if (r.http_status > 0) log.http_status = r.http_status;
  if (!r.ok()) log.error_class = std::string(ErrorClassName(r.error));
  log.bytes = static_cast<int64_t>(p.bytes);
  log.duration_ms = r.duration_ms;
  if (!p.sha256.empty()) log.content_sha256 = p.sha256;
  auto logged = store_.fetches().Log(log);
  if (!logged) return logged.error();
  return r.ok() ? WriteSuccess(p) : WriteFailure(p);
}

}  // namespace leakwatch::crawler::detail
