// app/source_alerts: which sources started needing a human during a crawl.
//
// The crawler records a source's state in the store (profile_broken when its listings
// suddenly yield nothing, session_expired when it is redirected to its login page);
// the user is told once, when the state is entered, not on every run it persists.
#pragma once

#include <vector>

#include "notify/notify.h"
#include "store/sources.h"

namespace leakwatch::app {

// The sources of `after` in profile_broken or session_expired that were in another
// state (or absent) in `before`, ordered as in `after`.
std::vector<notify::SourceAlert> NewSourceAlerts(const std::vector<store::Source>& before,
                                                 const std::vector<store::Source>& after);

}  // namespace leakwatch::app
