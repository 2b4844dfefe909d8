#include "match/builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include "match/internal/pack_schema.h"
#include "match/internal/record_sorter.h"
#include "match/record_reader.h"
#include "util/sqlite.h"

namespace leakwatch::match {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadBlockBytes = 1 << 20;
constexpr size_t kChunksPerRow = 4096;
// Version 3 record batches: ascending hashes, 16 Ki entries (192 KiB) per blob.
constexpr size_t kRecordEntriesPerBatch = 16 * 1024;
// Record hashes held in memory per kind before a sorted run is spilled (24 MiB).
constexpr size_t kRecordSortRunEntries = 2 * 1024 * 1024;
constexpr size_t kFilesPerTransaction = 256;
constexpr size_t kBatchesPerTransaction = 128;
constexpr size_t kResultQueueCapacity = 16;
constexpr auto kProgressInterval = std::chrono::milliseconds(200);

struct FileTask {
  fs::path absolute;
  std::string relative;  // generic form, for the keyed path hash only
};

struct FileResult {
  size_t index = 0;
  bool ok = false;
  std::string reason;
  ContentDigest digest;
  std::vector<ChunkRef> chunks;
  std::vector<ImageFingerprint> images;
  bool image_skipped = false;
};

std::string ReasonForErrno(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
      return "permission denied";
    case ENOENT:
      return "vanished during the build";
    case EISDIR:
      return "is a directory";
    case EIO:
      return "read error (I/O)";
    default:
      return std::string("read error (") + std::strerror(err) + ")";
  }
}

// Reads and hashes one file; never throws, failures are reported in the result.
FileResult HashFile(const FileTask& task, size_t index, const ChunkParams& params,
                    const ImageFingerprinter* image_hook) {
  FileResult r;
  r.index = index;
  const int fd = ::open(task.absolute.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    r.reason = errno == ELOOP ? "symbolic link" : ReasonForErrno(errno);
    return r;
  }
  ContentHasher hasher;
  Chunker chunker(params);
  std::string block(kReadBlockBytes, '\0');
  std::string image_bytes;
  bool image_candidate = false;
  bool first = true;
  while (true) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      r.reason = ReasonForErrno(errno);
      ::close(fd);
      return r;
    }
    if (n == 0) break;
    const std::string_view piece(block.data(), static_cast<size_t>(n));
    if (first) {
      image_candidate = image_hook != nullptr && LooksLikeImage(piece);
      first = false;
    }
    hasher.Update(piece);
    chunker.Feed(piece, r.chunks);
    if (image_candidate) {
      if (image_bytes.size() + piece.size() > kMaxImageBytesForHashing) {
        image_candidate = false;
        r.image_skipped = true;
        std::string().swap(image_bytes);
      } else {
        image_bytes.append(piece);
      }
    }
  }
  ::close(fd);
  chunker.Finish(r.chunks);
  r.digest = hasher.Finish();
  // Hook: decoded-image hashing (issue 7) — the image fingerprinter sees the whole file.
  if (image_candidate && !image_bytes.empty()) {
    std::string skip_reason;
    auto images = image_hook->Fingerprint(image_bytes, &skip_reason);
    if (images.has_value() && !images->empty()) {
      r.images = std::move(*images);
    } else {
      r.image_skipped = true;
    }
  }
  r.ok = true;
  return r;
}

// A bounded multi-producer queue of hashed files for the single writer.
class ResultQueue {
 public:
  void Push(FileResult r) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < kResultQueueCapacity; });
    items_.push_back(std::move(r));
    not_empty_.notify_one();
  }
  std::optional<FileResult> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || producers_ == 0; });
    if (items_.empty()) return std::nullopt;
    FileResult r = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return r;
  }
  void SetProducers(int n) {
    std::lock_guard lock(mu_);
    producers_ = n;
  }
  void ProducerDone() {
    std::lock_guard lock(mu_);
    --producers_;
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<FileResult> items_;
  int producers_ = 0;
};

std::string RelativeName(const fs::path& file, const fs::path& root) {
  if (!root.empty()) {
    std::error_code ec;
    const fs::path rel = fs::relative(file, root, ec);
    if (!ec && !rel.empty() && *rel.begin() != "..") return rel.generic_string();
  }
  return "records/" + file.filename().generic_string();
}

