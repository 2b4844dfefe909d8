// leakwatch scan: match files, directories and stdin against a fingerprint pack
// (match/scan.h). Output: a table for humans or one JSON object per line:
//   finding: {"path","kind","score","confidence","dataset_refs":[...],"sha256","size",
//             "matched_bytes","single_hits"[, "distance"]} (+ "dataset_ref", the same
//             list under its old name, for one release: docs/scan-format.md)
//   anomaly: {"path","kind":"anomaly","anomaly":"limit","detail":"expansion ratio",
//             "message":"limit: expansion ratio"}
// Exit status like grep: 0 something matched, 1 nothing matched, 2 error.
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/commands.h"
#include "app/content_options.h"
#include "config/config.h"
#include "match/scan.h"
#include "util/duration.h"
#include "util/text.h"

namespace leakwatch::app {
namespace {

struct ScanFlags {
  std::string pack;
  std::string key_file;
  std::string format = "table";
  std::string max_bytes;     // --max-bytes, e.g. "10GiB"; empty = [match.limits] scan_max_bytes
  std::string idle_timeout;  // --idle-timeout, e.g. "30s"
  std::vector<std::string> paths;
};

// A records finding's dataset_refs name its first match::kMaxRefsPerFinding records;
// the owner running `scan` wants every record the file exposes.
std::vector<std::string> AllRefs(const match::Finding& f) {
  if (f.kind != match::FindingKind::kRecords || f.record_ids.size() <= f.dataset_refs.size()) {
    return f.dataset_refs;
  }
  std::vector<std::string> refs;
  refs.reserve(f.record_ids.size());
  for (const uint32_t id : f.record_ids) refs.push_back(match::RecordRef(id));
  return refs;
}

class OutputSink final : public match::ScanSink {
 public:
  OutputSink(Context& ctx, bool jsonl) : ctx_(ctx), jsonl_(jsonl) {}

