#include "parsers/selector.h"

#include <gumbo.h>

#include <charconv>
#include <optional>
#include <utility>

namespace leakwatch::parsers {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

int TagId(const std::string& name) {
  const GumboTag tag = gumbo_tag_enum(name.c_str());
  return tag == GUMBO_TAG_UNKNOWN ? -1 : static_cast<int>(tag);
}

// Recursive descent over a bounded string; nesting is bounded too (:not takes one
// simple selector, so recursion depth is at most two).
class SelectorParser {
 public:
  SelectorParser(std::string_view text, size_t column_offset)
      : text_(text), column_offset_(column_offset) {}

  // Parses one group (no top-level ',' inside `text_`).
  std::optional<Selector::Complex> ParseGroup() {
    SkipSpaces();
    auto complex = ParseComplex();
    if (!complex) return std::nullopt;
    SkipSpaces();
    if (!AtEnd()) return Fail("expected ',' or the end of the selector");
    return complex;
  }

  const SelectorError& error() const { return error_; }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }

  std::nullopt_t Fail(std::string message) {
    if (error_.message.empty()) {
      error_.column = column_offset_ + pos_ + 1;
      error_.message = std::move(message);
    }
    return std::nullopt;
  }

  std::optional<Selector::Complex> ParseComplex() {
    Selector::Complex complex;
    auto first = ParseCompound();
    if (!first) return std::nullopt;
    complex.compounds.push_back(std::move(*first));
    while (true) {
      const size_t before = pos_;
      SkipSpaces();
      if (AtEnd() || Peek() == ',') return complex;
      Selector::Combinator combinator = Selector::Combinator::kDescendant;
      if (Peek() == '>') {
        combinator = Selector::Combinator::kChild;
        ++pos_;
        SkipSpaces();
      } else if (Peek() == '+' || Peek() == '~') {
        combinator =
            Peek() == '+' ? Selector::Combinator::kAdjacent : Selector::Combinator::kSibling;
        ++pos_;
        SkipSpaces();
      } else if (before == pos_) {
        return Fail("unexpected character '" + std::string(1, Peek()) + "'");
      }
      if (complex.compounds.size() >= kMaxSelectorCompounds) return Fail("selector too long");
      auto next = ParseCompound();
      if (!next) return std::nullopt;
      complex.combinators.push_back(combinator);
      complex.compounds.push_back(std::move(*next));
    }
  }

