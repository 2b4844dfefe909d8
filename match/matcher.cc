#include "match/matcher.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "match/chunker.h"
#include "match/internal/hash_index.h"
#include "match/internal/pack_schema.h"
#include "match/internal/text_records.h"
#include "util/hash.h"
#include "util/sqlite.h"

namespace leakwatch::match {
namespace {

// Bytes examined to decide whether an object is text (record matching) or an image.
constexpr size_t kSniffBytes = 4096;
// A text object has no NUL and at most this share of other control bytes in its head.
constexpr double kMaxControlShare = 0.05;
// Prefilter sizes (match/internal/prefilter.h). Singles are probed for every
// identifier candidate of scanned text: ~1.3% false positives at 10 bits (25 MB for
// 20 M singles). Pairs are probed only around single hits: ~3.3% at 8 bits.
constexpr int kSinglesFilterBitsPerKey = 10;
constexpr int kPairsFilterBitsPerKey = 8;

struct FileInfo {
  uint64_t xxh_high = 0;
  uint64_t xxh_low = 0;
  uint64_t size = 0;
  int64_t file_id = 0;
};

bool LooksLikeText(std::string_view head) {
  size_t control = 0;
  for (const char ch : head) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++control;
  }
  return static_cast<double>(control) <= kMaxControlShare * static_cast<double>(head.size());
}

}  // namespace

struct Matcher::Impl {
  explicit Impl(DatasetKey k) : key(std::move(k)) {}
  PackInfo info;
  DatasetKey key;
  std::vector<FileInfo> files;            // ordered by file_id
  std::vector<uint32_t> files_by_digest;  // indices into files, by (high, low)
  detail::HashIndex<detail::ChunkEntry> chunks;
  detail::HashIndex<detail::RecordEntry> singles;
  detail::HashIndex<detail::RecordEntry> pairs;
  std::unique_ptr<const ImageMatchIndex> images;

  Status LoadFiles(util::Database& db);
  Status LoadChunks(util::Database& db);
  Status LoadRecords(util::Database& db, uint64_t max_entries);
};

Status Matcher::Impl::LoadFiles(util::Database& db) {
  LW_ASSIGN_OR_RETURN(util::Statement st,
                      db.Prepare("SELECT file_id, xxh3_128, size FROM files ORDER BY file_id"));
  while (true) {
    LW_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    const std::string digest = st.ColumnBlob(1);
    if (digest.size() != 16) return Status::Corruption(db.path().string() + ": bad file digest");
    FileInfo f;
    f.file_id = st.ColumnInt(0);
    f.xxh_high = 0;
    f.xxh_low = 0;
    for (int i = 0; i < 8; ++i) {
      f.xxh_high = (f.xxh_high << 8) | static_cast<unsigned char>(digest[static_cast<size_t>(i)]);
      f.xxh_low = (f.xxh_low << 8) | static_cast<unsigned char>(digest[static_cast<size_t>(8 + i)]);
    }
    const int64_t size = st.ColumnInt(2);
    if (size < 0) return Status::Corruption(db.path().string() + ": negative file size");
    f.size = static_cast<uint64_t>(size);
    files.push_back(f);
  }
  if (files.size() > UINT32_MAX) return Status::Corruption("too many files in pack");
  files_by_digest.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i) files_by_digest[i] = static_cast<uint32_t>(i);
  std::sort(files_by_digest.begin(), files_by_digest.end(), [&](uint32_t a, uint32_t b) {
    return std::tie(files[a].xxh_high, files[a].xxh_low) <
           std::tie(files[b].xxh_high, files[b].xxh_low);
  });
  return Status::Ok();
}

Status Matcher::Impl::LoadChunks(util::Database& db) {
  LW_ASSIGN_OR_RETURN(util::Statement st,
                      db.Prepare("SELECT file_id, count, data FROM chunks ORDER BY file_id, seq"));
  std::vector<detail::ChunkEntry> entries;
  entries.reserve(info.chunk_count);
  size_t cursor = 0;
  while (true) {
    LW_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    const int64_t file_id = st.ColumnInt(0);
    const int64_t count = st.ColumnInt(1);
    const std::string data = st.ColumnBlob(2);
    if (count < 0 || data.size() != static_cast<uint64_t>(count) * detail::kChunkEntryBytes) {
      return Status::Corruption(db.path().string() + ": chunk row of file " +
                                std::to_string(file_id) + " is damaged");
    }
    while (cursor < files.size() && files[cursor].file_id < file_id) ++cursor;
    if (cursor == files.size() || files[cursor].file_id != file_id) {
      return Status::Corruption(db.path().string() + ": chunks of unknown file " +
                                std::to_string(file_id));
    }
    for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
      const char* p = data.data() + i * detail::kChunkEntryBytes;
      entries.push_back({detail::LoadLe(p, 8), static_cast<uint32_t>(cursor),
                         static_cast<uint32_t>(detail::LoadLe(p + 8, 4))});
    }
  }
  chunks.Build(std::move(entries));
  return Status::Ok();
}

