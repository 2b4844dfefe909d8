#include "match/internal/text_records.h"

#include <algorithm>
#include <array>
#include <bit>

namespace leakwatch::match::detail {
namespace {

constexpr size_t kMaxIdentifierGram = 3;
constexpr size_t kMaxCorroboratingGram = 4;
constexpr size_t kMaxGramTokenBytes = 4;    // tokens joined into identifier n-grams ("AB 123 CD")
constexpr size_t kMaxCandidateBytes = 128;  // longer spans are not field values
constexpr size_t kLongLineTokens = 64;
constexpr size_t kMaxWholeCellTokens = 12;
// A hit's window is searched nearest lines first, in these steps (lines from the hit),
// and left once every record its identifier names is corroborated.
constexpr size_t kNearLines = 2;
// How many lookups ahead of the one being done the pipeline loads index slots (and
// half as far, their entries).
constexpr size_t kPipelineAhead = 16;

bool AnyValue(uint16_t /*cell*/, size_t /*type*/) { return true; }

uint64_t HashOf(uint64_t hash) { return hash; }
template <typename T>
uint64_t HashOf(const T& item) {
  return item.hash;
}

// Calls fn(i) for every index of `items` (whose hashes passed the index's filter), with
// the index slots kPipelineAhead items ahead and the entries half as far ahead being
// loaded meanwhile, so the two dependent cache misses of each lookup overlap with
// those of the next lookups without flooding the memory system with loads.
template <typename Entry, typename Item, typename Fn>
void ForEachPipelined(const HashIndex<Entry>& index, const std::vector<Item>& items, Fn&& fn) {
  const size_t n = items.size();
  constexpr size_t kHalf = kPipelineAhead / 2;
  for (size_t i = 0; i < std::min(n, kPipelineAhead); ++i) index.PrefetchSlot(HashOf(items[i]));
  for (size_t i = 0; i < std::min(n, kHalf); ++i) index.PrefetchEntries(HashOf(items[i]));
  for (size_t i = 0; i < n; ++i) {
    if (i + kPipelineAhead < n) index.PrefetchSlot(HashOf(items[i + kPipelineAhead]));
    if (i + kHalf < n) index.PrefetchEntries(HashOf(items[i + kHalf]));
    fn(i);
  }
}
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

void RecordIdSet::Insert(uint32_t id) {
  const size_t p = id >> kPageBits;
  if (p >= pages_.size()) pages_.resize(p + 1);
  if (pages_[p] == nullptr) pages_[p] = std::make_unique<Page>(Page{});
  uint64_t& word = (*pages_[p])[(id & kPageMask) >> 6];
  const uint64_t bit = uint64_t{1} << (id & 63);
  size_ += (word & bit) == 0 ? 1 : 0;
  word |= bit;
}

std::vector<uint32_t> RecordIdSet::Sorted() const {
  std::vector<uint32_t> ids;
  ids.reserve(size_);
  for (size_t p = 0; p < pages_.size(); ++p) {
    if (pages_[p] == nullptr) continue;
    for (size_t i = 0; i < pages_[p]->size(); ++i) {
      for (uint64_t word = (*pages_[p])[i]; word != 0; word &= word - 1) {
        ids.push_back(static_cast<uint32_t>((p << kPageBits) + i * 64 +
                                            static_cast<size_t>(std::countr_zero(word))));
      }
    }
  }
  return ids;
}

IdentifierTable::Slot* IdentifierTable::Probe(uint64_t hash) {
  const size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(hash) & mask;; i = (i + 1) & mask) {
    if (slots_[i].hash == hash || slots_[i].hash == 0) return &slots_[i];
  }
}

void IdentifierTable::Grow(size_t slots) {
  std::vector<Slot> old(slots);
  old.swap(slots_);
  for (const Slot& s : old) {
    if (s.hash != 0) *Probe(s.hash) = s;
  }
}

void IdentifierTable::Reserve(size_t more) {
  size_t slots = std::max<size_t>(16, slots_.size());
  while ((size_ + more + 1) * 4 > slots * 3) slots *= 2;
  if (slots != slots_.size()) Grow(slots);
}

IdentifierState& IdentifierTable::FindOrInsert(uint64_t hash) {
  if (hash == 0) {
    has_zero_ = true;
    return zero_;
  }
  if ((size_ + 1) * 4 > slots_.size() * 3) Grow(std::max<size_t>(16, slots_.size() * 2));
  Slot* s = Probe(hash);
  if (s->hash == 0) {
    s->hash = hash;
    ++size_;
  }
  return s->state;
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
    line.values_ready = false;
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
    line_base_ += line_count_ + 1;  // the blank line too: windows never span paragraphs
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
    line_base_ += line_count_ - 2 * w;
    line_count_ = 2 * w;
    hit_from_ = w;
  }
}

