// `leakwatch parse` on saved directory listings: each file entry is printed with its
// size and modification time, in the same JSON as every other page (docs/profiles.md).
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/unit/app/cli_runner.h"

namespace leakwatch::app {
namespace {

const std::string kUrl =
    "http://leakabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion/leak/archive/";

std::string Fixture(const std::string& relative) {
  return (std::filesystem::path(LW_SOURCE_DIR) / "tests" / "data" / "parsers" / relative).string();
}

TEST_CASE("parse prints each file of a listing with its size and time", "[unit]") {
  for (const std::string profile : {"auto", "nginx_autoindex"}) {
    INFO(profile);
    Cli cli;
    REQUIRE(cli({"parse", "--profile", profile, "--url", kUrl, "--content-type", "text/html",
                 Fixture("nginx_autoindex/archive.html")}) == 0);
    const nlohmann::json out = nlohmann::json::parse(cli.out);
    CHECK(out["profile"] == "nginx_autoindex");
    CHECK(out["page_kind"] == "file_tree");
    CHECK(out["yield"]["files"] == 2);
    REQUIRE(out["files"].size() == 2);
    const nlohmann::json& dump = out["files"][0];
    CHECK(dump["url"] == kUrl + "dump.tar.gz");
    CHECK(dump["role"] == "file");
    CHECK(dump["text"] == "dump.tar.gz");
    CHECK(dump["size_bytes"] == 3650722201ull);
    CHECK(dump["size_text"] == "3650722201");
    CHECK(dump["time_text"] == "07-Dec-2026 12:00");
    CHECK(dump["time_utc"] == "2026-12-07T12:00:00Z");
  }
}

TEST_CASE("parse reads a JSON index as a listing", "[unit]") {
  Cli cli;
  REQUIRE(cli({"parse", "--profile", "auto", "--url", kUrl, "--content-type", "application/json",
               Fixture("json_index/nginx.html")}) == 0);
  const nlohmann::json out = nlohmann::json::parse(cli.out);
  CHECK(out["profile"] == "json_index");
  CHECK(out["yield"]["listings"] == 3);
  CHECK(out["yield"]["files"] == 7);
}

}  // namespace
}  // namespace leakwatch::app