Status Matcher::Impl::LoadRecords(util::Database& db, uint64_t max_entries) {
  // Version 3 packs store each kind's batches in ascending hash order (batch_id
  // order): loading is a copy. Older packs are sorted here.
  const bool presorted = info.format_version >= detail::kFirstPresortedRecordsVersion;
  LW_ASSIGN_OR_RETURN(util::Statement st,
                      db.Prepare("SELECT kind, count, data FROM records ORDER BY batch_id"));
  std::vector<detail::RecordEntry> single_entries, pair_entries;
  single_entries.reserve(std::min(info.single_hash_count, max_entries));
  pair_entries.reserve(std::min(info.pair_hash_count, max_entries));
  while (true) {
    LW_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    const int64_t kind = st.ColumnInt(0);
    const int64_t count = st.ColumnInt(1);
    const std::string data = st.ColumnBlob(2);
    if (count < 0 || data.size() != static_cast<uint64_t>(count) * detail::kRecordEntryBytes ||
        (kind != detail::kRecordKindSingle && kind != detail::kRecordKindPair)) {
      return Status::Corruption(db.path().string() + ": a records batch is damaged");
    }
    auto& out = kind == detail::kRecordKindSingle ? single_entries : pair_entries;
    if constexpr (std::endian::native == std::endian::little &&
                  sizeof(detail::RecordEntry) == detail::kRecordEntryBytes) {
      // The blob layout (u64 hash, u32 record id, little endian) is the entry's.
      const size_t old_size = out.size();
      out.resize(old_size + static_cast<size_t>(count));
      std::memcpy(static_cast<void*>(out.data() + old_size), data.data(), data.size());
    } else {
      for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
        const char* p = data.data() + i * detail::kRecordEntryBytes;
        out.push_back({detail::LoadLe(p, 8), static_cast<uint32_t>(detail::LoadLe(p + 8, 4))});
      }
    }
  }
  if (!presorted) {
    singles.Build(std::move(single_entries), kSinglesFilterBitsPerKey);
    pairs.Build(std::move(pair_entries), kPairsFilterBitsPerKey);
    return Status::Ok();
  }
  if (!singles.BuildSorted(std::move(single_entries), kSinglesFilterBitsPerKey) ||
      !pairs.BuildSorted(std::move(pair_entries), kPairsFilterBitsPerKey)) {
    return Status::Corruption(db.path().string() +
                              ": record fingerprints are out of order (a damaged version " +
                              std::to_string(info.format_version) + " pack); rebuild the pack");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Matcher>> Matcher::Load(const std::filesystem::path& path, DatasetKey key,
                                               MatcherOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound(path.string() + ": pack file does not exist");
  }
  auto opened = util::Database::Open(path, util::Database::Mode::kReadOnly, /*wal=*/false);
  if (!opened.has_value()) {
    return Status::Corruption(path.string() + ": not a leakwatch fingerprint pack (" +
                              opened.error().message() + ")");
  }
  util::Database& db = *opened;
  auto impl = std::make_unique<Impl>(std::move(key));
  LW_ASSIGN_OR_RETURN(impl->info, detail::ReadPackHeader(db));
  if (impl->info.key_id != impl->key.key_id()) {
    return Status::InvalidArgument(path.string() +
                                   ": the pack was built with a different key (pack key id " +
                                   impl->info.key_id + ", key file id " + impl->key.key_id() +
                                   "); use the key file the pack was built with");
  }
  auto with_context = [&](Status s) { return s.ok() ? s : s.WithContext(path.string()); };
  LW_RETURN_IF_ERROR(with_context(impl->LoadFiles(db)));
  LW_RETURN_IF_ERROR(with_context(impl->LoadChunks(db)));
  // No pack holds more record entries than its bytes can: caps reservations on a
  // header that lies.
  const uint64_t max_entries = std::filesystem::file_size(path, ec) / detail::kRecordEntryBytes;
  LW_RETURN_IF_ERROR(with_context(impl->LoadRecords(db, max_entries)));
  if (options.image_index_loader) {
    LW_ASSIGN_OR_RETURN(impl->images, options.image_index_loader(db));
  }
  return std::unique_ptr<Matcher>(new Matcher(std::move(impl)));
}

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

const PackInfo& Matcher::info() const { return impl_->info; }

