#include "match/watchlist.h"

#include <re2/re2.h>

namespace leakwatch::match {
namespace {

constexpr int64_t kMaxRegexMemory = 8 << 20;  // per compiled pattern

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The text around [begin, end) of `text`, at most kMaxMentionSnippet bytes, never
// splitting a UTF-8 sequence, with control characters and newlines turned to spaces.
std::string MentionSnippet(std::string_view text, size_t begin, size_t end) {
  end = std::min(end, text.size());
  begin = std::min(begin, end);
  const size_t context =
      kMaxMentionSnippet > end - begin ? (kMaxMentionSnippet - (end - begin)) / 2 : 0;
  size_t from = begin > context ? begin - context : 0;
  size_t to = std::min(text.size(), end + context);
  if (to - from > kMaxMentionSnippet) to = from + kMaxMentionSnippet;
  while (from > 0 && from < text.size() && IsUtf8Continuation(text[from])) ++from;
  while (to < text.size() && to > from && IsUtf8Continuation(text[to])) --to;
  std::string out(text.substr(from, to - from));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

}  // namespace

struct WatchList::Impl {
  struct Pattern {
    std::string ref;  // "term:N" or "regex:N"
    std::unique_ptr<RE2> re;
  };
  std::vector<Pattern> patterns;
};

WatchList::WatchList() : impl_(std::make_unique<Impl>()) {}
WatchList::~WatchList() = default;
WatchList::WatchList(WatchList&&) noexcept = default;
WatchList& WatchList::operator=(WatchList&&) noexcept = default;

Result<WatchList> WatchList::Compile(const std::vector<std::string>& terms,
                                     const std::vector<std::string>& regexes, bool ignore_case) {
  RE2::Options options;
  options.set_case_sensitive(!ignore_case);
  options.set_log_errors(false);
  options.set_max_mem(kMaxRegexMemory);
  WatchList list;
  auto add = [&](std::string ref, const std::string& pattern) -> Status {
    auto re = std::make_unique<RE2>(pattern, options);
    if (!re->ok()) {
      return Status::InvalidArgument("match.watch " + ref + ": bad regex: " + re->error());
    }
    list.impl_->patterns.push_back({std::move(ref), std::move(re)});
    return Status::Ok();
  };
  for (size_t i = 0; i < terms.size(); ++i) {
    if (terms[i].empty()) continue;
    LW_RETURN_IF_ERROR(add("term:" + std::to_string(i), RE2::QuoteMeta(terms[i])));
  }
  for (size_t i = 0; i < regexes.size(); ++i) {
    LW_RETURN_IF_ERROR(add("regex:" + std::to_string(i), regexes[i]));
  }
  return list;
}

bool WatchList::empty() const { return impl_->patterns.empty(); }

std::vector<Finding> WatchList::Scan(std::string_view path, std::string_view text) const {
  std::vector<Finding> findings;
  const re2::StringPiece input(text.data(), text.size());
  for (const Impl::Pattern& pattern : impl_->patterns) {
    re2::StringPiece match;
    if (!pattern.re->Match(input, 0, input.size(), RE2::UNANCHORED, &match, 1)) continue;
    const auto begin = static_cast<size_t>(match.data() - text.data());
    Finding f;
    f.path = std::string(path);
    f.kind = FindingKind::kMention;
    f.score = 1.0;
    f.dataset_refs = {pattern.ref};
    f.snippet = MentionSnippet(text, begin, begin + match.size());
    findings.push_back(std::move(f));
  }
  return findings;
}

}  // namespace leakwatch::match
