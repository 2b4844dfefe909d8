// notify/internal/digest: what one delivery carries (the sightings of one channel)
// and its renderings: mail subject, plain text, HTML and the JSON body of webhooks
// and exec hooks (schema in docs/notify.md, version kJsonVersion).
//
// Everything from a sighting except its kind and numbers is attacker controlled
// (URLs, member paths, snippets, even source-supplied text): HTML output escapes it,
// text output replaces control characters (util::DisplaySafe), JSON output escapes
// them (util::EscapeUnsafeInJson), and the subject is built from counts and kind
// names only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "notify/notify.h"
#include "store/sightings.h"

namespace leakwatch::notify::detail {

inline constexpr int kJsonVersion = 1;

enum class DigestEvent {
  kSightings,     // new sightings from the outbox
  kTest,          // `leakwatch notify test`
  kSourceHealth,  // sources that need a human (SendSourceAlerts)
};
// "sightings", "test", "source_health": the webhook X-Leakwatch-Event header, the exec
// hook's LEAKWATCH_EVENT and the JSON body's "type".
std::string_view DigestEventName(DigestEvent event);

struct Digest {
  std::string channel;  // the channel's name
  DigestEvent event = DigestEvent::kSightings;
  std::vector<store::Sighting> sightings;  // newest first is not required; rendered as given
  std::vector<SourceAlert> source_alerts;  // kSourceHealth only
  int64_t generated_at = 0;                // Unix seconds
};

// A digest with one made-up sighting, for `notify test`.
Digest MakeTestDigest(std::string channel, int64_t now);

// "[leakwatch] ALERT: 3 new sightings of the dataset (1 exact, 2 mention)". ASCII only,
// built from counts, kind and state names (never from site content).
std::string Subject(const Digest& digest);

// The plain-text body (UTF-8, control characters replaced, long fields cut).
std::string RenderText(const Digest& digest, const Limits& limits);

// A complete HTML document with a table of the sightings; every value escaped.
std::string RenderHtml(const Digest& digest, const Limits& limits);

// The webhook / exec hook JSON body (documented in docs/notify.md).
std::string RenderJson(const Digest& digest);

// The worst kind in the digest and the highest score (for env vars and subjects).
std::string WorstKind(const Digest& digest);
double MaxScore(const Digest& digest);

// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);
// For mail headers: removes CR, LF and every other control character.
std::string HeaderSafe(std::string_view text);

// "2026-11-27 07:51 UTC".
std::string FormatShortTime(int64_t unix_seconds);

}  // namespace leakwatch::notify::detail
