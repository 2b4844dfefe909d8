// match/internal/text_records: finds keyed record fingerprints in free text.
//
// Text is cut into lines (capped at kMaxLineBytes), lines into cells (at strong
// delimiters: , ; | tab quotes brackets = and "key: value" colons, and runs of 2+
// spaces, so CSV/TSV rows, JSON Lines, key: value blocks and aligned tables all fall
// apart the same way) and cells into whitespace tokens. Identifier candidates are
// n-grams of up to 3 short tokens (plates written "AB 123 CD") that pass a cheap shape
// test for the pack's identifier types; each is normalised and looked up as a keyed
// single hash. Candidates are gathered per segment first and their prefilter blocks
// prefetched, so the (mostly absent) lookups overlap instead of each waiting for
// memory; only candidates the prefilter lets through are looked up. Around each hit — the lines
// within `window_lines` in the same paragraph, and on long lines the tokens within `window_tokens`
// — every n-gram of up to 4 tokens is normalised per corroborating type and looked up as a keyed
// pair with the hit's identifier. A record counts as corroborated when such a pair matches.
//
// Dense text (a pasted dump: every line a hit) is kept fast by three shortcuts that do
// not change the findings (the result is a union of record ids, so neither order nor
// repetition matters):
// - a line's corroborating values (every span's normalised forms) are computed once,
//   when a window first needs them, and reused by every hit whose window holds the line;
// - a hit whose identifier's records (the single index's entries for it) are all
//   corroborated already is skipped: a pair of identifier I names only records that
//   have I (the builder stores a pair only beside its single), so it cannot add one;
//   the window is searched nearest lines first and left as soon as that holds;
// - per identifier value, the lines already paired with it are remembered, so a
//   repeated identifier's overlapping windows pair each line with it once;
// - all hits of a segment pair their own line in one batch of lookups, first only the
//   values at (cell offset from the hit, type) positions that corroborated earlier
//   rows (a dump's rows keep their columns), normalised on the fly, and the rest of
//   the line only for hits that left records uncorroborated.
// The one way these could differ from searching every window in full is a 64-bit
// collision of keyed pair hashes naming a record without that identifier (~2^-64 per
// lookup). `TextScanParams::reference_pairs_for_testing` turns them off, for tests.
//
// Memory: one paragraph segment (at most kMaxSegmentLines lines, buffers reused from
// line to line so steady-state scanning does not allocate), one entry per distinct
// identifier that hit, and a bitmap of corroborated record ids in pages allocated on
// first use. Thread safety: one thread per scanner; the indexes and key are shared
// read-only.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "match/internal/hash_index.h"
#include "match/internal/siphash.h"
#include "match/internal/text_tokenizer.h"
#include "match/key.h"
#include "match/normalize.h"

namespace leakwatch::match::detail {

inline constexpr size_t kMaxLineBytes = 64 * 1024;
inline constexpr size_t kMaxSegmentLines = 64;

struct RecordIndexes {
  const DatasetKey* key = nullptr;
  const HashIndex<RecordEntry>* singles = nullptr;
  const HashIndex<RecordEntry>* pairs = nullptr;
  std::vector<FieldType> identifier_types;
  std::vector<FieldType> corroborating_types;
};

struct TextScanParams {
  size_t window_lines = 8;
  size_t window_tokens = 32;
  // Test-only: search every hit's whole window afresh (no cached values, no skipped
  // hits), as the scanner did before the dense-text shortcuts. Same findings, slower.
  bool reference_pairs_for_testing = false;
};

struct TextScanResult {
  std::vector<uint32_t> corroborated_records;  // sorted, distinct
  uint64_t distinct_single_values = 0;         // distinct identifier values that hit
};

// NormalizeField(kPlate or kDocument, bytes) written at `out` (uppercase ASCII
// alphanumerics, everything else dropped) without a string; returns its length.
// REQUIRES: `out` has room for bytes.size() bytes.
size_t UpperAlnumInto(std::string_view bytes, char* out);

// A set of record ids as a bitmap in 2 KiB pages allocated on first use: membership is
// two loads, and the ids come out sorted. Memory: a page per 16,384-id range touched
// plus a pointer per range up to the largest id (at most 2 MiB).
class RecordIdSet {
 public:
  bool Contains(uint32_t id) const {
    const size_t p = id >> kPageBits;
    return p < pages_.size() && pages_[p] != nullptr &&
           (((*pages_[p])[(id & kPageMask) >> 6] >> (id & 63)) & 1) != 0;
  }
  void Insert(uint32_t id);
  size_t size() const { return size_; }
  std::vector<uint32_t> Sorted() const;

