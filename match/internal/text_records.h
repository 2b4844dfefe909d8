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
// Memory: one paragraph segment (at most kMaxSegmentLines lines, buffers reused from
// line to line so steady-state scanning does not allocate). Thread safety: one
// thread per scanner; the indexes and key are shared read-only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
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
};

struct TextScanResult {
  std::vector<uint32_t> corroborated_records;  // sorted, distinct
  uint64_t distinct_single_values = 0;         // distinct identifier values that hit
};

// NormalizeField(kPlate or kDocument, bytes) written at `out` (uppercase ASCII
// alphanumerics, everything else dropped) without a string; returns its length.
// REQUIRES: `out` has room for bytes.size() bytes.
size_t UpperAlnumInto(std::string_view bytes, char* out);

class TextRecordScanner {
 public:
  // REQUIRES: indexes.key is set; every pointer in `indexes` outlives the scanner.
  TextRecordScanner(const RecordIndexes& indexes, const TextScanParams& params);

  void Feed(std::string_view bytes);
  // REQUIRES: called once, after the last Feed.
  TextScanResult Finish();

 private:
  using Token = TextToken;
  struct Line {
    std::string text;
    std::vector<Token> tokens;
    bool tokenized = false;
    bool has_digit = false;  // set by Tokenize
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
  void FindPairs(size_t line_index, size_t token_index, std::string_view identifier);
  void AddCorroborated(uint32_t record_id);

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
  std::string norm_, span_norm_, previous_norm_, identifier_;
  std::vector<Candidate> candidates_;
  std::unordered_set<uint64_t> single_values_;
  std::vector<uint64_t> pair_hashes_;  // FindPairs' candidates, prefetched
  std::vector<uint32_t> corroborated_;
  size_t corroborated_unique_ = 0;
};

}  // namespace leakwatch::match::detail
