// Man page and completion tables rendered from the CLI11 command tree (app/cli_docs.h).
#include "app/cli_docs.h"

#include <algorithm>
#include <sstream>

#include "app/commands.h"
#include "parsers/profile.h"

namespace leakwatch::app {
namespace {

// The commands of `app` that --help lists (CLI11 hides unnamed option groups).
std::vector<const CLI::App*> Subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

// The options of `app` that --help shows, without its -h/--help (documented once).
std::vector<const CLI::Option*> VisibleOptions(const CLI::App& app) {
  const CLI::Option* help = app.get_help_ptr();
  return app.get_options(
      [help](const CLI::Option* opt) { return opt != help && !opt->get_group().empty(); });
}

bool IsPositional(const CLI::Option& opt) { return opt.get_positional() && !opt.nonpositional(); }

// Flags (add_flag, the version flag) expect no value.
bool TakesValue(const CLI::Option& opt) { return opt.get_expected_max() != 0; }

bool IsRepeatable(const CLI::Option& opt) { return opt.get_items_expected_max() > 1; }

// "-v", "--verbose": every name an option answers to, short ones first.
std::vector<std::string> OptionNames(const CLI::Option& opt) {
  std::vector<std::string> names;
  for (const std::string& s : opt.get_snames()) names.push_back("-" + s);
  for (const std::string& l : opt.get_lnames()) names.push_back("--" + l);
  return names;
}

// The values an IsMember check allows, from its description "{a,b,c}"; empty otherwise.
std::vector<std::string> Choices(const CLI::Option& opt) {
  const std::string type = opt.get_type_name();
  const size_t open = type.find('{');
  const size_t close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> values;
  std::stringstream list(type.substr(open + 1, close - open - 1));
  for (std::string value; std::getline(list, value, ',');) {
    if (!value.empty()) values.push_back(value);
  }
  return values;
}

// --- roff -----------------------------------------------------------------------------

// Escapes text for a man(7) line: backslashes and hyphens (so options copy as ASCII
// minus signs), and a control character ('.' or '\'') at the start of a line.
std::string Roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = c == '\n';
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

// "\fB--db\fR \fITEXT\fR", "\fB-v\fR, \fB--verbose\fR" or "\fIPATH\fR ..." for .TP.
std::string OptionTag(const CLI::Option& opt) {
  if (IsPositional(opt)) {
    return "\\fI" + Roff(opt.get_name(true)) + "\\fR" + (IsRepeatable(opt) ? " ..." : "");
  }
  std::string tag;
  for (const std::string& name : OptionNames(opt)) {
    if (!tag.empty()) tag += ", ";
    tag += "\\fB" + Roff(name) + "\\fR";
  }
  if (TakesValue(opt)) tag += " \\fI" + Roff(opt.get_type_name()) + "\\fR";
  return tag;
}

std::string OptionText(const CLI::Option& opt) {
  std::string text = opt.get_description();
  if (!opt.get_default_str().empty()) text += " (default: " + opt.get_default_str() + ")";
  if (opt.get_required()) text += " (required)";
  if (IsRepeatable(opt) && !IsPositional(opt)) text += " (repeatable)";
  return Roff(text);
}

void RenderOptions(std::ostream& out, const std::vector<const CLI::Option*>& options) {
  for (const CLI::Option* opt : options) {
    out << ".TP\n" << OptionTag(*opt) << "\n" << OptionText(*opt) << "\n";
  }
}

// Paragraphs separated by blank lines, each joined onto one roff line.
void RenderParagraphs(std::ostream& out, std::string_view text) {
  std::string paragraph;
  auto flush = [&] {
    if (!paragraph.empty()) out << ".PP\n" << Roff(paragraph) << "\n";
    paragraph.clear();
  };
  std::stringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) {
      flush();
      continue;
    }
    if (!paragraph.empty()) paragraph += ' ';
    paragraph += line;
  }
  flush();
}

