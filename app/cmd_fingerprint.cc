// leakwatch fingerprint keygen|build|info: the data owner's side of matching. `build`
// turns a dataset directory and record exports into a fingerprint pack (match/builder.h)
// that reveals nothing of the data; `info` prints a pack's header and counts.
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "app/commands.h"
#include "match/builder.h"
#include "match/image_hooks.h"
#include "match/key.h"
#include "match/pack.h"
#include "util/bytes.h"

namespace leakwatch::app {
namespace {
namespace fs = std::filesystem;

constexpr double kPlainProgressIntervalSeconds = 5.0;
constexpr int kBarWidth = 30;

struct BuildFlags {
  std::string dataset;
  std::string out;
  std::string key_file;
  std::vector<std::string> records;
  std::string identifier;
  std::string corroborating;
  int threads = 2;
  bool no_path_hashes = false;
};

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// Renders build progress: a redrawn bar on a terminal, a plain line every few
// seconds otherwise (logs, cron mail).
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& err, bool tty) : err_(err), tty_(tty) {}
  void operator()(const match::BuildProgress& p) {
    using Phase = match::BuildProgress::Phase;
    if (p.phase == Phase::kListing) return;
    if (p.phase == Phase::kDone) {
      if (tty_) err_ << "\n";
      return;
    }
    const bool phase_changed = p.phase != last_phase_;
    if (!tty_ && !phase_changed &&
        p.elapsed_seconds - last_plain_ < kPlainProgressIntervalSeconds) {
      return;
    }
    last_plain_ = p.elapsed_seconds;
    if (tty_ && phase_changed && last_phase_ != Phase::kListing) err_ << "\n";
    last_phase_ = p.phase;
    std::ostringstream line;
    if (p.phase == Phase::kFiles) {
      const double frac = p.bytes_total == 0 ? 1.0
                                             : static_cast<double>(p.bytes_done) /
                                                   static_cast<double>(p.bytes_total);
      const double rate =
          p.elapsed_seconds > 0 ? static_cast<double>(p.bytes_done) / p.elapsed_seconds : 0;
      const double eta = rate > 0 ? static_cast<double>(p.bytes_total - p.bytes_done) / rate : 0;
      if (tty_) {
        const int filled = static_cast<int>(std::lround(frac * kBarWidth));
        line << "\r[" << std::string(static_cast<size_t>(filled), '#')
             << std::string(static_cast<size_t>(kBarWidth - filled), ' ') << "] ";
      } else {
        line << "progress: ";
      }
      line << "files " << p.files_done << "/" << p.files_total << ", "
           << util::FormatBytes(p.bytes_done) << "/" << util::FormatBytes(p.bytes_total) << ", "
           << util::FormatBytes(static_cast<uint64_t>(rate)) << "/s, ETA "
           << static_cast<int64_t>(eta) << " s";
    } else {
      line << (tty_ ? "\r" : "progress: ") << "records " << p.records_done;
    }
    err_ << line.str() << (tty_ ? "   " : "\n") << std::flush;
  }

 private:
  std::ostream& err_;
  bool tty_;
  match::BuildProgress::Phase last_phase_ = match::BuildProgress::Phase::kListing;
  double last_plain_ = -kPlainProgressIntervalSeconds;
};

int RunKeygen(Context& ctx, const std::string& path) {
  if (Status st = match::GenerateKeyFile(path); !st.ok()) return ctx.Fail(st);
  ctx.out() << "key: wrote " << path
            << " (32 random bytes, mode 0600). Keep it apart from the pack: it is what "
               "protects the record fingerprints.\n";
  return kExitOk;
}

int RunBuild(Context& ctx, const BuildFlags& flags) {
  match::BuildOptions options;
  options.dataset_dir = flags.dataset;
  for (const auto& r : flags.records) options.record_files.emplace_back(r);
  options.output = flags.out;
  options.hashing_threads = flags.threads;
  options.store_path_hashes = !flags.no_path_hashes;
  options.tool_version = LW_VERSION;

  std::string identifier = flags.identifier;
  std::string corroborating = flags.corroborating;
  if (!options.record_files.empty() && (identifier.empty() || corroborating.empty())) {
    Result<config::Config> config = ctx.LoadConfig();
    if (!config.has_value()) return ctx.Fail(config.error());
    if (identifier.empty()) identifier = Join(config->match.records.identifier);
    if (corroborating.empty()) corroborating = Join(config->match.records.corroborating);
  }
  if (!options.record_files.empty()) {
    if (identifier.empty()) {
      return ctx.Fail(Status::InvalidArgument(
          "--records needs --identifier COLS (or [match.records] identifier in the config)"));
    }
    auto ids = match::ParseColumnSpecs(identifier);
    if (!ids.has_value()) return ctx.Fail(ids.error().WithContext("--identifier"));
    options.identifiers = std::move(*ids);
    if (!corroborating.empty()) {
      auto corr = match::ParseColumnSpecs(corroborating);
      if (!corr.has_value()) return ctx.Fail(corr.error().WithContext("--corroborating"));
      options.corroborating = std::move(*corr);
    }
  }
  auto key = match::DatasetKey::Load(flags.key_file);
  if (!key.has_value()) return ctx.Fail(key.error());
  ProgressPrinter printer(ctx.err(), ctx.env().out_is_tty);
  options.progress = [&printer](const match::BuildProgress& p) { printer(p); };

  const match::PdqImageFingerprinter image_fingerprinter;  // PDQ rows of the images table
  options.image_fingerprinter = &image_fingerprinter;
  auto summary = match::BuildPack(options, *key);
  if (!summary.has_value()) return ctx.Fail(summary.error());
  const match::PackInfo& info = summary->info;
  const double secs = std::max(summary->seconds, 1e-3);
  ctx.out() << "pack: wrote " << flags.out << "\n"
            << "files: " << info.file_count << " (" << util::FormatBytes(info.total_file_bytes)
            << ", " << info.chunk_count << " chunks), " << std::fixed << std::setprecision(1)
            << static_cast<double>(info.file_count) / secs << " files/s, "
            << util::FormatBytes(
                   static_cast<uint64_t>(static_cast<double>(info.total_file_bytes) / secs))
            << "/s\n"
            << "records: " << info.record_count << " (" << info.single_hash_count
            << " identifier + " << info.pair_hash_count << " pair fingerprints)";
  if (summary->records_without_identifier + summary->malformed_records > 0) {
    ctx.out() << ", skipped " << summary->records_without_identifier << " without identifier and "
              << summary->malformed_records << " malformed";
  }
  ctx.out() << "\n"
            << "images: " << info.image_count << " perceptual fingerprints, "
            << summary->images_skipped << " images skipped (undecodable or low quality)\n";
  if (info.skipped_file_count > 0) {
    ctx.out() << "skipped files: " << info.skipped_file_count << "\n";
    for (const auto& [reason, count] : summary->skipped_by_reason) {
      ctx.out() << "  " << count << " " << reason << "\n";
    }
    for (const auto& s : summary->skipped_examples) {
      ctx.err() << "leakwatch: skipped " << s.path << ": " << s.reason << "\n";
    }
  }
  return kExitOk;
}

