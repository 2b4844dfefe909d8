// match/watchlist: watch-list terms and RE2 regexes (the victim's name, the
// contractor's name, domains) that make `mention` findings with a short snippet.
//
// RE2 runs in time linear in the text, so a hostile page cannot make a regex blow
// up. Terms are literal (quoted), regexes are user-written; both honour ignore_case.
//
// Thread safety: immutable after Compile; Scan may run on any number of threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "match/finding.h"
#include "util/status.h"

namespace leakwatch::match {

// Longest snippet kept around a mention, in bytes (cut at UTF-8 boundaries).
inline constexpr size_t kMaxMentionSnippet = 200;

class WatchList {
 public:
  // Errors: InvalidArgument naming the regex and RE2's complaint.
  static Result<WatchList> Compile(const std::vector<std::string>& terms,
                                   const std::vector<std::string>& regexes, bool ignore_case);
  WatchList();
  ~WatchList();
  WatchList(WatchList&&) noexcept;
  WatchList& operator=(WatchList&&) noexcept;

  bool empty() const;

  // One kMention finding per term or regex found in `text` (the first occurrence),
  // with `snippet` set to the text around it and dataset_refs {"term:N"} / {"regex:N"}
  // (N = index in the config list). Score is 1.0: a mention is present or not.
  std::vector<Finding> Scan(std::string_view path, std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::match
