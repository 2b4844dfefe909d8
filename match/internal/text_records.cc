#include "match/internal/text_records.h"

#include <algorithm>
#include <array>

namespace leakwatch::match::detail {
namespace {

constexpr size_t kMaxIdentifierGram = 3;
constexpr size_t kMaxCorroboratingGram = 4;
constexpr size_t kMaxGramTokenBytes = 4;    // tokens joined into identifier n-grams ("AB 123 CD")
constexpr size_t kMaxCandidateBytes = 128;  // longer spans are not field values
constexpr size_t kLongLineTokens = 64;
constexpr size_t kMaxWholeCellTokens = 12;
constexpr size_t kDedupeThreshold = 1 << 20;

enum CharClass : uint8_t { kToken = 0, kSpace = 1, kStrong = 2, kColon = 3 };

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> c{};
  for (const char ch : std::string_view(" \r\v\f")) c[static_cast<unsigned char>(ch)] = kSpace;
  for (const char ch : std::string_view(",;|\t\"{}[]<>=()")) {
    c[static_cast<unsigned char>(ch)] = kStrong;
  }
  c[static_cast<unsigned char>(':')] = kColon;
  return c;
}
constexpr std::array<uint8_t, 256> kClass = MakeClasses();

bool IsTrimmable(char c) {
  return c == '\'' || c == '.' || c == '!' || c == '?' || c == '`' || c == '*';
}

// Shape tests that keep normalisation and PRF work off tokens that cannot be a value
// of the type.
bool IdentifierShapeOk(FieldType type, bool has_digit, bool has_alpha, size_t bytes) {
  switch (type) {
    case FieldType::kPlate:
    case FieldType::kDocument:
      return has_digit && bytes >= 2 && bytes <= 40;
    case FieldType::kDateTime:
      return has_digit && bytes >= 6 && bytes <= 40;
    case FieldType::kName:
      return has_alpha && bytes <= kMaxCandidateBytes;
    case FieldType::kGeneric:
      return bytes <= kMaxCandidateBytes;
  }
  return false;
}

}  // namespace

TextRecordScanner::TextRecordScanner(const RecordIndexes& indexes, const TextScanParams& params)
    : idx_(indexes), params_(params) {
  // Plates and documents normalise identically and share one hash space: try that
  // normalisation once per candidate.
  auto& ids = idx_.identifier_types;
  if (std::find(ids.begin(), ids.end(), FieldType::kPlate) != ids.end()) {
    ids.erase(std::remove(ids.begin(), ids.end(), FieldType::kDocument), ids.end());
  }
  if (params_.window_lines * 2 + 1 > kMaxSegmentLines / 2) params_.window_lines = 8;
}

void TextRecordScanner::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    const size_t take = nl == std::string_view::npos ? bytes.size() : nl;
    const size_t room = kMaxLineBytes - partial_.size();
    if (take >= room) {
      partial_.append(bytes.substr(0, room));
      bytes.remove_prefix(room);
      EndLine();
      continue;
    }
    partial_.append(bytes.substr(0, take));
    if (nl == std::string_view::npos) return;
    bytes.remove_prefix(nl + 1);
    EndLine();
  }
}

