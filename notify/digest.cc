#include "notify/internal/digest.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "notify/internal/json_form.h"
#include "util/clock.h"
#include "util/text.h"

namespace leakwatch::notify::detail {
namespace {

using store::SightingKind;

// Kinds from worst (the dataset itself is out) to mildest (a name was mentioned).
constexpr std::array<SightingKind, 5> kKindsBySeverity = {
    SightingKind::kExact, SightingKind::kRecords, SightingKind::kPartial, SightingKind::kImage,
    SightingKind::kMention};

int SeverityRank(SightingKind kind) {
  for (size_t i = 0; i < kKindsBySeverity.size(); ++i) {
    if (kKindsBySeverity[i] == kind) return static_cast<int>(i);
  }
  return static_cast<int>(kKindsBySeverity.size());
}

std::string FormatScore(const store::Sighting& s) {
  switch (s.kind) {
    case SightingKind::kRecords:
      return fmt::format("{:.0f} rec", s.score);
    case SightingKind::kMention:
      return "-";
    default:
      return fmt::format("{:.2f}", s.score);
  }
}

// "1 exact, 2 mention", worst kind first.
std::string KindBreakdown(const Digest& digest) {
  std::string out;
  for (SightingKind kind : kKindsBySeverity) {
    const auto n = std::count_if(digest.sightings.begin(), digest.sightings.end(),
                                 [kind](const store::Sighting& s) { return s.kind == kind; });
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", n, store::SightingKindName(kind));
  }
  return out;
}

// "2 profile_broken, 1 session_expired".
std::string StateBreakdown(const Digest& digest) {
  std::map<std::string_view, size_t> counts;
  for (const SourceAlert& a : digest.source_alerts) ++counts[store::SourceStateName(a.state)];
  std::string out;
  for (const auto& [state, n] : counts) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", n, state);
  }
  return out;
}

// What the user should do about a source in `state`.
std::string_view SourceAdvice(store::SourceState state) {
  switch (state) {
    case store::SourceState::kProfileBroken:
      return "pages fetch fine but the profile extracts nothing: the site probably changed "
             "its markup; check it with `leakwatch parse` and update the profile";
    case store::SourceState::kSessionExpired:
      return "the site redirects to its login page: renew the source's cookies";
    default:
      return "check `leakwatch sources`";
  }
}

}  // namespace

std::string_view DigestEventName(DigestEvent event) {
  switch (event) {
    case DigestEvent::kTest:
      return "test";
    case DigestEvent::kSourceHealth:
      return "source_health";
    case DigestEvent::kSightings:
      break;
  }
  return "sightings";
}

Digest MakeTestDigest(std::string channel, int64_t now) {
  Digest digest;
  digest.channel = std::move(channel);
  digest.generated_at = now;
  digest.event = DigestEvent::kTest;
  store::Sighting s;
  s.id = 0;
  s.source = "leakwatch-test";
  s.url = "http://example.invalid/leakwatch-test-message";
  s.sha256 = std::string(64, '0');
  s.kind = SightingKind::kMention;
  s.score = 0;
  s.snippet = "This is a test message from `leakwatch notify test`; no data was found.";
  s.first_seen = now;
  s.last_seen = now;
  digest.sightings.push_back(std::move(s));
  return digest;
}

std::string WorstKind(const Digest& digest) {
  int best = static_cast<int>(kKindsBySeverity.size());
  for (const store::Sighting& s : digest.sightings) best = std::min(best, SeverityRank(s.kind));
  if (best >= static_cast<int>(kKindsBySeverity.size())) return "";
  return std::string(store::SightingKindName(kKindsBySeverity[static_cast<size_t>(best)]));
}

double MaxScore(const Digest& digest) {
  double max = 0;
  for (const store::Sighting& s : digest.sightings) max = std::max(max, s.score);
  return max;
}

