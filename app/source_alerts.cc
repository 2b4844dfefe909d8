#include "app/source_alerts.h"

#include <map>
#include <string>

namespace leakwatch::app {

std::vector<notify::SourceAlert> NewSourceAlerts(const std::vector<store::Source>& before,
                                                 const std::vector<store::Source>& after) {
  std::map<std::string, store::SourceState> previous;
  for (const store::Source& s : before) previous[s.name] = s.state;
  std::vector<notify::SourceAlert> alerts;
  for (const store::Source& s : after) {
    if (s.state != store::SourceState::kProfileBroken &&
        s.state != store::SourceState::kSessionExpired) {
      continue;
    }
    const auto it = previous.find(s.name);
    if (it != previous.end() && it->second == s.state) continue;
    notify::SourceAlert alert{s.name, s.state, ""};
    if (s.state == store::SourceState::kProfileBroken) {
      alert.detail = "its listing pages yield far fewer items than their recent median";
    } else if (s.last_error.has_value()) {
      alert.detail = *s.last_error;
    }
    alerts.push_back(std::move(alert));
  }
  return alerts;
}

}  // namespace leakwatch::app
