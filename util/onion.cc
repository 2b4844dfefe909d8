#include "util/onion.h"

#include "util/hash.h"

namespace leakwatch::util {
namespace {

constexpr std::string_view kSuffix = ".onion";
constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr size_t kV3Chars = 56;  // 35 bytes: key 32 | checksum 2 | version 1
constexpr size_t kV2Chars = 16;
constexpr uint8_t kVersion = 3;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view WithoutTrailingDot(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

std::array<uint8_t, 2> Checksum(const uint8_t* public_key) {
  std::string input(".onion checksum");
  input.append(reinterpret_cast<const char*>(public_key), 32);
  input.push_back(static_cast<char>(kVersion));
  const Sha3Digest digest = Sha3_256(input);
  return {digest[0], digest[1]};
}

}  // namespace

bool IsOnionHost(std::string_view host) {
  host = WithoutTrailingDot(host);
  if (host.size() <= kSuffix.size()) return false;
  const std::string_view tail = host.substr(host.size() - kSuffix.size());
  for (size_t i = 0; i < kSuffix.size(); ++i) {
    if (Lower(tail[i]) != kSuffix[i]) return false;
  }
  return true;
}

std::string OnionV3Address(const std::array<uint8_t, 32>& public_key) {
  std::array<uint8_t, 35> raw{};
  std::copy(public_key.begin(), public_key.end(), raw.begin());
  const std::array<uint8_t, 2> checksum = Checksum(public_key.data());
  raw[32] = checksum[0];
  raw[33] = checksum[1];
  raw[34] = kVersion;
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const uint8_t byte : raw) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  return out + std::string(kSuffix);
}

Status CheckOnionV3Address(std::string_view host) {
  host = WithoutTrailingDot(host);
  if (!IsOnionHost(host)) return Status::InvalidArgument("not an .onion name");
  std::string_view label = host.substr(0, host.size() - kSuffix.size());
  const size_t dot = label.rfind('.');
  if (dot != std::string_view::npos) label = label.substr(dot + 1);  // www.<address>.onion
  const std::string shown(label.substr(0, 64));
  if (label.size() == kV2Chars) {
    return Status::InvalidArgument("\"" + shown +
                                   "\" is a v2 onion address; Tor stopped serving v2 onion "
                                   "services in 2021 (ask for the site's v3 address)");
  }
  if (label.size() != kV3Chars) {
    return Status::InvalidArgument("\"" + shown + "\" has " + std::to_string(label.size()) +
                                   " characters; a v3 onion address has 56");
  }
  std::array<uint8_t, 35> raw{};
  uint32_t buffer = 0;
  int bits = 0;
  size_t out = 0;
  for (const char c : label) {
    const size_t value = kBase32.find(Lower(c));
    if (value == std::string_view::npos) {
      return Status::InvalidArgument("\"" + shown + "\" contains '" + std::string(1, c) +
                                     "'; onion addresses use only a-z and 2-7");
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      raw[out++] = static_cast<uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
  }
  if (raw[34] != kVersion) {
    return Status::InvalidArgument("\"" + shown + "\" is not a version 3 onion address");
  }
  const std::array<uint8_t, 2> checksum = Checksum(raw.data());
  if (raw[32] != checksum[0] || raw[33] != checksum[1]) {
    return Status::InvalidArgument("\"" + shown +
                                   "\" fails the address checksum: a character is mistyped");
  }
  return Status::Ok();
}

}  // namespace leakwatch::util
