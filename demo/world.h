// demo/world: the simulated dark web of `leakwatch demo` and the end-to-end tests,
// served on loopback and reached only through a SOCKS5 gateway under 56-character
// v3-style `.onion` names, so the crawler runs its normal code path with nothing but
// the proxy address changed.
//
// Sites (all content generated deterministically from the seed and the dataset):
//   paste site   pastebin-style (built-in profile "pastebin"): /archive listing with
//                pagination, /<id> paste pages, /raw/<id>; a few hundred innocuous
//                pastes, one paste of 20 dataset records laid out as key: value blocks
//                (not the CSV of the export), one paste announcing the leak by name;
//   forum A      phpBB 3 prosilver markup (profile "phpbb3_prosilver"): boards, topics
//                with pagination; attachments need the login cookie; one topic shows
//                three re-compressed, resized dataset images inline as "proof";
//   forum B      MyBB 1.8 markup (profile "mybb"): one thread offers a zip of dataset
//                images (some re-encoded) as an attachment (cookie required);
//   file host    plain pages (profile "generic") serving a tar.gz that holds a
//                truncated copy of the records export;
//   mirror       an onion that is offline (Tor's "descriptor not found").
// Every response waits a seeded latency in [min_latency, max_latency]; the first
// request for some innocuous pages gets a 503 with Retry-After, so retries, back-off
// and per-source health show up. Seeded leak pages never fail, so a demo run's verdict
// does not depend on luck.
//
// Threads: the servers run their own io threads; public methods are thread safe.
// Binds 127.0.0.1 on ephemeral ports only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "demo/dataset.h"
#include "demo/socks5_server.h"
#include "util/status.h"

namespace leakwatch::demo {

struct WorldOptions {
  uint64_t seed = 1;
  std::chrono::milliseconds min_latency{100};
  std::chrono::milliseconds max_latency{800};
  // Share of innocuous pages whose first request is answered 503 (Retry-After: 1).
  double unavailable_rate = 0.04;
  int innocuous_pastes = 240;
  int pastes_per_page = 50;
};

// One source as a leakwatch config should declare it.
struct WorldSource {
  std::string name;     // "paste-recent"
  std::string profile;  // built-in profile name
  std::vector<std::string> start_urls;
  std::string onion;  // host name
  // The login session the site needs for attachments ("" when none): a Netscape
  // cookie file line can be made from onion + cookie_name + cookie_value.
  std::string cookie_name;
  std::string cookie_value;
  bool offline = false;
};

// One leak planted in the world: where it is and what a working pipeline reports.
struct SeededLeak {
  std::string id;           // "records-paste"
  std::string description;  // one line for the demo output
  std::string source;       // WorldSource::name
  // URLs whose sightings count for this leak (any one is enough to call it found).
  std::vector<std::string> urls;
  // Sighting kinds that recognise it ("records", "mention", "partial", "exact", "image").
  std::vector<std::string> kinds;
  bool posted_later = false;  // by PostNewLeak, between two crawls
};

class World {
 public:
  // Starts the sites and the gateway. `dataset` files are read from dataset.dir.
  // Errors: IOError (binding, reading the dataset), Internal (image/archive encoding).
  static Result<std::unique_ptr<World>> Start(const Dataset& dataset, WorldOptions options);

  ~World();  // stops everything
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // "socks5h://127.0.0.1:PORT": the only way into the world.
  std::string ProxyUrl() const;
  std::vector<WorldSource> Sources() const;
  // The loopback port serving the named source's site (WorldSource::name), or 0 for an
  // unknown or offline source. Sites answer by request target and ignore the Host
  // header, so a site can also be published as a real onion service in front of this
  // port (scripts/tornet, tests/tornet/), reached under that onion's own name.
  uint16_t SitePort(const std::string& source_name) const;
  // The leaks posted so far.
  std::vector<SeededLeak> Leaks() const;
  // The leak that `url` belongs to, or nullptr (the URL is innocuous content).
  // The pointer is valid until the next PostNewLeak.
  const SeededLeak* LeakForUrl(const std::string& url) const;

  // Posts one more leak (a paste of other dataset records, as a whitespace-aligned
  // table) at the top of the paste site's listing. Errors: AlreadyExists when called
  // twice (the demo plants one).
  Status PostNewLeak();

  // Every CONNECT the gateway saw (host, port, auth pair, reply).
  std::vector<SocksConnect> GatewayLog() const;
  // HTTP requests served by all sites together.
  int64_t TotalRequests() const;

  void Stop();

 private:
  struct Impl;
  explicit World(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A well-formed v3 onion host ("<56 base32 chars>.onion", valid checksum) for
// `label`, stable per seed; `doctor` accepts it.
std::string OnionName(uint64_t seed, const std::string& label);

}  // namespace leakwatch::demo
