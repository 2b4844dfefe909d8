// store/sightings: "this dataset content was found at this URL at this time".
//
// Upsert rule: the same (url, member_path, sha256, kind) seen again only moves
// last_seen; anything else is a new sighting. Sightings are kept until deleted
// explicitly (no retention). They hold hashes, refs and locations, never dataset
// plaintext; a mention's snippet is the text around a watch-list term.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

enum class SightingKind { kExact, kPartial, kRecords, kImage, kMention };
// "exact", "partial", "records", "image", "mention".
std::string_view SightingKindName(SightingKind kind);
Result<SightingKind> ParseSightingKind(std::string_view name);

// What the pipeline records.
struct NewSighting {
  std::string source;       // source name (kept even if the source leaves the config)
  std::string url;          // the fetched object's URL
  std::string member_path;  // path inside an archive; empty for the object itself
  std::string sha256;       // hex SHA-256 of the object (the member, if any)
  SightingKind kind = SightingKind::kExact;
  double score = 0;
  std::string dataset_refs = "[]";              // JSON: the dataset files / record ids matched
  std::optional<std::string> linked_from;       // page that linked the object
  std::optional<std::string> snippet;           // mention: <= 200 chars around the term
  std::optional<std::string> evidence_warc;     // WARC file path holding the response
  std::optional<int64_t> evidence_warc_offset;  // byte offset of its response record
  std::optional<int64_t> run_id;
  std::optional<int64_t> seen_at;  // default: now
  // Set when only part of the object was matched: a download stopped at its cap, by
  // time or a broken circuit, or a later run's resumed range. `sha256` is then the hash
  // of that part. Unset: the whole object was matched.
  struct Part {
    int64_t offset = 0;                  // the part's first byte in the object
    int64_t length = 0;                  // bytes matched
    std::optional<int64_t> object_size;  // the whole object, when the server stated it
  };
  std::optional<Part> part;
};

struct Sighting : NewSighting {
  int64_t id = 0;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  std::optional<int64_t> acked_at;
  std::optional<std::string> acked_by;
  std::optional<std::string> ack_note;
};

// One group of a summary: a source name or a UTC day ("2026-11-27").
struct SightingCount {
  std::string key;
  int64_t count = 0;
};

struct SightingUpsert {
  int64_t id = 0;
  bool is_new = false;  // false: an existing sighting's last_seen moved
};

// Filters for `leakwatch sightings`. Time bounds apply to first_seen (when the
// sighting was new); results are newest first (first_seen, then id, descending).
struct SightingFilter {
  std::optional<int64_t> since;  // first_seen >= since
  std::optional<int64_t> until;  // first_seen < until
  std::optional<std::string> source;
  std::optional<SightingKind> kind;
  std::optional<double> min_score;
  bool unacked_only = false;
  int64_t limit = 100;  // <= 0: no limit
};

// Thread safety: as the owning Store.
class SightingRepository {
 public:
  explicit SightingRepository(detail::StoreCore& core) : core_(core) {}
  SightingRepository(const SightingRepository&) = delete;
  SightingRepository& operator=(const SightingRepository&) = delete;

  // Applies the upsert rule above. To enqueue notifications atomically with the
  // insert use Store::RecordSighting instead.
  // InvalidArgument for an empty url or sha256, a non-finite score, or dataset_refs
  // that is not JSON.
  Result<SightingUpsert> Upsert(const NewSighting& sighting);
  // NotFound for an unknown id.
  Result<Sighting> Get(int64_t id);
  Result<std::vector<Sighting>> Query(const SightingFilter& filter);
  // Points a sighting recorded without evidence (an older run, or a run whose WARC
  // write failed) at a WARC response record. Evidence already recorded is kept: the
  // first capture is the one incident response cites. Returns whether the row changed
  // (false also for an unknown id). InvalidArgument for an empty path or a negative
  // offset. REQUIRES: the WARC bytes are durable (WarcWriter::Sync) before the
  // surrounding transaction commits.
  Result<bool> SetEvidenceIfMissing(int64_t id, std::string_view warc, int64_t offset);
  // Marks triaged: acked_at = now, by, note (a second ack overwrites). NotFound.
  Status Ack(int64_t id, std::string_view by, const std::optional<std::string>& note);
  // Per-kind counts, for `sightings summary`.
  Result<std::vector<std::pair<SightingKind, int64_t>>> CountByKind();
  // Per source name, ordered by name.
  Result<std::vector<SightingCount>> CountBySource();
  // Per UTC day of first_seen, newest day first, only days with sightings, optionally
  // from `since` on.
  Result<std::vector<SightingCount>> CountByDay(std::optional<int64_t> since = std::nullopt);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
