#include "match/internal/pack_schema.h"

#include <charconv>
#include <map>

namespace leakwatch::match::detail {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE header(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE files(
  file_id   INTEGER PRIMARY KEY,
  xxh3_128  BLOB NOT NULL CHECK(length(xxh3_128) = 16),
  size      INTEGER NOT NULL,
  sha256    BLOB NOT NULL CHECK(length(sha256) = 32),
  path_hash BLOB CHECK(path_hash IS NULL OR length(path_hash) = 16)
);
CREATE TABLE chunks(
  file_id      INTEGER NOT NULL REFERENCES files(file_id),
  seq          INTEGER NOT NULL,
  first_offset INTEGER NOT NULL,
  count        INTEGER NOT NULL,
  data         BLOB NOT NULL,
  PRIMARY KEY(file_id, seq)
) WITHOUT ROWID;
CREATE TABLE records(
  batch_id INTEGER PRIMARY KEY,
  kind     INTEGER NOT NULL CHECK(kind IN (1, 2)),
  count    INTEGER NOT NULL,
  data     BLOB NOT NULL
);
CREATE TABLE images(
  file_id INTEGER NOT NULL REFERENCES files(file_id),
  pdq     BLOB NOT NULL CHECK(length(pdq) = 32),
  quality INTEGER NOT NULL
);
)sql";

Result<uint64_t> ParseU64(const std::map<std::string, std::string>& h, const std::string& key) {
  const auto it = h.find(key);
  if (it == h.end()) return Status::Corruption("pack header lacks '" + key + "'");
  uint64_t v = 0;
  const char* b = it->second.data();
  const char* e = b + it->second.size();
  const auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || ptr != e) {
    return Status::Corruption("pack header field '" + key + "' is not a number");
  }
  return v;
}

Result<std::vector<FieldType>> ParseTypes(const std::string& list) {
  std::vector<FieldType> types;
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const auto t = ParseFieldType(std::string_view(list).substr(start, comma - start));
    if (!t) return Status::Corruption("pack header names an unknown field type");
    types.push_back(*t);
    start = comma + 1;
  }
  return types;
}

}  // namespace

void AppendLe(uint64_t v, int bytes, std::string& out) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t LoadLe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string FieldTypeList(const std::vector<FieldType>& types) {
  std::string out;
  for (const FieldType t : types) {
    if (!out.empty()) out.push_back(',');
    out += FieldTypeName(t);
  }
  return out;
}

Status CreatePackSchema(util::Database& db) {
  LW_RETURN_IF_ERROR(db.Exec("PRAGMA application_id = " + std::to_string(util::kPackApplicationId) +
                             "; PRAGMA user_version = " + std::to_string(kPackFormatVersion) +
                             ";"));
  return db.Exec(kSchema);
}

Status WritePackHeader(util::Database& db, const PackInfo& info) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"format_version", std::to_string(info.format_version)},
      {"tool_version", info.tool_version},
      {"built_at", info.built_at},
      {"key_id", info.key_id},
      {"chunk_min_size", std::to_string(info.chunk_params.min_size)},
      {"chunk_avg_size", std::to_string(info.chunk_params.avg_size)},
      {"chunk_max_size", std::to_string(info.chunk_params.max_size)},
      {"chunk_hash", "xxh3-64"},
      {"file_hash", "xxh3-128+sha256"},
      {"record_prf", "siphashx24-128/64"},
      {"file_count", std::to_string(info.file_count)},
      {"total_file_bytes", std::to_string(info.total_file_bytes)},
      {"chunk_count", std::to_string(info.chunk_count)},
      {"record_count", std::to_string(info.record_count)},
      {"single_hash_count", std::to_string(info.single_hash_count)},
      {"pair_hash_count", std::to_string(info.pair_hash_count)},
      {"skipped_file_count", std::to_string(info.skipped_file_count)},
      {"identifier_types", FieldTypeList(info.identifier_types)},
      {"corroborating_types", FieldTypeList(info.corroborating_types)},
  };
  LW_ASSIGN_OR_RETURN(util::Statement st,
                      db.Prepare("INSERT OR REPLACE INTO header(key, value) VALUES (?, ?)"));
  for (const auto& [k, v] : fields) {
    st.Reset();
    LW_RETURN_IF_ERROR(st.BindAll(std::string_view(k), std::string_view(v)).Run());
  }
  return Status::Ok();
}

