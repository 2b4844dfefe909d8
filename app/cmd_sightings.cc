// leakwatch sightings [list] | show ID | ack ID | export | summary: querying what the
// crawler found. Machine formats (json, jsonl, csv) are documented and kept stable in
// docs/sightings-format.md; the table is for humans (80 columns, colour on a TTY only).
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <ostream>

#include "app/commands.h"
#include "app/coverage.h"
#include "notify/sighting_json.h"
#include "store/evidence.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/text.h"

namespace leakwatch::app {
namespace {

constexpr int64_t kDefaultListLimit = 100;
constexpr size_t kMaxDisplayBytes = 400;
constexpr const char* kAnsiBold = "\x1b[1m";
constexpr const char* kAnsiRed = "\x1b[31m";
constexpr const char* kAnsiDim = "\x1b[2m";
constexpr const char* kAnsiReset = "\x1b[0m";

// The column layout of the table: 80 columns in total.
constexpr size_t kIdWidth = 6;
constexpr size_t kTimeWidth = 16;
constexpr size_t kKindWidth = 7;
constexpr size_t kScoreWidth = 7;
constexpr size_t kSourceWidth = 12;
constexpr size_t kUrlWidth = 80 - (kIdWidth + kTimeWidth + kKindWidth + kScoreWidth + kSourceWidth +
                                   1 /*ack mark*/ + 6 /*separators*/);

struct SightingsFlags {
  std::string since;
  std::string until;
  std::string source;
  std::string kind;
  std::optional<double> min_score;
  bool unacked = false;
  std::optional<int64_t> limit;
  std::string format;
  int64_t id = 0;
  std::string note;
};

// --since / --until: a duration back from now ("24h", "7d"), a date ("2026-11-01",
// midnight UTC) or an RFC 3339 UTC time ("2026-11-01T12:00:00Z").
Result<int64_t> ParseTimeBound(std::string_view text, int64_t now, std::string_view flag) {
  const auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "{} {}: expected a duration back from now (24h, 7d), a date (2026-11-01) or a UTC "
        "time (2026-11-01T12:00:00Z)",
        flag, text));
  };
  if (text.empty()) return bad();
  if (Result<std::chrono::milliseconds> d = util::ParseDuration(text); d.has_value()) {
    return now - std::chrono::duration_cast<std::chrono::seconds>(*d).count();
  }
  const auto number = [&](size_t pos, size_t len, int lo, int hi) -> std::optional<int> {
    if (pos + len > text.size()) return std::nullopt;
    int value = 0;
    const char* first = text.data() + pos;
    const auto [ptr, ec] = std::from_chars(first, first + len, value);
    if (ec != std::errc() || ptr != first + len || value < lo || value > hi) return std::nullopt;
    return value;
  };
  std::tm tm{};
  const auto year = number(0, 4, 1970, 9999);
  const auto month = number(5, 2, 1, 12);
  const auto day = number(8, 2, 1, 31);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') return bad();
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  if (text.size() != 10) {
    const auto hour = number(11, 2, 0, 23);
    const auto minute = number(14, 2, 0, 59);
    const auto second = number(17, 2, 0, 60);
    if (text.size() != 20 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z' || !hour || !minute || !second) {
      return bad();
    }
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
  }
  const time_t t = timegm(&tm);
  if (tm.tm_mday != *day) return bad();  // e.g. 2026-02-31 normalised to March
  return static_cast<int64_t>(t);
}

Result<store::Store> OpenToRead(Context& ctx, const util::Clock& clock) {
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return config.error();
  return ctx.OpenDatabaseForReading(*config, clock);
}

Result<store::SightingFilter> BuildFilter(const SightingsFlags& flags, int64_t now,
                                          int64_t default_limit) {
  store::SightingFilter filter;
  if (!flags.since.empty()) {
    LW_ASSIGN_OR_RETURN(filter.since, ParseTimeBound(flags.since, now, "--since"));
  }
  if (!flags.until.empty()) {
    LW_ASSIGN_OR_RETURN(filter.until, ParseTimeBound(flags.until, now, "--until"));
  }
  if (!flags.source.empty()) filter.source = flags.source;
  if (!flags.kind.empty()) {
    Result<store::SightingKind> kind = store::ParseSightingKind(flags.kind);
    if (!kind.has_value()) {
      return Status::InvalidArgument(fmt::format(
          "--kind {}: expected one of exact, partial, records, image, mention", flags.kind));
    }
    filter.kind = *kind;
  }
  filter.min_score = flags.min_score;
  filter.unacked_only = flags.unacked;
  filter.limit = flags.limit.value_or(default_limit);
  if (filter.limit < 0) return Status::InvalidArgument("--limit must be >= 0 (0 = no limit)");
  return filter;
}

