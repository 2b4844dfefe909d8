#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/app.h"
#include "demo/socks5_server.h"
#include "tests/support/hostile_text.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/app/cli_runner.h"
#include "util/sqlite.h"

namespace leakwatch::app {
namespace {
namespace fs = std::filesystem;

TEST_CASE("the help flag lists the commands and exits 0", "[unit]") {
  Cli cli;
  REQUIRE(cli({"--help"}) == 0);
  for (const char* command : {"init", "doctor", "db"}) {
    INFO(command);
    CHECK(Contains(cli.out, command));
  }
}

TEST_CASE("every command has --help", "[unit]") {
  Cli cli;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"init", "--help"}, {"doctor", "--help"}, {"db", "check", "--help"}}) {
    INFO(args[0]);
    REQUIRE(cli(args) == 0);
    CHECK(Contains(cli.out, "Usage"));
  }
}

TEST_CASE("the version flag prints the version", "[unit]") {
  Cli cli;
  REQUIRE(cli({"--version"}) == 0);
  CHECK(Contains(cli.out, "leakwatch 0."));
}

TEST_CASE("unknown command and bad flag are usage errors (exit 2)", "[unit]") {
  Cli cli;
  CHECK(cli({"frobnicate"}) == 2);
  CHECK(Contains(cli.err, "unknown command 'frobnicate'"));
  CHECK(cli({"doctor", "--no-such-flag"}) == 2);
  CHECK(Contains(cli.err, "--no-such-flag"));
  CHECK(cli({}) == 2);
  CHECK(cli({"--log-format", "xml", "doctor"}) == 2);
}

TEST_CASE("init writes a starter config and data dir, and never overwrites", "[unit]") {
  Cli cli;
  REQUIRE(cli({"init"}) == 0);
  const fs::path config = cli.home / "config/leakwatch/leakwatch.toml";
  REQUIRE(fs::exists(config));
  CHECK(fs::is_directory(cli.home / "data/leakwatch"));
  CHECK(fs::exists(cli.home / "data/leakwatch/leakwatch.db"));

  std::ofstream(config, std::ios::app) << "\n# my edit\n";
  const auto size_before = fs::file_size(config);
  REQUIRE(cli({"init"}) == 0);
  CHECK(fs::file_size(config) == size_before);
  CHECK(Contains(cli.out, "kept"));
}

// Points the initialised config's Tor proxy at `proxy_url`.
void SetProxy(Cli& cli, const std::string& proxy_url) {
  const fs::path config = cli.home / "config/leakwatch/leakwatch.toml";
  std::ifstream in(config);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string from = "socks_proxy = \"socks5h://127.0.0.1:9050\"";
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "socks_proxy = \"" + proxy_url + "\"");
  std::ofstream(config, std::ios::trunc) << text;
}

TEST_CASE("doctor passes on a fresh init with a working proxy", "[unit]") {
  Cli cli;
  REQUIRE(cli({"init"}) == 0);
  auto proxy = demo::Socks5Server::Start();
  REQUIRE(proxy.has_value());
  SetProxy(cli, (*proxy)->ProxyUrl());
  REQUIRE(cli({"doctor"}) == 0);
  CHECK(Contains(cli.out, "✓ config"));
  CHECK(Contains(cli.out, "✓ database"));
  CHECK(Contains(cli.out, "✓ tor: " + (*proxy)->ProxyUrl() + " speaks SOCKS5"));
  CHECK(Contains(cli.out, "- pack: no [match].pack configured"));
}

TEST_CASE("doctor tells a dead proxy apart and fails on an unusable DB", "[unit]") {
  Cli cli;
  REQUIRE(cli({"init"}) == 0);
  uint16_t dead_port = 0;
  {
    auto proxy = demo::Socks5Server::Start();
    REQUIRE(proxy.has_value());
    dead_port = (*proxy)->port();
  }  // stopped: nothing listens on that port any more
  SetProxy(cli, "socks5h://127.0.0.1:" + std::to_string(dead_port));
  CHECK(cli({"doctor"}) == 1);
  CHECK(Contains(cli.out, "✗ tor"));
  CHECK(Contains(cli.out, "✓ database"));

  const fs::path garbage = cli.home.Write("garbage.db", std::string(4096, 'G'));
  CHECK(cli({"--db", garbage.string(), "doctor"}) == 1);
  CHECK(Contains(cli.out, "✗ database"));
  CHECK(Contains(cli.out, "garbage.db"));
}

