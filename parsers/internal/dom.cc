#include "parsers/internal/dom.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace leakwatch::parsers::detail {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// Elements that never hold descendants in the depth estimate: void elements and those
// the tree builder closes implicitly when a sibling starts.
bool IsUncountedElement(std::string_view name) {
  static constexpr std::array<std::string_view, 33> kNames = {
      "area", "base",  "br",     "col",    "embed",    "hr",    "img",   "input", "link",
      "meta", "param", "source", "track",  "wbr",      "p",     "li",    "td",    "th",
      "tr",   "dt",    "dd",     "option", "optgroup", "tbody", "thead", "tfoot", "colgroup",
      "rt",   "rp",    "html",   "head",   "body",     "frame"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

bool IsRawTextElement(std::string_view name) {
  return name == "script" || name == "style" || name == "textarea" || name == "title" ||
         name == "xmp" || name == "iframe" || name == "noembed" || name == "noframes" ||
         name == "plaintext";
}

// Position of the '>' ending a tag that starts at `pos`, honouring quoted values;
// npos when the tag never ends.
size_t TagEnd(std::string_view html, size_t pos) {
  char quote = '\0';
  for (size_t i = pos; i < html.size(); ++i) {
    const char c = html[i];
    if (quote != '\0') {
      if (c == quote) quote = '\0';
    } else if (c == '"' || c == '\'') {
      // Quotes only open an attribute value right after '='.
      size_t k = i;
      while (k > pos && IsSpace(html[k - 1])) --k;
      if (k > pos && html[k - 1] == '=') quote = c;
    } else if (c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

// Finds "</name" case-insensitively from `pos`; npos when absent.
size_t FindEndTag(std::string_view html, size_t pos, std::string_view name) {
  while ((pos = html.find("</", pos)) != std::string_view::npos) {
    if (EqualsIgnoreCase(html.substr(pos + 2, name.size()), name)) return pos;
    pos += 2;
  }
  return std::string_view::npos;
}

const GumboVector kEmptyVector = {nullptr, 0, 0};

bool IsBlock(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_TEXTAREA:
      return true;
    default:
      return false;
  }
}

bool IsSkipped(GumboTag tag) {
  return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
         tag == GUMBO_TAG_NOSCRIPT || tag == GUMBO_TAG_HEAD;
}

// Appends text to the output with whitespace collapsed; newlines are pushed
// separately as block boundaries.
class TextBuilder {
 public:
  explicit TextBuilder(size_t max_bytes) : max_bytes_(max_bytes) {}

  // NBSP (U+00A0, from &nbsp;) is layout, not data: it collapses like a space.
  void AppendCollapsed(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
      const size_t word_end = EndOfWord(text, i);
      if (word_end > i) {
        if (pending_space_ && !out_.empty() && out_.back() != '\n') Push(' ');
        pending_space_ = false;
        Append(text.substr(i, word_end - i));
        i = word_end;
        continue;
      }
      pending_space_ = true;
      i += IsNbsp(text, i) ? size_t{2} : size_t{1};
    }
  }
  void AppendVerbatim(std::string_view text) {
    if (pending_space_ && !out_.empty() && out_.back() != '\n') Push(' ');
    pending_space_ = false;
    for (const char c : text) Push(c == '\r' ? '\n' : c);
  }
  // Ends the current line at a block boundary (no blank lines between blocks).
  void BlockBoundary() {
    TrimTrailingSpaces();
    if (!out_.empty() && out_.back() != '\n') Push('\n');
  }
  // A forced line break (<br>): consecutive ones give at most one blank line.
  void LineBreak() {
    TrimTrailingSpaces();
    if (out_.empty()) return;
    if (out_.size() >= 2 && out_[out_.size() - 1] == '\n' && out_[out_.size() - 2] == '\n') return;
    Push('\n');
  }
  bool full() const { return full_; }
  std::string Finish() {
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    // Do not end inside a UTF-8 sequence after truncation.
    while (full_ && !out_.empty() && (static_cast<unsigned char>(out_.back()) & 0xC0u) == 0x80u) {
      out_.pop_back();
    }
    if (full_ && !out_.empty() && static_cast<unsigned char>(out_.back()) >= 0xC0u) {
      out_.pop_back();
    }
    return std::move(out_);
  }

 private:
  void TrimTrailingSpaces() {
    pending_space_ = false;
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
  }
  void Push(char c) {
    if (out_.size() >= max_bytes_) {
      full_ = true;
      return;
    }
    out_.push_back(c);
  }
  // Push for each byte of `text`, in one copy.
  void Append(std::string_view text) {
    const size_t room = max_bytes_ - std::min(max_bytes_, out_.size());
    if (text.size() > room) {
      text = text.substr(0, room);
      full_ = true;
    }
    out_.append(text);
  }
  static bool IsNbsp(std::string_view text, size_t i) {
    return text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
  }
  // The end of the run of characters from `i` that are neither space nor NBSP.
  static size_t EndOfWord(std::string_view text, size_t i) {
    while (i < text.size() && !IsSpace(text[i]) && !IsNbsp(text, i)) ++i;
    return i;
  }
  size_t max_bytes_;
  std::string out_;
  bool pending_space_ = false;
  bool full_ = false;
};

bool HasClass(const char* class_attr, std::string_view wanted) {
  std::string_view classes = class_attr;
  size_t pos = 0;
  while (pos < classes.size()) {
    while (pos < classes.size() && IsSpace(classes[pos])) ++pos;
    size_t end = pos;
    while (end < classes.size() && !IsSpace(classes[end])) ++end;
    if (end > pos && classes.substr(pos, end - pos) == wanted) return true;
    pos = end;
  }
  return false;
}

bool AttrMatches(const GumboNode* node, const Selector::AttrTest& test) {
  const char* raw = Attribute(node, test.name);
  if (raw == nullptr) return false;
  const std::string_view value = raw;
  switch (test.op) {
    case Selector::AttrOp::kExists:
      return true;
    case Selector::AttrOp::kEquals:
      return value == test.value;
    case Selector::AttrOp::kIncludes:
      return !test.value.empty() && HasClass(raw, test.value);
    case Selector::AttrOp::kPrefix:
      return !test.value.empty() && value.substr(0, test.value.size()) == test.value;
    case Selector::AttrOp::kSuffix:
      return !test.value.empty() && value.size() >= test.value.size() &&
             value.substr(value.size() - test.value.size()) == test.value;
    case Selector::AttrOp::kContains:
      return !test.value.empty() && value.find(test.value) != std::string_view::npos;
  }
  return false;
}

// 1-based position among element siblings, and whether it is the last one.
std::pair<size_t, bool> ElementPosition(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  if (parent == nullptr) return {1, true};
  const GumboVector& siblings = ChildrenOf(parent);
  size_t position = 0;
  bool last = true;
  bool seen = false;
  for (unsigned int i = 0; i < siblings.length; ++i) {
    const auto* sibling = static_cast<const GumboNode*>(siblings.data[i]);
    if (!IsElement(sibling)) continue;
    if (seen) {
      last = false;
      break;
    }
    ++position;
    if (sibling == node) seen = true;
  }
  return {position, last};
}

bool NthMatches(const Selector::Compound::Nth& nth, size_t position) {
  const auto p = static_cast<long long>(position);
  if (nth.step == 0) return p == nth.offset;
  const long long diff = p - nth.offset;
  if (diff % nth.step != 0) return false;
  return diff / nth.step >= 0;
}

bool TagMatches(const GumboNode* node, const Selector::Compound& compound) {
  if (compound.tag.empty()) return true;
  const GumboTag node_tag = node->v.element.tag;
  if (compound.tag_id >= 0) return static_cast<int>(node_tag) == compound.tag_id;
  return node_tag == GUMBO_TAG_UNKNOWN && TagName(node) == compound.tag;
}

bool CompoundMatches(const GumboNode* node, const Selector::Compound& compound) {
  if (!TagMatches(node, compound)) return false;
  for (const auto& id : compound.ids) {
    const char* value = Attribute(node, "id");
    if (value == nullptr || id != value) return false;
  }
  if (!compound.classes.empty()) {
    const char* value = Attribute(node, "class");
    if (value == nullptr) return false;
    for (const auto& name : compound.classes) {
      if (!HasClass(value, name)) return false;
    }
  }
  for (const auto& test : compound.attrs) {
    if (!AttrMatches(node, test)) return false;
  }
  if (compound.first_child || compound.last_child || !compound.nth_child.empty()) {
    const auto [position, last] = ElementPosition(node);
    if (compound.first_child && position != 1) return false;
    if (compound.last_child && !last) return false;
    for (const auto& nth : compound.nth_child) {
      if (!NthMatches(nth, position)) return false;
    }
  }
  for (const auto& negated : compound.negated) {
    if (CompoundMatches(node, negated)) return false;
  }
  return true;
}

const GumboNode* ElementParent(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  return IsElement(parent) ? parent : nullptr;
}

// The element sibling before `node`, skipping text and comments; nullptr if none.
const GumboNode* PreviousElementSibling(const GumboNode* node) {
  if (node->parent == nullptr) return nullptr;
  const GumboVector& siblings = ChildrenOf(node->parent);
  for (size_t i = node->index_within_parent; i > 0; --i) {
    if (i - 1 >= siblings.length) continue;
    const auto* sibling = static_cast<const GumboNode*>(siblings.data[i - 1]);
    if (IsElement(sibling)) return sibling;
  }
  return nullptr;
}

// Matches compounds[0..index] with compounds[index] at `node`. Recursion depth is
// bounded by the number of compounds (kMaxSelectorCompounds), never by the DOM; the
// ancestor walks are loops.
bool MatchFrom(const GumboNode* node, const Selector::Complex& complex, size_t index,
               Budget& budget) {
  if (!budget.Step()) return false;
  if (!CompoundMatches(node, complex.compounds[index])) return false;
  if (index == 0) return true;
  const auto combinator = complex.combinators[index - 1];
  if (combinator == Selector::Combinator::kChild) {
    const GumboNode* parent = ElementParent(node);
    return parent != nullptr && MatchFrom(parent, complex, index - 1, budget);
  }
  if (combinator == Selector::Combinator::kAdjacent) {
    const GumboNode* previous = PreviousElementSibling(node);
    return previous != nullptr && MatchFrom(previous, complex, index - 1, budget);
  }
  if (combinator == Selector::Combinator::kSibling) {
    for (const GumboNode* previous = PreviousElementSibling(node); previous != nullptr;
         previous = PreviousElementSibling(previous)) {
      if (MatchFrom(previous, complex, index - 1, budget)) return true;
      if (budget.exhausted()) return false;
    }
    return false;
  }
  for (const GumboNode* ancestor = ElementParent(node); ancestor != nullptr;
       ancestor = ElementParent(ancestor)) {
    if (MatchFrom(ancestor, complex, index - 1, budget)) return true;
    if (budget.exhausted()) return false;
  }
  return false;
}

}  // namespace

Prefiltered PrefilterHtml(std::string_view html, size_t max_depth, size_t max_nodes) {
  Prefiltered result;
  result.html = html;
  size_t depth = 0;
  size_t suppressed = 0;
  size_t elements = 0;
  size_t copied_until = 0;  // input consumed into storage so far, when copying
  bool copying = false;
  auto drop = [&](size_t begin, size_t end) {
    if (!copying) {
      copying = true;
      result.storage.reserve(html.size());
    }
    result.storage.append(html.substr(copied_until, begin - copied_until));
    copied_until = end;
    ++result.dropped_tags;
  };
  size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string_view::npos) {
    if (html.substr(pos, 4) == "<!--") {
      const size_t end = html.find("-->", pos + 4);
      if (end == std::string_view::npos) break;
      pos = end + 3;
      continue;
    }
    const bool closing = pos + 1 < html.size() && html[pos + 1] == '/';
    const size_t name_begin = pos + (closing ? 2 : 1);
    if (name_begin >= html.size() || !IsAsciiAlpha(html[name_begin])) {
      ++pos;
      continue;
    }
    size_t name_end = name_begin;
    std::string name;
    while (name_end < html.size() && !IsSpace(html[name_end]) && html[name_end] != '>' &&
           html[name_end] != '/') {
      constexpr size_t kMaxTagName = 32;
      if (name.size() < kMaxTagName) name.push_back(Lower(html[name_end]));
      ++name_end;
    }
    const size_t end = TagEnd(html, name_end);
    if (end == std::string_view::npos) break;
    if (closing) {
      if (!IsUncountedElement(name)) {
        if (suppressed > 0) {
          --suppressed;
          drop(pos, end + 1);
        } else if (depth > 0) {
          --depth;
        }
      }
      pos = end + 1;
      continue;
    }
    if (++elements > max_nodes) {
      result.nodes_capped = true;
      if (!copying) {
        copying = true;
        result.storage.reserve(pos);
      }
      result.storage.append(html.substr(copied_until, pos - copied_until));
      copied_until = html.size();
      break;
    }
    const bool self_closing = end > 0 && html[end - 1] == '/';
    if (IsRawTextElement(name)) {
      const size_t close = FindEndTag(html, end + 1, name);
      if (close == std::string_view::npos) break;
      pos = close;  // the end tag is handled (uncounted) on the next turn
      continue;
    }
    if (!IsUncountedElement(name) && !self_closing) {
      if (depth >= max_depth) {
        ++suppressed;
        drop(pos, end + 1);
      } else {
        ++depth;
      }
    }
    pos = end + 1;
  }
  if (copying) {
    result.storage.append(html.substr(std::min(copied_until, html.size())));
    result.html = result.storage;
  }
  return result;
}

HtmlTree::HtmlTree(std::string utf8) : utf8_(std::move(utf8)) {
  GumboOptions options = kGumboDefaultOptions;
  constexpr int kMaxParseErrors = 100;  // we never read them; do not collect millions
  options.max_errors = kMaxParseErrors;
  output_ = gumbo_parse_with_options(&options, utf8_.data(), utf8_.size());
}

HtmlTree::~HtmlTree() { gumbo_destroy_output(&kGumboDefaultOptions, output_); }

bool IsElement(const GumboNode* node) {
  return node != nullptr && (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE);
}

const GumboVector& ChildrenOf(const GumboNode* node) {
  if (node == nullptr) return kEmptyVector;
  if (node->type == GUMBO_NODE_DOCUMENT) return node->v.document.children;
  if (IsElement(node)) return node->v.element.children;
  return kEmptyVector;
}

std::string TagName(const GumboNode* node) {
  if (!IsElement(node)) return {};
  if (node->v.element.tag != GUMBO_TAG_UNKNOWN) {
    return gumbo_normalized_tagname(node->v.element.tag);
  }
  GumboStringPiece piece = node->v.element.original_tag;
  gumbo_tag_from_original_text(&piece);
  std::string name(piece.data == nullptr ? "" : std::string_view(piece.data, piece.length));
  for (char& c : name) c = Lower(c);
  return name;
}

const char* Attribute(const GumboNode* node, std::string_view name) {
  if (!IsElement(node)) return nullptr;
  const GumboVector& attributes = node->v.element.attributes;
  for (unsigned int i = 0; i < attributes.length; ++i) {
    const auto* attribute = static_cast<const GumboAttribute*>(attributes.data[i]);
    if (EqualsIgnoreCase(attribute->name, name)) return attribute->value;
  }
  return nullptr;
}

bool Matches(const GumboNode* node, const Selector& selector, Budget& budget) {
  if (!IsElement(node)) return false;
  for (const auto& complex : selector.groups()) {
    if (MatchFrom(node, complex, complex.compounds.size() - 1, budget)) return true;
    if (budget.exhausted()) return false;
  }
  return false;
}

std::vector<const GumboNode*> SelectAll(const GumboNode* scope, const Selector& selector,
                                        Budget& budget, size_t max_results) {
  std::vector<const GumboNode*> found;
  if (scope == nullptr) return found;
  ForEachElement(scope, [&](const GumboNode* element) {
    if (Matches(element, selector, budget)) found.push_back(element);
    return !budget.exhausted() && found.size() < max_results;
  });
  return found;
}

const GumboNode* SelectFirst(const GumboNode* scope, const Selector& selector, Budget& budget) {
  auto found = SelectAll(scope, selector, budget, 1);
  return found.empty() ? nullptr : found.front();
}

const GumboNode* SelectFirstByPriority(const GumboNode* scope, const Selector& selector,
                                       Budget& budget) {
  if (scope == nullptr) return nullptr;
  for (const auto& complex : selector.groups()) {
    const GumboNode* found = nullptr;
    ForEachElement(scope, [&](const GumboNode* element) {
      if (MatchFrom(element, complex, complex.compounds.size() - 1, budget)) found = element;
      return found == nullptr && !budget.exhausted();
    });
    if (found != nullptr || budget.exhausted()) return found;
  }
  return nullptr;
}

std::string TextOf(const GumboNode* node, size_t max_bytes, bool* truncated) {
  TextBuilder builder(max_bytes);
  struct Frame {
    const GumboNode* node;
    unsigned int next_child;
    bool verbatim;
  };
  std::vector<Frame> stack;
  if (node == nullptr) return {};
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA) {
    builder.AppendCollapsed(node->v.text.text);
    return builder.Finish();
  }
  const bool root_verbatim = IsElement(node) && (node->v.element.tag == GUMBO_TAG_PRE ||
                                                 node->v.element.tag == GUMBO_TAG_TEXTAREA);
  stack.push_back({node, 0, root_verbatim});
  while (!stack.empty() && !builder.full()) {
    Frame& frame = stack.back();
    const GumboVector& children = ChildrenOf(frame.node);
    if (frame.next_child >= children.length) {
      if (IsElement(frame.node) && IsBlock(frame.node->v.element.tag)) builder.BlockBoundary();
      stack.pop_back();
      continue;
    }
    const bool verbatim = frame.verbatim;
    const auto* child = static_cast<const GumboNode*>(children.data[frame.next_child++]);
    switch (child->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE:
        if (verbatim) {
          builder.AppendVerbatim(child->v.text.text);
        } else {
          builder.AppendCollapsed(child->v.text.text);
        }
        break;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE: {
        const GumboTag tag = child->v.element.tag;
        if (IsSkipped(tag)) break;
        if (tag == GUMBO_TAG_BR) {
          builder.LineBreak();
          break;
        }
        if (IsBlock(tag)) builder.BlockBoundary();
        const bool child_verbatim = verbatim || tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_TEXTAREA;
        stack.push_back({child, 0, child_verbatim});
        break;
      }
      default:
        break;
    }
  }
  if (truncated != nullptr) *truncated = builder.full();
  return builder.Finish();
}

std::string_view GroupAttribute(const GumboNode* node, const Selector& selector, Budget& budget) {
  if (!IsElement(node)) return {};
  for (const auto& complex : selector.groups()) {
    if (MatchFrom(node, complex, complex.compounds.size() - 1, budget)) return complex.attribute;
  }
  return {};
}

std::string ValueOf(const GumboNode* node, const Selector& selector, size_t max_bytes,
                    Budget& budget) {
  const std::string_view attribute = GroupAttribute(node, selector, budget);
  const char* value = attribute.empty() ? nullptr : Attribute(node, attribute);
  if (value == nullptr) return TextOf(node, max_bytes);
  std::string_view text = value;
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  if (text.size() > max_bytes) {
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
    text = text.substr(0, cut);
  }
  return std::string(text);
}

}  // namespace leakwatch::parsers::detail