// One subsection per command path, depth first in the order --help lists them.
void RenderCommand(std::ostream& out, const CLI::App& cmd, const std::string& path) {
  const std::vector<const CLI::Option*> options = VisibleOptions(cmd);
  const std::vector<const CLI::App*> subs = Subcommands(cmd);
  out << ".SS \"" << Roff(path) << "\"\n";
  out << ".B " << Roff(path) << "\n";
  std::string usage;
  if (std::any_of(options.begin(), options.end(),
                  [](const CLI::Option* o) { return !IsPositional(*o); })) {
    usage += "[\\fIOPTIONS\\fR]";
  }
  for (const CLI::Option* opt : options) {
    if (!IsPositional(*opt)) continue;
    if (!usage.empty()) usage += ' ';
    usage += OptionTag(*opt);
  }
  if (!subs.empty()) usage += std::string(usage.empty() ? "" : " ") + "\\fISUBCOMMAND\\fR";
  if (!usage.empty()) out << usage << "\n";
  out << ".br\n" << Roff(cmd.get_description()) << "\n";
  if (!options.empty()) {
    out << ".RS\n";
    RenderOptions(out, options);
    out << ".RE\n";
  }
  for (const CLI::App* sub : subs) RenderCommand(out, *sub, path + " " + sub->get_name());
}

// --- bash -----------------------------------------------------------------------------

bool IsPlainWord(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

class CompletionWriter {
 public:
  explicit CompletionWriter(std::ostream& out) : out_(out) {}

  // Appends `path`'s entries and those of every subcommand below it.
  void AddCommand(const CLI::App& cmd, const std::string& path) {
    std::vector<std::string> subs;
    for (const CLI::App* sub : Subcommands(cmd)) subs.push_back(sub->get_name());
    std::vector<std::string> options = OptionNames(*cmd.get_help_ptr());
    std::vector<std::string> valued;
    for (const CLI::Option* opt : VisibleOptions(cmd)) {
      if (IsPositional(*opt)) continue;
      const std::vector<std::string> names = OptionNames(*opt);
      options.insert(options.end(), names.begin(), names.end());
      if (!TakesValue(*opt)) continue;
      valued.insert(valued.end(), names.begin(), names.end());
      const std::vector<std::string> choices = Choices(*opt);
      for (const std::string& name : names) {
        if (!choices.empty()) Entry("_leakwatch_choices", Join(path, name), choices);
        if (name == "--profile") profile_options_.push_back(Join(path, name));
      }
    }
    Entry("_leakwatch_commands", path, subs);
    Entry("_leakwatch_options", path, options);
    Entry("_leakwatch_valued", path, valued);
    for (const CLI::App* sub : Subcommands(cmd)) {
      AddCommand(*sub, Join(path, sub->get_name()));
    }
  }

  const std::vector<std::string>& profile_options() const { return profile_options_; }
  const Status& status() const { return status_; }

  // `name[key]="words..."`, after checking every word is safe to source unquoted.
  void Entry(std::string_view array, const std::string& key,
             const std::vector<std::string>& words) {
    std::string line = std::string(array) + "[\"" + key + "\"]=\"";
    if (!IsPlainWordList(key)) return;
    for (size_t i = 0; i < words.size(); ++i) {
      if (!IsPlainWordList(words[i])) return;
      line += (i == 0 ? "" : " ") + words[i];
    }
    out_ << line << "\"\n";
  }

  // A space-separated list whose every word is plain; records the first offender.
  bool IsPlainWordList(const std::string& words) {
    std::stringstream list(words);
    for (std::string word; list >> word;) {
      if (!IsPlainWord(word)) {
        if (status_.ok()) status_ = Status::InvalidArgument("not a plain word: '" + word + "'");
        return false;
      }
    }
    return words.find_first_not_of(' ') != std::string::npos;
  }

 private:
  static std::string Join(const std::string& path, const std::string& word) {
    return path + " " + word;
  }

  std::ostream& out_;
  std::vector<std::string> profile_options_;
  Status status_;
};

// A root app wired like Run()'s; the bound flags and action are never used.
struct DocTree {
  std::ostringstream sink;
  Environment env{config::Environment::FromMap({}), false};
  Context ctx{sink, sink, env};
  Action action;
  CLI::App root;

  DocTree() { BuildCli(root, ctx, action); }
};

}  // namespace

