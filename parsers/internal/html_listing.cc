// The row scanner for HTML directory listings (parsers/internal/dir_listing.h).
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "parsers/internal/dir_listing.h"
#include "parsers/internal/tag_scanner.h"

namespace leakwatch::parsers::detail {
namespace {

// Caps on what one row may hold; a hostile row cannot grow them.
constexpr size_t kMaxDisplayBytes = 4096;
constexpr size_t kMaxRowTextBytes = 1024;
constexpr size_t kMaxTitleBytes = 2048;

void AppendCapped(std::string& out, std::string_view text, size_t cap) {
  if (out.size() >= cap) return;
  out.append(text.substr(0, cap - out.size()));
}

// Splits row text into tokens at ASCII whitespace and U+00A0.
std::vector<std::string_view> Tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    const auto separator_at = [&text](size_t i) -> size_t {
      const char c = text[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') return 1;
      if (c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0') return 2;
      return 0;
    };
    if (const size_t skip = separator_at(pos); skip > 0) {
      pos += skip;
      continue;
    }
    const size_t start = pos;
    while (pos < text.size() && separator_at(pos) == 0) ++pos;
    tokens.push_back(text.substr(start, pos - start));
  }
  return tokens;
}

bool StartsLikeNumber(std::string_view token) {
  return !token.empty() && ((token[0] >= '0' && token[0] <= '9') || token[0] == '-' ||
                            token[0] == '+' || token[0] == '.');
}

// Reads time and size from what a row shows besides its anchor.
void InterpretRow(std::string_view text, RawEntry& entry) {
  const std::vector<std::string_view> tokens = Tokens(text);
  std::vector<bool> used(tokens.size(), false);
  if (entry.time_text.empty()) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string candidate(tokens[i]);
      if (i + 1 < tokens.size()) candidate += " " + std::string(tokens[i + 1]);
      std::optional<int64_t> time;
      const bool date_shaped = (tokens[i].size() == 10 || tokens[i].size() == 11) &&
                               tokens[i].find('-') != std::string_view::npos;
      if (date_shaped) time = ParseListingTime(candidate);
      if (!time) continue;
      used[i] = true;
      entry.time_text = std::string(tokens[i]);
      if (i + 1 < tokens.size() && tokens[i + 1].find(':') != std::string_view::npos) {
        used[i + 1] = true;
        entry.time_text = candidate;
      }
      entry.time_utc = time;
      break;
    }
  }
  std::string_view garbage;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (used[i]) continue;
    std::string candidate(tokens[i]);
    ParsedSize size;
    if (i + 1 < tokens.size() && !used[i + 1]) {
      // "1.2 KiB", "4.5 MB": a number and its unit as two tokens.
      std::string joined = candidate + " " + std::string(tokens[i + 1]);
      size = ParseSizeText(joined);
      if (size.kind == ParsedSize::Kind::kBytes || size.overflow) candidate = std::move(joined);
    }
    if (size.kind != ParsedSize::Kind::kBytes && !size.overflow) size = ParseSizeText(candidate);
    if (size.kind == ParsedSize::Kind::kDirectory) {
      entry.directory_marker = true;
      break;
    }
    if (size.kind == ParsedSize::Kind::kBytes) {
      entry.size_text = candidate;
      if (!entry.size_bytes) entry.size_bytes = size.bytes;
      return;
    }
    if (size.overflow) {
      garbage = tokens[i];
      break;
    }
    if (garbage.empty() && StartsLikeNumber(tokens[i])) garbage = tokens[i];
  }
  if (!garbage.empty() && !entry.directory_marker && !entry.size_bytes) {
    entry.bad_size = true;
    entry.size_text = std::string(garbage.substr(0, 64));
  }
}

class RowScanner {
 public:
  RowScanner(std::string_view html, const EntryVisitor& visit) : scanner_(html), visit_(visit) {}

  ScanStats Run() {
    for (;;) {
      const TagScanner::Token token = scanner_.Next();
      if (token == TagScanner::Token::kEnd || stopped_) break;
      if (token == TagScanner::Token::kText) {
        OnText(scanner_.text());
      } else {
        OnTag(scanner_.tag());
      }
    }
    if (!stopped_) Flush();
    return std::move(stats_);
  }

 private:
  bool InRow() const { return pre_depth_ > 0 || (in_tr_ && in_td_) || in_li_; }
  bool InPreRow() const { return pre_depth_ > 0 && !in_tr_; }