IndexStats Matcher::stats() const {
  IndexStats s;
  s.files = impl_->files.size();
  s.chunk_fingerprints = impl_->chunks.size();
  s.record_fingerprints = impl_->singles.size() + impl_->pairs.size();
  s.chunk_index_bytes = impl_->chunks.MemoryBytes();
  s.record_index_bytes = impl_->singles.MemoryBytes() + impl_->pairs.MemoryBytes();
  s.file_table_bytes = impl_->files.capacity() * sizeof(FileInfo) +
                       impl_->files_by_digest.capacity() * sizeof(uint32_t);
  return s;
}

// ---- MatchStream -------------------------------------------------------------------

struct MatchStream::State {
  State(const Matcher::Impl& matcher, std::string object_path, const MatchOptions& options)
      : m(matcher),
        path(std::move(object_path)),
        opts(options),
        defer_sha256(options.compute_sha256 && options.sha256_only_with_findings),
        hasher(options.compute_sha256 && !defer_sha256),
        chunker(matcher.info.chunk_params) {}

  const Matcher::Impl& m;
  std::string path;
  MatchOptions opts;
  // sha256_only_with_findings: the object's bytes are kept in `deferred` until the cap,
  // then hashed into `late_sha256` as they stream.
  bool defer_sha256;
  std::string deferred;
  std::unique_ptr<util::Sha256> late_sha256;
  ContentHasher hasher;
  Chunker chunker;
  std::vector<ChunkRef> chunk_buf;
  std::unordered_set<uint64_t> seen_matched_chunks;
  std::unordered_map<uint32_t, uint64_t> coverage;  // file index -> covered bytes
  uint64_t fed = 0;
  bool decided = false;
  std::string head;  // first bytes, held until the object's nature is decided
  std::unique_ptr<detail::TextRecordScanner> text;
  bool image = false;
  std::string image_bytes;
  bool finished = false;

  void MatchChunks() {
    for (const ChunkRef& c : chunk_buf) {
      const auto hits = m.chunks.Find(c.hash);
      if (hits.empty() || !seen_matched_chunks.insert(c.hash).second) continue;
      for (const auto& e : hits) coverage[e.file_index] += e.length;
    }
    chunk_buf.clear();
  }

  void Decide(std::string_view first) {
    decided = true;
    if (m.images && LooksLikeImage(first)) {
      image = true;
      return;
    }
    if (opts.match_records && m.singles.size() > 0 && LooksLikeText(first)) {
      detail::RecordIndexes idx;
      idx.key = &m.key;
      idx.singles = &m.singles;
      idx.pairs = &m.pairs;
      idx.identifier_types = m.info.identifier_types;
      idx.corroborating_types = m.info.corroborating_types;
      detail::TextScanParams params;
      params.window_lines = opts.record_window_lines;
      params.window_tokens = opts.record_window_tokens;
      text = std::make_unique<detail::TextRecordScanner>(idx, params);
    }
  }

  void Content(std::string_view bytes) {
    if (text) text->Feed(bytes);
    if (image) {
      if (image_bytes.size() + bytes.size() > kMaxImageBytesForHashing) {
        image = false;
        std::string().swap(image_bytes);
      } else {
        image_bytes.append(bytes);
      }
    }
  }

  void Feed(std::string_view bytes) {
    fed += bytes.size();
    hasher.Update(bytes);
    if (defer_sha256) Defer(bytes);
    chunker.Feed(bytes, chunk_buf);
    MatchChunks();
    if (!decided) {
      const size_t take = std::min(bytes.size(), kSniffBytes - head.size());
      head.append(bytes.substr(0, take));
      if (head.size() < kSniffBytes) return;
      Decide(head);
      Content(head);
      std::string().swap(head);
      Content(bytes.substr(take));
      return;
    }
    Content(bytes);
  }

  void Defer(std::string_view bytes) {
    if (!late_sha256 && deferred.size() + bytes.size() <= opts.sha256_deferred_max_bytes) {
      deferred.append(bytes);
      return;
    }
    if (!late_sha256) {
      late_sha256 = std::make_unique<util::Sha256>();
      late_sha256->Update(deferred);
      std::string().swap(deferred);
    }
    late_sha256->Update(bytes);
  }

  MatchResult Finish();
};

