// crawler/options: every knob of the fetch engine, with its default and the reason
// for it. `app` maps the TOML config onto this struct in one place; the crawler
// never sees the whole Config.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace leakwatch::crawler {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Tor Browser 13 (Firefox ESR 115 on Windows) as sent to onion sites: a crawler that
// announces itself is the first thing dark-web forums block.
inline constexpr char kTorBrowserUserAgent[] =
    "Mozilla/5.0 (Windows NT 10.0; rv:115.0) Gecko/20100101 Firefox/115.0";

struct Options {
  // Proxy every request goes through: must be socks5h:// (the proxy resolves names,
  // never the local resolver). Empty only when every source is `direct`.
  std::string proxy_url = "socks5h://127.0.0.1:9050";

  // Transfers running at once, all hosts together.
  int concurrency = 64;
  // Transfers running at once against one host (onion services are small servers).
  int per_host = 4;
  // Minimum time between two request starts against one host.
  milliseconds min_delay{1000};

  // Bytes read per transfer; past them the transfer stops and the body up to the cap is
  // delivered, marked truncated (FetchResult::truncated_by).
  uint64_t max_page_bytes = 8ull << 20;  // listings and items (HTML)
  uint64_t max_file_bytes = 1ull << 30;  // attachments and downloads
  // Bodies above this are spooled to a private temp file instead of memory.
  uint64_t spool_threshold_bytes = 8ull << 20;
  // All bodies held in memory at once (in flight and queued for workers); past it,
  // further bytes go to spool files, so memory stays bounded however many large
  // responses arrive together.
  uint64_t memory_budget_bytes = 256ull << 20;
  // Where spool files go (created 0700 if missing; files are unlinked when done).
  std::filesystem::path spool_dir = std::filesystem::temp_directory_path();

  // Onion circuits are slow to build: 60 s to connect through Tor.
  milliseconds connect_timeout{60000};
  // Whole transfer, pages; files get `file_total_timeout`.
  milliseconds page_total_timeout{300000};
  milliseconds file_total_timeout{3600000};
  // Abort a transfer slower than `low_speed_bytes_per_second` for `low_speed_time`
  // (a slow-drip server must not hold a slot forever).
  int64_t low_speed_bytes_per_second = 1024;
  milliseconds low_speed_time{60000};

  // Redirects followed per request, only http/https, always through the proxy.
  int max_redirects = 5;

  std::string user_agent = kTorBrowserUserAgent;
  // Request headers as "Name: value" lines, sent with every request (Tor Browser's).
  // Replace the list to change them; "Name:" with no value removes a header curl
  // would add itself.
  std::vector<std::string> headers = {
      "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "Accept-Language: en-US,en;q=0.5",
      "Upgrade-Insecure-Requests: 1",
  };

  // Responses waiting for the worker pool. When full, the engine starts no new
  // transfer (back-pressure) until workers catch up.
  int queue_capacity = 128;
  // Threads that parse, hash and match bodies (never the I/O thread).
  int workers = 2;
};

}  // namespace leakwatch::crawler