int RunInfo(Context& ctx, const std::string& path) {
  auto info = match::ReadPackInfo(path);
  if (!info.has_value()) return ctx.Fail(info.error());
  auto types = [](const std::vector<match::FieldType>& t) {
    std::string out;
    for (auto x : t) out += (out.empty() ? "" : ",") + std::string(match::FieldTypeName(x));
    return out.empty() ? std::string("-") : out;
  };
  std::ostream& o = ctx.out();
  o << "pack: " << path << "\n"
    << "format_version: " << info->format_version << "\n"
    << "tool_version: " << info->tool_version << "\n"
    << "built_at: " << info->built_at << "\n"
    << "key_id: " << info->key_id << "\n"
    << "chunking: fastcdc min " << info->chunk_params.min_size << " avg "
    << info->chunk_params.avg_size << " max " << info->chunk_params.max_size << "\n"
    << "files: " << info->file_count << " (" << info->total_file_bytes << " bytes, "
    << info->skipped_file_count << " skipped)\n"
    << "chunks: " << info->chunk_count << "\n"
    << "records: " << info->record_count << "\n"
    << "identifier_fingerprints: " << info->single_hash_count << "\n"
    << "pair_fingerprints: " << info->pair_hash_count << "\n"
    << "identifier_types: " << types(info->identifier_types) << "\n"
    << "corroborating_types: " << types(info->corroborating_types) << "\n"
    << "images: " << info->image_count << "\n";
  return kExitOk;
}

}  // namespace

void RegisterFingerprint(CLI::App& root, Context& ctx, Action& action) {
  CLI::App* group = root.add_subcommand(
      "fingerprint", "Make and inspect fingerprint packs (run where the dataset lives)");
  group->require_subcommand(1);

  auto key_path = std::make_shared<std::string>();
  CLI::App* keygen =
      group->add_subcommand("keygen", "Write a new 32-byte dataset key file (mode 0600)");
  keygen->add_option("KEY", *key_path, "Key file to create (never overwritten)")->required();
  keygen->callback([&ctx, &action, key_path] {
    action = [&ctx, key_path] { return RunKeygen(ctx, *key_path); };
  });

  auto flags = std::make_shared<BuildFlags>();
  CLI::App* build = group->add_subcommand(
      "build", "Fingerprint a dataset directory and record exports into a pack");
  build->add_option("--dataset", flags->dataset, "Dataset directory, walked recursively");
  build->add_option("--out", flags->out, "Pack file to write")->required();
  build->add_option("--key-file", flags->key_file, "Dataset key (fingerprint keygen)")->required();
  build->add_option("--records", flags->records,
                    "Record export (CSV/TSV with header, JSON Lines); repeatable");
  build->add_option("--identifier", flags->identifier,
                    "Columns identifying a record, e.g. plate,document_no[:type]");
  build->add_option("--corroborating", flags->corroborating,
                    "Columns confirming a record, e.g. traveler_name,captured_at");
  build->add_option("--threads", flags->threads, "Hashing threads")->check(CLI::Range(1, 64));
  build->add_flag("--no-path-hashes", flags->no_path_hashes,
                  "Do not store keyed hashes of relative paths");
  build->callback([&ctx, &action, flags] {
    action = [&ctx, flags] {
      if (flags->dataset.empty() && flags->records.empty()) {
        return ctx.Fail(Status::InvalidArgument("give --dataset DIR and/or --records FILE"));
      }
      return RunBuild(ctx, *flags);
    };
  });

  auto pack_path = std::make_shared<std::string>();
  CLI::App* info = group->add_subcommand("info", "Print a pack's header and counts");
  info->add_option("PACK", *pack_path, "Pack file")->required();
  info->callback([&ctx, &action, pack_path] {
    action = [&ctx, pack_path] { return RunInfo(ctx, *pack_path); };
  });
}

}  // namespace leakwatch::app
