#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/app.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/app/cli_runner.h"
#include "util/clock.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

TEST_CASE("notify status lists failed deliveries by digest with attempts, error and retry",
          "[unit]") {
  Cli cli;
  const fs::path db_path = cli.home / "lw.db";
  const fs::path config = cli.home.Write(
      "lw.toml", "[store]\ndb = \"" + db_path.string() +
                     "\"\n[[notify.exec]]\nname = \"ticket\"\ncommand = [\"/bin/true\"]\n");
  const std::string config_flag = "--config=" + config.string();

  util::SystemClock clock;
  const int64_t now = util::ToUnixSeconds(clock.Now());
  const int64_t retry_at = now + 3600;
  std::vector<int64_t> sightings;
  {
    auto db = store::Store::Open(db_path, clock);
    REQUIRE(db.has_value());
    for (const char* url : {"http://x.onion/a", "http://x.onion/b", "http://x.onion/c"}) {
      store::RecordSightingRequest r;
      r.sighting.source = "paste";
      r.sighting.url = url;
      r.sighting.sha256 = std::string(64, 'a');
      r.sighting.score = 1;
      r.notifications = {{"ticket", "{}"}, {"hook", "{}"}};
      sightings.push_back(db->RecordSighting(r).value().sighting.id);
    }
    std::map<std::pair<int64_t, std::string>, int64_t> id_of;
    for (const store::OutboxMessage& m : db->outbox().List(std::nullopt, 0).value()) {
      id_of[{m.sighting_id, m.channel}] = m.id;
    }
    // The ticket digest of a and b failed once; c's ticket went out.
    for (int64_t s : {sightings[0], sightings[1]}) {
      REQUIRE(db->outbox().MarkFailed(id_of[{s, "ticket"}], "exited with status 4", retry_at).ok());
    }
    REQUIRE(db->outbox().MarkSent(id_of[{sightings[2], "ticket"}]).ok());
    // "hook" (a channel since removed from the config) is still pending for a and b (never tried)
    // and gave up on c, with an error text a hostile server chose (terminal escapes must not reach
    // the screen).
    REQUIRE(db->outbox()
                .MarkGivenUp(id_of[{sightings[2], "hook"}], "HTTP 500: \x1b[31mred\x1b[0m\nnext")
                .ok());
  }

  CHECK(cli({config_flag, "notify", "status"}) == 1);  // something was given up
  INFO(cli.out);
  CHECK(Contains(cli.out, "Failed deliveries (3 messages):"));
  CHECK(Contains(cli.out, "  hook: sighting " + std::to_string(sightings[2]) +
                              ", 1 attempt, next retry: given up\n"));
  CHECK(Contains(cli.out, "  ticket: sightings " + std::to_string(sightings[0]) + ", " +
                              std::to_string(sightings[1]) + ", 1 attempt, next retry: " +
                              util::FormatRfc3339(util::FromUnixSeconds(retry_at)) + " (in "));
  CHECK(Contains(cli.out, "    last error: exited with status 4\n"));
  CHECK(Contains(cli.out, "    last error: HTTP 500"));
  CHECK_FALSE(Contains(cli.out, "\x1b"));
  CHECK(Contains(cli.out, "4 pending, 1 given up."));
  CHECK(Contains(cli.out, "(removed)"));
  // The hook section comes before the ticket one (by channel).
  CHECK(cli.out.find("  hook:") < cli.out.find("  ticket:"));
}

TEST_CASE("notify status without failures prints no failure section and exits 0", "[unit]") {
  Cli cli;
  const fs::path db_path = cli.home / "lw.db";
  const fs::path config = cli.home.Write(
      "lw.toml", "[store]\ndb = \"" + db_path.string() +
                     "\"\n[[notify.exec]]\nname = \"ticket\"\ncommand = [\"/bin/true\"]\n");
  util::SystemClock clock;
  {
    auto db = store::Store::Open(db_path, clock);
    REQUIRE(db.has_value());
    store::RecordSightingRequest r;
    r.sighting.source = "paste";
    r.sighting.url = "http://x.onion/a";
    r.sighting.sha256 = std::string(64, 'a');
    r.sighting.score = 1;
    r.notifications = {{"ticket", "{}"}};
    REQUIRE(db->RecordSighting(r).has_value());
  }
  REQUIRE(cli({"--config=" + config.string(), "notify", "status"}) == 0);
  CHECK_FALSE(Contains(cli.out, "Failed deliveries"));
  CHECK(Contains(cli.out, "1 pending, 0 given up."));
}

}  // namespace
}  // namespace leakwatch::app