  std::optional<std::string> ParseName(const char* what) {
    std::string name;
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c == '\\' && pos_ + 1 < text_.size()) {
        name.push_back(text_[pos_ + 1]);
        pos_ += 2;
      } else if (IsNameChar(c)) {
        name.push_back(c);
        ++pos_;
      } else {
        break;
      }
    }
    if (name.empty()) return Fail(std::string("expected ") + what);
    return name;
  }

  std::optional<Selector::Compound> ParseCompound() {
    Selector::Compound compound;
    bool any = false;
    if (Peek() == '*') {
      ++pos_;
      any = true;
    } else if (IsNameChar(Peek())) {
      auto name = ParseName("a type name");
      if (!name) return std::nullopt;
      for (char& c : *name) c = Lower(c);
      compound.tag = std::move(*name);
      compound.tag_id = TagId(compound.tag);
      any = true;
    }
    while (!AtEnd()) {
      const char c = Peek();
      if (c != '#' && c != '.' && c != '[' && c != ':') break;
      if (!ParseSimpleInto(compound, true)) return std::nullopt;
      any = true;
    }
    if (!any) {
      if (AtEnd()) return Fail("expected a selector");
      return Fail("unexpected character '" + std::string(1, Peek()) + "'");
    }
    return compound;
  }

  // Parses one of #id .class [attr] :pseudo into `compound`.
  bool ParseSimpleInto(Selector::Compound& compound, bool allow_not) {
    const char c = Peek();
    ++pos_;
    if (c == '#') {
      auto name = ParseName("an id after '#'");
      if (!name) return false;
      compound.ids.push_back(std::move(*name));
      return true;
    }
    if (c == '.') {
      auto name = ParseName("a class name after '.'");
      if (!name) return false;
      compound.classes.push_back(std::move(*name));
      return true;
    }
    if (c == '[') return ParseAttribute(compound);
    if (c == ':') return ParsePseudo(compound, allow_not);
    --pos_;
    Fail("unexpected character '" + std::string(1, c) + "'");
    return false;
  }

  bool ParseAttribute(Selector::Compound& compound) {
    SkipSpaces();
    auto name = ParseName("an attribute name after '['");
    if (!name) return false;
    Selector::AttrTest test;
    for (char& ch : *name) ch = Lower(ch);
    test.name = std::move(*name);
    SkipSpaces();
    if (Peek() == ']') {
      ++pos_;
      compound.attrs.push_back(std::move(test));
      return true;
    }
    const char op = Peek();
    if (op == '=') {
      test.op = Selector::AttrOp::kEquals;
      ++pos_;
    } else if ((op == '~' || op == '^' || op == '$' || op == '*') && pos_ + 1 < text_.size() &&
               text_[pos_ + 1] == '=') {
      test.op = op == '~'   ? Selector::AttrOp::kIncludes
                : op == '^' ? Selector::AttrOp::kPrefix
                : op == '$' ? Selector::AttrOp::kSuffix
                            : Selector::AttrOp::kContains;
      pos_ += 2;
    } else {
      Fail("expected ']' or one of = ~= ^= $= *=");
      return false;
    }
    SkipSpaces();
    if (Peek() == '"' || Peek() == '\'') {
      const char quote = Peek();
      ++pos_;
      while (!AtEnd() && Peek() != quote) {
        if (Peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
        test.value.push_back(text_[pos_]);
        ++pos_;
      }
      if (AtEnd()) {
        Fail("unterminated quoted value");
        return false;
      }
      ++pos_;
    } else {
      auto value = ParseName("a value (bare name or quoted string)");
      if (!value) return false;
      test.value = std::move(*value);
    }
    SkipSpaces();
    if (Peek() != ']') {
      Fail("expected ']'");
      return false;
    }
    ++pos_;
    compound.attrs.push_back(std::move(test));
    return true;
  }

  bool ParsePseudo(Selector::Compound& compound, bool allow_not) {
    const size_t start = pos_;
    auto name = ParseName("a pseudo-class name after ':'");
    if (!name) return false;
    for (char& ch : *name) ch = Lower(ch);
    if (*name == "first-child") {
      compound.first_child = true;
      return true;
    }
    if (*name == "last-child") {
      compound.last_child = true;
      return true;
    }
    if (*name != "nth-child" && *name != "not") {
      pos_ = start - 1;  // point at the ':'
      Fail("unsupported pseudo-class ':" + *name + "'");
      return false;
    }
    if (Peek() != '(') {
      Fail("expected '(' after :" + *name);
      return false;
    }
    ++pos_;
    SkipSpaces();
    if (*name == "nth-child") {
      auto nth = ParseNth();
      if (!nth) return false;
      compound.nth_child.push_back(*nth);
    } else {
      if (!allow_not) {
        pos_ = start - 1;
        Fail(":not() cannot be nested");
        return false;
      }
      Selector::Compound negated;
      if (Peek() == '*') {
        ++pos_;
      } else if (IsNameChar(Peek())) {
        auto tag = ParseName("a type name");
        if (!tag) return false;
        for (char& ch : *tag) ch = Lower(ch);
        negated.tag = std::move(*tag);
        negated.tag_id = TagId(negated.tag);
      } else if (Peek() == '#' || Peek() == '.' || Peek() == '[' || Peek() == ':') {
        if (!ParseSimpleInto(negated, false)) return false;
      } else {
        Fail("expected a simple selector inside :not()");
        return false;
      }
      compound.negated.push_back(std::move(negated));
    }
    SkipSpaces();
    if (Peek() != ')') {
      Fail("expected ')'");
      return false;
    }
    ++pos_;
    return true;
  }

  std::optional<Selector::Compound::Nth> ParseNth() {
    const size_t begin = pos_;
    while (!AtEnd() && Peek() != ')') ++pos_;
    std::string expr;
    for (size_t i = begin; i < pos_; ++i) {
      if (!IsSpace(text_[i])) expr.push_back(Lower(text_[i]));
    }
    const size_t end = pos_;
    pos_ = begin;
    auto bad = [&] { return Fail("expected N, odd, even or An+B in :nth-child()"); };
    constexpr int kMaxNth = 1000000;
    auto number = [&](std::string_view digits, int& out) {
      if (digits.empty() || digits.size() > 7) return false;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
      return ec == std::errc() && ptr == digits.data() + digits.size() && out <= kMaxNth;
    };
    Selector::Compound::Nth nth;
    if (expr == "odd") {
      nth = {2, 1};
    } else if (expr == "even") {
      nth = {2, 0};
    } else if (const size_t n = expr.find('n'); n == std::string::npos) {
      if (!number(expr, nth.offset) || nth.offset < 1) return bad();
    } else {
      std::string_view a = std::string_view(expr).substr(0, n);
      std::string_view b = std::string_view(expr).substr(n + 1);
      int sign = 1;
      if (!a.empty() && (a[0] == '-' || a[0] == '+')) {
        sign = a[0] == '-' ? -1 : 1;
        a.remove_prefix(1);
      }
      nth.step = 1;
      if (!a.empty() && !number(a, nth.step)) return bad();
      nth.step *= sign;
      if (!b.empty()) {
        const int b_sign = b[0] == '-' ? -1 : 1;
        if (b[0] != '-' && b[0] != '+') return bad();
        b.remove_prefix(1);
        if (!number(b, nth.offset)) return bad();
        nth.offset *= b_sign;
      }
    }
    pos_ = end;
    return nth;
  }

  std::string_view text_;
  size_t column_offset_;
  size_t pos_ = 0;
  SelectorError error_;
};

