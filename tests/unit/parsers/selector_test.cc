#include "parsers/selector.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "parsers/internal/dom.h"

namespace leakwatch::parsers {
namespace {

using detail::Budget;
using detail::HtmlTree;

Budget Unlimited() {
  return Budget(SIZE_MAX, std::chrono::steady_clock::now() + std::chrono::hours(1));
}

// ids (or tag names for elements without one) of the matches, space-separated.
std::string Select(const std::string& html, const std::string& css) {
  auto selector = Selector::Parse(css);
  if (!selector.has_value()) return "PARSE ERROR " + selector.error().message();
  HtmlTree tree(html);
  auto budget = Unlimited();
  std::string out;
  for (const GumboNode* node : detail::SelectAll(tree.document(), *selector, budget)) {
    const char* id = detail::Attribute(node, "id");
    if (!out.empty()) out += ' ';
    out += id != nullptr ? std::string(id) : detail::TagName(node);
  }
  return out;
}

SelectorError ErrorOf(const std::string& css) {
  SelectorError error;
  auto selector = Selector::Parse(css, &error);
  CHECK_FALSE(selector.has_value());
  return error;
}

const std::string kPage = R"(<html><body>
<div id="d1" class="post bg1" data-author="alice">
  <p id="p1" class="author">by <a id="a1" href="/u/1" class="username">alice</a></p>
  <div id="c1" class="content">one</div>
</div>
<div id="d2" class="post bg2 sticky" data-author="bob">
  <p id="p2" class="author">by <a id="a2" href="https://x.example/u/2" class="username-coloured">bob</a></p>
  <div id="c2" class="content">two <span id="s1">inner</span></div>
</div>
<ul id="list"><li id="l1">1</li><li id="l2">2</li><li id="l3">3</li><li id="l4">4</li></ul>
<div class="pagination"><strong id="cur">1</strong><span id="sep" class="page-sep">, </span><a id="next" href="?start=25">2</a></div>
<custom-tag id="ct">x</custom-tag>
</body></html>)";

TEST_CASE("type, id, class and attribute selectors", "[unit]") {
  CHECK(Select(kPage, "div.post") == "d1 d2");
  CHECK(Select(kPage, "#c2") == "c2");
  CHECK(Select(kPage, ".post.sticky") == "d2");
  CHECK(Select(kPage, "DIV.post") == "d1 d2");
  CHECK(Select(kPage, "[data-author]") == "d1 d2");
  CHECK(Select(kPage, "[data-author=bob]") == "d2");
  CHECK(Select(kPage, "[data-author='alice']") == "d1");
  CHECK(Select(kPage, "a[href^=\"https://\"]") == "a2");
  CHECK(Select(kPage, "a[href$='/1']") == "a1");
  CHECK(Select(kPage, "a[class*=coloured]") == "a2");
  CHECK(Select(kPage, "div[class~=bg2]") == "d2");
  CHECK(Select(kPage, "custom-tag") == "ct");
  CHECK(Select(kPage, "*#l2") == "l2");
}

TEST_CASE("combinators", "[unit]") {
  CHECK(Select(kPage, "div.post a") == "a1 a2");
  CHECK(Select(kPage, "div.post > a") == "");
  CHECK(Select(kPage, "div.post > p > a") == "a1 a2");
  CHECK(Select(kPage, "body div .content span") == "s1");
  CHECK(Select(kPage, "strong + span.page-sep + a") == "next");
  CHECK(Select(kPage, "strong ~ a") == "next");
  CHECK(Select(kPage, "strong + a") == "");
  CHECK(Select(kPage, "ul > li + li") == "l2 l3 l4");
}

TEST_CASE("pseudo-classes", "[unit]") {
  CHECK(Select(kPage, "li:first-child") == "l1");
  CHECK(Select(kPage, "li:last-child") == "l4");
  CHECK(Select(kPage, "li:nth-child(3)") == "l3");
  CHECK(Select(kPage, "li:nth-child(odd)") == "l1 l3");
  CHECK(Select(kPage, "li:nth-child(even)") == "l2 l4");
  CHECK(Select(kPage, "li:nth-child(2n+1)") == "l1 l3");
  CHECK(Select(kPage, "li:nth-child(-n+2)") == "l1 l2");
  CHECK(Select(kPage, "div.post:not(.sticky)") == "d1");
  CHECK(Select(kPage, "a:not([href^='https'])") == "a1 next");
  CHECK(Select(kPage, "li:not(:first-child)") == "l2 l3 l4");
}

TEST_CASE("groups are returned in document order without duplicates", "[unit]") {
  CHECK(Select(kPage, "#c2, #c1, div.content") == "c1 c2");
  CHECK(Select(kPage, "li#l4, ul") == "list l4");
}

TEST_CASE("priority selection prefers the earlier group", "[unit]") {
  HtmlTree tree(kPage);
  auto budget = Unlimited();
  auto selector = Selector::Parse("#c2, #c1");
  REQUIRE(selector.has_value());
  const GumboNode* first = detail::SelectFirst(tree.document(), *selector, budget);
  const GumboNode* preferred = detail::SelectFirstByPriority(tree.document(), *selector, budget);
  CHECK(std::string(detail::Attribute(first, "id")) == "c1");
  CHECK(std::string(detail::Attribute(preferred, "id")) == "c2");
}

TEST_CASE("attribute suffix reads an attribute, falling back to text", "[unit]") {
  auto selector = Selector::Parse("div.post @data-author");
  REQUIRE(selector.has_value());
  CHECK(selector->groups()[0].attribute == "data-author");
  HtmlTree tree(kPage);
  auto budget = Unlimited();
  const GumboNode* node = detail::SelectFirst(tree.document(), *selector, budget);
  CHECK(detail::ValueOf(node, *selector, 100, budget) == "alice");
  auto text = Selector::Parse("#c2 @missing");
  REQUIRE(text.has_value());
  CHECK(detail::ValueOf(detail::SelectFirst(tree.document(), *text, budget), *text, 100, budget) ==
        "two inner");
  auto per_group = Selector::Parse("#a1 @href, #a2");
  REQUIRE(per_group.has_value());
  const auto matches = detail::SelectAll(tree.document(), *per_group, budget);
  REQUIRE(matches.size() == 2);
  CHECK(detail::ValueOf(matches[0], *per_group, 100, budget) == "/u/1");
  CHECK(detail::ValueOf(matches[1], *per_group, 100, budget) == "bob");
}

TEST_CASE("selector syntax errors carry the column", "[unit]") {
  CHECK(ErrorOf("div..post").column == 5);
  CHECK(ErrorOf("a[href=").column == 8);
  CHECK(ErrorOf("a[href='x").column == 10);
  CHECK(ErrorOf("div > ").column == 7);
  CHECK(ErrorOf("li:nth-child(x)").column == 14);
  CHECK(ErrorOf("a:hover").column == 2);
  CHECK(ErrorOf("a, , b").column == 4);
  CHECK(ErrorOf("div.post @").column == 11);
  CHECK(ErrorOf("div.post@href").column == 9);
  CHECK(ErrorOf("a:not(b c)").column == 9);
  CHECK(ErrorOf("a:not(:not(b))").column == 7);
  CHECK(ErrorOf("").column == 1);
  CHECK(ErrorOf("div $").column == 5);
  auto message = Selector::Parse("div..post");
  REQUIRE_FALSE(message.has_value());
  CHECK(message.error().message() == "column 5: expected a class name after '.'");
}

TEST_CASE("hostile selectors are bounded", "[unit]") {
  CHECK_FALSE(Selector::Parse(std::string(kMaxSelectorBytes + 1, 'a')).has_value());
  std::string long_chain;
  for (int i = 0; i < 40; ++i) long_chain += "div ";
  CHECK_FALSE(Selector::Parse(long_chain).has_value());
  std::string many_groups;
  for (int i = 0; i < 40; ++i) many_groups += "a,";
  many_groups += "a";
  CHECK_FALSE(Selector::Parse(many_groups).has_value());
}

TEST_CASE("10,000-deep nesting is matched without recursion on the DOM", "[unit]") {
  std::string html;
  for (int i = 0; i < 10000; ++i) html += "<span>";
  html += "<b id=deep>x</b>";
  // Bypass the pre-filter on purpose: the matcher itself must cope with depth.
  HtmlTree tree(html);
  auto budget = Unlimited();
  auto selector = Selector::Parse("span span span > b, html b");
  REQUIRE(selector.has_value());
  CHECK(detail::SelectAll(tree.document(), *selector, budget).size() == 1);
  CHECK(detail::TextOf(tree.root(), 1000) == "x");
}

TEST_CASE("the step budget stops pathological matching", "[unit]") {
  std::string html;
  for (int i = 0; i < 200; ++i) html += "<div>";
  html += "<span>x</span>";
  HtmlTree tree(html);
  Budget budget(5000, std::chrono::steady_clock::now() + std::chrono::hours(1));
  // No <section> exists, so every way of placing the divs is tried: exponential.
  auto selector = Selector::Parse("section div div div div div div span");
  REQUIRE(selector.has_value());
  detail::SelectAll(tree.document(), *selector, budget);
  CHECK(budget.exhausted());
}

TEST_CASE("the pre-filter caps nesting depth and element count", "[unit]") {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "<div>";
  deep += "text";
  for (int i = 0; i < 1000; ++i) deep += "</div>";
  auto filtered = detail::PrefilterHtml(deep, 100, 1'000'000);
  CHECK(filtered.dropped_tags == 1800);
  CHECK(filtered.html.find("text") != std::string::npos);
  auto untouched = detail::PrefilterHtml("<p>a<p>b<ul><li>x<li>y</ul>", 2, 100);
  CHECK(untouched.dropped_tags == 0);
  CHECK(untouched.storage.empty());
  auto capped = detail::PrefilterHtml("<a>1</a><a>2</a><a>3</a>", 100, 2);
  CHECK(capped.nodes_capped);
  CHECK(capped.html == "<a>1</a><a>2</a>");
  auto script = detail::PrefilterHtml("<script>if(a<b){'<div>'}</script><div>x</div>", 0, 100);
  CHECK(script.dropped_tags == 2);
  CHECK(script.html == "<script>if(a<b){'<div>'}</script>x");
}

}  // namespace
}  // namespace leakwatch::parsers
