// util/text: the one home for making attacker-controlled text (URLs, archive member
// names, snippets, headers from hostile sites) safe on its way to a person. Text
// outputs (the sightings table and CSV, mail text, log lines, CLI messages) pass it
// through DisplaySafe (DisplaySafeLines for our own multi-line text, EscapeUnsafe where
// the reader must see which character it was); JSON outputs (sightings json/jsonl/export, webhook
// and exec-hook bodies, JSON log lines, scan --jsonl) pass their serialised text through
// EscapeUnsafeInJson. A terminal, spreadsheet or log viewer then never acts on, nor is
// misled by, a fetched byte: no escape sequence (C0 ESC or C1 CSI/OSC), no line that
// is not ours, no text reordered by a bidi override.
//
// Pure functions; any thread.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace leakwatch::util {

inline constexpr size_t kNoCut = std::numeric_limits<size_t>::max();

// True for the code points that act on a terminal or disguise text: the C0 controls
// U+0000..U+001F, DEL U+007F, the C1 controls U+0080..U+009F (xterm honours U+009B CSI
// and U+009D OSC like ESC [ and ESC ]), and Unicode's Bidi_Control set: U+061C, U+200E,
// U+200F, the embeddings and overrides U+202A..U+202E and the isolates U+2066..U+2069.
bool IsUnsafeCodePoint(char32_t c);

// `text` with every unsafe code point and every byte of invalid UTF-8 replaced by '?',
// except tab, CR and LF, which become a space (a value stays on its line), cut at a
// character boundary once `max_bytes` bytes are written, with "..." appended (so at
// most max_bytes + 6 bytes). The result is valid UTF-8 without unsafe code points.
std::string DisplaySafe(std::string_view text, size_t max_bytes = kNoCut);

// DisplaySafe for text whose line breaks are its own (a multi-line error report, a
// checklist): each '\n'-separated line is made safe and the '\n's are kept, so a
// hostile value inside one line still cannot start another.
std::string DisplaySafeLines(std::string_view text);

// `text` with every unsafe code point, tab, CR and LF included, written as a \uXXXX
// escape (lower-case hex) and every byte of invalid UTF-8 as \xNN; the rest copied.
// For messages that must stay on one line and show which character was there (a
// config key or value quoted in an error). The result is valid UTF-8 without unsafe
// code points.
std::string EscapeUnsafe(std::string_view text);

// Serialised JSON with every unsafe code point that appears raw written as a \uXXXX
// escape (\u009b, \u202e). JSON allows DEL, C1 and bidi controls raw inside strings
// and nlohmann::json writes them so (it escapes only C0); raw C0 cannot occur in a
// valid document except as whitespace between tokens, which is kept. Every other byte
// is copied, so a valid document stays valid and decodes to the same values.
std::string EscapeUnsafeInJson(std::string_view json);

}  // namespace leakwatch::util