Result<std::vector<FileTask>> ListFiles(const BuildOptions& options, const fs::path& temp_output,
                                        BuildSummary& summary) {
  std::vector<FileTask> tasks;
  std::set<fs::path> seen;
  std::error_code ec;
  const fs::path out_abs = fs::weakly_canonical(options.output, ec);
  const fs::path tmp_abs = fs::weakly_canonical(temp_output, ec);
  auto add = [&](const fs::path& p) {
    const fs::path canon = fs::weakly_canonical(p, ec);
    if (canon == out_abs || canon == tmp_abs) return;
    if (!seen.insert(canon).second) return;
    tasks.push_back({p, RelativeName(p, options.dataset_dir)});
  };
  if (!options.dataset_dir.empty()) {
    if (!fs::is_directory(options.dataset_dir, ec)) {
      return Status::InvalidArgument(options.dataset_dir.string() + ": dataset is not a directory");
    }
    fs::recursive_directory_iterator it(options.dataset_dir,
                                        fs::directory_options::skip_permission_denied, ec);
    if (ec) return Status::IOError(options.dataset_dir.string() + ": " + ec.message());
    std::vector<fs::path> found;
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        ++summary.skipped_by_reason["unlistable directory"];
        ec.clear();
        continue;
      }
      const auto status = it->symlink_status(ec);
      if (ec) continue;
      if (fs::is_regular_file(status)) found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    for (const auto& p : found) add(p);
  }
  for (const auto& p : options.record_files) add(p);
  return tasks;
}

class PackWriter {
 public:
  explicit PackWriter(util::Database& db) : db_(db) {}

  Status Prepare() {
    LW_ASSIGN_OR_RETURN(insert_file_,
                        db_.Prepare("INSERT INTO files(file_id, xxh3_128, size, sha256, path_hash) "
                                    "VALUES (?, ?, ?, ?, ?)"));
    LW_ASSIGN_OR_RETURN(insert_chunks_,
                        db_.Prepare("INSERT INTO chunks(file_id, seq, first_offset, count, data) "
                                    "VALUES (?, ?, ?, ?, ?)"));
    LW_ASSIGN_OR_RETURN(insert_records_,
                        db_.Prepare("INSERT INTO records(kind, count, data) VALUES (?, ?, ?)"));
    LW_ASSIGN_OR_RETURN(insert_image_,
                        db_.Prepare("INSERT INTO images(file_id, pdq, quality) VALUES (?, ?, ?)"));
    return Status::Ok();
  }

  Status WriteFile(int64_t file_id, const FileResult& r,
                   const std::optional<std::string>& path_hash) {
    const std::string xxh = r.digest.Xxh128Bytes();
    const std::string_view sha(reinterpret_cast<const char*>(r.digest.sha256.data()),
                               r.digest.sha256.size());
    insert_file_->Reset();
    insert_file_->Bind(1, file_id)
        .Bind(2, util::Blob{xxh})
        .Bind(3, static_cast<int64_t>(r.digest.size))
        .Bind(4, util::Blob{sha});
    if (path_hash) {
      insert_file_->Bind(5, util::Blob{*path_hash});
    } else {
      insert_file_->Bind(5, std::nullopt);
    }
    LW_RETURN_IF_ERROR(insert_file_->Run());
    std::string data;
    uint64_t offset = 0;
    for (size_t start = 0, seq = 0; start < r.chunks.size(); start += kChunksPerRow, ++seq) {
      const size_t end = std::min(r.chunks.size(), start + kChunksPerRow);
      data.clear();
      for (size_t i = start; i < end; ++i) {
        detail::AppendLe(r.chunks[i].hash, 8, data);
        detail::AppendLe(r.chunks[i].length, 4, data);
      }
      insert_chunks_->Reset();
      insert_chunks_->Bind(1, file_id)
          .Bind(2, static_cast<int64_t>(seq))
          .Bind(3, static_cast<int64_t>(offset))
          .Bind(4, static_cast<int64_t>(end - start))
          .Bind(5, util::Blob{data});
      LW_RETURN_IF_ERROR(insert_chunks_->Run());
      for (size_t i = start; i < end; ++i) offset += r.chunks[i].length;
    }
    for (const ImageFingerprint& img : r.images) {
      const std::string_view pdq(reinterpret_cast<const char*>(img.pdq.data()), img.pdq.size());
      insert_image_->Reset();
      insert_image_->Bind(1, file_id)
          .Bind(2, util::Blob{pdq})
          .Bind(3, static_cast<int64_t>(img.quality));
      LW_RETURN_IF_ERROR(insert_image_->Run());
    }
    return Status::Ok();
  }

