#include "match/record_reader.h"

#include <nlohmann/json.hpp>

namespace leakwatch::match {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

Result<std::unique_ptr<RecordReader>> RecordReader::Open(const std::filesystem::path& path,
                                                         std::vector<std::string> wanted) {
  std::unique_ptr<RecordReader> r(new RecordReader());
  r->path_ = path;
  r->wanted_ = std::move(wanted);
  r->in_.open(path, std::ios::binary);
  if (!r->in_) return Status::IOError(path.string() + ": cannot open record export");
  const std::string ext = Lower(path.extension().string());
  if (ext == ".csv") {
    r->format_ = RecordFormat::kCsv;
  } else if (ext == ".tsv" || ext == ".tab") {
    r->format_ = RecordFormat::kTsv;
  } else if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") {
    r->format_ = RecordFormat::kJsonLines;
  } else {
    const int first = r->in_.peek();
    if (first == '{') {
      r->format_ = RecordFormat::kJsonLines;
    } else {
      std::string head;
      std::getline(r->in_, head);
      r->in_.clear();
      r->in_.seekg(0);
      r->format_ = head.find('\t') != std::string::npos ? RecordFormat::kTsv : RecordFormat::kCsv;
    }
  }
  if (r->format_ == RecordFormat::kJsonLines) return r;

  std::vector<std::string> header;
  bool overlong = false;
  const char delim = r->format_ == RecordFormat::kTsv ? '\t' : ',';
  if (!r->ReadCsvRecord(delim, header, overlong) || overlong) {
    return Status::InvalidArgument(path.string() + ": record export has no header row");
  }
  if (!header.empty() && header[0].size() >= 3 && header[0].compare(0, 3, "\xEF\xBB\xBF") == 0) {
    header[0].erase(0, 3);  // UTF-8 byte order mark
  }
  for (const std::string& w : r->wanted_) {
    int found = -1;
    for (size_t i = 0; i < header.size(); ++i) {
      if (Lower(Trim(header[i])) == Lower(w)) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) {
      std::string names;
      for (const auto& h : header) names += (names.empty() ? "" : ", ") + Trim(h);
      return Status::InvalidArgument(path.string() + ": column '" + w +
                                     "' not in the header row (columns: " + names + ")");
    }
    r->column_index_.push_back(found);
  }
  return r;
}

bool RecordReader::ReadLine(std::string& line, bool& overlong) {
  line.clear();
  overlong = false;
  char buf[4096];
  bool any = false;
  while (true) {
    in_.getline(buf, sizeof buf);
    const std::streamsize n = in_.gcount();
    if (n > 0) any = true;
    const bool got_newline = !in_.fail() && !in_.eof();
    size_t len = static_cast<size_t>(n);
    if (got_newline && len > 0) --len;  // gcount counts the consumed '\n'
    bytes_read_ += static_cast<uint64_t>(n);
    if (line.size() + len <= kMaxRecordBytes) {
      line.append(buf, len);
    } else {
      overlong = true;
    }
    if (got_newline) return true;
    if (in_.eof()) return any;
    if (in_.fail()) in_.clear();  // buffer filled before the newline: keep reading
  }
}

bool RecordReader::ReadCsvRecord(char delimiter, std::vector<std::string>& cells, bool& overlong) {
  cells.clear();
  overlong = false;
  bool line_overlong = false;
  if (!ReadLine(line_, line_overlong)) return false;
  overlong = line_overlong;
  std::string cell;
  bool in_quotes = false;
  bool cell_started_quoted = false;
  size_t record_bytes = line_.size();
  while (true) {
    for (size_t i = 0; i < line_.size(); ++i) {
      const char c = line_[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < line_.size() && line_[i + 1] == '"') {
            cell.push_back('"');
            ++i;
          } else {
            in_quotes = false;
          }
        } else {
          cell.push_back(c);
        }
      } else if (c == delimiter) {
        cells.push_back(std::move(cell));
        cell.clear();
        cell_started_quoted = false;
      } else if (c == '"' && delimiter == ',' && cell.empty() && !cell_started_quoted) {
        in_quotes = true;
        cell_started_quoted = true;
      } else if (c != '\r' || i + 1 != line_.size()) {
        cell.push_back(c);
      }
    }
    if (!in_quotes) break;
    // A quoted field continues on the next physical line.
    cell.push_back('\n');
    if (!ReadLine(line_, line_overlong)) break;
    record_bytes += line_.size();
    if (record_bytes > kMaxRecordBytes || line_overlong) {
      overlong = true;
      break;
    }
  }
  cells.push_back(std::move(cell));
  return true;
}

Result<bool> RecordReader::Next(std::vector<std::string>& fields) {
  while (true) {
    fields.assign(wanted_.size(), std::string());
    bool overlong = false;
    if (format_ == RecordFormat::kJsonLines) {
      if (!ReadLine(line_, overlong)) return false;
      if (overlong) {
        ++malformed_;
        continue;
      }
      if (Trim(line_).empty()) continue;
      try {
        const auto j = nlohmann::json::parse(line_);
        if (!j.is_object()) {
          ++malformed_;
          continue;
        }
        for (size_t i = 0; i < wanted_.size(); ++i) {
          const auto it = j.find(wanted_[i]);
          if (it == j.end() || it->is_null()) continue;
          fields[i] = it->is_string() ? it->get<std::string>() : it->dump();
        }
      } catch (const nlohmann::json::exception&) {
        ++malformed_;
        continue;
      }
      return true;
    }
    const char delim = format_ == RecordFormat::kTsv ? '\t' : ',';
    if (!ReadCsvRecord(delim, cells_, overlong)) return false;
    if (overlong) {
      ++malformed_;
      continue;
    }
    if (cells_.size() == 1 && Trim(cells_[0]).empty()) continue;  // blank line
    for (size_t i = 0; i < column_index_.size(); ++i) {
      const auto idx = static_cast<size_t>(column_index_[i]);
      if (idx < cells_.size()) fields[i] = cells_[idx];
    }
    return true;
  }
}

}  // namespace leakwatch::match
