// Golden, data-driven extraction cases (STYLE.md rule 19).
//
// tests/data/parsers/<dir>/<case>.html is a saved page; <case>.request says how it was
// fetched, one "key: value" per line:
//   url: http://...            (required) the response URL
//   content-type: text/html    (optional) the HTTP header
//   profile: NAME | auto       (optional) default: the directory name
// <case>.expected.json is the Extraction as `leakwatch parse` prints it. A new case
// needs no C++. To (re)write baselines after a deliberate change, run
//   LW_UPDATE_GOLDEN=1 build/<dir>/tests/unit/parsers/parsers_test '[golden]'
// and review the diff of the .expected.json files before committing.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/extract.h"
#include "parsers/profile.h"

namespace leakwatch::parsers {
namespace {

namespace fs = std::filesystem;

fs::path DataDir() { return fs::path(LW_SOURCE_DIR) / "tests" / "data" / "parsers"; }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::map<std::string, std::string> ReadRequest(const fs::path& path) {
  std::map<std::string, std::string> fields;
  std::istringstream in(ReadAll(path));
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return fields;
}

struct GoldenCase {
  fs::path html;
  std::string dir;
  std::string name;
};

std::vector<GoldenCase> AllCases() {
  std::vector<GoldenCase> cases;
  for (const auto& entry : fs::recursive_directory_iterator(DataDir())) {
    if (entry.path().extension() != ".html") continue;
    cases.push_back({entry.path(), entry.path().parent_path().filename().string(),
                     entry.path().stem().string()});
  }
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.html < b.html; });
  return cases;
}

// The first differing line, for a readable failure.
std::string FirstDifference(const std::string& expected, const std::string& actual) {
  std::istringstream a(expected);
  std::istringstream b(actual);
  std::string line_a;
  std::string line_b;
  for (int number = 1;; ++number) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "identical";
    if (line_a != line_b || more_a != more_b) {
      return "line " + std::to_string(number) + "\n  expected: " + (more_a ? line_a : "<eof>") +
             "\n  actual:   " + (more_b ? line_b : "<eof>");
    }
  }
}

TEST_CASE("golden extraction cases match their baselines", "[unit][golden]") {
  auto profiles = ProfileSet::WithBuiltins();
  REQUIRE(profiles.has_value());
  const bool update = std::getenv("LW_UPDATE_GOLDEN") != nullptr;
  const auto cases = AllCases();
  CHECK(cases.size() >= 30);  // the corpus must not silently vanish
  for (const auto& golden : cases) {
    DYNAMIC_SECTION(golden.dir << "/" << golden.name) {
      const fs::path base = golden.html.parent_path() / golden.name;
      auto request = ReadRequest(fs::path(base.string() + ".request"));
      REQUIRE(!request["url"].empty());
      const std::string profile_name =
          request.count("profile") != 0 ? request["profile"] : golden.dir;
      const std::string body = ReadAll(golden.html);
      const Page page{request["url"], body, request["content-type"]};
      Result<Extraction> extraction = Status::Internal("unset");
      if (profile_name == "auto") {
        extraction = ExtractAuto(page, *profiles);
      } else {
        const Profile* profile = profiles->Find(profile_name);
        REQUIRE(profile != nullptr);
        extraction = Extract(page, *profile);
      }
      REQUIRE(extraction.has_value());
      const std::string actual = ExtractionToJson(*extraction) + "\n";
      const fs::path expected_path(base.string() + ".expected.json");
      if (update) {
        std::ofstream(expected_path, std::ios::binary) << actual;
      }
      REQUIRE(fs::exists(expected_path));
      const std::string expected = ReadAll(expected_path);
      INFO(FirstDifference(expected, actual));
      CHECK(expected == actual);
    }
  }
}

// Every fixture written for a built-in engine profile must also be recognised by
// profile "auto" as that engine: detection is judged on the same stock markup.
TEST_CASE("auto detection recognises every engine fixture", "[unit][golden]") {
  auto profiles = ProfileSet::WithBuiltins();
  REQUIRE(profiles.has_value());
  for (const auto& golden : AllCases()) {
    const Profile* profile = profiles->Find(golden.dir);
    if (profile == nullptr || profile->kind == ProfileKind::kGeneric) continue;
    DYNAMIC_SECTION(golden.dir << "/" << golden.name) {
      const fs::path base = golden.html.parent_path() / golden.name;
      auto request = ReadRequest(fs::path(base.string() + ".request"));
      const std::string body = ReadAll(golden.html);
      const Page page{request["url"], body, request["content-type"]};
      CHECK(DetectProfile(page, *profiles) == golden.dir);
    }
  }
}

}  // namespace
}  // namespace leakwatch::parsers
