// match/key: the dataset key that protects a fingerprint pack.
//
// Record values (plates, passport numbers, names) are low-entropy: without a secret,
// anyone holding a pack could enumerate the value space and test each guess. Every
// record fingerprint is therefore a keyed PRF (SipHash-x-2-4, 128-bit output, from
// libsodium) under a subkey derived from a 32-byte key file that never enters the
// pack. The pack stores only a key id (a keyed BLAKE2b digest of a fixed label), so
// loading a pack with the wrong key is a clear error rather than silent non-matching.
//
// Thread safety: a DatasetKey is immutable after Load and may be shared by threads.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::match {

inline constexpr size_t kDatasetKeyBytes = 32;

namespace detail {
class TextRecordScanner;
}  // namespace detail

// Writes a new key of 32 random bytes (libsodium randombytes_buf) to `path` with mode
// 0600. Refuses with AlreadyExists when `path` exists: overwriting a key orphans every
// pack built with it.
Status GenerateKeyFile(const std::filesystem::path& path);

class DatasetKey {
 public:
  // Reads a key file through util::ReadSecretFile (mode must be 0600 or stricter).
  // Errors: NotFound, PermissionDenied, InvalidArgument when the file is not exactly
  // 32 bytes.
  static Result<DatasetKey> Load(const std::filesystem::path& path);
  // REQUIRES: bytes.size() == kDatasetKeyBytes (else InvalidArgument).
  static Result<DatasetKey> FromBytes(std::string_view bytes);

  DatasetKey(const DatasetKey&) = delete;
  DatasetKey& operator=(const DatasetKey&) = delete;
  DatasetKey(DatasetKey&& other) noexcept;
  DatasetKey& operator=(DatasetKey&& other) noexcept;
  ~DatasetKey();  // wipes the derived subkeys

  // Lowercase hex (32 chars) identifying the key; safe to store and print.
  const std::string& key_id() const { return key_id_; }

  // Keyed 64-bit fingerprint of a normalised single value (first 8 bytes of the
  // 128-bit SipHash-x-2-4 output, little endian). Any thread.
  uint64_t HashSingle(std::string_view normalized) const;
  // Keyed 64-bit fingerprint of an (identifier, corroborating) pair of normalised
  // values. Order matters: the identifier comes first.
  uint64_t HashPair(std::string_view identifier, std::string_view corroborating) const;
  // Keyed 128-bit digest of a dataset-relative path (stored, optionally, per file).
  std::array<uint8_t, 16> HashPath(std::string_view relative_path) const;

 private:
  // The record scanner hashes identifier candidates in place, without a copy per call:
  // it reads the record subkey and must prefix values as HashSingle does.
  friend class detail::TextRecordScanner;
  static constexpr char kSingleDomain = 'S';
  static constexpr char kPairDomain = 'P';

  DatasetKey() = default;
  uint64_t Prf64(char domain, std::string_view a, std::string_view b) const;

  std::array<uint8_t, 16> record_subkey_{};
  std::array<uint8_t, 16> path_subkey_{};
  std::string key_id_;
};

}  // namespace leakwatch::match
