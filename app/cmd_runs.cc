// leakwatch runs [--limit N] [--format table|json]: recent crawl runs with their pages,
// bytes, errors and anomalies by kind. leakwatch runs show ID: one run and its stored
// anomaly rows ("limit: expansion ratio in member dump/zeros.bin of <url>"), so a
// download that gave nothing can be explained without -v. The JSON schemas are in
// docs/runs-format.md. URLs, member paths and details come from hostile sites: on a
// terminal they pass util::DisplaySafe, in JSON util::EscapeUnsafeInJson.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/commands.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/text.h"

namespace leakwatch::app {
namespace {

constexpr int64_t kDefaultRunLimit = 20;
constexpr size_t kMaxShownBytes = 2048;  // per string on a terminal (stored caps are larger)
constexpr size_t kStatusWidth = 11;
constexpr size_t kTimeWidth = 16;

struct RunsFlags {
  int64_t limit = kDefaultRunLimit;
  std::string format;
  int64_t id = 0;
  std::string kind;
};

std::string Rfc3339(int64_t t) { return util::FormatRfc3339(util::FromUnixSeconds(t)); }

std::string ShortTime(int64_t t) {
  std::string s = Rfc3339(t);  // 2026-11-27T08:00:00Z
  s[10] = ' ';
  return s.substr(0, kTimeWidth);
}

std::string Safe(std::string_view text) { return util::DisplaySafe(text, kMaxShownBytes); }

// "2 of 5 stored" when the run's bound dropped rows.
std::string StoredNote(const store::AnomalyCounts& counts) {
  if (counts.stored == counts.total) return "";
  return fmt::format(" ({} stored: a run keeps at most {} rows, {} per fetched object)",
                     counts.stored, store::kMaxAnomalyRowsPerRun, store::kMaxAnomalyRowsPerObject);
}

nlohmann::ordered_json CountsJson(const std::map<std::string, int64_t>& counts) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [key, n] : counts) object[key] = n;
  return object;
}

nlohmann::ordered_json RunJson(const store::Run& run, const store::AnomalyCounts& anomalies) {
  nlohmann::ordered_json j;
  j["id"] = run.id;
  j["started_at"] = Rfc3339(run.started_at);
  j["finished_at"] = run.finished_at ? nlohmann::ordered_json(Rfc3339(*run.finished_at)) : nullptr;
  j["status"] = store::RunStatusName(run.status);
  j["pid"] = run.pid;
  j["pages"] = run.stats.pages;
  j["bytes"] = run.stats.bytes;
  j["errors"] = run.stats.errors;
  j["errors_by_class"] = CountsJson(run.stats.errors_by_class);
  j["anomalies"] = {{"total", anomalies.total},
                    {"stored", anomalies.stored},
                    {"by_kind", CountsJson(anomalies.by_kind)}};
  j["note"] = run.note ? nlohmann::ordered_json(*run.note) : nullptr;
  return j;
}

nlohmann::ordered_json AnomalyJson(const store::Anomaly& a) {
  return {{"id", a.id},
          {"at", Rfc3339(a.at)},
          {"source", a.source ? nlohmann::ordered_json(*a.source) : nullptr},
          {"url", a.url},
          {"member_path", a.member_path},
          {"kind", a.kind},
          {"detail", a.detail}};
}

