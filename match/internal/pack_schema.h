// match/internal/pack_schema: SQL of the pack format and header (de)serialisation,
// shared by the builder and the matcher. See docs/pack-format.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "match/pack.h"
#include "util/sqlite.h"
#include "util/status.h"

namespace leakwatch::match::detail {

// Bytes of one entry in a `chunks.data` blob: u64 XXH3-64 + u32 length, little endian.
inline constexpr size_t kChunkEntryBytes = 12;
// Bytes of one entry in a `records.data` blob: u64 keyed hash + u32 record id.
inline constexpr size_t kRecordEntryBytes = 12;
// From this format version on, the builder writes each kind's record batches in
// ascending hash order (by batch_id): the matcher loads them without sorting.
inline constexpr int kFirstPresortedRecordsVersion = 3;
// Kinds in `records.kind`.
inline constexpr int kRecordKindSingle = 1;
inline constexpr int kRecordKindPair = 2;

// Creates the tables of a new pack. REQUIRES: an empty database.
Status CreatePackSchema(util::Database& db);
// Writes every header field of `info` (replacing existing values).
Status WritePackHeader(util::Database& db, const PackInfo& info);
// Reads and validates the header (format version, chunk parameters).
Result<PackInfo> ReadPackHeader(util::Database& db);

void AppendLe(uint64_t v, int bytes, std::string& out);
uint64_t LoadLe(const char* p, int bytes);

std::string FieldTypeList(const std::vector<FieldType>& types);

}  // namespace leakwatch::match::detail