  void OnTag(const Tag& tag) {
    const std::string& name = tag.name;
    if (name == "a") {
      tag.end ? void(in_anchor_ = false) : OnAnchor(tag);
    } else if (name == "pre") {
      Flush();
      if (tag.end) {
        if (pre_depth_ > 0) --pre_depth_;
      } else {
        ++pre_depth_;
      }
    } else if (name == "tr") {
      Flush();
      in_tr_ = !tag.end;
      in_td_ = false;
    } else if (name == "td" || name == "th") {
      in_td_ = !tag.end && name == "td";
      if (!tag.end && has_entry_) {
        row_text_.push_back('\t');
        if (const std::string* order = tag.Attribute("data-order")) data_order_ = *order;
      }
    } else if (name == "li") {
      Flush();
      in_li_ = !tag.end;
    } else if (name == "time") {
      const std::string* datetime = tag.end ? nullptr : tag.Attribute("datetime");
      if (datetime != nullptr && has_entry_) datetime_ = *datetime;
    } else if (name == "title") {
      in_title_ = !tag.end;
    } else if (name == "hr" || name == "table" || name == "ul" || name == "ol" || name == "body") {
      Flush();
      if (name != "hr" && tag.end) in_tr_ = in_td_ = in_li_ = false;
    }
  }

  void OnAnchor(const Tag& tag) {
    in_anchor_ = false;
    if (!InRow()) return;
    const std::string* href = tag.Attribute("href");
    if (has_entry_) {
      if (href != nullptr && *href == entry_.href) {
        in_anchor_ = true;  // Apache's IconsAreLinks: icon and name link to the same href
        return;
      }
      if (!InPreRow()) return;  // a second link in a table row or list item is not an entry
      Flush();
    }
    if (href == nullptr) {
      ++stats_.anchors_without_href;
      return;
    }
    has_entry_ = true;
    in_anchor_ = true;
    entry_.href = *href;
  }

  void OnText(std::string_view raw) {
    if (in_title_) {
      AppendCapped(stats_.title, DecodeCharacterReferences(raw.substr(0, kMaxTitleBytes)),
                   kMaxTitleBytes);
      return;
    }
    if (!has_entry_) return;
    if (in_anchor_) {
      AppendCapped(entry_.display, DecodeCharacterReferences(raw.substr(0, kMaxDisplayBytes)),
                   kMaxDisplayBytes);
      return;
    }
    if (InPreRow()) {
      const size_t newline = raw.find('\n');
      if (newline != std::string_view::npos) {
        AppendCapped(row_text_,
                     DecodeCharacterReferences(raw.substr(0, std::min(newline, kMaxRowTextBytes))),
                     kMaxRowTextBytes);
        Flush();
        return;
      }
    }
    AppendCapped(row_text_, DecodeCharacterReferences(raw.substr(0, kMaxRowTextBytes)),
                 kMaxRowTextBytes);
    row_text_.push_back(' ');
  }

  void Flush() {
    in_anchor_ = false;
    if (!has_entry_ || stopped_) return;
    if (!datetime_.empty()) {
      entry_.time_text = datetime_.substr(0, kMaxRowTextBytes);
      entry_.time_utc = ParseListingTime(datetime_);
    }
    int64_t order = 0;
    const char* end = data_order_.data() + data_order_.size();
    if (!data_order_.empty() && std::from_chars(data_order_.data(), end, order).ptr == end) {
      if (order < 0) {
        entry_.directory_marker = true;
      } else {
        entry_.size_bytes = static_cast<uint64_t>(order);
      }
    }
    InterpretRow(row_text_, entry_);
    ++stats_.rows;
    if (!visit_(entry_)) stopped_ = true;
    entry_ = RawEntry();
    row_text_.clear();
    data_order_.clear();
    datetime_.clear();
    has_entry_ = false;
  }

  TagScanner scanner_;
  const EntryVisitor& visit_;
  ScanStats stats_;
  int pre_depth_ = 0;
  bool in_tr_ = false;
  bool in_td_ = false;
  bool in_li_ = false;
  bool in_title_ = false;
  bool in_anchor_ = false;
  bool has_entry_ = false;
  bool stopped_ = false;
  RawEntry entry_;
  std::string row_text_;
  std::string data_order_;
  std::string datetime_;
};

}  // namespace

ScanStats ScanHtmlListing(std::string_view html, const EntryVisitor& visit) {
  return RowScanner(html, visit).Run();
}

}  // namespace leakwatch::parsers::detail
