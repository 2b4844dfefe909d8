// crawler/parsers_page_processor: the production PageProcessor — site-profile
// extraction (parsers) for pages and dataset matching (match) for every body.
//
// Pages (listings and items) go through parsers::Extract with the source's profile
// ("auto" detects the engine): links become frontier URLs (roles listing / item /
// file), the next page and the item yield are passed on. Every body, page or file, is
// streamed through a MatchStream when a Matcher is given; findings become sightings
// (kind, score, dataset refs, sha256, linked-from). Anomalies (from extraction, the
// expander and the matcher) are passed on with the URL and member path they concern.
// Every body goes through the archive expander first (match/archive.h), so members of
// a zip or tar.gz download are matched too, as "<url>!/member/path", under the
// expansion limits. With a watch list, each extracted document (or a plain-text
// body) is searched for watch terms, giving `mention` sightings with a snippet.
//
// Thread safety: Process may run on many workers at once; `profiles` and `matcher`
// are immutable and must outlive the processor.
#pragma once

#include "crawler/page_processor.h"
#include "match/archive.h"
#include "match/matcher.h"
#include "match/watchlist.h"
#include "parsers/extraction.h"
#include "parsers/profile.h"

namespace leakwatch::crawler {

// How bodies are parsed and matched; `leakwatch crawl` fills it from the config
// (app/content_options.h).
struct ProcessOptions {
  parsers::Limits parse;         // every page extracted
  match::ArchiveLimits archive;  // every body expanded
  // Every object matched: archive members as given; the body itself with
  // compute_sha256 off, since the crawler hashes every body itself.
  match::MatchOptions match;
};

class ParsersPageProcessor final : public PageProcessor {
 public:
  // `matcher` may be null (crawl without a pack: links only); so may `watchlist`.
  ParsersPageProcessor(const parsers::ProfileSet& profiles, const match::Matcher* matcher,
                       const match::WatchList* watchlist = nullptr, ProcessOptions options = {});

  ProcessedPage Process(const FetchedContent& content) override;

 private:
  const parsers::ProfileSet& profiles_;
  const match::Matcher* matcher_;
  const match::WatchList* watchlist_;
  ProcessOptions options_;
};

}  // namespace leakwatch::crawler
