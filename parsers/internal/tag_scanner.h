// parsers/internal/tag_scanner: a forward-only HTML tokenizer that builds no tree.
// Private to parsers/.
//
// Directory listings can hold 100,000 entries in one page; a Gumbo tree of such a page
// costs several hundred bytes per entry on top of the links extracted from it. This
// scanner walks the text once and hands out start tags (lowercased name, attributes with
// character references decoded), end tags and text runs, so a listing is read in one
// pass holding only the current row. It is tolerant like a browser's tokenizer where it
// matters for listings: comments, doctypes and processing instructions are skipped,
// <script>/<style> contents are skipped, <title>/<textarea> contents are text, an
// unterminated tag or quote ends at the end of the input. It is not an HTML parser:
// no implied end tags, no foster parenting.
//
// Thread safety: a TagScanner is used by one thread; the functions are pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakwatch::parsers::detail {

// Decodes character references: the named ones listings use (amp, lt, gt, quot, apos,
// nbsp, mdash, ndash, hellip, copy), decimal and hex. Unknown names stay verbatim; a
// numeric reference to NUL, a surrogate or past U+10FFFF becomes U+FFFD.
std::string DecodeCharacterReferences(std::string_view text);

struct Tag {
  std::string name;  // lowercase
  bool end = false;  // </name>
  // Start tags only; names lowercase, values decoded. At most kMaxAttributes are kept.
  std::vector<std::pair<std::string, std::string>> attributes;

  // The attribute's value, or nullptr.
  const std::string* Attribute(std::string_view attribute_name) const;
};

class TagScanner {
 public:
  static constexpr size_t kMaxAttributes = 32;

  enum class Token { kText, kTag, kEnd };

  // REQUIRES: `html` outlives the scanner.
  explicit TagScanner(std::string_view html) : html_(html) {}
  TagScanner(const TagScanner&) = delete;
  TagScanner& operator=(const TagScanner&) = delete;

  // Advances to the next token; kEnd once the input is consumed (and ever after).
  Token Next();

  // The current kText token, raw (character references not decoded); never empty.
  std::string_view text() const { return text_; }
  // The current kTag token.
  const Tag& tag() const { return tag_; }
  // Bytes consumed so far.
  size_t offset() const { return pos_; }

 private:
  bool ScanMarkup();  // at '<': a tag (true) or skipped markup/literal '<' (false)
  void ScanAttributes();
  void SkipRawText(std::string_view name);  // to just before "</name"

  std::string_view html_;
  size_t pos_ = 0;
  std::string_view text_;
  Tag tag_;
  std::string raw_text_end_;  // set after <title>/<textarea>: the next text runs to it
};

}  // namespace leakwatch::parsers::detail
