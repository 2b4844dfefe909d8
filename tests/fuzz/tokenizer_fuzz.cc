// Differential fuzzing of the record scanner's line tokenizer: every implementation
// this CPU runs (the SSE2 bit-mask path against the scalar reference) must give the
// same tokens, cells and flags, and HasAsciiDigit the reference's digit answer, for
// any bytes. The input is cut at newlines like the scanner cuts text into lines.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "match/internal/text_tokenizer.h"

using leakwatch::match::detail::HasAsciiDigit;
using leakwatch::match::detail::LineTokenizer;
using leakwatch::match::detail::TextToken;
using leakwatch::match::detail::TokenizeLineScalar;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static LineTokenizer fast;
  std::vector<TextToken> want, got;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (true) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    const bool want_digit = TokenizeLineScalar(line, want);
    const bool got_digit = fast.Tokenize(line, got);
    if (got != want || got_digit != want_digit || HasAsciiDigit(line) != want_digit) std::abort();
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return 0;
}
