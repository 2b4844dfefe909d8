// store/anomalies: hostile or damaged input met during a crawl run (an archive limit
// hit in a member, a damaged archive, a truncated page, an undecodable image), kept so
// that `leakwatch runs show` can answer "why did that zip give nothing" without -v.
//
// Every anomaly is counted, per (run, source, kind), without limit. Rows are bounded:
// a run stores at most kMaxAnomalyRowsPerRun rows, one fetched object (one Record
// call) at most kMaxAnomalyRowsPerObject of them, so a single archive of 100 000
// damaged members cannot crowd out the rest of the run. Past either bound an anomaly
// is counted but not stored; the counts say how many rows are missing.
//
// URLs, member paths and details come from hostile sites: each is cut to its
// kMaxAnomaly*Bytes (at a UTF-8 character boundary, ending "...") before it is
// stored. They are stored raw otherwise: whoever shows them on a terminal must make
// them safe (util/text.h).
//
// Thread safety: as the owning Store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace leakwatch::store {
namespace detail {
class StoreCore;
}

inline constexpr int64_t kMaxAnomalyRowsPerRun = 1000;
inline constexpr int64_t kMaxAnomalyRowsPerObject = 100;
inline constexpr size_t kMaxAnomalyUrlBytes = 2048;
inline constexpr size_t kMaxAnomalyMemberPathBytes = 1024;
inline constexpr size_t kMaxAnomalyKindBytes = 64;
inline constexpr size_t kMaxAnomalyDetailBytes = 1024;

// One anomaly as the crawler reports it.
struct NewAnomaly {
  std::string url;          // the fetched URL (after redirects)
  std::string member_path;  // inside an archive, "dir/inner.zip!/file"; "" = the object itself
  std::string kind;         // stable snake_case, e.g. "limit", "corrupt", "truncated"
  std::string detail;       // e.g. "expansion ratio"; never page content beyond an excerpt
};

// A stored anomaly row.
struct Anomaly {
  int64_t id = 0;
  int64_t run_id = 0;
  std::optional<int64_t> source_id;   // absent once the source is deleted
  std::optional<std::string> source;  // its name, when it still exists
  int64_t at = 0;
  std::string url;
  std::string member_path;
  std::string kind;
  std::string detail;
};

// Anomalies of a run (or of one source in a run), stored or not.
struct AnomalyCounts {
  std::map<std::string, int64_t> by_kind;  // kind -> anomalies counted
  int64_t total = 0;                       // sum of by_kind
  int64_t stored = 0;                      // of which have a row
};

class AnomalyRepository {
 public:
  explicit AnomalyRepository(detail::StoreCore& core) : core_(core) {}
  AnomalyRepository(const AnomalyRepository&) = delete;
  AnomalyRepository& operator=(const AnomalyRepository&) = delete;

  // Counts `anomalies` (those of one fetched object) against (run_id, source_id, kind)
  // and stores rows for them, at time now, in order, within the bounds above. One
  // transaction (or the enclosing one). Returns how many rows were stored.
  // Errors: those of the database (an unknown run or source is a constraint error).
  Result<int64_t> Record(int64_t run_id, int64_t source_id,
                         const std::vector<NewAnomaly>& anomalies);

  // Counts of run `run_id`, of every source or only `source_id`. Empty for a run
  // without anomalies (or an unknown one).
  Result<AnomalyCounts> Counts(int64_t run_id, std::optional<int64_t> source_id = std::nullopt);

  // The stored rows of run `run_id`, in the order they were recorded, at most `limit`
  // (0 = all), only those of `kind` when given.
  Result<std::vector<Anomaly>> ListByRun(int64_t run_id, int64_t limit,
                                         const std::optional<std::string>& kind = std::nullopt);

 private:
  detail::StoreCore& core_;
};

}  // namespace leakwatch::store
