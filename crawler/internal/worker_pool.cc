#include "crawler/internal/worker_pool.h"

#include <algorithm>
#include <utility>

#include "util/hash.h"

namespace leakwatch::crawler::detail {
namespace {

constexpr std::chrono::milliseconds kResultWait{50};  // how often a worker checks stop_
constexpr size_t kHashChunk = 1 << 20;

Result<std::string> HashBody(const Body& body) {
  util::Sha256 hasher;
  uint64_t offset = 0;
  for (;;) {
    LW_ASSIGN_OR_RETURN(std::string piece, body.Read(offset, kHashChunk));
    if (piece.empty()) break;
    hasher.Update(piece);
    offset += piece.size();
  }
  const util::Sha256Digest digest = hasher.Finish();
  return util::HexEncode(digest.data(), digest.size());
}

// The part of the object a body holds, when it is not the whole object: a truncated
// transfer or a resumed range.
std::optional<store::NewSighting::Part> PartOf(const FetchResult& r) {
  if (!r.truncated_by && r.range_start == 0) return std::nullopt;
  store::NewSighting::Part part;
  part.offset = static_cast<int64_t>(r.range_start);
  part.length = static_cast<int64_t>(r.body.size());
  if (r.object_size) part.object_size = static_cast<int64_t>(*r.object_size);
  return part;
}

}  // namespace

WorkerPool::WorkerPool(Fetcher& fetcher, PageProcessor& processor, KeepBody keep_body, int threads)
    : fetcher_(fetcher), processor_(processor), keep_body_(std::move(keep_body)) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Submit(Job job, FetchRequest request) {
  request.id = next_fetch_id_++;
  {
    std::lock_guard lock(mu_);
    jobs_.emplace(request.id, std::move(job));
  }
  fetcher_.Submit(std::move(request));
}

std::deque<Processed> WorkerPool::TakeDone(std::chrono::milliseconds wait) {
  std::deque<Processed> batch;
  std::unique_lock lock(mu_);
  done_cv_.wait_for(lock, wait, [this] { return !done_.empty(); });
  batch.swap(done_);
  return batch;
}

void WorkerPool::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::WorkerLoop() {
  while (!stop_.load()) {
    std::optional<FetchResult> result = fetcher_.NextResult(kResultWait);
    if (!result) continue;
    Job job;
    {
      std::lock_guard lock(mu_);
      auto it = jobs_.find(result->id);
      if (it == jobs_.end()) continue;
      job = std::move(it->second);
      jobs_.erase(it);
    }
    Processed p = Process(std::move(job), std::move(*result));
    {
      std::lock_guard lock(mu_);
      done_.push_back(std::move(p));
    }
    done_cv_.notify_one();
  }
}

Processed WorkerPool::Process(Job job, FetchResult result) const {
  Processed p;
  p.job = std::move(job);
  p.bytes = result.body.size();
  if (result.ok() && result.not_modified()) {
    p.unchanged = true;
  } else if (result.ok()) {
    auto sha = HashBody(result.body);
    if (sha) {
      p.sha256 = *sha;
      p.unchanged = p.job.entry.content_hash && *p.job.entry.content_hash == p.sha256;
      if (!p.unchanged) {
        const std::string content_type = result.content_type.value_or("");
        const FetchedContent content{
            *p.job.source,
            result.final_url,
            result.body_kind == BodyKind::kFile ? store::UrlKind::kFile : p.job.entry.kind,
            content_type,
            result.body,
            p.sha256,
            PartOf(result)};
        p.page = processor_.Process(content);
      }
    } else {
      result.error = ErrorClass::kInternal;
      result.error_detail = sha.error().message();
    }
  }
  if (result.ok() && keep_body_(p)) p.evidence_body = std::move(result.body);
  result.body = Body();  // memory back to the budget before the writer sees it
  p.result = std::move(result);
  return p;
}

}  // namespace leakwatch::crawler::detail