 private:
  static constexpr unsigned kPageBits = 14;
  static constexpr uint32_t kPageMask = (1u << kPageBits) - 1;
  using Page = std::array<uint64_t, (size_t{1} << kPageBits) / 64>;
  std::vector<std::unique_ptr<Page>> pages_;
  size_t size_ = 0;
};

// What a scanner knows about one identifier value that hit.
struct IdentifierState {
  // Short lines numbered (stream-wide) below this, within its windows, are paired with it.
  uint64_t paired_to = 0;
  uint32_t corroborated_prefix = 0;  // its single entries [0, this) are corroborated
  bool done = false;                 // all its single entries are corroborated
};

// The identifier values that hit, keyed by their keyed single hash (uniform, so its
// low bits index the table): open addressing, linear probing, at most 3/4 full.
class IdentifierTable {
 public:
  // Makes room for `more` insertions: until they are made, no reference is invalidated.
  void Reserve(size_t more);
  // A reference valid until an insertion beyond what Reserve made room for.
  IdentifierState& FindOrInsert(uint64_t hash);
  size_t size() const { return size_ + (has_zero_ ? 1 : 0); }

 private:
  struct Slot {
    uint64_t hash = 0;  // 0: empty (hash 0 itself lives in zero_)
    IdentifierState state;
  };
  Slot* Probe(uint64_t hash);
  void Grow(size_t slots);
  std::vector<Slot> slots_;
  size_t size_ = 0;
  bool has_zero_ = false;
  IdentifierState zero_;
};

class TextRecordScanner {
 public:
  // REQUIRES: indexes.key is set; every pointer in `indexes` outlives the scanner.
  TextRecordScanner(const RecordIndexes& indexes, const TextScanParams& params);

  void Feed(std::string_view bytes);
  // REQUIRES: called once, after the last Feed.
  TextScanResult Finish();

 private:
  using Token = TextToken;
  // Where a corroborating value came from: its span's first cell and the index of the
  // type in idx_.corroborating_types.
  struct ValueSource {
    uint16_t cell, type;
  };
  struct Line {
    std::string text;
    std::vector<Token> tokens;
    bool tokenized = false;
    bool has_digit = false;  // set by Tokenize
    // The line's corroborating values (ForEachValue over all its tokens, distinct forms
    // per span), filled when a hit's window first needs them: value i is
    // value_bytes[value_ends[i - 1], value_ends[i]). Lines of more than kLongLineTokens
    // tokens have none (only their hits' token windows are searched, afresh).
    bool values_ready = false;
    std::string value_bytes;
    std::vector<uint32_t> value_ends;
    std::vector<ValueSource> value_sources;
  };
  enum class OwnLine : uint8_t { kUnpaired, kLearnedPaired, kPaired };
  enum class Round : uint8_t { kAll, kLearned, kRest };
  // A learned value position: (cell offset from the hit, clamped, type index, clamped).
  static constexpr int kTagCells = 32, kTagTypes = 8;
  static constexpr uint16_t kNoTag = UINT16_MAX;
  static uint16_t TagOf(ValueSource source, uint16_t hit_cell);
  // An identifier hit of the segment being processed.
  struct Hit {
    std::span<const RecordEntry> records;  // the single index's entries for it
    IdentifierState* state;
    uint32_t line, token;
    uint32_t identifier_begin, identifier_end;  // its normalised form in hit_identifiers_
    OwnLine own_line;                           // how much of its own line is paired with it
  };
  // An identifier candidate whose keyed hash is computed and whose prefilter block
  // is being prefetched.
  struct Candidate {
    uint64_t hash;
    uint32_t line;
    uint32_t token;
    uint8_t gram;
    uint8_t type;  // index into idx_.identifier_types
  };

