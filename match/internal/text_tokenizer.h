// match/internal/text_tokenizer: cuts one line of scanned text into the tokens and
// cells record matching works on (text_records.h describes the rules).
//
// Two implementations that must agree byte for byte: `TokenizeLineScalar`, a byte
// loop over a class table (the reference, and the portable fallback), and
// `LineTokenizer::Tokenize`, which classifies 64 bytes at a time with SSE2 into bit
// masks (token byte, cell boundary, digit, letter, trimmable) and walks the tokens by
// bit scanning, so the cost per byte is a few vector instructions and the loop has no
// branch that depends on each byte. Without SSE2 (not x86-64) it calls the scalar
// loop. tests/unit/match/text_tokenizer_test.cc checks both on random and hostile
// lines.
//
// Rules, per line: bytes ` \r \v \f` are spaces, `, ; | \t " { } [ ] < > = ( )` strong
// delimiters, and a colon is a strong delimiter when it ends the line, is followed by
// a space, tab, `"` or `'`, or follows a `"` (else it is part of a token: "12:30").
// Every other byte (letters, digits, UTF-8 and invalid bytes, NUL) is a token byte.
// A token is a maximal run of token bytes with the trimmable bytes `' . ! ? ` *`
// removed from both ends (dropped if nothing remains). The cell number of a token
// counts the strong delimiters and the runs of two or more spaces before it
// (saturating at 65535).
//
// Thread safety: a LineTokenizer holds scratch buffers: one per thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace leakwatch::match::detail {

struct TextToken {
  uint32_t begin, end;  // byte offsets in the line, end exclusive
  uint16_t cell;
  bool has_digit, has_alpha;  // an ASCII digit; an ASCII letter or a byte >= 0x80

  bool operator==(const TextToken&) const = default;
};

// The reference tokenizer. Fills `out` (cleared first); returns whether the line holds
// an ASCII digit. REQUIRES: line.size() < 2^32.
bool TokenizeLineScalar(std::string_view line, std::vector<TextToken>& out);

// Whether `bytes` holds an ASCII digit (what TokenizeLineScalar returns), without
// tokenizing: 16 bytes per step with SSE2.
bool HasAsciiDigit(std::string_view bytes);

class LineTokenizer {
 public:
  // Same contract and output as TokenizeLineScalar, faster.
  bool Tokenize(std::string_view line, std::vector<TextToken>& out);

  // Whether Tokenize uses the vector path on this build.
  static bool Vectorized();

 private:
  struct Masks {
    uint64_t token;     // token bytes
    uint64_t boundary;  // bytes that start a new cell
    uint64_t digit, alpha, trim;
  };
  std::vector<Masks> masks_;
};

}  // namespace leakwatch::match::detail
