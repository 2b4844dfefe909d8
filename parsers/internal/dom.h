// parsers/internal/dom: Gumbo parsing behind caps, selector matching and text
// extraction over Gumbo's tree. Private to parsers/.
//
// Nothing here recurses over the document: traversals keep an explicit stack, so a
// hostile nesting depth costs heap, not C++ stack. (Gumbo's own tree destruction does
// recurse, which is one more reason the pre-filter caps the depth handed to it.)
#pragma once

#include <gumbo.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/extraction.h"
#include "parsers/selector.h"

namespace leakwatch::parsers::detail {

// Counts selector work against a page-wide cap and deadline.
class Budget {
 public:
  Budget(size_t max_steps, std::chrono::steady_clock::time_point deadline)
      : steps_left_(max_steps), deadline_(deadline) {}
  // Consumes one step; false once the steps or the time are exhausted (sticky).
  bool Step() {
    if (exhausted_) return false;
    if (steps_left_ == 0) {
      exhausted_ = true;
      return false;
    }
    --steps_left_;
    constexpr size_t kClockEvery = 4096;
    if (++since_clock_ >= kClockEvery) {
      since_clock_ = 0;
      if (std::chrono::steady_clock::now() > deadline_) exhausted_ = true;
    }
    return !exhausted_;
  }
  bool exhausted() const { return exhausted_; }

 private:
  size_t steps_left_;
  std::chrono::steady_clock::time_point deadline_;
  size_t since_clock_ = 0;
  bool exhausted_ = false;
};

// Result of the pre-filter that runs before Gumbo.
struct Prefiltered {
  std::string_view html;  // points into the input or into `storage`
  std::string storage;
  size_t dropped_tags = 0;    // start/end tags removed for depth
  bool nodes_capped = false;  // input cut at the element cap
};

// Drops start tags nested deeper than `max_depth` (and their end tags) and cuts the
// input after `max_nodes` start tags. Depth is estimated like the tree builder would
// for well-formed markup, ignoring void and implicitly-closed elements (p, li, td...).
// Returns the input unchanged (no copy) when no cap is hit.
Prefiltered PrefilterHtml(std::string_view html, size_t max_depth, size_t max_nodes);

// Owns a Gumbo parse. Not copyable.
class HtmlTree {
 public:
  // REQUIRES: `utf8` is valid UTF-8 and outlives nothing (Gumbo copies what it keeps
  // except original-text pointers, which this class never exposes).
  HtmlTree(std::string utf8);
  ~HtmlTree();
  HtmlTree(const HtmlTree&) = delete;
  HtmlTree& operator=(const HtmlTree&) = delete;

  const GumboNode* root() const { return output_->root; }  // <html>
  const GumboNode* document() const { return output_->document; }

 private:
  std::string utf8_;  // Gumbo keeps pointers into its input
  GumboOutput* output_;
};

bool IsElement(const GumboNode* node);
// Children of an element, template or the document node; empty for others.
const GumboVector& ChildrenOf(const GumboNode* node);
// Lowercase tag name (works for unknown tags too).
std::string TagName(const GumboNode* node);
// The attribute's value, or nullptr.
const char* Attribute(const GumboNode* node, std::string_view name);

bool Matches(const GumboNode* node, const Selector& selector, Budget& budget);

// The `@attribute` of the first group of `selector` that matches `node`; empty when
// that group reads text or nothing matches.
std::string_view GroupAttribute(const GumboNode* node, const Selector& selector, Budget& budget);

// Every element under `scope` (not `scope` itself) matching `selector`, in document
// order. Ancestors above `scope` may satisfy combinators (querySelectorAll semantics).
std::vector<const GumboNode*> SelectAll(const GumboNode* scope, const Selector& selector,
                                        Budget& budget, size_t max_results = SIZE_MAX);
const GumboNode* SelectFirst(const GumboNode* scope, const Selector& selector, Budget& budget);

// The first match of the first group that matches anything: "a.x, b.y" prefers any
// a.x over an earlier b.y. Used for single-valued fields (author, time, body), where
// a profile lists alternatives for several engine versions in order of preference.
const GumboNode* SelectFirstByPriority(const GumboNode* scope, const Selector& selector,
                                       Budget& budget);

// Visible text of `node`'s subtree: whitespace collapsed, block elements and <br> as
// line breaks, <pre>/<textarea> kept verbatim, script/style skipped. Stops at
// `max_bytes` (sets *truncated).
std::string TextOf(const GumboNode* node, size_t max_bytes, bool* truncated = nullptr);

// The selector's attribute() of `node` when the selector names one and `node` has it,
// else its text; trimmed and capped.
std::string ValueOf(const GumboNode* node, const Selector& selector, size_t max_bytes,
                    Budget& budget);

// Calls visit(element) for each element under `scope` (not `scope` itself) in
// document order, iteratively; stops early when visit returns false.
template <typename Visitor>
void ForEachElement(const GumboNode* scope, Visitor&& visit) {
  struct Frame {
    const GumboNode* node;
    unsigned int next_child;
  };
  std::vector<Frame> stack;
  stack.push_back({scope, 0});
  while (!stack.empty()) {
    Frame& frame = stack.back();
    const GumboVector& children = ChildrenOf(frame.node);
    if (frame.next_child >= children.length) {
      stack.pop_back();
      continue;
    }
    const auto* child = static_cast<const GumboNode*>(children.data[frame.next_child++]);
    if (!IsElement(child)) continue;
    if (!visit(child)) return;
    if (ChildrenOf(child).length > 0) stack.push_back({child, 0});
  }
}

}  // namespace leakwatch::parsers::detail
