// parsers/selector: the CSS selector subset site profiles are written in.
//
// Supported (CSS Selectors level 3 syntax):
//   type `div`, universal `*`, `#id`, `.class`,
//   attributes `[a]` `[a=v]` `[a~=v]` `[a^=v]` `[a$=v]` `[a*=v]` (values bare or quoted),
//   combinators: descendant (whitespace), child `>`, adjacent sibling `+`, sibling `~`
//   (pagination markup often has no class on the "next" link, only a position:
//   `strong + span.page-sep + a` in phpBB 3.0),
//   pseudo-classes `:first-child`, `:last-child`, `:nth-child(N|odd|even)`,
//   `:not(S)` where S is one simple selector (type, #id, .class, [attr], or a pseudo),
//   groups `A, B` (results in document order, without duplicates).
// Type and attribute names match case-insensitively, values case-sensitively.
//
// Each group may end with ` @name` ("time.u-dt @datetime, span.date") to read the
// attribute `name` of its matches instead of their text (falling back to the text
// when a match lacks the attribute); Complex::attribute keeps it.
//
// Matching lives in parsers/internal/dom.h (over Gumbo's tree, iteratively, within a
// node/step budget); this header has no Gumbo types so profiles can be validated and
// passed around by any module.
//
// Thread safety: a parsed Selector is immutable and may be shared between threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::parsers {

inline constexpr size_t kMaxSelectorBytes = 1024;
inline constexpr size_t kMaxSelectorCompounds = 32;  // per complex selector
inline constexpr size_t kMaxSelectorGroups = 32;

struct SelectorError {
  size_t column = 0;  // 1-based column in the selector text
  std::string message;
};

class Selector {
 public:
  enum class AttrOp { kExists, kEquals, kIncludes, kPrefix, kSuffix, kContains };
  struct AttrTest {
    std::string name;  // lowercase
    AttrOp op = AttrOp::kExists;
    std::string value;
  };
  // One simple selector or a compound of them, e.g. `li.row:not(.sticky)`.
  struct Compound {
    std::string tag;  // lowercase; empty = any
    int tag_id = -1;  // the matcher's id for `tag` (Gumbo's enum), -1 when unknown
    std::vector<std::string> ids;
    std::vector<std::string> classes;
    std::vector<AttrTest> attrs;
    bool first_child = false;
    bool last_child = false;
    // :nth-child: position = step * k + offset for some k >= 0 (N is step 0).
    struct Nth {
      int step = 0;
      int offset = 0;
    };
    std::vector<Nth> nth_child;
    std::vector<Compound> negated;  // each holds one simple selector
  };
  enum class Combinator { kDescendant, kChild, kAdjacent, kSibling };
  // compounds[0] is leftmost; combinators[i] joins compounds[i] and compounds[i+1].
  struct Complex {
    std::vector<Compound> compounds;
    std::vector<Combinator> combinators;
    std::string attribute;  // lowercase; empty = read the text
  };

  // Parses `text` (optionally ending in " @attr"). On failure returns InvalidArgument
  // "column N: what was expected" and, if `error` is non-null, fills it.
  static Result<Selector> Parse(std::string_view text, SelectorError* error = nullptr);

  const std::vector<Complex>& groups() const { return groups_; }
  // The text this was parsed from.
  const std::string& text() const { return text_; }

 private:
  std::vector<Complex> groups_;
  std::string text_;
};

}  // namespace leakwatch::parsers
