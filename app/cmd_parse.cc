// leakwatch parse: what a site profile extracts from a saved page, as JSON, so users
// can write and debug profiles offline (schema: docs/profiles.md, "Output").
//   leakwatch parse --profile NAME|auto --url URL [--content-type TYPE]
//                   [--profiles-dir DIR] FILE
// Profiles: the built-ins, overridden by the user's directory (default
// $XDG_CONFIG_HOME/leakwatch/profiles); limits: the config's [parse.limits], as in a
// crawl. Exit codes: 0 printed, 1 the file could not be read, 2 bad arguments, a bad
// config, unknown profile or a broken user profile.
#include <memory>
#include <string>

#include "app/commands.h"
#include "app/content_options.h"
#include "parsers/extract.h"
#include "parsers/profile.h"
#include "util/files.h"
#include "util/text.h"

namespace leakwatch::app {
namespace {

// Saved pages may exceed the parse cap; the extractor truncates them (and says so).
constexpr uint64_t kMaxSavedPageBytes = 64ull * 1024 * 1024;

struct ParseFlags {
  std::string profile;
  std::string url;
  std::string content_type;
  std::string profiles_dir;
  std::string file;
};

std::string ProfileNames(const parsers::ProfileSet& profiles) {
  std::string names;
  for (const auto& profile : profiles.profiles()) {
    if (!names.empty()) names += ", ";
    names += profile.name;
  }
  return names + ", auto";
}

int RunParse(Context& ctx, const ParseFlags& flags) {
  auto profiles = parsers::ProfileSet::WithBuiltins();
  if (!profiles.has_value()) return ctx.Fail(profiles.error());
  const std::filesystem::path dir = flags.profiles_dir.empty()
                                        ? config::UserProfilesDir(ctx.env().vars)
                                        : std::filesystem::path(flags.profiles_dir);
  if (Status status = profiles->LoadDirectory(dir); !status.ok()) {
    return ctx.Fail(Status::InvalidArgument(status.message()));
  }
  const parsers::Profile* profile = nullptr;
  if (flags.profile != "auto") {
    profile = profiles->Find(flags.profile);
    if (profile == nullptr) {
      return ctx.Fail(Status::InvalidArgument("unknown profile \"" + flags.profile +
                                              "\"; known: " + ProfileNames(*profiles)));
    }
  }
  // [parse.limits] apply here as in a crawl, so a page parses as the crawler would.
  Result<config::Config> config = ctx.LoadConfig();
  if (!config.has_value()) return ctx.Fail(config.error());
  const parsers::Limits limits = ContentOptionsFromConfig(*config).parse;
  auto body = util::ReadFileCapped(flags.file, kMaxSavedPageBytes);
  if (!body.has_value()) return ctx.Fail(body.error());
  const parsers::Page page{flags.url, *body, flags.content_type};
  auto extraction = profile != nullptr ? parsers::Extract(page, *profile, limits)
                                       : parsers::ExtractAuto(page, *profiles, limits);
  if (!extraction.has_value()) {
    return ctx.Fail(Status::InvalidArgument("--url: " + extraction.error().message()));
  }
  // The page's text is the site's: C1 and bidi controls escaped like every JSON output.
  ctx.out() << util::EscapeUnsafeInJson(parsers::ExtractionToJson(*extraction)) << "\n";
  return kExitOk;
}

}  // namespace

void RegisterParse(CLI::App& root, Context& ctx, Action& action) {
  auto flags = std::make_shared<ParseFlags>();
  CLI::App* cmd =
      root.add_subcommand("parse", "Print what a site profile extracts from a saved page, as JSON");
  cmd->add_option("--profile", flags->profile, "Profile name, or \"auto\" to detect the engine")
      ->required();
  cmd->add_option("--url", flags->url, "The URL the page was fetched from (resolves links)")
      ->required();
  cmd->add_option("--content-type", flags->content_type,
                  "The HTTP Content-Type header it came with (charset, text/plain)");
  cmd->add_option("--profiles-dir", flags->profiles_dir,
                  "User profiles overriding the built-ins (default: "
                  "$XDG_CONFIG_HOME/leakwatch/profiles)");
  cmd->add_option("FILE", flags->file, "The saved page")->required();
  cmd->callback(
      [&ctx, &action, flags] { action = [&ctx, flags] { return RunParse(ctx, *flags); }; });
}

}  // namespace leakwatch::app
