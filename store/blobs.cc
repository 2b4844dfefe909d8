#include "store/blobs.h"

#include "store/internal/core.h"

namespace leakwatch::store {
namespace {

constexpr const char* kInsert =
    "INSERT INTO blobs (sha256, size, mime, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?4) "
    "ON CONFLICT (sha256) DO NOTHING";
constexpr const char* kTouch =
    "UPDATE blobs SET last_seen = max(last_seen, ?2), mime = coalesce(mime, ?3) "
    "WHERE sha256 = ?1";
constexpr const char* kGet =
    "SELECT sha256, size, mime, first_seen, last_seen FROM blobs WHERE sha256 = ?1";
constexpr const char* kDeleteUnreferenced =
    "DELETE FROM blobs WHERE last_seen < ?1 "
    "AND NOT EXISTS (SELECT 1 FROM sightings WHERE sightings.sha256 = blobs.sha256)";

constexpr size_t kSha256HexLength = 64;

bool IsSha256Hex(std::string_view text) {
  if (text.size() != kSha256HexLength) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<bool> BlobRepository::Touch(std::string_view sha256, int64_t size,
                                   std::optional<std::string> mime) {
  if (!IsSha256Hex(sha256)) {
    return Status::InvalidArgument("blob hash is not 64 lowercase hex digits");
  }
  if (size < 0) return Status::InvalidArgument("blob size is negative");
  const int64_t now = core_.Now();
  bool is_new = false;
  const Status tx = core_.InTransaction([&]() -> Status {
    LW_ASSIGN_OR_RETURN(int64_t inserted, core_.Write(kInsert, sha256, size, mime, now));
    is_new = inserted > 0;
    return is_new ? Status::Ok() : core_.Execute(kTouch, sha256, now, mime);
  });
  if (!tx.ok()) return tx;
  return is_new;
}

Result<std::optional<BlobInfo>> BlobRepository::Get(std::string_view sha256) {
  LW_ASSIGN_OR_RETURN(auto st, core_.Prepare(kGet));
  LW_ASSIGN_OR_RETURN(bool found, st->BindAll(sha256).Step());
  if (!found) return std::optional<BlobInfo>();
  return std::optional<BlobInfo>(BlobInfo{st->ColumnText(0), st->ColumnInt(1),
                                          st->ColumnOptionalText(2), st->ColumnInt(3),
                                          st->ColumnInt(4)});
}

Result<int64_t> BlobRepository::DeleteUnreferencedOlderThan(int64_t cutoff) {
  LW_ASSIGN_OR_RETURN(int64_t changed, core_.Write(kDeleteUnreferenced, cutoff));
  return changed;
}

}  // namespace leakwatch::store