void TextRecordScanner::EndLine() {
  const bool blank = std::all_of(partial_.begin(), partial_.end(),
                                 [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
  if (blank) {
    ProcessSegment(hit_from_, lines_.size());
    lines_.clear();
    hit_from_ = 0;
    partial_.clear();
    return;
  }
  lines_.push_back(Line{std::move(partial_), {}, false});
  partial_.clear();
  if (lines_.size() >= kMaxSegmentLines) {
    const size_t w = params_.window_lines;
    ProcessSegment(hit_from_, lines_.size() - w);
    lines_.erase(lines_.begin(), lines_.end() - static_cast<std::ptrdiff_t>(2 * w));
    hit_from_ = w;
  }
}

TextScanResult TextRecordScanner::Finish() {
  if (!partial_.empty()) EndLine();
  ProcessSegment(hit_from_, lines_.size());
  lines_.clear();
  std::sort(corroborated_.begin(), corroborated_.end());
  corroborated_.erase(std::unique(corroborated_.begin(), corroborated_.end()), corroborated_.end());
  TextScanResult r;
  r.corroborated_records = std::move(corroborated_);
  r.distinct_single_values = single_values_.size();
  return r;
}

void TextRecordScanner::Tokenize(Line& line) const {
  line.tokens.clear();
  const std::string& s = line.text;
  uint16_t cell = 0;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint8_t cls = kClass[c];
    if (cls == kColon) {
      const bool delim = i + 1 >= n || s[i + 1] == ' ' || s[i + 1] == '\t' || s[i + 1] == '"' ||
                         s[i + 1] == '\'' || (i > 0 && s[i - 1] == '"');
      cls = delim ? kStrong : kToken;
    }
    if (cls == kStrong) {
      if (cell < UINT16_MAX) ++cell;
      ++i;
      continue;
    }
    if (cls == kSpace) {
      // Two or more spaces separate the columns of an aligned table.
      size_t j = i;
      while (j < n && kClass[static_cast<unsigned char>(s[j])] == kSpace) ++j;
      if (j - i >= 2 && cell < UINT16_MAX) ++cell;
      i = j;
      continue;
    }
    size_t j = i;
    bool digit = false, alpha = false;
    while (j < n) {
      const auto d = static_cast<unsigned char>(s[j]);
      uint8_t k = kClass[d];
      if (k == kColon) {
        const bool delim = j + 1 >= n || s[j + 1] == ' ' || s[j + 1] == '\t' || s[j + 1] == '"' ||
                           s[j + 1] == '\'';
        k = delim ? kStrong : kToken;
      }
      if (k != kToken) break;
      digit |= d >= '0' && d <= '9';
      alpha |= (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || d >= 0x80;
      ++j;
    }
    size_t b = i, e = j;
    while (b < e && IsTrimmable(s[b])) ++b;
    while (e > b && IsTrimmable(s[e - 1])) --e;
    if (b < e) {
      line.tokens.push_back(
          Token{static_cast<uint32_t>(b), static_cast<uint32_t>(e), cell, digit, alpha});
    }
    i = j;
  }
  line.tokenized = true;
}

void TextRecordScanner::ProcessSegment(size_t hit_from, size_t hit_to) {
  if (idx_.singles == nullptr || idx_.singles->size() == 0) return;
  for (size_t l = hit_from; l < hit_to && l < lines_.size(); ++l) FindIdentifiers(l);
}

void TextRecordScanner::FindIdentifiers(size_t line_index) {
  Line& line = lines_[line_index];
  if (!line.tokenized) Tokenize(line);
  const auto& toks = line.tokens;
  line_identifiers_.clear();
  for (size_t t = 0; t < toks.size(); ++t) {
    bool digit = false, alpha = false;
    for (size_t g = 1; g <= kMaxIdentifierGram && t + g <= toks.size(); ++g) {
      const Token& last = toks[t + g - 1];
      if (last.cell != toks[t].cell) break;
      if (g > 1 && (last.end - last.begin > kMaxGramTokenBytes ||
                    toks[t].end - toks[t].begin > kMaxGramTokenBytes)) {
        break;
      }
      digit |= last.has_digit;
      alpha |= last.has_alpha;
      const size_t bytes = last.end - toks[t].begin;
      const std::string_view span(line.text.data() + toks[t].begin, bytes);
      for (const FieldType type : idx_.identifier_types) {
        if (!IdentifierShapeOk(type, digit, alpha, bytes)) continue;
        if (!NormalizeField(type, span, norm_)) continue;
        if (std::find(line_identifiers_.begin(), line_identifiers_.end(), norm_) !=
            line_identifiers_.end()) {
          continue;
        }
        line_identifiers_.push_back(norm_);
        const uint64_t h = idx_.key->HashSingle(norm_);
        if (idx_.singles->Find(h).empty()) continue;
        single_values_.insert(h);
        const std::string identifier = norm_;
        FindPairs(line_index, t, identifier);
      }
    }
  }
}

void TextRecordScanner::FindPairs(size_t line_index, size_t token_index,
                                  std::string_view identifier) {
  if (idx_.pairs == nullptr || idx_.pairs->size() == 0) return;
  seen_corroborating_.clear();
  const size_t w = params_.window_lines;
  const size_t first = line_index >= w ? line_index - w : 0;
  const size_t last = std::min(lines_.size(), line_index + w + 1);
  for (size_t l = first; l < last; ++l) {
    Line& line = lines_[l];
    if (!line.tokenized) Tokenize(line);
    const auto& toks = line.tokens;
    size_t from = 0, to = toks.size();
    if (toks.size() > kLongLineTokens) {
      if (l != line_index) continue;
      from = token_index >= params_.window_tokens ? token_index - params_.window_tokens : 0;
      to = std::min(toks.size(), token_index + params_.window_tokens + 1);
    }
    auto try_span = [&](size_t b, size_t e) {
      if (e - b > kMaxCandidateBytes) return;
      const std::string_view span(line.text.data() + b, e - b);
      for (const FieldType type : idx_.corroborating_types) {
        if (!NormalizeField(type, span, span_norm_) || span_norm_.size() < kMinPairValueBytes) {
          continue;
        }
        if (!seen_corroborating_.insert(span_norm_).second) continue;
        for (const RecordEntry& entry :
             idx_.pairs->Find(idx_.key->HashPair(identifier, span_norm_))) {
          AddCorroborated(entry.record_id);
        }
      }
    };
    for (size_t t = from; t < to; ++t) {
      size_t g = 1;
      for (; g <= kMaxCorroboratingGram && t + g <= to; ++g) {
        if (toks[t + g - 1].cell != toks[t].cell) break;
        try_span(toks[t].begin, toks[t + g - 1].end);
      }
      // A cell longer than the n-grams (a long name) as a whole.
      const bool cell_start = t == 0 || toks[t - 1].cell != toks[t].cell;
      if (cell_start) {
        size_t e = t;
        while (e < to && toks[e].cell == toks[t].cell) ++e;
        if (e - t > kMaxCorroboratingGram && e - t <= kMaxWholeCellTokens) {
          try_span(toks[t].begin, toks[e - 1].end);
        }
      }
    }
  }
}

void TextRecordScanner::AddCorroborated(uint32_t record_id) {
  corroborated_.push_back(record_id);
  if (corroborated_.size() >= corroborated_unique_ * 2 + kDedupeThreshold) {
    std::sort(corroborated_.begin(), corroborated_.end());
    corroborated_.erase(std::unique(corroborated_.begin(), corroborated_.end()),
                        corroborated_.end());
    corroborated_unique_ = corroborated_.size();
  }
}

}  // namespace leakwatch::match::detail
