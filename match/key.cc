#include "match/key.h"

#include <sodium.h>

#include <cstring>
#include <system_error>
#include <utility>

#include "match/internal/siphash.h"
#include "util/files.h"
#include "util/hash.h"
#include "util/secret.h"

namespace leakwatch::match {
namespace {

// crypto_kdf contexts are exactly 8 bytes; changing one changes every fingerprint.
constexpr char kRecordContext[crypto_kdf_CONTEXTBYTES + 1] = "lwrecord";
constexpr char kPathContext[crypto_kdf_CONTEXTBYTES + 1] = "lwpathid";
constexpr std::string_view kKeyIdLabel = "leakwatch dataset key id v1";
constexpr size_t kKeyIdBytes = 16;

static_assert(crypto_shorthash_siphashx24_KEYBYTES == 16);
static_assert(crypto_shorthash_siphashx24_BYTES == 16);

Status EnsureSodium() {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  return Status::Ok();
}

}  // namespace

Status GenerateKeyFile(const std::filesystem::path& path) {
  LW_RETURN_IF_ERROR(EnsureSodium());
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Status::AlreadyExists(path.string() +
                                 ": a key file already exists; refusing to overwrite it (packs "
                                 "built with it would become unusable)");
  }
  std::string bytes(kDatasetKeyBytes, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  Status st = util::WriteFileAtomic(
      path, bytes, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  sodium_memzero(bytes.data(), bytes.size());
  return st;
}

Result<DatasetKey> DatasetKey::Load(const std::filesystem::path& path) {
  LW_ASSIGN_OR_RETURN(util::Secret secret, util::ReadSecretFile(path, /*strip_newline=*/false));
  if (secret.size() != kDatasetKeyBytes) {
    return Status::InvalidArgument(path.string() + ": a dataset key file must hold exactly 32 " +
                                   "bytes (it holds " + std::to_string(secret.size()) +
                                   "); create one with `leakwatch fingerprint keygen`");
  }
  return FromBytes(secret.Reveal());
}

Result<DatasetKey> DatasetKey::FromBytes(std::string_view bytes) {
  LW_RETURN_IF_ERROR(EnsureSodium());
  if (bytes.size() != kDatasetKeyBytes) {
    return Status::InvalidArgument("a dataset key must be exactly 32 bytes");
  }
  DatasetKey key;
  const auto* master = reinterpret_cast<const unsigned char*>(bytes.data());
  crypto_kdf_derive_from_key(key.record_subkey_.data(), key.record_subkey_.size(), 1,
                             kRecordContext, master);
  crypto_kdf_derive_from_key(key.path_subkey_.data(), key.path_subkey_.size(), 1, kPathContext,
                             master);
  unsigned char id[kKeyIdBytes];
  crypto_generichash(id, sizeof id, reinterpret_cast<const unsigned char*>(kKeyIdLabel.data()),
                     kKeyIdLabel.size(), master, kDatasetKeyBytes);
  key.key_id_ = util::HexEncode(id, sizeof id);
  return key;
}

DatasetKey::DatasetKey(DatasetKey&& other) noexcept
    : record_subkey_(other.record_subkey_),
      path_subkey_(other.path_subkey_),
      key_id_(std::move(other.key_id_)) {
  sodium_memzero(other.record_subkey_.data(), other.record_subkey_.size());
  sodium_memzero(other.path_subkey_.data(), other.path_subkey_.size());
}

DatasetKey& DatasetKey::operator=(DatasetKey&& other) noexcept {
  if (this != &other) {
    record_subkey_ = other.record_subkey_;
    path_subkey_ = other.path_subkey_;
    key_id_ = std::move(other.key_id_);
    sodium_memzero(other.record_subkey_.data(), other.record_subkey_.size());
    sodium_memzero(other.path_subkey_.data(), other.path_subkey_.size());
  }
  return *this;
}

DatasetKey::~DatasetKey() {
  sodium_memzero(record_subkey_.data(), record_subkey_.size());
  sodium_memzero(path_subkey_.data(), path_subkey_.size());
}

// Input layout: domain byte, then `a`, then (for pairs) a 0x00 separator and `b`.
// Normalised values never contain 0x00, so the encoding is unambiguous. The PRF is
// SipHash-x-2-4 (first 64 bits), computed inline: bit-identical to libsodium's
// crypto_shorthash_siphashx24 truncated to 8 bytes, at about half the cost.
uint64_t DatasetKey::Prf64(char domain, std::string_view a, std::string_view b) const {
  const detail::SipHashX24First64 prf(record_subkey_.data());
  static constexpr char kSeparator = 0;
  // Short inputs (every value met in scanned text) are laid out contiguously on the
  // stack and hashed in one pass; longer ones piece by piece.
  constexpr size_t kInlineBytes = 192;
  const size_t total = 1 + a.size() + (b.empty() ? 0 : 1 + b.size());
  if (total <= kInlineBytes) {
    unsigned char buf[kInlineBytes];
    buf[0] = static_cast<unsigned char>(domain);
    std::memcpy(buf + 1, a.data(), a.size());
    if (!b.empty()) {
      buf[1 + a.size()] = kSeparator;
      std::memcpy(buf + 2 + a.size(), b.data(), b.size());
    }
    return prf.Hash(buf, total);
  }
  const std::string_view d(&domain, 1);
  if (b.empty()) return prf.Hash({d, a});
  return prf.Hash({d, a, std::string_view(&kSeparator, 1), b});
}

uint64_t DatasetKey::HashSingle(std::string_view normalized) const {
  return Prf64(kSingleDomain, normalized, {});
}

uint64_t DatasetKey::HashPair(std::string_view identifier, std::string_view corroborating) const {
  return Prf64(kPairDomain, identifier, corroborating);
}

std::array<uint8_t, 16> DatasetKey::HashPath(std::string_view relative_path) const {
  std::array<uint8_t, 16> out{};
  crypto_shorthash_siphashx24(out.data(),
                              reinterpret_cast<const unsigned char*>(relative_path.data()),
                              relative_path.size(), path_subkey_.data());
  return out;
}

}  // namespace leakwatch::match