std::string Subject(const Digest& digest) {
  if (digest.event == DigestEvent::kTest) {
    return HeaderSafe(fmt::format("[leakwatch] test message for channel {}", digest.channel));
  }
  if (digest.event == DigestEvent::kSourceHealth) {
    const size_t n = digest.source_alerts.size();
    return fmt::format("[leakwatch] {} source{} need{} attention ({})", n, n == 1 ? "" : "s",
                       n == 1 ? "s" : "", StateBreakdown(digest));
  }
  const size_t n = digest.sightings.size();
  const bool only_mentions =
      std::all_of(digest.sightings.begin(), digest.sightings.end(),
                  [](const store::Sighting& s) { return s.kind == SightingKind::kMention; });
  if (only_mentions) {
    return fmt::format("[leakwatch] {} new watch-list mention{}", n, n == 1 ? "" : "s");
  }
  return fmt::format("[leakwatch] ALERT: {} new sighting{} of the dataset ({})", n,
                     n == 1 ? "" : "s", KindBreakdown(digest));
}

std::string FormatShortTime(int64_t unix_seconds) {
  const auto secs = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min);
}

std::string HeaderSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) continue;  // CR, LF, controls and non-ASCII never reach a header
    out += ch;
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderText(const Digest& digest, const Limits& limits) {
  const size_t cap = limits.max_field_chars;
  std::string out;
  if (digest.event == DigestEvent::kSourceHealth) {
    out += fmt::format(
        "leakwatch can no longer see into {} source{}: sightings there would be missed.\n\n",
        digest.source_alerts.size(), digest.source_alerts.size() == 1 ? "" : "s");
    for (const SourceAlert& a : digest.source_alerts) {
      out += fmt::format("{}  {}\n    {}\n", util::DisplaySafe(a.source, cap),
                         store::SourceStateName(a.state), SourceAdvice(a.state));
      if (!a.detail.empty())
        out += fmt::format("    detail: {}\n", util::DisplaySafe(a.detail, cap));
      out += "\n";
    }
    out += fmt::format("Generated {}. See `leakwatch sources` for every source's state.\n",
                       FormatShortTime(digest.generated_at));
    return out;
  }
  if (digest.event == DigestEvent::kTest) {
    out += fmt::format(
        "This is a test message from leakwatch for channel \"{}\".\n"
        "If you can read it, alerts will reach you here. The row below is made up.\n\n",
        util::DisplaySafe(digest.channel, cap));
  } else {
    out += fmt::format("leakwatch recorded {} new sighting{} ({}) for channel \"{}\".\n\n",
                       digest.sightings.size(), digest.sightings.size() == 1 ? "" : "s",
                       KindBreakdown(digest), util::DisplaySafe(digest.channel, cap));
  }
  for (const store::Sighting& s : digest.sightings) {
    out += fmt::format("#{}  {}  score {}  source {}  first seen {}\n", s.id,
                       store::SightingKindName(s.kind), FormatScore(s),
                       util::DisplaySafe(s.source, cap), FormatShortTime(s.first_seen));
    out += fmt::format("    URL: {}\n", util::DisplaySafe(s.url, cap));
    if (!s.member_path.empty()) {
      out += fmt::format("    member: {}\n", util::DisplaySafe(s.member_path, cap));
    }
    if (s.snippet.has_value())
      out += fmt::format("    snippet: {}\n", util::DisplaySafe(*s.snippet, cap));
    out += "\n";
  }
  out += fmt::format(
      "Generated {}. Triage with `leakwatch sightings --unacked`, details with\n"
      "`leakwatch sightings show ID`, mark done with `leakwatch sightings ack ID`.\n"
      "URLs are shown as text on purpose: they point at hostile sites.\n",
      FormatShortTime(digest.generated_at));
  return out;
}