MatchResult MatchStream::State::Finish() {
  MatchResult result;
  if (!decided) {
    Decide(head);
    Content(head);
  }
  chunker.Finish(chunk_buf);
  MatchChunks();
  const ContentDigest digest = hasher.Finish();
  result.size = digest.size;
  if (opts.compute_sha256 && !defer_sha256) {
    result.sha256 = util::HexEncode(digest.sha256.data(), digest.sha256.size());
  }
  // exact
  std::unordered_set<uint32_t> exact_files;
  auto lower = std::lower_bound(m.files_by_digest.begin(), m.files_by_digest.end(), digest,
                                [&](uint32_t i, const ContentDigest& d) {
                                  return std::tie(m.files[i].xxh_high, m.files[i].xxh_low) <
                                         std::tie(d.xxh128_high, d.xxh128_low);
                                });
  Finding exact;
  exact.kind = FindingKind::kExact;
  exact.score = 1.0;
  for (auto it = lower; it != m.files_by_digest.end(); ++it) {
    const FileInfo& f = m.files[*it];
    if (f.xxh_high != digest.xxh128_high || f.xxh_low != digest.xxh128_low) break;
    if (f.size != digest.size) continue;
    exact_files.insert(*it);
    if (exact.dataset_refs.size() < kMaxRefsPerFinding)
      exact.dataset_refs.push_back(FileRef(f.file_id));
    exact.matched_bytes = f.size;
  }
  if (!exact_files.empty()) result.findings.push_back(std::move(exact));
  // partial
  std::vector<std::pair<uint32_t, uint64_t>> partial(coverage.begin(), coverage.end());
  std::sort(partial.begin(), partial.end(), [&](const auto& a, const auto& b) {
    return m.files[a.first].file_id < m.files[b.first].file_id;
  });
  for (const auto& [file_index, covered] : partial) {
    if (exact_files.count(file_index) != 0) continue;
    const FileInfo& f = m.files[file_index];
    const double score =
        f.size == 0 ? 0.0
                    : std::min(1.0, static_cast<double>(covered) / static_cast<double>(f.size));
    if (score <= opts.min_partial_coverage) continue;
    Finding p;
    p.kind = FindingKind::kPartial;
    p.score = score;
    p.matched_bytes = std::min(covered, f.size);
    p.dataset_refs.push_back(FileRef(f.file_id));
    result.findings.push_back(std::move(p));
  }
  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     if (a.kind != b.kind) return a.kind < b.kind;  // exact before partial
                     return a.score > b.score;
                   });
  // records
  if (text) {
    detail::TextScanResult r = text->Finish();
    const uint64_t corroborated = r.corroborated_records.size();
    if (corroborated > 0 || r.distinct_single_values >= opts.min_single_hits_for_low_confidence) {
      Finding f;
      f.kind = FindingKind::kRecords;
      f.score = static_cast<double>(corroborated);
      f.confidence = corroborated > 0 ? Confidence::kHigh : Confidence::kLow;
      f.single_hits = r.distinct_single_values;
      for (size_t i = 0; i < r.corroborated_records.size() && i < kMaxRefsPerFinding; ++i) {
        f.dataset_refs.push_back(RecordRef(r.corroborated_records[i]));
      }
      f.record_ids = std::move(r.corroborated_records);
      result.findings.push_back(std::move(f));
    }
  }
  // images (hook, issue 7); an exact copy is already the strongest finding
  if (image && m.images && !image_bytes.empty() && exact_files.empty()) {
    m.images->MatchImage(image_bytes, result.findings, result.anomalies);
  }
  if (defer_sha256 && !result.findings.empty()) {
    if (late_sha256) {
      const util::Sha256Digest d = late_sha256->Finish();
      result.sha256 = util::HexEncode(d.data(), d.size());
    } else {
      result.sha256 = util::Sha256Hex(deferred);
    }
  }
  for (Finding& f : result.findings) {
    f.path = path;
    f.sha256 = result.sha256;
    f.size = result.size;
  }
  for (Anomaly& a : result.anomalies) {
    if (a.path.empty()) a.path = path;
  }
  return result;
}

MatchStream::MatchStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
MatchStream::~MatchStream() = default;

void MatchStream::Feed(std::string_view bytes) {
  if (!state_->finished) state_->Feed(bytes);
}

MatchResult MatchStream::Finish() {
  if (state_->finished) return {};
  state_->finished = true;
  return state_->Finish();
}

uint64_t MatchStream::bytes_fed() const { return state_->fed; }

std::unique_ptr<MatchStream> Matcher::NewStream(std::string path,
                                                const MatchOptions& options) const {
  return std::unique_ptr<MatchStream>(
      new MatchStream(std::make_unique<MatchStream::State>(*impl_, std::move(path), options)));
}

MatchResult Matcher::MatchBytes(std::string path, std::string_view bytes,
                                const MatchOptions& options) const {
  auto stream = NewStream(std::move(path), options);
  stream->Feed(bytes);
  return stream->Finish();
}

}  // namespace leakwatch::match