  // What a span must look like to be tried as an identifier of a type.
  struct Shape {
    bool need_digit, need_alpha;
    size_t min_bytes, max_bytes;
  };
  static Shape ShapeOf(FieldType type);

  Line& OpenLine();
  void EndLine();
  void ProcessSegment(size_t hit_from, size_t hit_to);
  void Tokenize(Line& line);
  void GatherIdentifiers(size_t line_index);
  // Pairs a hit's own line with its identifier (all hits of a segment are batched so
  // their lookups overlap), then, if that did not corroborate all its records, the
  // rest of its window (FindPairs).
  void PairOwnLine(Hit& hit, Round round);
  void FindPairs(Hit& hit);
  std::string_view IdentifierOf(const Hit& hit) const;
  void FindPairsReference(size_t line_index, size_t token_index, std::string_view identifier);
  // Calls fn(value, cell, type index) for the normalised corroborating forms of the
  // spans of tokens [from, to) of `line` (n-grams and whole cells, each span's distinct
  // forms once), trying only the types for which want(cell, type index) is true.
  template <typename Fn, typename Want>
  void ForEachValue(const Line& line, size_t from, size_t to, Fn&& fn, Want&& want);
  void CacheValues(Line& line);
  // Hashes the pairs of `identifier` with the cached values of `line` (on the hit's
  // own line, `hit_token` is the hit's first token, and `round` picks the values whose
  // position is in learned_snapshot_ or those whose is not).
  void AddPairHashes(const Line& line, std::string_view identifier, const Token* hit_token,
                     Round round);
  // Queues the pair (identifier, value) for LookUpPairs; `tag` is the value's position
  // relative to the hit, or kNoTag.
  void QueuePair(std::string_view identifier, std::string_view value, uint16_t tag);
  // Looks up pair_hashes_ (then clears it) and records the corroborated records.
  void LookUpPairs();
  // Whether all of `records` are corroborated (advancing state.corroborated_prefix).
  bool AllCorroborated(std::span<const RecordEntry> records, IdentifierState& state) const;

  RecordIndexes idx_;
  // DatasetKey::HashSingle of plate / document candidates, computed in place.
  SipHashX24First64 single_prf_;
  TextScanParams params_;
  LineTokenizer tokenizer_;
  // True when every identifier type needs a digit: lines without one are skipped.
  bool identifiers_need_digit_ = false;
  std::vector<Shape> shapes_;  // per idx_.identifier_types entry
  // lines_[0, line_count_) is the segment; lines_[line_count_] (when present) holds
  // the line being fed. Entries beyond keep their buffers for reuse.
  std::vector<Line> lines_;
  size_t line_count_ = 0;
  bool line_open_ = false;
  size_t hit_from_ = 0;
  uint64_t line_base_ = 0;  // the stream-wide number of lines_[0]
  std::string norm_, span_norm_, previous_norm_, identifier_;
  std::vector<Candidate> candidates_;
  IdentifierTable identifiers_;
  std::vector<Hit> hits_;
  std::vector<uint32_t> claimed_;  // single records of the line pass 3 is on
  std::string hit_identifiers_;
  std::vector<uint64_t> pair_hashes_;
  std::vector<uint16_t> pair_tags_;  // per pair hash: its value's position, or kNoTag
  // Value positions (TagOf) whose pairs corroborated a record on a hit's own line.
  std::bitset<kTagCells * kTagTypes> learned_,
      learned_snapshot_;  // FindPairs' candidates, prefetched
  RecordIdSet corroborated_;
};

}  // namespace leakwatch::match::detail