// Hostile bytes may not be UTF-8: replaced, never thrown on; C1 and bidi controls,
// which nlohmann::json writes raw, are escaped.
std::string Dump(const nlohmann::ordered_json& j, int indent) {
  return util::EscapeUnsafeInJson(
      j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

Status CheckFormat(std::string_view format, std::string_view command) {
  if (format == "table" || format == "json") return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("--format {}: `{}` prints table or json", format, command));
}

int RunList(Context& ctx, const RunsFlags& flags) {
  const std::string format = flags.format.empty() ? "table" : flags.format;
  if (Status st = CheckFormat(format, "runs"); !st.ok()) return ctx.Fail(st);
  if (flags.limit < 0) return ctx.Fail(Status::InvalidArgument("--limit must be >= 0 (0 = all)"));
  const util::SystemClock clock;
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  Result<store::Store> db = ctx.OpenDatabaseForReading(*config, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  // RunRepository::Latest takes a SQLite LIMIT: -1 is "no limit".
  Result<std::vector<store::Run>> runs = db->runs().Latest(flags.limit > 0 ? flags.limit : -1);
  if (!runs.has_value()) return ctx.Fail(runs.error());
  std::vector<store::AnomalyCounts> counts;
  for (const store::Run& run : *runs) {
    Result<store::AnomalyCounts> c = db->anomalies().Counts(run.id);
    if (!c.has_value()) return ctx.Fail(c.error());
    counts.push_back(std::move(c).value());
  }
  std::ostream& out = ctx.out();
  if (format == "json") {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (size_t i = 0; i < runs->size(); ++i) array.push_back(RunJson(runs->at(i), counts[i]));
    out << Dump(array, 2) << "\n";
    return kExitOk;
  }
  out << fmt::format("{:<6} {:<{}} {:<{}} {:>7} {:>12} {:>6}  {}\n", "ID", "STARTED (UTC)",
                     kTimeWidth, "STATUS", kStatusWidth, "PAGES", "BYTES", "ERRORS",
                     "ANOMALIES BY KIND");
  for (size_t i = 0; i < runs->size(); ++i) {
    const store::Run& run = runs->at(i);
    out << fmt::format("{:<6} {:<{}} {:<{}} {:>7} {:>12} {:>6}  {}\n", run.id,
                       ShortTime(run.started_at), kTimeWidth, store::RunStatusName(run.status),
                       kStatusWidth, run.stats.pages, run.stats.bytes, run.stats.errors,
                       AnomalyKindsText(counts[i].by_kind));
  }
  if (runs->empty()) out << "(no runs yet: `leakwatch crawl` records one per pass)\n";
  return kExitOk;
}

// "limit: expansion ratio, in member dump/zeros.bin of http://…/dump.zip (source s)".
std::string AnomalyLine(const store::Anomaly& a) {
  std::string where = a.member_path.empty()
                          ? fmt::format("in {}", Safe(a.url))
                          : fmt::format("in member {} of {}", Safe(a.member_path), Safe(a.url));
  return fmt::format("{}: {}, {} (source {})", Safe(a.kind), Safe(a.detail), where,
                     a.source ? Safe(*a.source) : "deleted");
}

int RunShow(Context& ctx, const RunsFlags& flags) {
  const std::string format = flags.format.empty() ? "table" : flags.format;
  if (Status st = CheckFormat(format, "runs show"); !st.ok()) return ctx.Fail(st);
  if (flags.limit < 0) return ctx.Fail(Status::InvalidArgument("--limit must be >= 0 (0 = all)"));
  const util::SystemClock clock;
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  Result<store::Store> db = ctx.OpenDatabaseForReading(*config, clock);
  if (!db.has_value()) return ctx.Fail(db.error());
  Result<store::Run> run = db->runs().Get(flags.id);
  if (!run.has_value()) {
    if (run.error().code() != StatusCode::kNotFound) return ctx.Fail(run.error());
    return ctx.Fail(Status::NotFound(
        fmt::format("no run with id {} (list them with `leakwatch runs`)", flags.id)));
  }
  Result<store::AnomalyCounts> counts = db->anomalies().Counts(run->id);
  if (!counts.has_value()) return ctx.Fail(counts.error());
  std::optional<std::string> kind;
  if (!flags.kind.empty()) kind = flags.kind;
  Result<std::vector<store::Anomaly>> rows = db->anomalies().ListByRun(run->id, flags.limit, kind);
  if (!rows.has_value()) return ctx.Fail(rows.error());

  std::ostream& out = ctx.out();
  if (format == "json") {
    nlohmann::ordered_json j = RunJson(*run, *counts);
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const store::Anomaly& a : *rows) list.push_back(AnomalyJson(a));
    j["anomaly_rows"] = std::move(list);
    out << Dump(j, 2) << "\n";
    return kExitOk;
  }
  const auto field = [&out](std::string_view name, std::string_view value) {
    out << fmt::format("{:<11} {}\n", std::string(name) + ":", value);
  };
  field("run", std::to_string(run->id));
  field("status", store::RunStatusName(run->status));
  field("started", Rfc3339(run->started_at));
  if (run->finished_at) {
    field("finished", fmt::format("{} (after {})", Rfc3339(*run->finished_at),
                                  util::FormatDuration(std::chrono::seconds(
                                      std::max<int64_t>(0, *run->finished_at - run->started_at)))));
  }
  field("pages", std::to_string(run->stats.pages));
  field("bytes", std::to_string(run->stats.bytes));
  field("errors", fmt::format("{}{}", run->stats.errors,
                              run->stats.errors_by_class.empty()
                                  ? ""
                                  : " (" + AnomalyKindsText(run->stats.errors_by_class) + ")"));
  if (run->note) field("note", Safe(*run->note));
  field("anomalies",
        fmt::format("{}{}{}", counts->total,
                    counts->total == 0 ? "" : " (" + AnomalyKindsText(counts->by_kind) + ")",
                    StoredNote(*counts)));
  if (rows->empty()) return kExitOk;
  out << "\n";
  for (const store::Anomaly& a : *rows) out << AnomalyLine(a) << "\n";
  return kExitOk;
}

}  // namespace

std::string AnomalyKindsText(const std::map<std::string, int64_t>& by_kind) {
  std::string out;
  for (const auto& [kind, n] : by_kind) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", Safe(kind), n);
  }
  return out.empty() ? "-" : out;
}

void RegisterRuns(CLI::App& root, Context& ctx, Action& action) {
  auto flags = std::make_shared<RunsFlags>();  // shared: captured by the callbacks
  CLI::App* cmd = root.add_subcommand(
      "runs",
      "Recent crawl runs, newest first: pages, bytes, errors and anomalies (archive limits, "
      "damaged files, truncated pages) by kind; `runs show ID` lists one run's anomalies");
  cmd->add_option("--limit", flags->limit,
                  fmt::format("At most N runs (default {}; 0 = all)", kDefaultRunLimit));
  cmd->add_option("--format", flags->format,
                  "table (default) or json; schema: docs/runs-format.md");

  CLI::App* show = cmd->add_subcommand(
      "show",
      "One run and its anomalies, each with its URL and archive member path (exit 1 for an "
      "unknown id)");
  show->add_option("ID", flags->id, "Run id (from `leakwatch runs`)")->required();
  show->add_option("--kind", flags->kind, "Only anomalies of this kind (e.g. limit, corrupt)");
  show->add_option("--limit", flags->limit, "At most N anomaly rows (default all)");
  show->add_option("--format", flags->format, "table (default) or json");

  show->callback([&ctx, &action, flags, show] {
    if (show->count("--limit") == 0) flags->limit = 0;
    action = [&ctx, flags] { return RunShow(ctx, *flags); };
  });
  cmd->callback([&ctx, &action, flags, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // show set the action
    action = [&ctx, flags] { return RunList(ctx, *flags); };
  });
}

}  // namespace leakwatch::app
