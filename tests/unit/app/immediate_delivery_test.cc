// Immediate channels are flushed while a crawl is still running, others wait for its end.
#include "app/immediate_delivery.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::app {
namespace {
namespace fs = std::filesystem;

// An exec hook that saves each stdin it gets as a new file in `out`.
notify::ChannelOptions SavingHook(const std::string& name, const fs::path& out, bool immediate) {
  fs::create_directories(out);
  notify::ExecOptions exec;
  exec.argv = {"/bin/sh", "-c", "cat > \"$0/$(date +%s%N).json\"", out.string()};
  notify::ChannelOptions channel;
  channel.name = name;
  channel.immediate = immediate;
  channel.transport = exec;
  return channel;
}

size_t FilesIn(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST_CASE("immediate channels are delivered during the run, exactly once", "[integration]") {
  testing::TempDir dir;
  util::FakeClock clock(util::FromUnixSeconds(1795766400));
  const fs::path db_path = dir / "leakwatch.db";
  auto db = store::Store::Open(db_path, clock);
  REQUIRE(db.has_value());

  notify::Options options;
  options.channels = {SavingHook("pager", dir / "pager", true),
                      SavingHook("digest", dir / "digest", false)};
  ImmediateDelivery immediate(db_path, options, clock, std::chrono::milliseconds(20));

  store::RecordSightingRequest req;
  req.sighting.source = "paste";
  req.sighting.url = "http://paste.onion/p/1";
  req.sighting.sha256 = std::string(64, 'a');
  req.sighting.kind = store::SightingKind::kExact;
  req.sighting.score = 1;
  req.notifications = {{"pager", "{}"}, {"digest", "{}"}};
  REQUIRE(db->RecordSighting(req).has_value());

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (FilesIn(dir / "pager") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(FilesIn(dir / "pager") == 1);
  // More passes run, with nothing left to send.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  immediate.Stop();
  CHECK(FilesIn(dir / "pager") == 1);
  CHECK(FilesIn(dir / "digest") == 0);
  CHECK(immediate.passes_with_deliveries() == 1);

  auto counts = db->outbox().CountsByChannel();
  REQUIRE(counts.has_value());
  for (const store::OutboxChannelCounts& c : *counts) {
    CHECK(c.pending == (c.channel == "digest" ? 1 : 0));
  }
}

TEST_CASE("without immediate channels no thread runs and Stop returns at once", "[unit]") {
  testing::TempDir dir;
  util::FakeClock clock(util::FromUnixSeconds(1795766400));
  notify::Options options;
  options.channels = {SavingHook("digest", dir / "digest", false)};
  ImmediateDelivery immediate(dir / "absent.db", options, clock, std::chrono::hours(1));
  immediate.Stop();
  CHECK(immediate.passes_with_deliveries() == 0);
  CHECK_FALSE(fs::exists(dir / "absent.db"));
}

}  // namespace
}  // namespace leakwatch::app
