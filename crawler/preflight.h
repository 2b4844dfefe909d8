// crawler/preflight: "is Tor up?" as one clear answer, before a crawl starts and for
// `leakwatch doctor`.
//
// Checks, in order: a TCP connection to the SOCKS proxy, a SOCKS5 method negotiation
// (and RFC 1929 auth when the proxy asks for it), and, when a Tor control port is
// configured, AUTHENTICATE (cookie file or password) + GETINFO status/bootstrap-phase.
// No name is resolved: the proxy and control hosts must be IP literals or "localhost".
//
// Threads: any thread; each call uses its own sockets. Blocking, bounded by `timeout`.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "util/status.h"

namespace leakwatch::crawler {

struct ControlPortOptions {
  std::string address;                // "127.0.0.1:9051"; empty: no control port
  std::filesystem::path cookie_file;  // CookieAuthentication; else `password`
  std::string password;               // HashedControlPassword (not logged)
};

struct ProxyHealth {
  bool tcp_ok = false;                   // something listens on the proxy address
  bool socks_ok = false;                 // and it speaks SOCKS5
  std::optional<int> bootstrap_percent;  // from the control port, when configured
  std::string bootstrap_summary;         // Tor's SUMMARY text
  // True when the proxy is usable: SOCKS5 works and Tor (if asked) is bootstrapped.
  bool ok() const { return socks_ok && (!bootstrap_percent || *bootstrap_percent == 100); }
};

// Checks the proxy at `proxy_url` (socks5h://HOST:PORT). Returns the health when the
// check could be carried out; Unavailable with one clear message when Tor is down:
// "Tor is not reachable at 127.0.0.1:9050 (connection refused): is tor running?".
// InvalidArgument for a malformed URL or a host name that would need DNS.
Result<ProxyHealth> CheckProxy(const std::string& proxy_url, const ControlPortOptions& control,
                               std::chrono::milliseconds timeout);

// Sends SIGNAL NEWNYM on the control port so the next run builds fresh circuits.
// Tor accepts one NEWNYM per 10 s; callers must not send them faster.
Status SignalNewnym(const ControlPortOptions& control, std::chrono::milliseconds timeout);

}  // namespace leakwatch::crawler
