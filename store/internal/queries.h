// store/internal/queries: SQL shared between a repository and the tests that check
// its query plan.
#pragma once

namespace leakwatch::store::detail {

// FrontierRepository::TakeDue's selection: ?1 now, ?2 source id or NULL, ?3 run id,
// ?4 limit. Listings first, then items, then files; newest discovered first within a
// kind. The ORDER BY matches the frontier_take index (migrations.cc) expression for
// expression, so SQLite walks the index and stops after ?4 rows instead of sorting
// every pending URL: keep the two equal.
inline constexpr const char* kTakeDueSql =
    "SELECT id, source_id, url, kind, depth, discovered_from, state, discovered_at, "
    "next_due_at, attempts, last_status, last_attempt_at, etag, last_modified, content_hash, "
    "lease_run_id, last_run_id, resume_offset, resume_validator, object_size "
    "FROM frontier WHERE state = 'pending' AND next_due_at <= ?1 "
    "AND (?2 IS NULL OR source_id = ?2) AND (last_run_id IS NULL OR last_run_id != ?3) "
    "ORDER BY CASE kind WHEN 'listing' THEN 0 WHEN 'item' THEN 1 ELSE 2 END, "
    "discovered_at DESC, id DESC LIMIT ?4";

}  // namespace leakwatch::store::detail
