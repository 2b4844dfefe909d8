// app/notify_options: the one place where the [notify] config becomes notify::Options
// (STYLE rule 3). Also used by the crawl command to route new sightings
// (notify::RoutesFor) and flush immediate channels.
#pragma once

#include "config/config.h"
#include "notify/notify.h"

namespace leakwatch::app {

// Maps every [[notify.email]], [[notify.webhook]] and [[notify.exec]] entry onto a
// notify::ChannelOptions, in that order; channel names (unique, checked by the config
// loader) become the outbox keys. Kind names were validated by the loader; an unknown
// one is skipped. [notify] max_attempts, retry_base_backoff and retry_max_backoff
// become Options::limits. Pure.
notify::Options NotifyOptionsFromConfig(const config::NotifyConfig& config);

}  // namespace leakwatch::app
