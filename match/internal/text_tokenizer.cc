#include "match/internal/text_tokenizer.h"

#include <algorithm>
#include <array>
#include <bit>

#if defined(__SSE2__)
#include <emmintrin.h>
#define LW_TOKENIZER_SSE2 1
#else
#define LW_TOKENIZER_SSE2 0
#endif

namespace leakwatch::match::detail {
namespace {

constexpr uint16_t kMaxCell = UINT16_MAX;

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

// Per byte: digit / alpha flags of token bytes, and whether the byte ends a token
// (space or strong delimiter) or may (a colon, depending on its neighbours).
enum ByteInfo : uint8_t { kDigit = 1, kAlpha = 2, kNotTokenByte = 4, kColonByte = 8 };

constexpr std::array<uint8_t, 256> MakeInfo() {
  std::array<uint8_t, 256> f{};
  for (int c = 0; c < 256; ++c) {
    const auto i = static_cast<size_t>(c);
    if (c >= '0' && c <= '9') f[i] = kDigit;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) f[i] = kAlpha;
    if (kClass[i] == kSpace || kClass[i] == kStrong) f[i] = kNotTokenByte;
    if (kClass[i] == kColon) f[i] = kNotTokenByte | kColonByte;
  }
  return f;
}
constexpr std::array<uint8_t, 256> kInfo = MakeInfo();

bool IsTrimmable(char c) {
  return c == '\'' || c == '.' || c == '!' || c == '?' || c == '`' || c == '*';
}

// After a colon, these bytes (or the end of the line) make it a delimiter.
bool EndsColon(char c) { return c == ' ' || c == '\t' || c == '"' || c == '\''; }

}  // namespace

bool TokenizeLineScalar(std::string_view s, std::vector<TextToken>& out) {
  out.clear();
  uint16_t cell = 0;
  size_t i = 0;
  const size_t n = s.size();
  bool line_digit = false;
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint8_t cls = kClass[c];
    if (cls == kColon) {
      const bool delim = i + 1 >= n || EndsColon(s[i + 1]) || (i > 0 && s[i - 1] == '"');
      cls = delim ? kStrong : kToken;
    }
    if (cls == kStrong) {
      if (cell < kMaxCell) ++cell;
      ++i;
      continue;
    }
    if (cls == kSpace) {
      // Two or more spaces separate the columns of an aligned table.
      size_t j = i;
      while (j < n && kClass[static_cast<unsigned char>(s[j])] == kSpace) ++j;
      if (j - i >= 2 && cell < kMaxCell) ++cell;
      i = j;
      continue;
    }
    size_t j = i;
    uint8_t flags = 0;
    while (j < n) {
      const uint8_t info = kInfo[static_cast<unsigned char>(s[j])];
      if ((info & kNotTokenByte) != 0) {
        if ((info & kColonByte) == 0) break;
        if (j + 1 >= n || EndsColon(s[j + 1])) break;
      }
      flags |= info;
      ++j;
    }
    const bool digit = (flags & kDigit) != 0;
    line_digit |= digit;
    size_t b = i, e = j;
    while (b < e && IsTrimmable(s[b])) ++b;
    while (e > b && IsTrimmable(s[e - 1])) --e;
    if (b < e) {
      out.push_back(TextToken{static_cast<uint32_t>(b), static_cast<uint32_t>(e), cell, digit,
                              (flags & kAlpha) != 0});
    }
    i = j;
  }
  return line_digit;
}

bool HasAsciiDigit(std::string_view bytes) {
  size_t i = 0;
#if LW_TOKENIZER_SSE2
  const __m128i below_zero = _mm_set1_epi8(static_cast<char>('0' - 1 - 128));
  const __m128i above_nine = _mm_set1_epi8(static_cast<char>('9' + 1 - 128));
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  for (; i + 16 <= bytes.size(); i += 16) {
    // Signed compares after flipping the top bit are unsigned compares.
    const __m128i x =
        _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes.data() + i)), flip);
    const __m128i digit =
        _mm_and_si128(_mm_cmpgt_epi8(x, below_zero), _mm_cmplt_epi8(x, above_nine));
    if (_mm_movemask_epi8(digit) != 0) return true;
  }
#endif
  for (; i < bytes.size(); ++i) {
    if (bytes[i] >= '0' && bytes[i] <= '9') return true;
  }
  return false;
}