  Status WriteRecordBatch(int kind, size_t count, const std::string& data) {
    insert_records_->Reset();
    insert_records_->Bind(1, static_cast<int64_t>(kind))
        .Bind(2, static_cast<int64_t>(count))
        .Bind(3, util::Blob{data});
    return insert_records_->Run();
  }

 private:
  util::Database& db_;
  std::optional<util::Statement> insert_file_, insert_chunks_, insert_records_, insert_image_;
};

std::vector<FieldType> DistinctTypes(const std::vector<ColumnSpec>& specs) {
  std::vector<FieldType> types;
  for (const auto& s : specs) {
    if (std::find(types.begin(), types.end(), s.type) == types.end()) types.push_back(s.type);
  }
  return types;
}

class ProgressReporter {
 public:
  ProgressReporter(const BuildProgressCallback& cb) : cb_(cb), start_(SteadyClock::now()) {}
  void Report(BuildProgress& p, bool force) {
    if (!cb_) return;
    const auto now = SteadyClock::now();
    if (!force && now - last_ < kProgressInterval) return;
    last_ = now;
    p.elapsed_seconds = std::chrono::duration<double>(now - start_).count();
    cb_(p);
  }
  double Elapsed() const {
    return std::chrono::duration<double>(SteadyClock::now() - start_).count();
  }

 private:
  const BuildProgressCallback& cb_;
  SteadyClock::time_point start_;
  SteadyClock::time_point last_{};
};

Status FsyncFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path.string() + ": cannot reopen pack to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(path.string() + ": fsync failed");
  return Status::Ok();
}

Status BuildFiles(const BuildOptions& options, const DatasetKey& key,
                  const std::vector<FileTask>& tasks, util::Database& db, PackWriter& writer,
                  BuildSummary& summary, ProgressReporter& reporter) {
  BuildProgress progress;
  progress.phase = BuildProgress::Phase::kFiles;
  progress.files_total = tasks.size();
  for (const auto& t : tasks) {
    std::error_code ec;
    const auto size = fs::file_size(t.absolute, ec);
    if (!ec) progress.bytes_total += size;
  }
  ResultQueue queue;
  std::atomic<size_t> next{0};
  const int workers = std::clamp(options.hashing_threads, 1, 64);
  queue.SetProducers(workers);
  std::vector<std::thread> threads;
  std::atomic<bool> stop{false};
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        const size_t i = next.fetch_add(1);
        if (i >= tasks.size()) break;
        queue.Push(HashFile(tasks[i], i, options.chunk_params, options.image_fingerprinter));
      }
      queue.ProducerDone();
    });
  }
  Status status;
  std::optional<util::Transaction> txn;
  size_t in_txn = 0;
  while (auto r = queue.Pop()) {
    if (!status.ok()) continue;  // drain so the workers can finish
    ++progress.files_done;
    if (!r->ok) {
      ++summary.info.skipped_file_count;
      ++summary.skipped_by_reason[r->reason];
      if (summary.skipped_examples.size() < kMaxSkippedExamples) {
        summary.skipped_examples.push_back({tasks[r->index].absolute.string(), r->reason});
      }
      reporter.Report(progress, false);
      continue;
    }
    if (!txn) {
      auto t = util::Transaction::Begin(db);
      if (!t.has_value()) {
        status = t.error();
        stop = true;
        continue;
      }
      txn.emplace(std::move(*t));
    }
    std::optional<std::string> path_hash;
    if (options.store_path_hashes) {
      const auto h = key.HashPath(tasks[r->index].relative);
      path_hash = std::string(reinterpret_cast<const char*>(h.data()), h.size());
    }
    status = writer.WriteFile(static_cast<int64_t>(r->index + 1), *r, path_hash);
    if (!status.ok()) {
      stop = true;
      continue;
    }
    summary.info.file_count++;
    summary.info.total_file_bytes += r->digest.size;
    summary.info.chunk_count += r->chunks.size();
    summary.info.image_count += r->images.size();
    if (r->image_skipped) ++summary.images_skipped;
    progress.bytes_done += r->digest.size;
    if (++in_txn >= kFilesPerTransaction) {
      status = txn->Commit();
      txn.reset();
      in_txn = 0;
      if (!status.ok()) stop = true;
    }
    reporter.Report(progress, false);
  }
  for (auto& t : threads) t.join();
  LW_RETURN_IF_ERROR(status);
  if (txn) LW_RETURN_IF_ERROR(txn->Commit());
  reporter.Report(progress, true);
  return Status::Ok();
}

