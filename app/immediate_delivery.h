// app/immediate_delivery: flushes `immediate = true` channels while a crawl runs.
//
// The crawler queues a sighting's notifications in the same transaction that records
// it (store outbox); this background thread delivers the immediate channels' due rows
// every `interval` through its own Store connection, so a high-score sighting reaches
// the analyst minutes before the end of a long run. The end-of-run delivery pass still
// covers every channel (immediate ones included), so nothing depends on this thread's
// timing, and the outbox's claim/lease protocol keeps the two from sending a row twice.
//
// Threads: one worker thread between construction and Stop() (or destruction). The
// constructor returns at once; nothing is started when no channel is immediate.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "notify/notify.h"
#include "util/clock.h"

namespace leakwatch::app {

class ImmediateDelivery {
 public:
  // `options` and `clock` must outlive this object.
  ImmediateDelivery(std::filesystem::path db_path, const notify::Options& options,
                    const util::Clock& clock, std::chrono::milliseconds interval);
  ~ImmediateDelivery();
  ImmediateDelivery(const ImmediateDelivery&) = delete;
  ImmediateDelivery& operator=(const ImmediateDelivery&) = delete;

  // Stops the thread after its current pass (which may block for a channel timeout).
  void Stop();

  // Delivery passes that sent at least one sighting (for tests and the log).
  int64_t passes_with_deliveries() const;

 private:
  void Loop();

  const std::filesystem::path db_path_;
  const notify::Options& options_;
  const util::Clock& clock_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int64_t passes_with_deliveries_ = 0;
  std::thread thread_;
};

}  // namespace leakwatch::app