#if LW_TOKENIZER_SSE2
namespace {

// Per 64 bytes, one bit per byte (bit i = byte i).
struct RawMasks {
  uint64_t space = 0, strong = 0, colon = 0;
  uint64_t ends_colon = 0;  // space, tab, '"', '\''
  uint64_t quote = 0;
  uint64_t digit = 0, alpha = 0, trim = 0;
};

inline __m128i Eq(__m128i x, char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); }
// Unsigned lo <= x <= hi.
inline __m128i InRange(__m128i x, unsigned char lo, unsigned char hi) {
  const __m128i d = _mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>(lo)));
  return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(static_cast<char>(hi - lo))), d);
}
// The byte mask of `m` without its first `drop` bytes, at bit `shift`.
inline uint64_t Bits(__m128i m, unsigned drop, int shift) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(m)) >> drop) << shift;
}

// Classes of the 16 bytes in x, less the first `drop`, ORed into r at bit `sh`.
[[gnu::always_inline]] inline void Classify16(__m128i x, unsigned drop, int sh, RawMasks& r) {
  auto bits = [&](__m128i m) { return Bits(m, drop, sh); };
  const __m128i blank = Eq(x, ' ');
  const __m128i tab = Eq(x, '\t');
  const __m128i quote = Eq(x, '"');
  const __m128i apostrophe = Eq(x, '\'');
  r.space |= bits(_mm_or_si128(blank, InRange(x, '\v', '\r')));
  const __m128i strong = _mm_or_si128(
      _mm_or_si128(_mm_or_si128(tab, quote), _mm_or_si128(Eq(x, ','), Eq(x, ';'))),
      _mm_or_si128(_mm_or_si128(Eq(x, '['), Eq(x, ']')),
                   _mm_or_si128(_mm_or_si128(InRange(x, '(', ')'), InRange(x, '<', '>')),
                                InRange(x, '{', '}'))));
  r.strong |= bits(strong);
  r.colon |= bits(Eq(x, ':'));
  r.ends_colon |= bits(_mm_or_si128(_mm_or_si128(blank, tab), _mm_or_si128(quote, apostrophe)));
  r.quote |= bits(quote);
  r.digit |= bits(InRange(x, '0', '9'));
  r.alpha |= bits(_mm_or_si128(InRange(x, 'a', 'z'), InRange(x, 'A', 'Z'))) | bits(x);
  const __m128i trim = _mm_or_si128(
      _mm_or_si128(_mm_or_si128(apostrophe, Eq(x, '.')), _mm_or_si128(Eq(x, '!'), Eq(x, '?'))),
      _mm_or_si128(Eq(x, '`'), Eq(x, '*')));
  r.trim |= bits(trim);
}

// Classes of the bytes [start, start + 64) of data[0, n); bits past n stay zero. Reads
// only inside data: a last partial 16-byte chunk is classified from the 16 bytes that
// end the line, its leading bytes dropped from the masks (a line shorter than 16 bytes
// is copied).
RawMasks ClassifyBlock(const unsigned char* data, size_t n, size_t start) {
  RawMasks r;
  for (int k = 0; k < 4; ++k) {
    const size_t at = start + 16 * static_cast<size_t>(k);
    if (at >= n) break;
    const size_t rem = n - at;
    if (rem >= 16) {
      Classify16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at)), 0, 16 * k, r);
    } else if (n >= 16) {
      Classify16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + n - 16)),
                 static_cast<unsigned>(16 - rem), 16 * k, r);
    } else {
      unsigned char chunk[16] = {};
      for (size_t i = 0; i < rem; ++i) chunk[i] = data[at + i];
      Classify16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk)), 0, 16 * k, r);
    }
  }
  return r;
}

bool BitAt(uint64_t word, size_t pos) { return ((word >> (pos & 63)) & 1) != 0; }

}  // namespace

bool LineTokenizer::Vectorized() { return true; }