// Writes one kind's sorted hashes as ascending batches, committing every
// kBatchesPerTransaction batches.
Status WriteSortedRecords(int kind, detail::RecordSorter& sorter, util::Database& db,
                          PackWriter& writer) {
  std::optional<util::Transaction> txn;
  size_t batches = 0;
  std::string data;
  LW_RETURN_IF_ERROR(sorter.Drain(
      kRecordEntriesPerBatch, [&](std::span<const detail::RecordEntry> batch) -> Status {
        if (!txn) {
          LW_ASSIGN_OR_RETURN(util::Transaction t, util::Transaction::Begin(db));
          txn.emplace(std::move(t));
        }
        data.clear();
        data.reserve(batch.size() * detail::kRecordEntryBytes);
        for (const detail::RecordEntry& e : batch) {
          detail::AppendLe(e.hash, 8, data);
          detail::AppendLe(e.record_id, 4, data);
        }
        LW_RETURN_IF_ERROR(writer.WriteRecordBatch(kind, batch.size(), data));
        if (++batches >= kBatchesPerTransaction) {
          LW_RETURN_IF_ERROR(txn->Commit());
          txn.reset();
          batches = 0;
        }
        return Status::Ok();
      }));
  if (txn) LW_RETURN_IF_ERROR(txn->Commit());
  return Status::Ok();
}

// Streams the record exports into two external sorters (singles, pairs), then writes
// both kinds pre-sorted (pack format 3).
Status BuildRecords(const BuildOptions& options, const DatasetKey& key, const fs::path& spill_base,
                    util::Database& db, PackWriter& writer, BuildSummary& summary,
                    ProgressReporter& reporter) {
  if (options.record_files.empty()) return Status::Ok();
  std::vector<std::string> wanted;
  for (const auto& s : options.identifiers) wanted.push_back(s.column);
  for (const auto& s : options.corroborating) wanted.push_back(s.column);
  const size_t n_id = options.identifiers.size();

  detail::RecordSorter singles(spill_base.string() + ".singles", kRecordSortRunEntries);
  detail::RecordSorter pairs(spill_base.string() + ".pairs", kRecordSortRunEntries);
  BuildProgress progress;
  progress.phase = BuildProgress::Phase::kRecords;
  uint32_t record_id = 0;
  std::vector<std::string> fields;
  std::vector<std::string> norm(wanted.size());
  std::vector<bool> has(wanted.size());

  for (const auto& path : options.record_files) {
    LW_ASSIGN_OR_RETURN(auto reader, RecordReader::Open(path, wanted));
    while (true) {
      LW_ASSIGN_OR_RETURN(const bool more, reader->Next(fields));
      if (!more) break;
      bool any_identifier = false;
      for (size_t i = 0; i < wanted.size(); ++i) {
        const FieldType type =
            i < n_id ? options.identifiers[i].type : options.corroborating[i - n_id].type;
        has[i] = NormalizeField(type, fields[i], norm[i]);
        if (i < n_id && has[i]) any_identifier = true;
      }
      if (!any_identifier) {
        ++summary.records_without_identifier;
        continue;
      }
      if (record_id == UINT32_MAX) {
        return Status::TooLarge("more than 4,294,967,294 records: split the dataset");
      }
      ++record_id;
      for (size_t i = 0; i < n_id; ++i) {
        if (!has[i]) continue;
        LW_RETURN_IF_ERROR(singles.Add(key.HashSingle(norm[i]), record_id));
        for (size_t j = n_id; j < wanted.size(); ++j) {
          if (!has[j] || norm[j].size() < kMinPairValueBytes) continue;
          LW_RETURN_IF_ERROR(pairs.Add(key.HashPair(norm[i], norm[j]), record_id));
        }
      }
      progress.records_done = record_id;
      if ((record_id & 0x3FF) == 0) reporter.Report(progress, false);
    }
    summary.malformed_records += reader->malformed();
  }
  LW_RETURN_IF_ERROR(WriteSortedRecords(detail::kRecordKindSingle, singles, db, writer));
  LW_RETURN_IF_ERROR(WriteSortedRecords(detail::kRecordKindPair, pairs, db, writer));
  summary.info.record_count = record_id;
  summary.info.single_hash_count = singles.total();
  summary.info.pair_hash_count = pairs.total();
  reporter.Report(progress, true);
  return Status::Ok();
}

}  // namespace