TEST_CASE("doctor catches a mistyped onion address by its checksum", "[unit]") {
  Cli cli;
  auto proxy = demo::Socks5Server::Start();
  REQUIRE(proxy.has_value());
  auto config_with = [&](const std::string& onion) {
    return cli.home.Write("lw.toml", "[store]\ndb = \"" + (cli.home / "lw.db").string() +
                                         "\"\n[tor]\nsocks_proxy = \"" + (*proxy)->ProxyUrl() +
                                         "\"\n[[sources]]\nname = \"tor-blog\"\nurls = [\"http://" +
                                         onion + "/\"]\n");
  };
  // The Tor Project's published address, then the same with one letter changed.
  fs::path config = config_with("2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion");
  REQUIRE(cli({"--config", config.string(), "init"}) == 0);  // the database
  CHECK(cli({"--config", config.string(), "doctor"}) == 0);
  CHECK(Contains(cli.out, "✓ onion addresses: 1 .onion URL(s), all well-formed v3 addresses"));
  config = config_with("2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen54wid.onion");
  CHECK(cli({"--config", config.string(), "doctor"}) == 1);
  CHECK(Contains(cli.out, "✗ onion addresses: source tor-blog: "));
  CHECK(Contains(cli.out, "fails the address checksum: a character is mistyped"));
  CHECK(Contains(cli.out, "✓ tor"));  // the rest of the setup is fine
}

TEST_CASE("doctor reports a broken config with file:line:col and exits 1", "[unit]") {
  Cli cli;
  const fs::path config = cli.home.Write("bad.toml", "[crawl]\nconcurrency = \"many\"\n");
  CHECK(cli({"--config", config.string(), "doctor"}) == 1);
  CHECK(Contains(cli.out, "✗ config"));
  CHECK(Contains(cli.out, "bad.toml:2:"));
}

TEST_CASE("a missing explicit config is a configuration error (exit 2)", "[unit]") {
  Cli cli;
  CHECK(cli({"--config", (cli.home / "nope.toml").string(), "db", "check"}) == 2);
  CHECK(Contains(cli.err, "nope.toml"));
}

TEST_CASE("db check reports integrity and schema, and a corrupt file clearly", "[unit]") {
  Cli cli;
  REQUIRE(cli({"init"}) == 0);
  REQUIRE(cli({"db", "check"}) == 0);
  CHECK(Contains(cli.out, "integrity"));
  CHECK(Contains(cli.out, "schema"));

  const fs::path garbage = cli.home.Write("garbage.db", std::string(4096, 'G'));
  CHECK(cli({"--db", garbage.string(), "db", "check"}) == 1);
  CHECK(Contains(cli.out + cli.err, "garbage.db"));
  CHECK(Contains(cli.out + cli.err, "not a database"));
}

TEST_CASE("db check says what a file is when it is not the database", "[unit]") {
  Cli cli;
  const fs::path key = cli.home / "dataset.key";
  const fs::path pack = cli.home / "dataset.lwfp";
  cli.home.Write("dataset/0001.bin", std::string(5000, 'a'));
  REQUIRE(cli({"fingerprint", "keygen", key.string()}) == 0);
  REQUIRE(cli({"fingerprint", "build", "--dataset", (cli.home / "dataset").string(), "--out",
               pack.string(), "--key-file", key.string()}) == 0);
  CHECK(cli({"--db", pack.string(), "db", "check"}) == 1);
  CHECK(Contains(cli.out, pack.string() + " is a leakwatch fingerprint pack"));
  CHECK_FALSE(Contains(cli.out, "upgrade leakwatch"));

  const fs::path other = cli.home / "places.sqlite";
  {
    auto db = util::Database::Open(other, util::Database::Mode::kReadWriteCreate, false);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)").ok());
  }
  CHECK(cli({"--db", other.string(), "db", "check"}) == 1);
  CHECK(Contains(cli.out, other.string() + " is another application's SQLite database"));
  CHECK_FALSE(Contains(cli.out, "migrates"));
  CHECK(cli({"--db", other.string(), "init"}) != 0);  // as db check says: never converted
  CHECK(Contains(cli.err, "not a leakwatch database"));
}

}  // namespace
}  // namespace leakwatch::app