TextScanResult TextRecordScanner::Finish() {
  if (line_open_ && !lines_[line_count_].text.empty()) EndLine();
  line_open_ = false;
  ProcessSegment(hit_from_, line_count_);
  line_count_ = 0;
  TextScanResult r;
  r.corroborated_records = corroborated_.Sorted();
  r.distinct_single_values = identifiers_.size();
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
  // Pass 2: the prefilter (now mostly in cache) rejects nearly all of them; the few
  // that pass are looked up in the index in a pipeline.
  size_t kept = 0;
  for (const Candidate& c : candidates_) {
    if (idx_.singles->MayContain(c.hash)) candidates_[kept++] = c;
  }
  candidates_.resize(kept);
  const bool reference = params_.reference_pairs_for_testing;
  const bool have_pairs = idx_.pairs != nullptr && idx_.pairs->size() > 0;
  hits_.clear();
  hit_identifiers_.clear();
  // Room for every candidate: the states' addresses stay valid through pass 4.
  identifiers_.Reserve(candidates_.size());
  ForEachPipelined(*idx_.singles, candidates_, [&](size_t i) {
    const Candidate& c = candidates_[i];
    const std::span<const RecordEntry> records = idx_.singles->Find(c.hash);
    if (records.empty()) return;
    IdentifierState& state = identifiers_.FindOrInsert(c.hash);
    if (!have_pairs || (!reference && AllCorroborated(records, state))) return;
    const Line& line = lines_[c.line];
    const uint32_t begin = line.tokens[c.token].begin;
    const uint32_t end = line.tokens[c.token + c.gram - 1u].end;
    const std::string_view span(line.text.data() + begin, end - begin);
    if (!NormalizeField(idx_.identifier_types[c.type], span, identifier_)) return;
    if (reference) {
      FindPairsReference(c.line, c.token, identifier_);
      return;
    }
    const auto id_begin = static_cast<uint32_t>(hit_identifiers_.size());
    hit_identifiers_ += identifier_;
    hits_.push_back({records, &state, c.line, c.token, id_begin,
                     static_cast<uint32_t>(hit_identifiers_.size()), OwnLine::kUnpaired});
  });
  candidates_.clear();
  if (hits_.empty()) return;
  // Pass 3: every hit's own line, in batches of lookups. A dump's rows put their values
  // in the same columns, so the values at the (cell offset from the hit, type) of
  // values that corroborated before are tried first, for all hits at once, and the
  // rest of the line only for the hits that left records uncorroborated. A hit whose
  // records a hit before it on the same line already tries (a row's plate and passport
  // number name the same record) waits for pass 4, where it is usually found
  // corroborated.
  size_t claimed_line = SIZE_MAX;
  claimed_.clear();
  learned_snapshot_ = learned_;
  for (Hit& hit : hits_) {
    if (hit.line != claimed_line) {
      claimed_line = hit.line;
      claimed_.clear();
    }
    const bool one_record = hit.records.size() == 1;
    if (one_record &&
        std::find(claimed_.begin(), claimed_.end(), hit.records[0].record_id) != claimed_.end()) {
      continue;
    }
    if (one_record) claimed_.push_back(hit.records[0].record_id);
    PairOwnLine(hit, Round::kLearned);
  }
  LookUpPairs();
  for (Hit& hit : hits_) {
    if (hit.own_line == OwnLine::kLearnedPaired && !AllCorroborated(hit.records, *hit.state)) {
      PairOwnLine(hit, Round::kRest);
    }
  }
  LookUpPairs();
  // Pass 4: the rest of the windows of the hits whose records are not all corroborated.
  for (Hit& hit : hits_) {
    if (!AllCorroborated(hit.records, *hit.state)) FindPairs(hit);
  }
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

template <typename Fn, typename Want>
void TextRecordScanner::ForEachValue(const Line& line, size_t from, size_t to, Fn&& fn,
                                     Want&& want) {
  const auto& toks = line.tokens;
  auto try_span = [&](size_t b, size_t e, uint16_t cell) {
    if (e - b > kMaxCandidateBytes) return;
    const std::string_view span(line.text.data() + b, e - b);
    previous_norm_.clear();
    for (size_t k = 0; k < idx_.corroborating_types.size(); ++k) {
      const FieldType type = idx_.corroborating_types[k];
      if (!want(cell, k)) continue;
      if (!NormalizeField(type, span, span_norm_) || span_norm_.size() < kMinPairValueBytes) {
        continue;
      }
      // Types often normalise a span alike (a date-time that does not parse falls
      // back to the generic form): each distinct form once.
      if (span_norm_ == previous_norm_) continue;
      previous_norm_ = span_norm_;
      fn(std::string_view(span_norm_), cell, k);
    }
  };
  for (size_t t = from; t < to; ++t) {
    for (size_t g = 1; g <= kMaxCorroboratingGram && t + g <= to; ++g) {
      if (toks[t + g - 1].cell != toks[t].cell) break;
      try_span(toks[t].begin, toks[t + g - 1].end, toks[t].cell);
    }
    // A cell longer than the n-grams (a long name) as a whole.
    const bool cell_start = t == 0 || toks[t - 1].cell != toks[t].cell;
    if (cell_start) {
      size_t e = t;
      while (e < to && toks[e].cell == toks[t].cell) ++e;
      if (e - t > kMaxCorroboratingGram && e - t <= kMaxWholeCellTokens) {
        try_span(toks[t].begin, toks[e - 1].end, toks[t].cell);
      }
    }
  }
}

void TextRecordScanner::CacheValues(Line& line) {
  if (!line.tokenized) Tokenize(line);
  line.value_bytes.clear();
  line.value_ends.clear();
  line.value_sources.clear();
  ForEachValue(
      line, 0, line.tokens.size(),
      [&line](std::string_view value, uint16_t cell, size_t k) {
        line.value_bytes.append(value);
        line.value_ends.push_back(static_cast<uint32_t>(line.value_bytes.size()));
        line.value_sources.push_back(
            {cell, static_cast<uint16_t>(std::min<size_t>(k, UINT16_MAX))});
      },
      AnyValue);
  line.values_ready = true;
}

void TextRecordScanner::AddPairHashes(const Line& line, std::string_view identifier,
                                      const Token* hit_token, Round round) {
  uint32_t begin = 0;
  for (size_t i = 0; i < line.value_ends.size(); ++i) {
    const uint32_t end = line.value_ends[i];
    const std::string_view value = std::string_view(line.value_bytes).substr(begin, end - begin);
    begin = end;
    uint16_t tag = kNoTag;
    if (hit_token != nullptr) {
      tag = TagOf(line.value_sources[i], hit_token->cell);
      if (round != Round::kAll && learned_snapshot_[tag] != (round == Round::kLearned)) continue;
    }
    QueuePair(identifier, value, tag);
  }
}

void TextRecordScanner::QueuePair(std::string_view identifier, std::string_view value,
                                  uint16_t tag) {
  const uint64_t h = idx_.key->HashPair(identifier, value);
  idx_.pairs->Prefetch(h);  // its filter block, read by LookUpPairs
  pair_hashes_.push_back(h);
  pair_tags_.push_back(tag);
}

uint16_t TextRecordScanner::TagOf(ValueSource source, uint16_t hit_cell) {
  const int delta = std::clamp(static_cast<int>(source.cell) - static_cast<int>(hit_cell),
                               -kTagCells / 2, kTagCells / 2 - 1) +
                    kTagCells / 2;
  return static_cast<uint16_t>(delta * kTagTypes + std::min<int>(source.type, kTagTypes - 1));
}

void TextRecordScanner::LookUpPairs() {
  // Their filter blocks were prefetched as they were hashed; the few the filter lets
  // through are looked up in a pipeline (a repeated hash just finds the same records).
  size_t kept = 0;
  for (size_t i = 0; i < pair_hashes_.size(); ++i) {
    if (!idx_.pairs->MayContain(pair_hashes_[i])) continue;
    pair_hashes_[kept] = pair_hashes_[i];
    pair_tags_[kept++] = pair_tags_[i];
  }
  pair_hashes_.resize(kept);
  ForEachPipelined(*idx_.pairs, pair_hashes_, [this](size_t i) {
    const std::span<const RecordEntry> found = idx_.pairs->Find(pair_hashes_[i]);
    if (found.empty()) return;
    if (pair_tags_[i] != kNoTag) learned_[pair_tags_[i]] = true;
    for (const RecordEntry& entry : found) corroborated_.Insert(entry.record_id);
  });
  pair_hashes_.clear();
  pair_tags_.clear();
}

bool TextRecordScanner::AllCorroborated(std::span<const RecordEntry> records,
                                        IdentifierState& state) const {
  if (state.done) return true;
  size_t i = state.corroborated_prefix;
  while (i < records.size() && corroborated_.Contains(records[i].record_id)) ++i;
  state.corroborated_prefix = static_cast<uint32_t>(i);
  state.done = i == records.size();
  return state.done;
}

std::string_view TextRecordScanner::IdentifierOf(const Hit& hit) const {
  return std::string_view(hit_identifiers_)
      .substr(hit.identifier_begin, hit.identifier_end - hit.identifier_begin);
}

// Lines before IdentifierState::paired_to were paired with the identifier by earlier
// hits (hits come in line order, so they are a prefix of a later hit's window): a
// repeated identifier pairs each line of its overlapping windows once.
void TextRecordScanner::PairOwnLine(Hit& hit, Round round) {
  Line& own = lines_[hit.line];
  if (!own.tokenized) Tokenize(own);
  const std::string_view identifier = IdentifierOf(hit);
  hit.own_line = round == Round::kLearned ? OwnLine::kLearnedPaired : OwnLine::kPaired;
  const auto& toks = own.tokens;
  if (toks.size() > kLongLineTokens) {
    if (round == Round::kRest) return;  // all done in the first round
    // A long line: the tokens around the hit, afresh (they depend on where it is).
    const size_t t = hit.token;
    const size_t from = t >= params_.window_tokens ? t - params_.window_tokens : 0;
    const size_t to = std::min(toks.size(), t + params_.window_tokens + 1);
    ForEachValue(
        own, from, to,
        [&](std::string_view value, uint16_t, size_t) { QueuePair(identifier, value, kNoTag); },
        AnyValue);
    return;
  }
  if (line_base_ + hit.line < hit.state->paired_to) return;  // an earlier window did it
  if (round == Round::kLearned && !own.values_ready) {
    // Only the spans and types at learned positions are normalised: in a dump, these
    // usually corroborate the row's record and the rest of the line is never needed.
    // (This can yield a form the cache would list under an earlier type of the same
    // span, a value that round kRest then tries again: harmless.)
    const uint16_t hit_cell = toks[hit.token].cell;
    ForEachValue(
        own, 0, toks.size(),
        [&](std::string_view value, uint16_t cell, size_t k) {
          QueuePair(identifier, value, TagOf({cell, static_cast<uint16_t>(k)}, hit_cell));
        },
        [&](uint16_t cell, size_t k) {
          return learned_snapshot_[TagOf({cell, static_cast<uint16_t>(k)}, hit_cell)];
        });
    return;
  }
  if (!own.values_ready) CacheValues(own);
  AddPairHashes(own, identifier, &toks[hit.token], round);
}

void TextRecordScanner::FindPairs(Hit& hit) {
  const size_t w = params_.window_lines;
  const size_t line_index = hit.line;
  const size_t first = line_index >= w ? line_index - w : 0;
  const size_t last = std::min(line_count_, line_index + w + 1);
  IdentifierState& state = *hit.state;
  const size_t paired =
      state.paired_to > line_base_ + first
          ? static_cast<size_t>(std::min<uint64_t>(state.paired_to - line_base_, last))
          : first;
  const std::string_view identifier = IdentifierOf(hit);
  auto pair_line = [&](size_t l) {
    if (l < paired || l >= last) return;
    Line& line = lines_[l];
    if (!line.tokenized) Tokenize(line);
    if (line.tokens.size() > kLongLineTokens) return;
    if (!line.values_ready) CacheValues(line);
    AddPairHashes(line, identifier, nullptr, Round::kAll);
  };
  // Nearest lines first, left as soon as every record the identifier names is
  // corroborated.
  pair_hashes_.clear();
  if (hit.own_line != OwnLine::kPaired) {
    PairOwnLine(hit, Round::kAll);
    LookUpPairs();
    if (AllCorroborated(hit.records, state)) return;
  }
  for (size_t reach = 1; reach <= w;) {
    const size_t until = reach <= kNearLines ? std::min(kNearLines, w) : w;
    for (; reach <= until; ++reach) {
      if (reach <= line_index) pair_line(line_index - reach);
      pair_line(line_index + reach);
    }
    LookUpPairs();
    if (AllCorroborated(hit.records, state)) return;
  }
  state.paired_to = std::max<uint64_t>(state.paired_to, line_base_ + last);
}

// The scanner as it was before the dense-text shortcuts: every hit normalises its whole
// window afresh. Kept as the reference the shortcuts are tested against.
void TextRecordScanner::FindPairsReference(size_t line_index, size_t token_index,
                                           std::string_view identifier) {
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
    ForEachValue(
        line, from, to,
        [&](std::string_view value, uint16_t, size_t) { QueuePair(identifier, value, kNoTag); },
        AnyValue);
  }
  LookUpPairs();
}

}  // namespace leakwatch::match::detail
