// util/onion: Tor onion-service names. One definition of "is this an onion host" for
// config (which refuses onion URLs without a proxy) and crawler (which must never let
// one leave the proxy), and the v3 address format (rend-spec-v3 §6: base32 of
// public key | checksum | version), checked by `doctor` so a mistyped address is
// caught before Tor answers "invalid onion address" on every run.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::util {

// True when `host` is an onion-service name ("….onion", any case, a trailing dot
// allowed as in DNS).
bool IsOnionHost(std::string_view host);

// The v3 address ("<56 base32 chars>.onion") of an ed25519 public key.
std::string OnionV3Address(const std::array<uint8_t, 32>& public_key);

// OK when `host` (an onion host; subdomains such as "www.<address>.onion" allowed)
// names a well-formed v3 address: 56 base32 characters whose version byte is 3 and
// whose checksum matches. InvalidArgument saying what is wrong otherwise (v2
// addresses, which Tor no longer serves, get their own message).
Status CheckOnionV3Address(std::string_view host);

}  // namespace leakwatch::util