std::string Rfc3339(int64_t t) { return util::FormatRfc3339(util::FromUnixSeconds(t)); }

std::string ShortTime(int64_t t) {
  std::string s = Rfc3339(t);  // 2026-11-27T08:00:00Z
  s[10] = ' ';
  return s.substr(0, kTimeWidth);
}

std::string ScoreText(const store::Sighting& s) {
  switch (s.kind) {
    case store::SightingKind::kRecords:
      return fmt::format("{:.0f}rec", s.score);
    case store::SightingKind::kMention:
      return "-";
    default:
      return fmt::format("{:.2f}", s.score);
  }
}

// Number of UTF-8 code points (display columns, near enough for URLs and names).
size_t Columns(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// `s` made terminal-safe, cut to `width` columns (with "…") and padded to it.
std::string Fit(std::string_view raw, size_t width) {
  std::string s = util::DisplaySafe(raw, kMaxDisplayBytes);
  if (Columns(s) > width) {
    std::string cut;
    size_t cols = 0;
    for (char c : s) {
      const bool starts_char = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      if (starts_char && ++cols > width - 1) break;
      cut += c;
    }
    s = cut + "…";
  }
  s.append(width - std::min(width, Columns(s)), ' ');
  return s;
}

void PrintTable(std::ostream& out, const std::vector<store::Sighting>& rows, bool colour) {
  const std::string header = fmt::format("{:<{}} {:<{}} {:<{}} {:<{}} {:<{}}  {}", "ID", kIdWidth,
                                         "FIRST SEEN (UTC)", kTimeWidth, "KIND", kKindWidth,
                                         "SCORE", kScoreWidth, "SOURCE", kSourceWidth, "URL");
  out << (colour ? kAnsiBold : "") << header << (colour ? kAnsiReset : "") << "\n";
  for (const store::Sighting& s : rows) {
    std::string line = fmt::format(
        "{:<{}} {} {:<{}} {:<{}} {} {} {}", s.id, kIdWidth, ShortTime(s.first_seen),
        store::SightingKindName(s.kind), kKindWidth, ScoreText(s), kScoreWidth,
        Fit(s.source, kSourceWidth), s.acked_at.has_value() ? "✓" : " ", Fit(s.url, kUrlWidth));
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (colour && s.acked_at.has_value()) {
      line = kAnsiDim + line + kAnsiReset;
    } else if (colour && s.kind != store::SightingKind::kMention) {
      line = kAnsiRed + line + kAnsiReset;
    }
    out << line << "\n";
  }
  if (rows.empty()) out << "(no sightings match)\n";
}

// RFC 4180 field. URLs and paths are attacker controlled: control and bidi characters
// are neutralised as in the table (util::DisplaySafe), and text cells that a
// spreadsheet would run as a formula (=, +, -, @ first) get a leading apostrophe.
std::string CsvText(std::string_view value) {
  std::string v = util::DisplaySafe(value);
  if (!v.empty() && std::string_view("=+-@\t\r").find(v.front()) != std::string_view::npos) {
    v.insert(v.begin(), '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char c : v) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string CsvOptional(const std::optional<std::string>& v) { return v ? CsvText(*v) : ""; }

constexpr const char* kCsvHeader =
    "id,first_seen,last_seen,kind,score,source,url,member_path,sha256,linked_from,snippet,"
    "evidence_warc,evidence_warc_offset,run_id,acked_at,acked_by,ack_note,part_offset,part_length,"
    "object_size\r\n";

void PrintCsv(std::ostream& out, const std::vector<store::Sighting>& rows) {
  out << kCsvHeader;
  for (const store::Sighting& s : rows) {
    out << s.id << ',' << Rfc3339(s.first_seen) << ',' << Rfc3339(s.last_seen) << ','
        << store::SightingKindName(s.kind) << ',' << fmt::format("{}", s.score) << ','
        << CsvText(s.source) << ',' << CsvText(s.url) << ',' << CsvText(s.member_path) << ','
        << s.sha256 << ',' << CsvOptional(s.linked_from) << ',' << CsvOptional(s.snippet) << ','
        << CsvOptional(s.evidence_warc) << ','
        << (s.evidence_warc_offset ? std::to_string(*s.evidence_warc_offset) : "") << ','
        << (s.run_id ? std::to_string(*s.run_id) : "") << ','
        << (s.acked_at ? Rfc3339(*s.acked_at) : "") << ',' << CsvOptional(s.acked_by) << ','
        << CsvOptional(s.ack_note) << ',' << (s.part ? std::to_string(s.part->offset) : "") << ','
        << (s.part ? std::to_string(s.part->length) : "") << ','
        << (s.part && s.part->object_size ? std::to_string(*s.part->object_size) : "") << "\r\n";
  }
}

void PrintJson(std::ostream& out, const std::vector<store::Sighting>& rows) {
  out << "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    out << (i == 0 ? "\n  " : ",\n  ") << notify::SightingToJson(rows[i]);
  }
  out << (rows.empty() ? "]\n" : "\n]\n");
}

void PrintJsonl(std::ostream& out, const std::vector<store::Sighting>& rows) {
  for (const store::Sighting& s : rows) out << notify::SightingToJson(s) << "\n";
}

Status PrintRows(Context& ctx, const std::vector<store::Sighting>& rows, std::string_view format) {
  if (format == "table") {
    PrintTable(ctx.out(), rows, ctx.env().out_is_tty);
  } else if (format == "json") {
    PrintJson(ctx.out(), rows);
  } else if (format == "jsonl") {
    PrintJsonl(ctx.out(), rows);
  } else if (format == "csv") {
    PrintCsv(ctx.out(), rows);
  } else {
    return Status::InvalidArgument(
        fmt::format("--format {}: expected table, json, jsonl or csv", format));
  }
  return Status::Ok();
}

int RunList(Context& ctx, const SightingsFlags& flags) {
  const util::SystemClock clock;
  Result<store::SightingFilter> filter =
      BuildFilter(flags, util::ToUnixSeconds(clock.Now()), kDefaultListLimit);
  if (!filter.has_value()) return ctx.Fail(filter.error());
  const std::string format = flags.format.empty() ? "table" : flags.format;
  if (format != "table" && format != "json" && format != "jsonl" && format != "csv") {
    return ctx.Fail(Status::InvalidArgument(
        fmt::format("--format {}: expected table, json, jsonl or csv", format)));
  }
  Result<store::Store> db = OpenToRead(ctx, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<std::vector<store::Sighting>> rows = db->sightings().Query(*filter);
  if (!rows.has_value()) return ctx.Fail(rows.error());
  if (Status printed = PrintRows(ctx, *rows, format); !printed.ok()) return ctx.Fail(printed);
  return kExitOk;
}

Result<store::Sighting> GetSighting(store::Store& db, int64_t id) {
  Result<store::Sighting> s = db.sightings().Get(id);
  if (!s.has_value() && s.error().code() == StatusCode::kNotFound) {
    return Status::NotFound(
        fmt::format("no sighting with id {} (list them with `leakwatch sightings`)", id));
  }
  return s;
}

int RunShow(Context& ctx, const SightingsFlags& flags) {
  const std::string format = flags.format.empty() ? "text" : flags.format;
  if (format != "text" && format != "json") {
    return ctx.Fail(Status::InvalidArgument(
        fmt::format("--format {}: `sightings show` prints text or json", format)));
  }
  const util::SystemClock clock;
  Result<store::Store> db = OpenToRead(ctx, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<store::Sighting> s = GetSighting(*db, flags.id);
  if (!s.has_value()) return ctx.Fail(s.error());
  if (format == "json") {
    ctx.out() << notify::SightingToJson(*s) << "\n";
    return kExitOk;
  }
  Result<std::vector<store::OutboxMessage>> deliveries = db->outbox().ListForSighting(s->id);
  if (!deliveries.has_value()) return ctx.Fail(deliveries.error());
  std::ostream& out = ctx.out();
  const auto field = [&out](std::string_view name, std::string_view value) {
    out << fmt::format("{:<14} {}\n", std::string(name) + ":", value);
  };
  const auto safe = [](std::string_view v) { return util::DisplaySafe(v, 4096); };
  field("id", std::to_string(s->id));
  field("kind", store::SightingKindName(s->kind));
  field("score", ScoreText(*s));
  field("source", safe(s->source));
  field("url", safe(s->url));
  if (!s->member_path.empty()) field("member", safe(s->member_path));
  field("sha256", s->sha256);
  field("first seen", Rfc3339(s->first_seen));
  field("last seen", Rfc3339(s->last_seen));
  if (s->linked_from) field("linked from", safe(*s->linked_from));
  if (s->snippet) field("snippet", safe(*s->snippet));
  field("dataset refs", safe(s->dataset_refs));
  if (s->evidence_warc) {
    field("evidence", fmt::format("{} (response record at byte {})", safe(*s->evidence_warc),
                                  s->evidence_warc_offset.value_or(0)));
  } else {
    field("evidence", "(none recorded)");
  }
  if (s->run_id) field("run", std::to_string(*s->run_id));
  if (s->part) {
    field("part", fmt::format("bytes {} to {} of {} (matched in part: a download stopped early "
                              "or resumed)",
                              s->part->offset, s->part->offset + s->part->length,
                              s->part->object_size ? std::to_string(*s->part->object_size)
                                                   : std::string("an unknown size")));
  }
  if (s->acked_at) {
    field("acked", fmt::format("{} by {}", Rfc3339(*s->acked_at), safe(s->acked_by.value_or("?"))));
    if (s->ack_note) field("ack note", safe(*s->ack_note));
  } else {
    field("acked", "no (`leakwatch sightings ack " + std::to_string(s->id) + "`)");
  }
  for (const store::OutboxMessage& m : *deliveries) {
    std::string state(store::OutboxStateName(m.state));
    if (m.sent_at) state += " at " + Rfc3339(*m.sent_at);
    if (m.state != store::OutboxState::kSent && m.last_error) state += ": " + *m.last_error;
    field("notify " + m.channel, fmt::format("{} ({} attempt(s))", state, m.attempts));
  }
  return kExitOk;
}

// $USER from the invocation's environment, else the name of our uid, else "uid N".
std::string WhoAmI(const Context& ctx) {
  if (std::optional<std::string> user = ctx.env().vars.get("USER"); user && !user->empty()) {
    return *user;
  }
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return fmt::format("uid {}", getuid());
}

int RunAck(Context& ctx, const SightingsFlags& flags) {
  const util::SystemClock clock;
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  Result<store::Store> db = ctx.OpenDatabaseForWriting(*config, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<store::Sighting> s = GetSighting(*db, flags.id);
  if (!s.has_value()) return ctx.Fail(s.error());
  std::optional<std::string> note;
  if (!flags.note.empty()) note = flags.note;
  const std::string who = WhoAmI(ctx);
  if (Status acked = db->sightings().Ack(flags.id, who, note); !acked.ok()) return ctx.Fail(acked);
  ctx.out() << fmt::format("sighting {} acknowledged by {}\n", flags.id, who);
  return kExitOk;
}

// WARC export: store::ExportEvidence writes the stream; this reports what it did.
int ExportWarc(Context& ctx, const std::vector<store::Sighting>& rows, util::TimePoint now) {
  const store::EvidenceExportReport report = store::ExportEvidence(rows, now, ctx.out());
  for (const auto& [id, status] : report.failures) {
    ctx.err() << fmt::format("leakwatch: sighting {}: {}\n", id, status.message());
  }
  ctx.err() << fmt::format(
      "exported {} evidence record(s); {} sighting(s) without evidence{}\n", report.exported,
      report.without_evidence,
      report.failures.empty() ? "" : fmt::format("; {} failed", report.failures.size()));
  // An export that leaves out any selected sighting's evidence is not the evidence
  // the analyst asked for: say so and fail, after writing what could be exported.
  if (report.without_evidence > 0) {
    ctx.err() << fmt::format(
        "leakwatch: {} selected sighting(s) have no evidence recorded (see `sightings show ID`); "
        "the export is incomplete\n",
        report.without_evidence);
  }
  return report.complete() ? kExitOk : kExitFailure;
}

int RunExport(Context& ctx, const SightingsFlags& flags) {
  const std::string format = flags.format.empty() ? "jsonl" : flags.format;
  if (format != "jsonl" && format != "warc") {
    return ctx.Fail(Status::InvalidArgument(
        fmt::format("--format {}: `sightings export` writes jsonl or warc", format)));
  }
  const util::SystemClock clock;
  Result<store::SightingFilter> filter =
      BuildFilter(flags, util::ToUnixSeconds(clock.Now()), /*default_limit=*/0);
  if (!filter.has_value()) return ctx.Fail(filter.error());
  Result<store::Store> db = OpenToRead(ctx, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<std::vector<store::Sighting>> rows = db->sightings().Query(*filter);
  if (!rows.has_value()) return ctx.Fail(rows.error());
  if (format == "warc") return ExportWarc(ctx, *rows, clock.Now());
  PrintJsonl(ctx.out(), *rows);
  return kExitOk;
}

int RunSummary(Context& ctx, const SightingsFlags& flags) {
  const util::SystemClock clock;
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  Result<store::SightingFilter> filter =
      BuildFilter(flags, util::ToUnixSeconds(clock.Now()), /*default_limit=*/0);
  if (!filter.has_value()) return ctx.Fail(filter.error());
  Result<store::Store> db = ctx.OpenDatabaseForReading(*config, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<int64_t> files = db->coverage().CountSeen(store::CoverageKind::kFile);
  Result<int64_t> records = db->coverage().CountSeen(store::CoverageKind::kRecord);
  Result<std::vector<store::Sighting>> rows = db->sightings().Query(*filter);
  for (const Status& st : {files.has_value() ? Status::Ok() : files.error(),
                           records.has_value() ? Status::Ok() : records.error(),
                           rows.has_value() ? Status::Ok() : rows.error()}) {
    if (!st.ok()) return ctx.Fail(st);
  }
  std::map<std::string, int64_t> by_kind;
  std::map<std::string, int64_t> by_source;
  std::map<std::string, int64_t> by_day;
  int64_t unacked = 0;
  for (const store::Sighting& s : *rows) {
    ++by_kind[std::string(store::SightingKindName(s.kind))];
    ++by_source[util::DisplaySafe(s.source, 64)];
    ++by_day[Rfc3339(s.first_seen).substr(0, 10)];
    if (!s.acked_at) ++unacked;
  }
  std::ostream& out = ctx.out();
  out << CoverageLine(*files, *records, config->match.pack) << "\n";
  out << fmt::format("Sightings: {} ({} not yet acknowledged)\n", rows->size(), unacked);
  const auto section = [&out](std::string_view title, const std::map<std::string, int64_t>& m) {
    out << "\n" << title << ":\n";
    if (m.empty()) out << "  (none)\n";
    for (const auto& [key, n] : m) out << fmt::format("  {:<32} {:>8}\n", key, n);
  };
  section("By kind", by_kind);
  section("By source", by_source);
  section("By day (first seen, UTC)", by_day);
  return kExitOk;
}

void AddFilterOptions(CLI::App* cmd, SightingsFlags& flags) {
  cmd->add_option("--since", flags.since,
                  "Only sightings first seen since: 24h, 7d, 2026-11-01 or 2026-11-01T12:00:00Z");
  cmd->add_option("--until", flags.until, "Only sightings first seen before (same forms)");
  cmd->add_option("--source", flags.source, "Only this source (by name)");
  cmd->add_option("--kind", flags.kind, "Only this kind: exact, partial, records, image, mention");
  cmd->add_option("--min-score", flags.min_score, "Only sightings scoring at least this");
  cmd->add_flag("--unacked", flags.unacked, "Only sightings not yet acknowledged");
  cmd->add_option("--limit", flags.limit, "At most N rows, newest first (default 100; 0 = all)");
}

}  // namespace

void RegisterSightings(CLI::App& root, Context& ctx, Action& action) {
  auto flags = std::make_shared<SightingsFlags>();  // shared: captured by the callbacks
  CLI::App* cmd = root.add_subcommand(
      "sightings",
      "List sightings newest first (exit 0; 1 on a runtime error, 2 on a bad flag); "
      "subcommands show, ack, export, summary");
  AddFilterOptions(cmd, *flags);
  cmd->add_option("--format", flags->format,
                  "table (default), json, jsonl or csv; schemas: docs/sightings-format.md");

  CLI::App* show = cmd->add_subcommand("show",
                                       "Everything known about one sighting (exit 1 "
                                       "for an unknown id); --format text|json");
  show->add_option("ID", flags->id, "Sighting id")->required();
  CLI::App* ack = cmd->add_subcommand(
      "ack", "Mark a sighting triaged, recording who ($USER) and when (exit 1 for an unknown id)");
  ack->add_option("ID", flags->id, "Sighting id")->required();
  ack->add_option("--note", flags->note, "Free-text note stored with the acknowledgement");
  CLI::App* exp = cmd->add_subcommand(
      "export",
      "Write sightings as JSON lines, or (--format warc) their WARC/1.1 evidence records "
      "(all by default; the list filters apply)");
  CLI::App* summary = cmd->add_subcommand(
      "summary", "Coverage (dataset files and records seen) and sightings per kind, source, day");

  show->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunShow(ctx, *flags); }; });
  ack->callback([&ctx, &action, flags] { action = [&ctx, flags] { return RunAck(ctx, *flags); }; });
  exp->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunExport(ctx, *flags); }; });
  summary->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunSummary(ctx, *flags); }; });
  cmd->callback([&ctx, &action, flags, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // a subcommand set the action
    action = [&ctx, flags] { return RunList(ctx, *flags); };
  });
}

}  // namespace leakwatch::app
