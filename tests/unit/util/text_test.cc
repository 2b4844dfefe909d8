// util/text: the one sanitiser, and the log lines that use it (issue 14 item 8).
#include "util/text.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/hostile_text.h"
#include "tests/support/temp_dir.h"
#include "util/log.h"

namespace leakwatch::util {
namespace {

using testing::EveryHostileCodePoint;
using testing::FirstHostile;

TEST_CASE("DisplaySafe replaces controls, bidi overrides and bad UTF-8, and cuts long text",
          "[unit]") {
  CHECK(DisplaySafe("ok\x1b[31mred\x07", 100) == "ok?[31mred?");
  CHECK(DisplaySafe("line\nbreak\r\ttab") == "line break  tab");
  CHECK(DisplaySafe("caf\xc3\xa9 \xe2\x80\x8b \xf0\x9f\x94\x91") ==
        "caf\xc3\xa9 \xe2\x80\x8b \xf0\x9f\x94\x91");               // valid UTF-8 kept
  CHECK(DisplaySafe("bad\xff\xc0\xafx") == "bad???x");              // invalid and overlong
  CHECK(DisplaySafe("evil\xe2\x80\xaegnp.exe") == "evil?gnp.exe");  // U+202E
  CHECK(DisplaySafe("\xc2\x9b"
                    "1m\xc2\x9d"
                    "0;t\xc2\x9c") == "?1m?0;t?");           // C1 CSI, OSC, ST
  CHECK(DisplaySafe("\xe2\x81\xa6x\xe2\x81\xa9") == "?x?");  // U+2066 isolate, U+2069
  CHECK(DisplaySafe(std::string(50, 'a'), 10) == std::string(10, 'a') + "...");
  CHECK(DisplaySafe("\xc3\xa9\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9\xc3\xa9...");  // whole characters
}

TEST_CASE("DisplaySafe leaves no C0, C1 or bidi control of all of them", "[unit]") {
  const std::string hostile = EveryHostileCodePoint();
  REQUIRE(FirstHostile(hostile).has_value());  // the checker sees them
  const std::string safe = DisplaySafe(hostile);
  INFO(FirstHostile(safe, "").value_or(""));
  CHECK_FALSE(FirstHostile(safe, "").has_value());
  for (char32_t c = 0; c < 0x3000; ++c) {
    CHECK(IsUnsafeCodePoint(c) == testing::IsHostileCodePoint(c));
  }
}

TEST_CASE("EscapeUnsafeInJson writes C1 and bidi controls as \\u escapes, values unchanged",
          "[unit]") {
  // nlohmann::json writes them raw: this is what the post-pass exists for.
  const std::string raw = nlohmann::json(
                              "a\xc2\x9b"
                              "b\xe2\x80\xae")
                              .dump();
  REQUIRE(raw ==
          "\"a\xc2\x9b"
          "b\xe2\x80\xae\"");
  CHECK(EscapeUnsafeInJson(raw) == "\"a\\u009bb\\u202e\"");
  CHECK(EscapeUnsafeInJson("{\n  \"k\": \"v\x7f\"\n}") == "{\n  \"k\": \"v\\u007f\"\n}");

  const std::string hostile = EveryHostileCodePoint();
  const nlohmann::json value = {{"url", hostile}, {"list", {hostile, 1}}};
  for (const int indent : {-1, 2}) {
    const std::string dumped = EscapeUnsafeInJson(
        value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace));
    INFO(FirstHostile(dumped, "\n").value_or(""));
    CHECK_FALSE(FirstHostile(dumped, "\n").has_value());
    // The same values come back (invalid UTF-8 became U+FFFD when dumped).
    const nlohmann::json back = nlohmann::json::parse(dumped);
    const std::string url = back["url"];
    CHECK(url.rfind("x\x01x\x02x", 0) == 0);
    CHECK(url.find("\xc2\x9b"
                   "x\xc2\x9c") != std::string::npos);
    CHECK(url.find("\xe2\x80\xae"
                   "x") != std::string::npos);
    CHECK(back["list"][0] == url);
  }
}

TEST_CASE("DisplaySafeLines keeps the text's own line breaks, nothing else", "[unit]") {
  CHECK(DisplaySafeLines("a\x1b[2J\nb\xe2\x80\xae\r\n\nc\t") == "a?[2J\nb? \n\nc ");
  CHECK(DisplaySafeLines("") == "");
  const std::string hostile = EveryHostileCodePoint();
  const std::string safe = DisplaySafeLines(hostile + "\n" + hostile);
  CHECK(std::count(safe.begin(), safe.end(), '\n') == 3);  // each copy's LF, and ours
  CHECK_FALSE(FirstHostile(safe, "\n").has_value());
}

TEST_CASE("EscapeUnsafe shows which control it was, on one line", "[unit]") {
  CHECK(EscapeUnsafe("a\nb") == "a\\u000ab");
  CHECK(EscapeUnsafe("x\xc2\x9b"
                     "1m\xe2\x80\xae"
                     "y\x7f") == "x\\u009b1m\\u202ey\\u007f");
  CHECK(EscapeUnsafe("bad\xff\xc0\xaf") == "bad\\xff\\xc0\\xaf");
  CHECK(EscapeUnsafe("caf\xc3\xa9 \xf0\x9f\x94\x91") == "caf\xc3\xa9 \xf0\x9f\x94\x91");
  const std::string escaped = EscapeUnsafe(EveryHostileCodePoint());
  INFO(FirstHostile(escaped, "").value_or(""));
  CHECK_FALSE(FirstHostile(escaped, "").has_value());
  CHECK(escaped.find("\\u0000x") != std::string::npos);  // NUL shown, not a cut
}

// What util::Log writes to stderr while `emit` runs.
std::string CaptureLog(LogFormat format, const std::function<void()>& emit) {
  testing::TempDir dir;
  const std::filesystem::path file = dir / "stderr";
  std::fflush(stderr);
  const int saved = ::dup(2);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(saved >= 0);
  REQUIRE(fd >= 0);
  ::dup2(fd, 2);
  ::close(fd);
  SetupLogging(format, LogLevel::kDebug);
  emit();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  SetupLogging(LogFormat::kText, LogLevel::kWarn);
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("log lines neutralise a hostile Location in text and escape it in JSON", "[unit]") {
  const std::string hostile = EveryHostileCodePoint();
  const auto emit = [&] {
    LogWarn("redirect refused", {{"url", "http://a.onion/"}, {"target", hostile}});
    LogInfo(hostile, {{hostile, "v"}});
  };
  const std::string text = CaptureLog(LogFormat::kText, emit);
  INFO(text);
  CHECK(text.find("redirect refused url=http://a.onion/ target=x?x?x") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);  // one line per call
  CHECK_FALSE(FirstHostile(text, "\n").has_value());

  const std::string json = CaptureLog(LogFormat::kJson, emit);
  CHECK_FALSE(FirstHostile(json, "\n").has_value());
  std::istringstream lines(json);
  std::string line;
  REQUIRE(std::getline(lines, line));
  const nlohmann::json first = nlohmann::json::parse(line);
  const std::string target = first["fields"]["target"];
  CHECK(target.find("\xc2\x9b") != std::string::npos);  // escaped, not lost
  CHECK(target.rfind("x\x01x", 0) == 0);
}

}  // namespace
}  // namespace leakwatch::util
