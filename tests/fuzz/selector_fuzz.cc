// Fuzzes the selector parser and, for selectors that parse, matching them against a
// small fixed document (exercises combinators, :nth-child, :not and @attribute).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parsers/internal/dom.h"
#include "parsers/selector.h"

namespace {

constexpr char kDocument[] =
    "<html><body><div id=a class='post bg1' data-x=1><p class=author>by <a href=/u/1>x</a>"
    "</p><ul><li>1<li>2<li>3</ul><strong>1</strong><span class=page-sep>,</span>"
    "<a rel=next href=?p=2>2</a></div><table><tr><td>c</td></tr></table></body></html>";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using leakwatch::parsers::Selector;
  namespace detail = leakwatch::parsers::detail;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  leakwatch::parsers::SelectorError error;
  auto selector = Selector::Parse(text, &error);
  if (!selector.has_value()) {
    if (error.column == 0 || error.message.empty()) __builtin_trap();  // errors must locate
    return 0;
  }
  static const detail::HtmlTree* tree = new detail::HtmlTree(kDocument);
  detail::Budget budget(100000, std::chrono::steady_clock::now() + std::chrono::seconds(1));
  for (const GumboNode* node : detail::SelectAll(tree->document(), *selector, budget)) {
    (void)detail::ValueOf(node, *selector, 256, budget);
  }
  (void)detail::SelectFirstByPriority(tree->document(), *selector, budget);
  return 0;
}
