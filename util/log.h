// util/log: process-wide logging to stderr through spdlog.
//
// Two formats: human text (default) and JSON lines (`--log-format json`), one object
// per line with ts, level, msg and fields. Call sites use the LogInfo/LogWarn/...
// helpers with a message and key/value fields, so both formats carry the same data.
// Values that hold dataset plaintext or secrets must never be passed here. Messages
// and values may quote hostile sites: text lines pass them through util::DisplaySafe,
// JSON lines through util::EscapeUnsafeInJson.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace leakwatch::util {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

// Configures the global logger. Call once, early, from the main thread.
void SetupLogging(LogFormat format, LogLevel level);

using LogField = std::pair<std::string_view, std::string>;

// Thread safety: any thread.
void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
inline void LogDebug(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kDebug, m, f);
}
inline void LogInfo(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kInfo, m, f);
}
inline void LogWarn(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kWarn, m, f);
}
inline void LogError(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kError, m, f);
}

}  // namespace leakwatch::util