std::string RenderHtml(const Digest& digest, const Limits& limits) {
  const size_t cap = limits.max_field_chars;
  const auto esc = [cap](std::string_view v) { return HtmlEscape(util::DisplaySafe(v, cap)); };
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                    HtmlEscape(Subject(digest)) +
                    "</title></head>\n<body style=\"font-family:sans-serif\">\n";
  if (digest.event == DigestEvent::kSourceHealth) {
    out += fmt::format(
        "<p>leakwatch can no longer see into <b>{}</b> source{}: sightings there would be "
        "missed.</p>\n<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" "
        "style=\"border-collapse:collapse\">\n<tr><th>Source</th><th>State</th><th>What to "
        "do</th><th>Detail</th></tr>\n",
        digest.source_alerts.size(), digest.source_alerts.size() == 1 ? "" : "s");
    for (const SourceAlert& a : digest.source_alerts) {
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(a.source),
                         store::SourceStateName(a.state), HtmlEscape(SourceAdvice(a.state)),
                         esc(a.detail));
    }
    out += fmt::format(
        "</table>\n<p>Generated {}. See <code>leakwatch sources</code> for every source's "
        "state.</p>\n</body></html>\n",
        FormatShortTime(digest.generated_at));
    return out;
  }
  if (digest.event == DigestEvent::kTest) {
    out += "<p>This is a <b>test message</b> from leakwatch for channel &quot;" +
           esc(digest.channel) + "&quot;. The row below is made up.</p>\n";
  } else {
    out += fmt::format(
        "<p>leakwatch recorded <b>{}</b> new sighting{} ({}) for channel "
        "&quot;{}&quot;.</p>\n",
        digest.sightings.size(), digest.sightings.size() == 1 ? "" : "s",
        HtmlEscape(KindBreakdown(digest)), esc(digest.channel));
  }
  out +=
      "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" "
      "style=\"border-collapse:collapse\">\n"
      "<tr><th>ID</th><th>Kind</th><th>Score</th><th>Source</th><th>URL</th>"
      "<th>First seen</th></tr>\n";
  for (const store::Sighting& s : digest.sightings) {
    std::string url_cell = "<code>" + esc(s.url) + "</code>";
    if (!s.member_path.empty()) url_cell += "<br>member: <code>" + esc(s.member_path) + "</code>";
    if (s.snippet.has_value()) url_cell += "<br><i>" + esc(*s.snippet) + "</i>";
    out +=
        fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    s.id, store::SightingKindName(s.kind), HtmlEscape(FormatScore(s)),
                    esc(s.source), url_cell, FormatShortTime(s.first_seen));
  }
  out += fmt::format(
      "</table>\n<p>Generated {}. Triage with <code>leakwatch sightings --unacked</code>. "
      "URLs are shown as text, not links, on purpose: they point at hostile sites.</p>\n"
      "</body></html>\n",
      FormatShortTime(digest.generated_at));
  return out;
}

std::string RenderJson(const Digest& digest) {
  using nlohmann::json;
  try {
    json sightings = json::array();
    for (const store::Sighting& s : digest.sightings) sightings.push_back(SightingJsonValue(s));
    json body = json::object();
    body["version"] = kJsonVersion;
    body["type"] = DigestEventName(digest.event);
    body["channel"] = digest.channel;
    body["generated_at"] = util::FormatRfc3339(util::FromUnixSeconds(digest.generated_at));
    body["count"] = digest.sightings.size();
    body["worst_kind"] = WorstKind(digest);
    body["max_score"] = MaxScore(digest);
    body["sightings"] = std::move(sightings);
    if (digest.event == DigestEvent::kSourceHealth) {
      json alerts = json::array();
      for (const SourceAlert& a : digest.source_alerts) {
        alerts.push_back({{"source", a.source},
                          {"state", store::SourceStateName(a.state)},
                          {"detail", a.detail}});
      }
      body["sources"] = std::move(alerts);
    }
    return DumpJson(body, -1);
  } catch (const std::exception&) {
    return "{}";  // allocation failure only
  }
}

}  // namespace leakwatch::notify::detail
