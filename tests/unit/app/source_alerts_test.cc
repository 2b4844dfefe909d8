// Source health alerts are raised once, when a source enters a state needing a human.
#include "app/source_alerts.h"

#include <catch2/catch.hpp>

namespace leakwatch::app {
namespace {

using store::SourceState;

store::Source Make(const std::string& name, SourceState state,
                   std::optional<std::string> last_error = std::nullopt) {
  store::Source s;
  s.name = name;
  s.state = state;
  s.last_error = std::move(last_error);
  return s;
}

TEST_CASE("a source entering profile_broken or session_expired raises one alert", "[unit]") {
  const std::vector<store::Source> before = {Make("a", SourceState::kOk),
                                             Make("b", SourceState::kFailing),
                                             Make("c", SourceState::kProfileBroken)};
  const std::vector<store::Source> after = {
      Make("a", SourceState::kProfileBroken),
      Make("b", SourceState::kSessionExpired, "redirected to the login page"),
      Make("c", SourceState::kProfileBroken),   // still broken: already told
      Make("d", SourceState::kSessionExpired),  // new source, broken on its first run
      Make("e", SourceState::kFailing)};        // transient: not worth a human's time
  const std::vector<notify::SourceAlert> alerts = NewSourceAlerts(before, after);
  REQUIRE(alerts.size() == 3);
  CHECK(alerts[0].source == "a");
  CHECK(alerts[0].state == SourceState::kProfileBroken);
  CHECK_FALSE(alerts[0].detail.empty());
  CHECK(alerts[1].source == "b");
  CHECK(alerts[1].detail == "redirected to the login page");
  CHECK(alerts[2].source == "d");

  CHECK(NewSourceAlerts(after, after).empty());
}

}  // namespace
}  // namespace leakwatch::app
