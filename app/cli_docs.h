// app/cli_docs: documentation rendered from the command tree that Run() parses, so the
// man page and the shell completion cannot drift from the CLI. packaging/ runs these at
// build time (packaging/gen_cli_docs.cc) and installs the results.
//
// The renderers walk every visible command, subcommand, option and positional argument;
// hidden options (empty CLI11 group) are left out, as `--help` leaves them out.
// Thread safety: pure functions of their arguments.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::app {

// leakwatch(1) in roff (man(7) macros): NAME, SYNOPSIS, DESCRIPTION, GLOBAL OPTIONS,
// COMMANDS (one subsection per command path, e.g. "leakwatch db prune", with its usage,
// options and arguments), EXIT STATUS, ENVIRONMENT, FILES, SEE ALSO. `root` is the
// leakwatch app as BuildCli() sets it up. Text is escaped for roff (backslashes, hyphens,
// a leading '.' or '\'').
std::string RenderManPage(const CLI::App& root, std::string_view version);

// Bash declarations that packaging/leakwatch.bash.in's _leakwatch() reads: associative
// arrays keyed by command path ("leakwatch", "leakwatch db prune"; bash allows no empty
// key):
//   _leakwatch_commands[path]   its subcommands, space separated
//   _leakwatch_options[path]    its option names (short and long), -h --help included
//   _leakwatch_valued[path]     the options among those that take a value
//   _leakwatch_choices[path --option]  an option's fixed values (CLI11 IsMember)
// and _leakwatch_profile_options, the "path --option" keys whose value is a site
// profile name, and _leakwatch_profiles, "auto" plus `profile_names`. Every word must be
// a plain name ([A-Za-z0-9_.-]) so the output is safe to source; anything else is
// InvalidArgument naming the first such word.
Result<std::string> RenderCompletionTables(const CLI::App& root,
                                           const std::vector<std::string>& profile_names);

// The two above for the real leakwatch command tree (and built-in profiles). Errors only
// for a bug: a broken built-in profile or a command word that is not a plain name.
std::string ManPage();
Result<std::string> CompletionTables();

}  // namespace leakwatch::app
