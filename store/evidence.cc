#include "store/evidence.h"

#include <fstream>
#include <set>

#include "store/internal/warc_format.h"

namespace leakwatch::store {
namespace {

// Run-id collisions (a new database beside an old evidence directory) get a suffix.
constexpr int kNameAttempts = 10;

std::string Where(const std::filesystem::path& file, int64_t offset) {
  return file.string() + " at byte " + std::to_string(offset);
}

// Where the record that ends exactly at `offset` starts, walking the file's records
// from the beginning (the writer puts a response's request record right before it);
// nullopt when no record ends there.
std::optional<std::streamoff> RecordBefore(std::istream& in, std::streamoff offset,
                                           const std::string& where) {
  in.seekg(0);
  std::streamoff start = 0;
  while (start < offset) {
    Result<detail::WarcHead> head = detail::ReadWarcHead(in, where);
    if (!head.has_value()) return std::nullopt;
    const std::streamoff end = start + static_cast<std::streamoff>(head->text.size()) +
                               static_cast<std::streamoff>(head->content_length) +
                               static_cast<std::streamoff>(detail::kWarcRecordEnd.size());
    if (end == offset) return start;
    in.seekg(end);
    start = end;
  }
  return std::nullopt;
}

}  // namespace

EvidenceWriter::EvidenceWriter(std::filesystem::path dir, int64_t run_id)
    : dir_(std::move(dir)), run_id_(run_id) {}

std::filesystem::path EvidenceWriter::file() const {
  return warc_ ? warc_->path() : std::filesystem::path();
}

void EvidenceWriter::SetMaxFileSizeForTesting(uint64_t bytes) {
  max_file_size_for_testing_ = bytes;
  if (warc_) warc_->SetMaxSizeForTesting(bytes);
}

Status EvidenceWriter::Open() {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(dir_, ec);
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  Status last;
  for (int attempt = 1; attempt <= kNameAttempts; ++attempt) {
    std::string name = "run-" + std::to_string(run_id_);
    if (attempt > 1) name += "." + std::to_string(attempt);
    auto created = WarcWriter::Create(dir / (name + ".warc"), kEvidenceSoftware);
    if (created.has_value()) {
      warc_.emplace(std::move(created).value());
      warc_->SetMaxSizeForTesting(max_file_size_for_testing_);
      return Status::Ok();
    }
    last = created.error();
    if (last.code() != StatusCode::kAlreadyExists) break;
  }
  return last;
}

Result<WarcLocation> EvidenceWriter::Append(const WarcExchange& exchange) {
  if (!enabled()) return Status::Internal("EvidenceWriter::Append with evidence off");
  if (!open_error_.ok()) return open_error_;
  if (!warc_) {
    Status opened = Open();
    if (!opened.ok()) {
      open_error_ = Status::IOError("cannot create the run's evidence file: " + opened.message());
      return open_error_;
    }
  }
  LW_ASSIGN_OR_RETURN(WarcLocation location, warc_->Append(exchange));
  unsynced_ = true;
  return location;
}

Status EvidenceWriter::Sync() {
  if (!unsynced_) return Status::Ok();
  LW_RETURN_IF_ERROR(warc_->Sync());
  unsynced_ = false;
  return Status::Ok();
}

Status CopyEvidence(const std::filesystem::path& file, int64_t offset, std::ostream& out) {
  const std::string where = Where(file, offset);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound(file.string() + ": evidence file missing or unreadable");
  std::error_code ec;
  const auto file_size = static_cast<std::streamoff>(std::filesystem::file_size(file, ec));
  if (ec) return Status::NotFound(file.string() + ": evidence file unreadable: " + ec.message());
  // The records to copy, each checked to lie whole inside the file before any byte of
  // this location is written, so a truncated file never leaves half a record in `out`.
  std::vector<std::pair<std::streamoff, detail::WarcHead>> records;
  auto fits = [&](std::streamoff start, const detail::WarcHead& head) {
    return start + static_cast<std::streamoff>(head.text.size()) +
               static_cast<std::streamoff>(head.content_length) +
               static_cast<std::streamoff>(detail::kWarcRecordEnd.size()) <=
           file_size;
  };
  in.seekg(offset);
  LW_ASSIGN_OR_RETURN(detail::WarcHead response, detail::ReadWarcHead(in, where));
  if (response.type != "response") {
    return Status::Corruption(where + ": expected a response record, found " + response.type);
  }
  if (!fits(offset, response)) return Status::Corruption(where + ": WARC record truncated");
  if (const std::optional<std::streamoff> request_at = RecordBefore(in, offset, where)) {
    in.clear();
    in.seekg(*request_at);
    Result<detail::WarcHead> request = detail::ReadWarcHead(in, where);
    if (request.has_value() && request->type == "request" &&
        request->concurrent_to == response.record_id) {
      records.emplace_back(*request_at, std::move(request).value());
    }
  }
  records.emplace_back(offset, response);
  const std::streamoff metadata_at = offset + static_cast<std::streamoff>(response.text.size()) +
                                     static_cast<std::streamoff>(response.content_length) +
                                     static_cast<std::streamoff>(detail::kWarcRecordEnd.size());
  in.clear();
  in.seekg(metadata_at);
  Result<detail::WarcHead> next = detail::ReadWarcHead(in, where);
  if (next.has_value() && next->type == "metadata" && next->target_uri == response.target_uri &&
      fits(metadata_at, *next)) {
    records.emplace_back(metadata_at, std::move(next).value());
  }
  for (const auto& [start, head] : records) {
    in.clear();
    in.seekg(start + static_cast<std::streamoff>(head.text.size()));
    LW_RETURN_IF_ERROR(detail::CopyWarcRecord(in, head, out, where));
  }
  return Status::Ok();
}

EvidenceExportReport ExportEvidence(const std::vector<Sighting>& sightings, util::TimePoint now,
                                    std::ostream& out) {
  EvidenceExportReport report;
  int64_t cited = 0;
  for (const Sighting& s : sightings) {
    if (s.evidence_warc && s.evidence_warc_offset) ++cited;
  }
  const std::string description = "description: evidence of " + std::to_string(cited) +
                                  " leakwatch sighting(s), exported " + util::FormatRfc3339(now) +
                                  "\r\n";
  out << detail::WarcInfoRecord("leakwatch", description, now, "");
  std::set<std::pair<std::string, int64_t>> done;
  for (const Sighting& s : sightings) {
    if (!s.evidence_warc || !s.evidence_warc_offset) {
      ++report.without_evidence;
      continue;
    }
    if (!done.insert({*s.evidence_warc, *s.evidence_warc_offset}).second) continue;
    Status copied = CopyEvidence(*s.evidence_warc, *s.evidence_warc_offset, out);
    if (copied.ok()) {
      ++report.exported;
    } else {
      report.failures.emplace_back(s.id, std::move(copied));
    }
  }
  return report;
}

}  // namespace leakwatch::store
