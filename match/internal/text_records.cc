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
// Identifier candidates of one line compared for repeats.
constexpr size_t kDedupeWindow = 32;

// Plates and documents: spans longer than this are not tried.
constexpr size_t kMaxCompactIdentifierBytes = 40;

// NormalizeField's plate / document form per byte: uppercase ASCII alphanumerics,
// 0 for the bytes it drops.
constexpr std::array<char, 256> MakeUpperAlnum() {
  std::array<char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) {
    t[static_cast<size_t>(c)] = static_cast<char>(c);
    t[static_cast<size_t>(c + 32)] = static_cast<char>(c);
  }
  return t;
}
constexpr std::array<char, 256> kUpperAlnum = MakeUpperAlnum();

}  // namespace

// Shape tests that keep normalisation and PRF work off tokens that cannot be a value
// of the type.
TextRecordScanner::Shape TextRecordScanner::ShapeOf(FieldType type) {
  switch (type) {
    case FieldType::kPlate:
    case FieldType::kDocument:
      return {true, false, 2, kMaxCompactIdentifierBytes};
    case FieldType::kDateTime:
      return {true, false, 6, 40};
    case FieldType::kName:
      return {false, true, 0, kMaxCandidateBytes};
    case FieldType::kGeneric:
      return {false, false, 0, kMaxCandidateBytes};
  }
  return {false, false, 1, 0};  // never passes
}

size_t UpperAlnumInto(std::string_view bytes, char* out) {
  char* w = out;
  for (const char c : bytes) {
    const char u = kUpperAlnum[static_cast<unsigned char>(c)];
    *w = u;
    w += u != 0 ? 1 : 0;
  }
  return static_cast<size_t>(w - out);
}

TextRecordScanner::TextRecordScanner(const RecordIndexes& indexes, const TextScanParams& params)
    : idx_(indexes), single_prf_(indexes.key->record_subkey_.data()), params_(params) {
  // Plates and documents normalise identically and share one hash space: try that
  // normalisation once per candidate.
  auto& ids = idx_.identifier_types;
  if (std::find(ids.begin(), ids.end(), FieldType::kPlate) != ids.end()) {
    ids.erase(std::remove(ids.begin(), ids.end(), FieldType::kDocument), ids.end());
  }
  identifiers_need_digit_ = !ids.empty() && std::all_of(ids.begin(), ids.end(), [](FieldType t) {
    return t == FieldType::kPlate || t == FieldType::kDocument || t == FieldType::kDateTime;
  });
  if (params_.window_lines * 2 + 1 > kMaxSegmentLines / 2) params_.window_lines = 8;
  for (const FieldType type : ids) shapes_.push_back(ShapeOf(type));
}

TextRecordScanner::Line& TextRecordScanner::OpenLine() {
  if (!line_open_) {
    if (line_count_ == lines_.size()) lines_.emplace_back();
    Line& line = lines_[line_count_];
    line.text.clear();
    line.tokens.clear();
    line.tokenized = false;
    line.has_digit = false;
    line_open_ = true;
  }
  return lines_[line_count_];
}

void TextRecordScanner::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    std::string& text = OpenLine().text;
    const size_t nl = bytes.find('\n');
    const size_t take = nl == std::string_view::npos ? bytes.size() : nl;
    const size_t room = kMaxLineBytes - text.size();
    if (take >= room) {
      text.append(bytes.data(), room);
      bytes.remove_prefix(room);
      EndLine();
      continue;
    }
    text.append(bytes.data(), take);
    if (nl == std::string_view::npos) return;
    bytes.remove_prefix(nl + 1);
    EndLine();
  }
}