  void OnFinding(const match::Finding& f) override {
    const std::vector<std::string> refs = AllRefs(f);
    if (jsonl_) {
      nlohmann::json j = {{"path", f.path},
                          {"kind", match::FindingKindName(f.kind)},
                          {"score", f.score},
                          {"confidence", match::ConfidenceName(f.confidence)},
                          {"dataset_refs", refs},
                          {"dataset_ref", refs},  // deprecated alias, removed after 0.2
                          {"sha256", f.sha256},
                          {"size", f.size},
                          {"matched_bytes", f.matched_bytes},
                          {"single_hits", f.single_hits}};
      if (f.distance) j["distance"] = *f.distance;
      ctx_.out() << util::EscapeUnsafeInJson(
                        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                 << "\n";
      return;
    }
    Header();
    std::string shown;
    for (size_t i = 0; i < refs.size() && i < 3; ++i) shown += (i ? "," : "") + refs[i];
    if (refs.size() > 3) shown += ",+" + std::to_string(refs.size() - 3);
    std::ostringstream score;
    score << std::fixed << std::setprecision(f.kind == match::FindingKind::kRecords ? 0 : 3)
          << f.score;
    ctx_.out() << std::left << std::setw(9) << match::FindingKindName(f.kind) << std::setw(9)
               << score.str() << std::setw(6) << match::ConfidenceName(f.confidence)
               << std::setw(24) << shown << util::DisplaySafe(f.path) << "\n";
  }

  void OnAnomaly(const match::Anomaly& a) override {
    if (jsonl_) {
      nlohmann::json j = {{"path", a.path},
                          {"kind", "anomaly"},
                          {"anomaly", a.kind},
                          {"detail", a.detail},
                          {"message", a.Message()}};
      ctx_.out() << util::EscapeUnsafeInJson(
                        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                 << "\n";
      return;
    }
    Header();
    ctx_.out() << std::left << std::setw(48) << util::DisplaySafe("! " + a.Message())
               << util::DisplaySafe(a.path) << "\n";
  }

  void OnError(const std::string&, const Status& status) override {
    ctx_.err() << "leakwatch: " << util::DisplaySafe(status.message()) << "\n";
  }

 private:
  void Header() {
    if (header_done_) return;
    header_done_ = true;
    ctx_.out() << std::left << std::setw(9) << "KIND" << std::setw(9) << "SCORE" << std::setw(6)
               << "CONF" << std::setw(24) << "DATASET_REF"
               << "PATH\n";
  }

  Context& ctx_;
  bool jsonl_;
  bool header_done_ = false;
};

// Any error that stops a scan exits 2, like grep (ctx.Fail's 1 is a match miss here).
int FailScan(Context& ctx, const Status& status) {
  ctx.Fail(status);
  return kExitUsage;
}

int RunScan(Context& ctx, ScanFlags flags) {
  // The config's [match] and [parse] settings apply even when the flags name the pack.
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return FailScan(ctx, config.error());
  if (flags.pack.empty()) flags.pack = config->match.pack.string();
  if (flags.key_file.empty()) flags.key_file = config->match.key_file.string();
  const ContentOptions content = ContentOptionsFromConfig(*config);
  match::ScanOptions options;
  options.limits = content.archive;
  options.match = content.match;
  options.match.sha256_only_with_findings = match::ScanMatchDefaults().sha256_only_with_findings;
  options.max_object_bytes = content.scan_max_bytes;
  if (!flags.max_bytes.empty()) {
    auto bytes = config::ParseByteSize(flags.max_bytes);
    if (!bytes.has_value() || *bytes == 0) {
      return FailScan(ctx,
                      Status::InvalidArgument("--max-bytes: expected a size such as 10GiB, got " +
                                              flags.max_bytes));
    }
    options.max_object_bytes = *bytes;
  }
  if (!flags.idle_timeout.empty()) {
    auto timeout = util::ParseDuration(flags.idle_timeout);
    if (!timeout.has_value()) {
      return FailScan(ctx, Status::InvalidArgument("--idle-timeout: " + timeout.error().message()));
    }
    options.idle_timeout = *timeout;
  }
  if (flags.pack.empty() || flags.key_file.empty()) {
    return FailScan(
        ctx, Status::InvalidArgument(
                 "scan needs --pack and --key-file (or [match] pack and key_file in the config)"));
  }
  auto matcher = LoadMatcher(flags.pack, flags.key_file, content);
  if (!matcher.has_value()) return FailScan(ctx, matcher.error());
  OutputSink sink(ctx, flags.format == "jsonl");
  const match::ScanSummary summary = match::Scan(**matcher, flags.paths, options, sink);
  return match::ScanExitCode(summary);
}

}  // namespace

void RegisterScan(CLI::App& root, Context& ctx, Action& action) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* cmd = root.add_subcommand(
      "scan",
      "Match files, directories or - (stdin) against a fingerprint pack; archives are "
      "expanded in memory. Exit 0 match, 1 none, 2 error");
  cmd->add_option("--pack", flags->pack, "Fingerprint pack (default: [match].pack)");
  cmd->add_option("--key-file", flags->key_file, "Dataset key (default: [match].key_file)");
  cmd->add_option("--format", flags->format, "Output format")
      ->check(CLI::IsMember({"table", "jsonl"}));
  cmd->add_option("--max-bytes", flags->max_bytes,
                  "Bytes read per file, FIFO, device or stdin at most, e.g. 10GiB (default: "
                  "[match.limits].scan_max_bytes, 64GiB)");
  cmd->add_option(
      "--idle-timeout", flags->idle_timeout,
      "Give up a FIFO that sends nothing for this long (default 30s; 0s waits forever)");
  cmd->add_option("PATH", flags->paths, "Files, directories, FIFOs or - for stdin")->required();
  cmd->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunScan(ctx, *flags); }; });
}

}  // namespace leakwatch::app
