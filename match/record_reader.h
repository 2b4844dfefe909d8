// match/record_reader: streaming reader of record exports (CSV with a header row,
// TSV with a header row, JSON Lines), used by the pack builder.
//
// Streams the file in fixed-size blocks: memory is bounded by the longest record,
// itself capped (kMaxRecordBytes). Thread safety: one thread per reader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::match {

enum class RecordFormat { kCsv, kTsv, kJsonLines };

// A record longer than this is skipped and counted as malformed.
inline constexpr size_t kMaxRecordBytes = 1 << 20;

class RecordReader {
 public:
  // Opens `path` and selects the columns named in `wanted` (the returned fields
  // follow that order). The format comes from the extension (.csv, .tsv/.tab,
  // .jsonl/.ndjson/.json), else from the first byte ('{' = JSON Lines, a tab in the
  // first line = TSV, else CSV). Errors: IOError, InvalidArgument when a CSV/TSV
  // header lacks a wanted column (the message lists the columns found).
  static Result<std::unique_ptr<RecordReader>> Open(const std::filesystem::path& path,
                                                    std::vector<std::string> wanted);

  // Reads the next record into `fields` (one entry per wanted column, empty when
  // absent). Returns false at end of file. Malformed lines (bad JSON, overlong) are
  // skipped and counted in malformed().
  Result<bool> Next(std::vector<std::string>& fields);

  RecordFormat format() const { return format_; }
  uint64_t malformed() const { return malformed_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  RecordReader() = default;
  // Reads one physical line (without the newline) into `line`; false at EOF.
  bool ReadLine(std::string& line, bool& overlong);
  // Reads one CSV record honouring quotes across lines.
  bool ReadCsvRecord(char delimiter, std::vector<std::string>& cells, bool& overlong);

  std::ifstream in_;
  std::filesystem::path path_;
  RecordFormat format_ = RecordFormat::kCsv;
  std::vector<std::string> wanted_;
  std::vector<int> column_index_;  // CSV/TSV: index of each wanted column
  std::vector<std::string> cells_;
  std::string line_;
  uint64_t malformed_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace leakwatch::match
