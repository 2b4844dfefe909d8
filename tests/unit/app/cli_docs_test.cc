#include "app/cli_docs.h"

#include <catch2/catch.hpp>

#include "tests/unit/app/cli_runner.h"

namespace leakwatch::app {
namespace {

// A small tree with the shapes the renderers must handle: nested subcommands, a flag,
// a valued option with fixed choices, a repeatable positional, a hidden option, and
// text roff would take as control input.
struct ToyCli {
  std::string value;
  std::vector<std::string> paths;
  bool flag = false;
  CLI::App root{"Top line.\n\n.starts with a dot\\backslash", "leakwatch"};

  ToyCli() {
    root.add_option("--log-format", value, "Log format")->check(CLI::IsMember({"text", "json"}));
    CLI::App* db = root.add_subcommand("db", "Database maintenance");
    CLI::App* prune = db->add_subcommand("prune", "Drop old rows");
    prune->add_flag("--dry-run", flag, "Count only");
    prune->add_option("PATH", paths, "Files")->required();
    prune->add_option("--secret", value, "Hidden")->group("");
    CLI::App* parse = root.add_subcommand("parse", "Parse a page");
    parse->add_option("--profile", value, "Profile name");
  }
};

TEST_CASE("the man page has a section per command path with its options", "[unit]") {
  ToyCli toy;
  const std::string page = RenderManPage(toy.root, "9.8.7");
  CHECK(Contains(page, ".TH LEAKWATCH 1 \"\" \"leakwatch 9.8.7\""));
  CHECK(Contains(page, ".SS \"leakwatch db\""));
  CHECK(Contains(page, ".SS \"leakwatch db prune\""));
  CHECK(Contains(page, "\\fB\\-\\-dry\\-run\\fR\nCount only"));
  CHECK(Contains(page, "\\fIPATH\\fR ...\nFiles (required)"));
  CHECK(Contains(page, "\\fB\\-\\-log\\-format\\fR \\fITEXT:{text,json}\\fR"));
  CHECK_FALSE(Contains(page, "secret"));
  // Roff control characters in text are neutralised.
  CHECK(Contains(page, "\\&.starts with a dot\\ebackslash"));
  CHECK_FALSE(Contains(page, "\n.starts"));
}

TEST_CASE("completion tables key every command path and list its words", "[unit]") {
  ToyCli toy;
  Result<std::string> tables = RenderCompletionTables(toy.root, {"mybb", "phpbb2"});
  REQUIRE(tables.has_value());
  CHECK(Contains(*tables, "_leakwatch_commands[\"leakwatch\"]=\"db parse\"\n"));
  CHECK(Contains(*tables, "_leakwatch_commands[\"leakwatch db\"]=\"prune\"\n"));
  CHECK(Contains(*tables, "_leakwatch_options[\"leakwatch db prune\"]=\"-h --help --dry-run\"\n"));
  CHECK(Contains(*tables, "_leakwatch_valued[\"leakwatch\"]=\"--log-format\"\n"));
  CHECK(Contains(*tables, "_leakwatch_choices[\"leakwatch --log-format\"]=\"text json\"\n"));
  CHECK(Contains(*tables, "_leakwatch_profile_options=( \"leakwatch parse --profile\" )\n"));
  CHECK(Contains(*tables, "_leakwatch_profiles=\"auto mybb phpbb2\"\n"));
  CHECK_FALSE(Contains(*tables, "secret"));
}

TEST_CASE("completion tables refuse a word that is not safe to source", "[unit]") {
  ToyCli toy;
  toy.root.add_subcommand("x$(reboot)", "hostile");
  Result<std::string> tables = RenderCompletionTables(toy.root, {});
  REQUIRE_FALSE(tables.has_value());
  CHECK(Contains(tables.error().message(), "x$(reboot)"));

  ToyCli toy2;
  Result<std::string> bad_profile = RenderCompletionTables(toy2.root, {"ok", "a\"b"});
  REQUIRE_FALSE(bad_profile.has_value());
}

TEST_CASE("the real man page and completion cover the real commands", "[unit]") {
  const std::string page = ManPage();
  for (const char* section : {"leakwatch crawl", "leakwatch sightings ack", "leakwatch db prune",
                              "leakwatch fingerprint build", "leakwatch notify status"}) {
    INFO(section);
    CHECK(Contains(page, ".SS \"" + std::string(section) + "\""));
  }
  Result<std::string> tables = CompletionTables();
  REQUIRE(tables.has_value());
  CHECK(Contains(*tables, "phpbb3_prosilver"));
  CHECK(Contains(*tables, "\"leakwatch parse --profile\""));
}

}  // namespace
}  // namespace leakwatch::app
