#include "app/immediate_delivery.h"

#include <algorithm>
#include <string>

#include "store/store.h"
#include "util/log.h"

namespace leakwatch::app {

ImmediateDelivery::ImmediateDelivery(std::filesystem::path db_path, const notify::Options& options,
                                     const util::Clock& clock, std::chrono::milliseconds interval)
    : db_path_(std::move(db_path)), options_(options), clock_(clock), interval_(interval) {
  const bool any_immediate =
      std::any_of(options_.channels.begin(), options_.channels.end(),
                  [](const notify::ChannelOptions& c) { return c.immediate; });
  if (any_immediate) thread_ = std::thread([this] { Loop(); });
}

ImmediateDelivery::~ImmediateDelivery() { Stop(); }

void ImmediateDelivery::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t ImmediateDelivery::passes_with_deliveries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return passes_with_deliveries_;
}

void ImmediateDelivery::Loop() {
  // Opened lazily: the crawl creates the database on a first run.
  std::optional<store::Store> db;
  notify::DeliveryFilter filter;
  filter.immediate_only = true;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
    if (!db.has_value()) {
      if (!std::filesystem::exists(db_path_)) continue;
      Result<store::Store> opened = store::Store::Open(db_path_, clock_);
      if (!opened.has_value()) {
        util::LogWarn(
            "immediate delivery: cannot open the database; the end of the run "
            "delivers instead",
            {{"error", opened.error().ToString()}});
        return;
      }
      db.emplace(std::move(opened).value());
    }
    Result<notify::DeliveryReport> report = notify::DeliverPending(*db, options_, clock_, filter);
    if (!report.has_value()) {
      util::LogWarn("immediate delivery pass failed; retried in the next pass",
                    {{"error", report.error().ToString()}});
      continue;
    }
    if (report->delivered() > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      ++passes_with_deliveries_;
    }
  }
}

}  // namespace leakwatch::app