namespace leakwatch::app {
namespace {

TEST_CASE("sources lists configured sources before and after they are crawled", "[unit]") {
  Cli cli;
  const fs::path config = cli.home.Write(
      "lw.toml", "[store]\ndb = \"" + (cli.home / "lw.db").string() +
                     "\"\n[[sources]]\nname = \"paste-recent\"\nprofile = \"pastebin\"\n"
                     "urls = [\"http://" +
                     std::string(56, 'a') + ".onion/archive\"]\n");
  REQUIRE(cli({"--config", config.string(), "init"}) == 0);
  REQUIRE(cli({"--config", config.string(), "sources"}) == 0);
  CHECK(Contains(cli.out, "SOURCE"));
  CHECK(Contains(cli.out, "paste-recent"));
  CHECK(Contains(cli.out, "not crawled"));
}

TEST_CASE("crawl with a dead proxy exits 69 and says so once", "[unit]") {
  Cli cli;
  uint16_t dead_port = 0;
  {
    auto proxy = demo::Socks5Server::Start();
    REQUIRE(proxy.has_value());
    dead_port = (*proxy)->port();
  }
  const fs::path config = cli.home.Write(
      "lw.toml", "[store]\ndb = \"" + (cli.home / "lw.db").string() +
                     "\"\n[tor]\nsocks_proxy = \"socks5h://127.0.0.1:" + std::to_string(dead_port) +
                     "\"\n[[sources]]\nname = \"paste-recent\"\n"
                     "urls = [\"http://" +
                     std::string(56, 'a') + ".onion/archive\"]\n");
  CHECK(cli({"--config", config.string(), "crawl"}) == 69);
  CHECK(Contains(cli.err, "leakwatch: "));
  CHECK(Contains(cli.out, "retention: removed"));  // the daily pass needs no Tor
  CHECK(cli({"--config", config.string(), "crawl", "--max-duration", "5"}) == 2);
  CHECK(Contains(cli.err, "needs a unit"));
}

TEST_CASE("crawl exits 75 at once while another crawl holds the lock", "[unit]") {
  Cli cli;
  const fs::path db = cli.home / "lw.db";
  const fs::path config =
      cli.home.Write("lw.toml", "[store]\ndb = \"" + db.string() +
                                    "\"\n[[sources]]\nname = \"paste-recent\"\n"
                                    "urls = [\"http://" +
                                    std::string(56, 'a') + ".onion/archive\"]\n");
  const std::string lock_path = db.string() + ".crawl.lock";  // crawler/crawl.h
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const int code = cli({"--config", config.string(), "crawl"});
  ::close(fd);
  CHECK(code == 75);
  CHECK(Contains(cli.err, "another leakwatch crawl is running"));
}

// Issue 14 item 8: `parse` prints the page's own text; its C1 and bidi controls are
// escaped like in every other JSON output, the values unchanged.
TEST_CASE("parse escapes C1 and bidi controls of a hostile page in its JSON", "[unit]") {
  Cli cli;
  const fs::path page = cli.home.Write("page.html",
                                       "<html><head><title>a\xc2\x9b"
                                       "2Jb\xe2\x80\xae"
                                       "c</title></head><body><a href=\"/x\xc2\x9d"
                                       "y\">l\xe2\x81\xa6ink</a></body></html>");
  REQUIRE(cli({"parse", "--profile", "generic", "--url", "http://a.onion/", "--content-type",
               "text/html", page.string()}) == 0);
  INFO(cli.out);
  CHECK(testing::FirstHostile(cli.out, "\n").value_or("") == "");
  CHECK(Contains(cli.out, "\\u202e"));  // the title's (the HTML parser makes C1 U+FFFD)
  CHECK(Contains(cli.out, "\\u2066"));  // the link text's
  const nlohmann::json out = nlohmann::json::parse(cli.out);
  CHECK(Contains(out["title"].get<std::string>(),
                 "2Jb\xe2\x80\xae"
                 "c"));
}

}  // namespace
}  // namespace leakwatch::app
