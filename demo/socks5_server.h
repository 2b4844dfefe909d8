// demo/socks5_server: a SOCKS5 gateway for a simulated dark web on loopback.
//
// Speaks RFC 1928 with the RFC 1929 username/password method. It maps `.onion`
// host names to fixture servers on 127.0.0.1 and refuses everything else with the
// reply code a careful Tor client would expect:
//   - IPv4 / IPv6 address types (the client resolved a name locally, or targets an
//     address): 0x02 "connection not allowed by ruleset";
//   - a host name that is not `.onion`: 0x02 as well (the gateway never resolves);
//   - an unknown `.onion` name: 0xF0, Tor's "onion service descriptor not found";
//   - a mapped onion whose fixture refuses the connection: 0x05 "connection refused".
// Tests can force any reply code per host (e.g. 0x06 TTL expired, 0xF2 introduction
// failed) or make a host hang without reply (a stuck circuit).
//
// Every CONNECT request is recorded (host name as sent, port, auth pair, reply) so
// tests can prove that names were resolved by the proxy (socks5h) and that sources
// used distinct credentials (stream isolation).
//
// Threads: the server runs its own io threads; every public method is thread safe.
// It binds 127.0.0.1 on an ephemeral port only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::demo {

// SOCKS5 reply codes (RFC 1928 section 6 and Tor's extended errors, tor's socks-extensions.txt).
inline constexpr uint8_t kSocksSucceeded = 0x00;
inline constexpr uint8_t kSocksGeneralFailure = 0x01;
inline constexpr uint8_t kSocksNotAllowed = 0x02;
inline constexpr uint8_t kSocksNetworkUnreachable = 0x03;
inline constexpr uint8_t kSocksHostUnreachable = 0x04;
inline constexpr uint8_t kSocksConnectionRefused = 0x05;
inline constexpr uint8_t kSocksTtlExpired = 0x06;
inline constexpr uint8_t kSocksCommandNotSupported = 0x07;
inline constexpr uint8_t kSocksAddressTypeNotSupported = 0x08;
inline constexpr uint8_t kSocksOnionDescriptorNotFound = 0xF0;
inline constexpr uint8_t kSocksOnionDescriptorInvalid = 0xF1;
inline constexpr uint8_t kSocksOnionIntroFailed = 0xF2;
inline constexpr uint8_t kSocksOnionRendezvousFailed = 0xF3;
inline constexpr uint8_t kSocksOnionMissingClientAuth = 0xF4;
inline constexpr uint8_t kSocksOnionWrongClientAuth = 0xF5;
inline constexpr uint8_t kSocksOnionBadAddress = 0xF6;
inline constexpr uint8_t kSocksOnionIntroTimedOut = 0xF7;

// One CONNECT request as the gateway saw it.
struct SocksConnect {
  uint8_t address_type = 0;  // 0x01 IPv4, 0x03 domain name, 0x04 IPv6
  std::string host;          // the name as sent, or the address in text form
  uint16_t port = 0;
  std::string username;  // empty when the client chose "no authentication"
  std::string password;
  uint8_t reply = 0;  // the reply code sent back (kSocksSucceeded when relayed)
};

class Socks5Server {
 public:
  struct Options {
    // When true, clients must offer username/password (RFC 1929); any pair is accepted
    // and recorded. When false, "no authentication" is accepted too (as Tor does).
    bool require_auth = false;
    int io_threads = 1;
  };

  // Binds 127.0.0.1:0 and starts serving on its own threads.
  static Result<std::unique_ptr<Socks5Server>> Start(Options options);
  static Result<std::unique_ptr<Socks5Server>> Start() { return Start(Options{}); }

  ~Socks5Server();  // stops and joins
  Socks5Server(const Socks5Server&) = delete;
  Socks5Server& operator=(const Socks5Server&) = delete;

  // Routes CONNECTs for `onion_host` (any requested port, compared case-insensitively)
  // to 127.0.0.1:`target_port`.
  void MapOnion(std::string_view onion_host, uint16_t target_port);
  // Answers CONNECTs for `host` with `reply` instead of connecting (0x00 not allowed).
  void ForceReply(std::string_view host, uint8_t reply);
  // Accepts CONNECTs for `host` and then never answers (a circuit that never completes).
  void Blackhole(std::string_view host);

  uint16_t port() const;
  // "socks5h://127.0.0.1:PORT".
  std::string ProxyUrl() const;

  // Every CONNECT seen so far, in arrival order.
  std::vector<SocksConnect> Connects() const;

  // Stops accepting and closes every relayed connection. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Socks5Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::demo
