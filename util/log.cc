#include "util/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>

#include "util/clock.h"
#include "util/text.h"

namespace leakwatch::util {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "info";
}

}  // namespace

void SetupLogging(LogFormat format, LogLevel level) {
  g_format = format;
  spdlog::drop("leakwatch");  // SetupLogging may run again (tests run the CLI in-process)
  auto logger = spdlog::stderr_logger_mt("leakwatch");
  // JSON lines are built whole by Log(); text gets a short human prefix.
  logger->set_pattern(format == LogFormat::kJson ? "%v" : "leakwatch: %^%l%$: %v");
  logger->set_level(ToSpd(level));
  spdlog::set_default_logger(std::move(logger));
}

void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!spdlog::default_logger_raw()->should_log(ToSpd(level))) return;
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    nlohmann::json obj;
    obj["ts"] = FormatRfc3339(std::chrono::system_clock::now());
    obj["level"] = LevelName(level);
    obj["msg"] = msg;
    nlohmann::json field_obj = nlohmann::json::object();
    for (const auto& [key, value] : fields) field_obj[std::string(key)] = value;
    obj["fields"] = std::move(field_obj);
    line = EscapeUnsafeInJson(obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    // Messages and values quote hostile sites (URLs, Location headers, member names).
    line = DisplaySafe(msg);
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += DisplaySafe(key);
      line += '=';
      line += DisplaySafe(value);
    }
  }
  spdlog::default_logger_raw()->log(ToSpd(level), "{}", line);
}

}  // namespace leakwatch::util
