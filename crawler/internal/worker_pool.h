// crawler/internal/worker_pool: the run's worker threads between the fetcher and the
// store writer. Each worker takes a finished transfer from the Fetcher, hashes its
// body (SHA-256, streamed from memory or its spool file), runs the PageProcessor on
// bodies that changed since the last fetch, drops the body (memory back to the
// fetcher's budget) unless it is wanted as evidence, and queues the result for the
// writer.
//
// Threads: Submit and TakeDone from the writer thread; Options::workers threads of
// its own, joined by Stop or the destructor. The Fetcher and PageProcessor are shared
// with those threads (both are thread safe).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "crawler/fetcher.h"
#include "crawler/internal/scheduler.h"
#include "crawler/page_processor.h"

namespace leakwatch::crawler::detail {

// One fetch, processed and ready for the writer.
struct Processed {
  Job job;
  FetchResult result;  // body already dropped
  Body evidence_body;  // the body, kept only when it goes into the WARC file
  uint64_t bytes = 0;
  std::string sha256;      // of the body; empty for 304, failures and hashing errors
  bool unchanged = false;  // 304, or the same SHA-256 as the last fetch: not processed
  ProcessedPage page;
};

class WorkerPool {
 public:
  // Whether a processed, successful fetch keeps its body for the writer's WARC file.
  using KeepBody = std::function<bool(const Processed&)>;

  // Starts max(1, `threads`) workers. `fetcher` and `processor` must outlive the pool.
  WorkerPool(Fetcher& fetcher, PageProcessor& processor, KeepBody keep_body, int threads);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Hands `request` for `job` to the fetcher under a new id; its result comes back
  // from TakeDone with the job.
  void Submit(Job job, FetchRequest request);

  // Everything processed since the last call, waiting up to `wait` for the first.
  std::deque<Processed> TakeDone(std::chrono::milliseconds wait);

  // Stops and joins the workers; results not yet taken from the fetcher stay there.
  void Stop();

 private:
  void WorkerLoop();
  Processed Process(Job job, FetchResult result) const;

  Fetcher& fetcher_;
  PageProcessor& processor_;
  const KeepBody keep_body_;

  std::mutex mu_;
  std::condition_variable done_cv_;
  std::unordered_map<uint64_t, Job> jobs_;  // fetch id -> job, until a worker takes it
  std::deque<Processed> done_;
  uint64_t next_fetch_id_ = 1;  // writer thread only
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace leakwatch::crawler::detail
