// JSON directory indexes, read with nlohmann's SAX interface so a 100,000-entry index
// is never held as a DOM (parsers/internal/dir_listing.h).
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "parsers/internal/dir_listing.h"

namespace leakwatch::parsers::detail {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxNameBytes = 4096;

// Characters a name may keep raw in a relative reference; everything else, including
// '%', '?', '#' and '/', is percent-encoded so the name stays one path segment.
bool KeepRaw(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '!' || c == '$' || c == '&' || c == '\'' ||
         c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' || c == '=' ||
         c == '@';
}

std::string EncodeSegment(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (KeepRaw(byte)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  // "." and ".." would be dot segments: encode their dots.
  if (out == "." || out == "..") {
    std::string dots;
    for (size_t i = 0; i < out.size(); ++i) dots += "%2E";
    return dots;
  }
  return out;
}

class IndexHandler {
 public:
  IndexHandler(const EntryVisitor& visit, ScanStats& stats) : visit_(visit), stats_(stats) {}

  bool null() { return true; }
  bool boolean(bool value) {
    if (InEntry() && key_ == "is_dir") is_dir_ = value;
    return true;
  }
  bool number_integer(Json::number_integer_t value) {
    if (InEntry() && key_ == "size") {
      if (value < 0) {
        bad_size_text_ = std::to_string(value);
      } else {
        size_ = static_cast<uint64_t>(value);
      }
    }
    return true;
  }
  bool number_unsigned(Json::number_unsigned_t value) {
    if (InEntry() && key_ == "size") size_ = value;
    return true;
  }
  bool number_float(Json::number_float_t value, const Json::string_t& text) {
    constexpr double kMaxExactSize = 1.8e19;
    if (InEntry() && key_ == "size") {
      if (std::isfinite(value) && value >= 0 && value < kMaxExactSize) {
        size_ = static_cast<uint64_t>(value);
      } else {
        bad_size_text_ = text.substr(0, 64);
      }
    }
    return true;
  }
  bool string(Json::string_t& value) {
    if (!InEntry()) return true;
    if (key_ == "name") {
      entry_.display = value.substr(0, kMaxNameBytes);
      has_name_ = true;
    } else if (key_ == "url") {
      url_ = value.substr(0, kMaxNameBytes * 3);
    } else if (key_ == "type") {
      is_dir_ = value == "directory";
    } else if (key_ == "mtime" || key_ == "mod_time") {
      entry_.time_text = value.substr(0, 64);
      entry_.time_utc = ParseListingTime(entry_.time_text);
    } else if (key_ == "size") {
      bad_size_text_ = value.substr(0, 64);
    }
    return true;
  }
  bool binary(Json::binary_t& /*value*/) { return true; }
  bool start_object(size_t /*elements*/) {
    ++depth_;
    if (depth_ == 2 && top_is_array_) entry_ = RawEntry();
    return true;
  }
  bool key(Json::string_t& value) {
    if (depth_ == 2) key_ = value.substr(0, 16);
    return true;
  }
  bool end_object() {
    if (depth_ == 2 && top_is_array_) {
      if (!Emit()) return false;
    }
    --depth_;
    key_.clear();
    return true;
  }
  bool start_array(size_t /*elements*/) {
    if (depth_ == 0) top_is_array_ = true;
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*error*/) {
    stats_.json_error = "malformed JSON index at byte " + std::to_string(position);
    return false;
  }

 private:
  bool InEntry() const { return depth_ == 2 && top_is_array_; }

  bool Emit() {
    const bool ok = has_name_ && !entry_.display.empty();
    if (ok) {
      entry_.directory_marker = is_dir_;
      if (!url_.empty()) {
        entry_.href = url_;
      } else {
        entry_.href = EncodeSegment(entry_.display) + (is_dir_ ? "/" : "");
      }
      if (!is_dir_ && size_) {
        entry_.size_bytes = size_;
        entry_.size_text = std::to_string(*size_);
      } else if (!is_dir_ && !bad_size_text_.empty()) {
        entry_.bad_size = true;
        entry_.size_text = bad_size_text_;
      }
      ++stats_.rows;
    }
    has_name_ = false;
    is_dir_ = false;
    size_.reset();
    bad_size_text_.clear();
    url_.clear();
    if (ok && !visit_(entry_)) {
      stopped_ = true;
      return false;
    }
    return true;
  }

  const EntryVisitor& visit_;
  ScanStats& stats_;
  int depth_ = 0;
  bool top_is_array_ = false;
  bool stopped_ = false;
  std::string key_;
  RawEntry entry_;
  bool has_name_ = false;
  bool is_dir_ = false;
  std::optional<uint64_t> size_;
  std::string bad_size_text_;
  std::string url_;
};

}  // namespace

ScanStats ScanJsonListing(std::string_view json, const EntryVisitor& visit) {
  ScanStats stats;
  IndexHandler handler(visit, stats);
  try {
    Json::sax_parse(json.begin(), json.end(), &handler, Json::input_format_t::json, true, true);
  } catch (const std::exception& error) {
    stats.json_error = std::string("malformed JSON index: ") + error.what();
  }
  return stats;
}

}  // namespace leakwatch::parsers::detail