std::string RenderManPage(const CLI::App& root, std::string_view version) {
  std::ostringstream out;
  out << ".TH LEAKWATCH 1 \"\" \"leakwatch " << Roff(version) << "\" \"User Commands\"\n";
  // Glyphs the help texts use that groff's terminal fonts lack.
  out << ".if !c \\[u2713] .char \\[u2713] +\n.if !c \\[u2717] .char \\[u2717] x\n";
  out << ".SH NAME\nleakwatch \\- watch dark\\-web sites, through Tor, for copies of one "
         "stolen dataset\n";
  out << ".SH SYNOPSIS\n.B leakwatch\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR "
         "[\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n";
  out << ".SH DESCRIPTION\n";
  RenderParagraphs(out, root.get_description());
  out << ".PP\nGlobal options may also follow the command name. Every command accepts\n"
         "\\fB\\-h\\fR, \\fB\\-\\-help\\fR.\n";
  out << ".SH GLOBAL OPTIONS\n";
  out << ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\n"
      << Roff(root.get_help_ptr()->get_description()) << "\n";
  RenderOptions(out, VisibleOptions(root));
  out << ".SH COMMANDS\n";
  for (const CLI::App* cmd : Subcommands(root)) {
    RenderCommand(out, *cmd, "leakwatch " + cmd->get_name());
  }
  out << R"(.SH EXIT STATUS
.TP
.B 0
Success.
.TP
.B 1
Runtime failure (\fBscan\fR: no match).
.TP
.B 2
Usage or configuration error.
.TP
.B 69
\fBcrawl\fR: the Tor SOCKS proxy is down.
.TP
.B 75
\fBcrawl\fR: another crawl holds the lock.
.SH ENVIRONMENT
.TP
.B LEAKWATCH_CONFIG
The config file when \fB\-\-config\fR is not given.
.TP
.B XDG_CONFIG_HOME
Default config \fI$XDG_CONFIG_HOME/leakwatch/leakwatch.toml\fR and user site profiles
in \fI$XDG_CONFIG_HOME/leakwatch/profiles/\fR (default \fI~/.config\fR).
.TP
.B XDG_DATA_HOME
Default database and evidence directory under \fI$XDG_DATA_HOME/leakwatch/\fR
(default \fI~/.local/share\fR).
.SH FILES
.TP
.I /etc/leakwatch/leakwatch.toml
The system configuration used by the \fBleakwatch\-crawl\fR systemd service
(set \fBLEAKWATCH_CONFIG\fR to it to use it from a shell).
.TP
.I /var/lib/leakwatch/
The service's database and evidence (mode 0700, owned by the \fBleakwatch\fR user).
.TP
.I /usr/share/doc/leakwatch/examples/leakwatch.example.toml
Every setting with its default, as \fBleakwatch init\fR writes it.
.SH SEE ALSO
.BR systemd.timer (5),
.BR tor (1),
.I /usr/share/doc/leakwatch/README.md
)";
  return out.str();
}

Result<std::string> RenderCompletionTables(const CLI::App& root,
                                           const std::vector<std::string>& profile_names) {
  std::ostringstream out;
  out << "declare -gA _leakwatch_commands _leakwatch_options _leakwatch_valued "
         "_leakwatch_choices\n";
  CompletionWriter writer(out);
  writer.AddCommand(root, "leakwatch");
  std::vector<std::string> profiles = {"auto"};
  profiles.insert(profiles.end(), profile_names.begin(), profile_names.end());
  std::string words;
  for (const std::string& name : profiles) {
    if (!writer.IsPlainWordList(name)) break;
    words += (words.empty() ? "" : " ") + name;
  }
  out << "_leakwatch_profiles=\"" << words << "\"\n";
  out << "_leakwatch_profile_options=(";
  for (const std::string& key : writer.profile_options()) out << " \"" << key << "\"";
  out << " )\n";
  if (!writer.status().ok()) return writer.status();
  return out.str();
}

std::string ManPage() {
  DocTree tree;
  return RenderManPage(tree.root, LW_VERSION);
}

Result<std::string> CompletionTables() {
  Result<parsers::ProfileSet> profiles = parsers::ProfileSet::WithBuiltins();
  if (!profiles.has_value()) return profiles.error();
  std::vector<std::string> names;
  for (const parsers::Profile& profile : profiles->profiles()) names.push_back(profile.name);
  DocTree tree;
  return RenderCompletionTables(tree.root, names);
}

}  // namespace leakwatch::app