Result<BuildSummary> BuildPack(const BuildOptions& options, const DatasetKey& key) {
  LW_RETURN_IF_ERROR(options.chunk_params.Validate());
  if (options.dataset_dir.empty() && options.record_files.empty()) {
    return Status::InvalidArgument("nothing to fingerprint: give a dataset directory or records");
  }
  if (!options.record_files.empty() && options.identifiers.empty()) {
    return Status::InvalidArgument(
        "record exports need at least one identifier column (--identifier)");
  }
  if (options.output.empty()) return Status::InvalidArgument("no output pack path");

  BuildSummary summary;
  ProgressReporter reporter(options.progress);
  const fs::path temp = options.output.string() + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(temp, ec);

  BuildProgress listing;
  reporter.Report(listing, true);
  LW_ASSIGN_OR_RETURN(std::vector<FileTask> tasks, ListFiles(options, temp, summary));

  Status status = [&]() -> Status {
    LW_ASSIGN_OR_RETURN(util::Database db,
                        util::Database::Open(temp, util::Database::Mode::kReadWriteCreate, false));
    LW_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"));
    LW_RETURN_IF_ERROR(detail::CreatePackSchema(db));
    PackWriter writer(db);
    LW_RETURN_IF_ERROR(writer.Prepare());
    LW_RETURN_IF_ERROR(BuildFiles(options, key, tasks, db, writer, summary, reporter));
    LW_RETURN_IF_ERROR(BuildRecords(options, key, temp, db, writer, summary, reporter));

    PackInfo& info = summary.info;
    info.format_version = kPackFormatVersion;
    info.tool_version = options.tool_version;
    const util::SystemClock system_clock;
    info.built_at = util::FormatRfc3339((options.clock ? options.clock : &system_clock)->Now());
    info.key_id = key.key_id();
    info.chunk_params = options.chunk_params;
    info.identifier_types = DistinctTypes(options.identifiers);
    info.corroborating_types = DistinctTypes(options.corroborating);
    LW_RETURN_IF_ERROR(detail::WritePackHeader(db, info));
    return Status::Ok();
  }();
  if (status.ok()) status = FsyncFile(temp);
  if (status.ok()) {
    fs::rename(temp, options.output, ec);
    if (ec)
      status = Status::IOError(options.output.string() + ": cannot write pack: " + ec.message());
  }
  if (!status.ok()) {
    fs::remove(temp, ec);
    return status;
  }
  summary.seconds = reporter.Elapsed();
  BuildProgress done;
  done.phase = BuildProgress::Phase::kDone;
  done.files_done = done.files_total = summary.info.file_count + summary.info.skipped_file_count;
  done.bytes_done = done.bytes_total = summary.info.total_file_bytes;
  done.records_done = summary.info.record_count;
  reporter.Report(done, true);
  return summary;
}

}  // namespace leakwatch::match