Result<PackInfo> ReadPackHeader(util::Database& db) {
  const auto app_id = db.QueryInt("PRAGMA application_id");
  if (!app_id.has_value() || *app_id != util::kPackApplicationId) {
    return Status::Corruption(db.path().string() +
                              ": not a leakwatch fingerprint pack (wrong application id)");
  }
  auto st = db.Prepare("SELECT key, value FROM header");
  if (!st.has_value()) {
    return Status::Corruption(db.path().string() + ": pack has no header table");
  }
  std::map<std::string, std::string> h;
  while (true) {
    LW_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    h[st->ColumnText(0)] = st->ColumnText(1);
  }
  PackInfo info;
  LW_ASSIGN_OR_RETURN(const uint64_t version, ParseU64(h, "format_version"));
  if (version > static_cast<uint64_t>(kPackFormatVersion)) {
    return Status::Unsupported(db.path().string() + ": pack format version " +
                               std::to_string(version) + " is newer than this leakwatch reads (" +
                               std::to_string(kPackFormatVersion) +
                               "); upgrade leakwatch or rebuild the pack with this version");
  }
  if (version == 0) return Status::Corruption(db.path().string() + ": pack format version 0");
  info.format_version = static_cast<int>(version);
  info.tool_version = h["tool_version"];
  info.built_at = h["built_at"];
  info.key_id = h["key_id"];
  LW_ASSIGN_OR_RETURN(const uint64_t cmin, ParseU64(h, "chunk_min_size"));
  LW_ASSIGN_OR_RETURN(const uint64_t cavg, ParseU64(h, "chunk_avg_size"));
  LW_ASSIGN_OR_RETURN(const uint64_t cmax, ParseU64(h, "chunk_max_size"));
  if (cmax > UINT32_MAX) return Status::Corruption("pack chunk parameters out of range");
  info.chunk_params = {static_cast<uint32_t>(cmin), static_cast<uint32_t>(cavg),
                       static_cast<uint32_t>(cmax)};
  if (!info.chunk_params.Validate().ok()) {
    return Status::Corruption(db.path().string() + ": pack chunk parameters are invalid");
  }
  LW_ASSIGN_OR_RETURN(info.file_count, ParseU64(h, "file_count"));
  LW_ASSIGN_OR_RETURN(info.total_file_bytes, ParseU64(h, "total_file_bytes"));
  LW_ASSIGN_OR_RETURN(info.chunk_count, ParseU64(h, "chunk_count"));
  LW_ASSIGN_OR_RETURN(info.record_count, ParseU64(h, "record_count"));
  LW_ASSIGN_OR_RETURN(info.single_hash_count, ParseU64(h, "single_hash_count"));
  LW_ASSIGN_OR_RETURN(info.pair_hash_count, ParseU64(h, "pair_hash_count"));
  LW_ASSIGN_OR_RETURN(info.skipped_file_count, ParseU64(h, "skipped_file_count"));
  LW_ASSIGN_OR_RETURN(info.identifier_types, ParseTypes(h["identifier_types"]));
  LW_ASSIGN_OR_RETURN(info.corroborating_types, ParseTypes(h["corroborating_types"]));
  auto images = db.QueryInt("SELECT count(*) FROM images");
  info.image_count = images.has_value() ? static_cast<uint64_t>(*images) : 0;
  return info;
}

}  // namespace leakwatch::match::detail

namespace leakwatch::match {

Result<PackInfo> ReadPackInfo(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound(path.string() + ": pack file does not exist");
  }
  auto db = util::Database::Open(path, util::Database::Mode::kReadOnly, /*wal=*/false);
  if (!db.has_value()) {
    return Status::Corruption(path.string() + ": not a leakwatch fingerprint pack (" +
                              db.error().message() + ")");
  }
  return detail::ReadPackHeader(*db);
}

}  // namespace leakwatch::match