bool LineTokenizer::Tokenize(std::string_view line, std::vector<TextToken>& out) {
  out.clear();
  const size_t n = line.size();
  if (n == 0) return false;
  const size_t blocks = (n + 63) / 64;
  if (masks_.size() < blocks) masks_.resize(blocks);  // never shrinks: no refill per line
  const auto* data = reinterpret_cast<const unsigned char*>(line.data());
  auto classify = [&](size_t block) {
    return block < blocks ? ClassifyBlock(data, n, block * 64) : RawMasks{};
  };
  RawMasks prev, cur = classify(0);
  bool digit = false;
  for (size_t w = 0; w < blocks; ++w) {
    const RawMasks next = classify(w + 1);
    const bool last = w + 1 == blocks;
    const uint64_t valid = last && n % 64 != 0 ? (uint64_t{1} << (n % 64)) - 1 : ~uint64_t{0};
    uint64_t ends_colon_next = (cur.ends_colon >> 1) | (next.ends_colon << 63);
    if (last) ends_colon_next |= uint64_t{1} << ((n - 1) % 64);  // the end of the line
    const uint64_t quote_prev = (cur.quote << 1) | (prev.quote >> 63);
    const uint64_t delim_colon = cur.colon & (ends_colon_next | quote_prev);
    const uint64_t space_next = (cur.space >> 1) | (next.space << 63);
    const uint64_t space_prev = (cur.space << 1) | (prev.space >> 63);
    const uint64_t run_of_two = cur.space & space_next & ~space_prev;
    Masks& m = masks_[w];
    m.token = ~(cur.space | cur.strong | delim_colon) & valid;
    m.boundary = (cur.strong | delim_colon | run_of_two) & valid;
    m.digit = cur.digit & valid;
    m.alpha = cur.alpha & valid;
    m.trim = cur.trim & valid;
    digit |= m.digit != 0;
    prev = cur;
    cur = next;
  }

  auto any_in = [&](uint64_t Masks::*field, size_t b, size_t e) {  // [b, e), b < e
    const size_t wb = b / 64, we = (e - 1) / 64;
    const uint64_t head = ~uint64_t{0} << (b % 64);
    const uint64_t tail = ~uint64_t{0} >> (63 - (e - 1) % 64);
    if (wb == we) return (masks_[wb].*field & head & tail) != 0;
    if ((masks_[wb].*field & head) != 0 || (masks_[we].*field & tail) != 0) return true;
    for (size_t w = wb + 1; w < we; ++w) {
      if (masks_[w].*field != 0) return true;
    }
    return false;
  };

  // Cell boundaries before `counted` are in `cells`. Tokens come in order, so each
  // word is counted from where the last token left it; between most tokens there is
  // no boundary at all.
  size_t counted = 0;
  uint32_t cells = 0;
  auto count_to = [&](size_t pos) {
    while (counted < pos) {
      const size_t cw = counted / 64;
      const size_t stop = std::min(pos, (cw + 1) * 64);
      uint64_t bits = masks_[cw].boundary >> (counted % 64);
      if (stop - counted < 64) bits &= (uint64_t{1} << (stop - counted)) - 1;
      if (bits != 0) cells += static_cast<uint32_t>(std::popcount(bits));
      counted = stop;
    }
  };

  size_t w = 0;
  uint64_t pending = masks_[0].token;  // token bits of block w not yet consumed
  while (true) {
    while (pending == 0) {
      if (++w == blocks) return digit;
      pending = masks_[w].token;
    }
    size_t b = w * 64 + static_cast<size_t>(std::countr_zero(pending));
    // The run ends at the first non-token bit at or after b.
    uint64_t rest = ~masks_[w].token & (~uint64_t{0} << (b % 64));
    while (rest == 0 && w + 1 < blocks) rest = ~masks_[++w].token;
    const size_t e = rest == 0 ? blocks * 64 : w * 64 + static_cast<size_t>(std::countr_zero(rest));
    pending = rest == 0 ? 0 : masks_[w].token & (~uint64_t{0} << (e % 64));
    // Trimmable bytes are neither digits nor letters: the run's flags are the token's.
    const size_t run_begin = b;
    size_t t_end = e;
    bool has_digit = false, has_alpha = false;
    if (run_begin / 64 == (e - 1) / 64) {
      // The common case, a run inside one block: trimming is a first / last bit of
      // the run's non-trimmable bytes.
      const Masks& m = masks_[run_begin / 64];
      const size_t base = run_begin / 64 * 64;
      const uint64_t run =
          (~uint64_t{0} << (run_begin % 64)) & (~uint64_t{0} >> (63 - (e - 1) % 64));
      const uint64_t keep = run & ~m.trim;
      if (keep == 0) continue;
      b = base + static_cast<size_t>(std::countr_zero(keep));
      t_end = base + 64 - static_cast<size_t>(std::countl_zero(keep));
      has_digit = (m.digit & run) != 0;
      has_alpha = (m.alpha & run) != 0;
    } else {
      while (b < t_end && BitAt(masks_[b / 64].trim, b)) ++b;
      while (t_end > b && BitAt(masks_[(t_end - 1) / 64].trim, t_end - 1)) --t_end;
      if (b == t_end) continue;
      has_digit = any_in(&Masks::digit, b, t_end);
      has_alpha = any_in(&Masks::alpha, b, t_end);
    }
    count_to(run_begin);
    out.push_back(TextToken{static_cast<uint32_t>(b), static_cast<uint32_t>(t_end),
                            static_cast<uint16_t>(std::min<uint32_t>(cells, kMaxCell)), has_digit,
                            has_alpha});
  }
}

#else

bool LineTokenizer::Vectorized() { return false; }

bool LineTokenizer::Tokenize(std::string_view line, std::vector<TextToken>& out) {
  return TokenizeLineScalar(line, out);
}

#endif

}  // namespace leakwatch::match::detail
