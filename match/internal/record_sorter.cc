#include "match/internal/record_sorter.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>

namespace leakwatch::match::detail {
namespace {

bool EntryLess(const RecordEntry& a, const RecordEntry& b) {
  return a.hash != b.hash ? a.hash < b.hash : a.record_id < b.record_id;
}

// Spill files hold entries in memory layout; they never outlive the build that wrote
// them on the same machine, so no byte-order conversion is needed.
constexpr size_t kEntryBytes = sizeof(RecordEntry);

}  // namespace

RecordSorter::RecordSorter(std::filesystem::path spill_path, size_t run_entries)
    : spill_path_(std::move(spill_path)), run_entries_(std::max<size_t>(run_entries, 1)) {}

RecordSorter::~RecordSorter() {
  if (spill_ == nullptr) return;
  std::fclose(spill_);
  std::error_code ec;
  std::filesystem::remove(spill_path_, ec);
}

Status RecordSorter::Add(uint64_t hash, uint32_t record_id) {
  if (buffer_.empty()) buffer_.reserve(std::min<size_t>(run_entries_, 1 << 16));
  buffer_.push_back({hash, record_id});
  ++total_;
  if (buffer_.size() >= run_entries_) return Spill();
  return Status::Ok();
}

Status RecordSorter::Spill() {
  if (spill_ == nullptr) {
    spill_ = std::fopen(spill_path_.c_str(), "w+b");
    if (spill_ == nullptr) {
      return Status::IOError(spill_path_.string() +
                             ": cannot create a temporary sort file: " + std::strerror(errno));
    }
  }
  std::sort(buffer_.begin(), buffer_.end(), EntryLess);
  const size_t written = std::fwrite(buffer_.data(), kEntryBytes, buffer_.size(), spill_);
  runs_.push_back({spilled_, buffer_.size()});
  spilled_ += buffer_.size();
  const bool ok = written == buffer_.size();
  buffer_.clear();
  if (!ok) {
    return Status::IOError(
        spill_path_.string() +
        ": cannot write a temporary sort file (disk full?): " + std::strerror(errno));
  }
  return Status::Ok();
}

Status RecordSorter::Drain(size_t batch_entries,
                           const std::function<Status(std::span<const RecordEntry>)>& emit) {
  batch_entries = std::max<size_t>(batch_entries, 1);
  if (runs_.empty()) {
    std::sort(buffer_.begin(), buffer_.end(), EntryLess);
    for (size_t i = 0; i < buffer_.size(); i += batch_entries) {
      const size_t n = std::min(batch_entries, buffer_.size() - i);
      LW_RETURN_IF_ERROR(emit(std::span<const RecordEntry>(buffer_.data() + i, n)));
    }
    std::vector<RecordEntry>().swap(buffer_);
    return Status::Ok();
  }
  if (!buffer_.empty()) LW_RETURN_IF_ERROR(Spill());
  std::vector<RecordEntry>().swap(buffer_);
  if (std::fflush(spill_) != 0) {
    return Status::IOError(spill_path_.string() + ": cannot flush a temporary sort file");
  }

  // One read buffer per run; a min-heap of the runs' current heads.
  struct Reader {
    uint64_t next;  // next entry offset in the file to read
    uint64_t end;
    std::vector<RecordEntry> buf;
    size_t pos = 0;
  };
  std::vector<Reader> readers;
  readers.reserve(runs_.size());
  for (const Run& r : runs_) readers.push_back({r.first, r.first + r.count, {}, 0});
  auto refill = [&](Reader& rd) -> Status {
    rd.buf.clear();
    rd.pos = 0;
    const uint64_t n = std::min<uint64_t>(kMergeReadEntries, rd.end - rd.next);
    if (n == 0) return Status::Ok();
    rd.buf.resize(n);
    if (::fseeko(spill_, static_cast<off_t>(rd.next * kEntryBytes), SEEK_SET) != 0 ||
        std::fread(rd.buf.data(), kEntryBytes, n, spill_) != n) {
      return Status::IOError(spill_path_.string() + ": cannot read a temporary sort file back");
    }
    rd.next += n;
    return Status::Ok();
  };
  auto greater = [&](size_t a, size_t b) {
    return EntryLess(readers[b].buf[readers[b].pos], readers[a].buf[readers[a].pos]);
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
  for (size_t i = 0; i < readers.size(); ++i) {
    LW_RETURN_IF_ERROR(refill(readers[i]));
    if (!readers[i].buf.empty()) heap.push(i);
  }
  std::vector<RecordEntry> out;
  out.reserve(batch_entries);
  while (!heap.empty()) {
    const size_t i = heap.top();
    heap.pop();
    Reader& rd = readers[i];
    out.push_back(rd.buf[rd.pos++]);
    if (out.size() == batch_entries) {
      LW_RETURN_IF_ERROR(emit(out));
      out.clear();
    }
    if (rd.pos == rd.buf.size()) LW_RETURN_IF_ERROR(refill(rd));
    if (rd.pos < rd.buf.size()) heap.push(i);
  }
  if (!out.empty()) LW_RETURN_IF_ERROR(emit(out));
  return Status::Ok();
}

}  // namespace leakwatch::match::detail