void TextRecordScanner::EndLine() {
  const std::string& text = OpenLine().text;
  line_open_ = false;
  const bool blank = std::all_of(text.begin(), text.end(),
                                 [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
  if (blank) {
    ProcessSegment(hit_from_, line_count_);
    line_count_ = 0;
    hit_from_ = 0;
    return;
  }
  ++line_count_;
  if (line_count_ >= kMaxSegmentLines) {
    const size_t w = params_.window_lines;
    ProcessSegment(hit_from_, line_count_ - w);
    // Keep the last 2w lines (w of context, w not yet searched) by swapping them to the
    // front (2w <= 31 < line_count_ - 2w, so the ranges do not overlap); swapping
    // keeps the dropped lines' buffers for reuse, and only 2w lines move.
    const auto keep_from = lines_.begin() + static_cast<std::ptrdiff_t>(line_count_ - 2 * w);
    std::swap_ranges(keep_from, lines_.begin() + static_cast<std::ptrdiff_t>(line_count_),
                     lines_.begin());
    line_count_ = 2 * w;
    hit_from_ = w;
  }
}

TextScanResult TextRecordScanner::Finish() {
  if (line_open_ && !lines_[line_count_].text.empty()) EndLine();
  line_open_ = false;
  ProcessSegment(hit_from_, line_count_);
  line_count_ = 0;
  std::sort(corroborated_.begin(), corroborated_.end());
  corroborated_.erase(std::unique(corroborated_.begin(), corroborated_.end()), corroborated_.end());
  TextScanResult r;
  r.corroborated_records = std::move(corroborated_);
  r.distinct_single_values = single_values_.size();
  return r;
}

void TextRecordScanner::Tokenize(Line& line) {
  line.has_digit = tokenizer_.Tokenize(line.text, line.tokens);
  line.tokenized = true;
}

void TextRecordScanner::ProcessSegment(size_t hit_from, size_t hit_to) {
  if (idx_.singles == nullptr || idx_.singles->size() == 0) return;
  // Pass 1: every candidate's keyed hash, its prefilter block prefetched.
  candidates_.clear();
  for (size_t l = hit_from; l < hit_to && l < line_count_; ++l) GatherIdentifiers(l);
  // Pass 2: the prefilter (now mostly in cache) rejects nearly all of them; the rest
  // are looked up in the index.
  for (const Candidate& c : candidates_) {
    if (idx_.singles->Find(c.hash).empty()) continue;
    single_values_.insert(c.hash);
    const Line& line = lines_[c.line];
    const uint32_t begin = line.tokens[c.token].begin;
    const uint32_t end = line.tokens[c.token + c.gram - 1u].end;
    const std::string_view span(line.text.data() + begin, end - begin);
    if (!NormalizeField(idx_.identifier_types[c.type], span, identifier_)) continue;
    FindPairs(c.line, c.token, identifier_);
  }
  candidates_.clear();
}

void TextRecordScanner::GatherIdentifiers(size_t line_index) {
  Line& line = lines_[line_index];
  // A line without a digit is not tokenized here (FindPairs does it if it needs it).
  if (identifiers_need_digit_ && !line.tokenized && !HasAsciiDigit(line.text)) return;
  if (!line.tokenized) Tokenize(line);
  if (identifiers_need_digit_ && !line.has_digit) return;
  const auto& toks = line.tokens;
  const size_t line_first = candidates_.size();
  auto try_start = [&](size_t t) {
    bool digit = false, alpha = false;
    // The plate / document form of the n-gram, extended token by token: UpperAlnum is
    // byte-wise, so a longer span's form is the shorter one's plus that of its new
    // bytes. The shape test caps such spans at kMaxCompactIdentifierBytes.
    // compact[0] is HashSingle's domain byte, so the PRF runs on the buffer in place.
    unsigned char compact[1 + kMaxCompactIdentifierBytes];
    compact[0] = static_cast<unsigned char>(DatasetKey::kSingleDomain);
    size_t compact_size = 0;
    size_t compact_to = toks[t].begin;  // span bytes already in `compact`
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
      for (size_t k = 0; k < idx_.identifier_types.size(); ++k) {
        const FieldType type = idx_.identifier_types[k];
        const Shape& shape = shapes_[k];
        if ((shape.need_digit && !digit) || (shape.need_alpha && !alpha) ||
            bytes < shape.min_bytes || bytes > shape.max_bytes) {
          continue;
        }
        uint64_t h = 0;
        if (type == FieldType::kPlate || type == FieldType::kDocument) {
          compact_size +=
              UpperAlnumInto(std::string_view(line.text.data() + compact_to, last.end - compact_to),
                             reinterpret_cast<char*>(compact) + 1 + compact_size);
          compact_to = last.end;
          if (compact_size == 0) continue;
          h = single_prf_.Hash(compact, 1 + compact_size);
        } else {
          if (!NormalizeField(type, span, norm_)) continue;
          h = idx_.key->HashSingle(norm_);
        }
        // The same value twice on a line ("AB 123" and "AB123") is looked up once;
        // only recent candidates are compared, so a hostile long line stays linear.
        bool repeated = false;
        const size_t from =
            std::max(line_first, candidates_.size() - std::min(candidates_.size(), kDedupeWindow));
        for (size_t i = from; i < candidates_.size() && !repeated; ++i) {
          repeated = candidates_[i].hash == h;
        }
        if (repeated) continue;
        idx_.singles->Prefetch(h);
        candidates_.push_back({h, static_cast<uint32_t>(line_index), static_cast<uint32_t>(t),
                               static_cast<uint8_t>(g), static_cast<uint8_t>(k)});
      }
    }
  };
  if (!identifiers_need_digit_) {
    for (size_t t = 0; t < toks.size(); ++t) try_start(t);
    return;
  }
  // Only n-grams that reach a digit token can pass the shape test: the starts within
  // an n-gram before each digit token, in order, each once.
  size_t next_start = 0;
  for (size_t d = 0; d < toks.size(); ++d) {
    if (!toks[d].has_digit) continue;
    for (size_t t = std::max(next_start, d + 1 - std::min(d + 1, kMaxIdentifierGram)); t <= d;
         ++t) {
      try_start(t);
    }
    next_start = d + 1;
  }
}

void TextRecordScanner::FindPairs(size_t line_index, size_t token_index,
                                  std::string_view identifier) {
  if (idx_.pairs == nullptr || idx_.pairs->size() == 0) return;
  pair_hashes_.clear();
  const size_t w = params_.window_lines;
  const size_t first = line_index >= w ? line_index - w : 0;
  const size_t last = std::min(line_count_, line_index + w + 1);
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
      previous_norm_.clear();
      for (const FieldType type : idx_.corroborating_types) {
        if (!NormalizeField(type, span, span_norm_) || span_norm_.size() < kMinPairValueBytes) {
          continue;
        }
        // Types often normalise a span alike (a date-time that does not parse falls
        // back to the generic form): hash each distinct form once.
        if (span_norm_ == previous_norm_) continue;
        previous_norm_ = span_norm_;
        const uint64_t h = idx_.key->HashPair(identifier, span_norm_);
        idx_.pairs->Prefetch(h);
        pair_hashes_.push_back(h);
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
  // The same value seen twice in the window is looked up once.
  std::sort(pair_hashes_.begin(), pair_hashes_.end());
  pair_hashes_.erase(std::unique(pair_hashes_.begin(), pair_hashes_.end()), pair_hashes_.end());
  for (const uint64_t h : pair_hashes_) {
    for (const RecordEntry& entry : idx_.pairs->Find(h)) AddCorroborated(entry.record_id);
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
