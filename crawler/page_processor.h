// crawler/page_processor: the CPU work done on each fetched body, on worker threads
// (never the I/O thread): link extraction with the source's site profile, and
// whatever else the caller wires in (matching against the fingerprint pack).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/fetcher.h"
#include "store/frontier.h"
#include "store/store.h"

namespace leakwatch::crawler {

struct SourceSpec;

struct DiscoveredLink {
  std::string url;  // absolute
  store::UrlKind kind = store::UrlKind::kItem;
};

// What a worker learned from one body.
struct ProcessedPage {
  std::vector<DiscoveredLink> links;
  std::optional<std::string> next_page;  // a listing's next page
  int64_t items = 0;                     // items the profile found (listing yield)
  // Hostile or damaged input met in this body (its members included): the writer
  // counts them in the run stats and stores them (store/anomalies.h, bounded per run).
  std::vector<store::NewAnomaly> anomalies;
  // Dataset sightings in this body, each with the dataset files and records it shows
  // (`coverage`; all of them, where the sighting's dataset_refs list is capped). The
  // writer fills run_id and the notification channels (CrawlOptions::route_alerts)
  // and records each with Store::RecordSighting.
  std::vector<store::RecordSightingRequest> sightings;
};

// Everything a processor may look at for one response.
struct FetchedContent {
  const SourceSpec& source;
  std::string_view url;  // final URL after redirects
  store::UrlKind kind;
  std::string_view content_type;
  const Body& body;  // in memory or spooled; read with Body::Read
  std::string_view sha256_hex;
  // Set when `body` is only part of the object (a download stopped at its cap, by time,
  // a broken circuit or the run's stop, or a resumed range): it is matched as a
  // truncated object and its sightings carry the part.
  std::optional<store::NewSighting::Part> part;
};

// Implementations must be thread safe: Process runs on several workers at once.
class PageProcessor {
 public:
  virtual ~PageProcessor() = default;
  virtual ProcessedPage Process(const FetchedContent& content) = 0;
};

}  // namespace leakwatch::crawler
