// parsers/time_text: turning the dates forums and paste sites print into UTC.
//
// Understood, anywhere inside the text (so "Posted: Sat Mar 02, 2019 4:15 pm" works):
//   - ISO 8601 / RFC 3339: 2019-03-02T16:15:00Z, 2019-03-02 16:15, +hh:mm offsets;
//   - Unix time: 9-11 digits (seconds) or 12-13 digits (milliseconds), alone;
//   - month names (English, full or 3 letters): "Mar 02, 2019", "March 2nd, 2019",
//     "2nd of March 2019", "02 Mar 2019", "Sat Mar 02, 2019 4:15 pm";
//   - numeric dates: YYYY-MM-DD, MM-DD-YYYY and MM/DD/YYYY (vBulletin and MyBB's US
//     default; swapped when the first field exceeds 12), DD.MM.YYYY;
//   - a clock time "4:15 pm", "16:15:33", and a zone "UTC", "GMT+2", "+0300", or one of
//     a few US/European abbreviations (EST, CDT, CET, MSK...).
// Text without a zone is taken as UTC (the board default guests usually see).
// Relative dates ("Today, 04:15 PM", "5 minutes ago") are not resolved: nullopt.
//
// Thread safety: pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leakwatch::parsers {

// Seconds since the Unix epoch, or nullopt when no complete date is recognised.
std::optional<int64_t> ParseTimeToUtc(std::string_view text);

// "2019-03-02T16:15:00Z".
std::string FormatUtc(int64_t seconds);

}  // namespace leakwatch::parsers
