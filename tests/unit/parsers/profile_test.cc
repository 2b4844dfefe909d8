#include "parsers/profile.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace leakwatch::parsers {
namespace {

TEST_CASE("every built-in profile loads", "[unit]") {
  auto builtins = BuiltinProfiles();
  INFO((builtins.has_value() ? "" : builtins.error().message()));
  REQUIRE(builtins.has_value());
  CHECK(builtins->size() >= 14);
  auto set = ProfileSet::WithBuiltins();
  REQUIRE(set.has_value());
  for (const char* name : {"mybb", "phpbb2", "phpbb3_prosilver", "phpbb3_subsilver2", "xenforo1",
                           "xenforo2", "vbulletin3", "vbulletin4", "vbulletin5", "smf", "discourse",
                           "nodebb", "pastebin", "generic"}) {
    INFO(name);
    const Profile* profile = set->Find(name);
    REQUIRE(profile != nullptr);
    CHECK(profile->origin.rfind("builtin", 0) == 0);
    if (profile->kind == ProfileKind::kForum) {
      CHECK(profile->listing.item_link.has_value());
      CHECK(profile->content.post.has_value());
      CHECK(profile->content.body.has_value());
      CHECK(profile->content.attachments.has_value());
      CHECK(profile->content.next_page.has_value());
      CHECK_FALSE(profile->detect.markers.empty());
    }
  }
  CHECK(set->Find("pastebin")->kind == ProfileKind::kPasteSite);
  CHECK(set->Find("pastebin")->content.raw_url_template == "/raw/{id}");
}

TEST_CASE("a selector error names file, line and column inside the file", "[unit]") {
  const std::string text =
      "name = \"x\"\n"
      "kind = \"forum\"\n"
      "[board]\n"
      "thread_link = \"a.topictitle, div..bad\"\n";
  auto profile = ParseProfile(text, "/etc/leakwatch/profiles/x.toml");
  REQUIRE_FALSE(profile.has_value());
  // The value's quote is at column 15; selector column 19 is the second '.'.
  CHECK(profile.error().message() ==
        "/etc/leakwatch/profiles/x.toml:4:34: board.thread_link: bad selector at column 19: "
        "expected a class name after '.'");
}

TEST_CASE("profile schema errors are located", "[unit]") {
  auto unknown =
      ParseProfile("name = \"x\"\nkind = \"forum\"\n[thread]\npsot = \"div\"\n", "p.toml");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message().rfind("p.toml:4:", 0) == 0);
  CHECK(unknown.error().message().find("thread.psot: unknown key") != std::string::npos);

  auto kind = ParseProfile("name = \"x\"\nkind = \"blog\"\n", "p.toml");
  REQUIRE_FALSE(kind.has_value());
  CHECK(kind.error().message().find("p.toml:2:") == 0);

  auto syntax = ParseProfile("name = \"x\nkind = 3\n", "p.toml");
  REQUIRE_FALSE(syntax.has_value());
  CHECK(syntax.error().message().rfind("p.toml:1:", 0) == 0);

  auto missing = ParseProfile("kind = \"forum\"\n", "p.toml");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message() == "p.toml: missing required key \"name\"");

  auto regex = ParseProfile(
      "name = \"p\"\nkind = \"paste_site\"\n[paste]\nraw_url_regex = '/(['\n"
      "raw_url_template = \"/raw/{id}\"\n",
      "p.toml");
  REQUIRE_FALSE(regex.has_value());
  CHECK(regex.error().message().find("raw_url_regex") != std::string::npos);

  auto wrong_section =
      ParseProfile("name = \"x\"\nkind = \"forum\"\n[paste]\ntext = \"pre\"\n", "p.toml");
  CHECK(wrong_section.has_value());  // [paste] keys are accepted on any kind
}

TEST_CASE("user profiles override built-ins by name and add new ones", "[unit]") {
  testing::TempDir dir;
  std::ofstream(dir.path() / "mybb.toml") << "name = \"mybb\"\nkind = \"forum\"\n"
                                             "engine = \"MyBB (site-specific)\"\n"
                                             "[board]\nthread_link = \"a.custom\"\n";
  std::ofstream(dir.path() / "mysite.toml") << "name = \"mysite\"\nkind = \"generic\"\n"
                                               "[generic]\nmax_depth = 4\n";
  std::ofstream(dir.path() / "notes.txt") << "not a profile";
  auto set = ProfileSet::WithBuiltins();
  REQUIRE(set.has_value());
  const size_t before = set->profiles().size();
  REQUIRE(set->LoadDirectory(dir.path()).ok());
  CHECK(set->profiles().size() == before + 1);
  CHECK(set->Find("mybb")->engine == "MyBB (site-specific)");
  CHECK(set->Find("mybb")->origin == (dir.path() / "mybb.toml").string());
  CHECK(set->Find("mysite")->generic.max_depth == 4);
  CHECK(set->LoadDirectory(dir.path() / "missing").ok());

  std::ofstream(dir.path() / "broken.toml") << "name = \"b\"\nkind = \"forum\"\n"
                                               "[thread]\nbody = \"div:hover\"\n";
  const Status status = set->LoadDirectory(dir.path());
  CHECK(status.message() ==
        (dir.path() / "broken.toml").string() +
            ":4:12: thread.body: bad selector at column 4: unsupported pseudo-class ':hover'");
}

}  // namespace
}  // namespace leakwatch::parsers