// Calls `visit(i)` for each character of `text` outside quotes, brackets and
// parentheses, in one pass, until it returns false.
template <typename Visit>
void ForEachTopLevel(std::string_view text, Visit visit) {
  char quote = '\0';
  int nesting = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != '\0') {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = '\0';
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '(') {
      ++nesting;
    } else if (c == ']' || c == ')') {
      --nesting;
    } else if (nesting <= 0 && !visit(i)) {
      return;
    }
  }
}

// Splits at top-level commas (outside quotes, brackets and parentheses).
std::vector<std::pair<size_t, size_t>> SplitGroups(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> pieces;
  size_t begin = 0;
  ForEachTopLevel(text, [&](size_t i) {
    if (text[i] == ',') {
      pieces.emplace_back(begin, i);
      begin = i + 1;
    }
    return true;
  });
  pieces.emplace_back(begin, text.size());
  return pieces;
}

// Finds a top-level " @attr" suffix (outside brackets and quotes); npos if none.
size_t FindAttributeSuffix(std::string_view text) {
  size_t at = std::string_view::npos;
  ForEachTopLevel(text, [&](size_t i) {
    if (text[i] != '@') return true;
    at = i;
    return false;
  });
  return at;
}

}  // namespace

Result<Selector> Selector::Parse(std::string_view text, SelectorError* error) {
  auto failure = [&](SelectorError e) -> Result<Selector> {
    std::string message = "column " + std::to_string(e.column) + ": " + e.message;
    if (error != nullptr) *error = std::move(e);
    return Status::InvalidArgument(std::move(message));
  };
  if (text.size() > kMaxSelectorBytes) return failure({kMaxSelectorBytes + 1, "selector too long"});
  Selector selector;
  selector.text_ = std::string(text);
  const auto pieces = SplitGroups(text);
  if (pieces.size() > kMaxSelectorGroups) {
    return failure({pieces[kMaxSelectorGroups].first + 1, "too many ',' groups"});
  }
  for (const auto& [begin, end] : pieces) {
    std::string_view piece = text.substr(begin, end - begin);
    std::string attribute;
    const size_t at = FindAttributeSuffix(piece);
    if (at != std::string_view::npos) {
      const std::string_view name = piece.substr(at + 1);
      size_t length = 0;
      while (length < name.size() && (IsNameChar(name[length]) || name[length] == ':')) ++length;
      size_t rest = length;
      while (rest < name.size() && IsSpace(name[rest])) ++rest;
      const size_t column = begin + at + 1;  // 1-based column of '@'
      if (length == 0) return failure({column + 1, "expected an attribute name after '@'"});
      if (rest != name.size()) {
        return failure({column + 1 + rest, "nothing may follow the '@attribute' suffix"});
      }
      if (at == 0 || !IsSpace(piece[at - 1])) {
        return failure({column, "'@attribute' must be separated from the selector by a space"});
      }
      for (size_t i = 0; i < length; ++i) attribute.push_back(Lower(name[i]));
      piece = piece.substr(0, at);
    }
    SelectorParser parser(piece, begin);
    auto group = parser.ParseGroup();
    if (!group) return failure(parser.error());
    group->attribute = std::move(attribute);
    selector.groups_.push_back(std::move(*group));
  }
  return selector;
}

}  // namespace leakwatch::parsers
