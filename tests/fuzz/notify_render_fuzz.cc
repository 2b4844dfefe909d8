// Fuzzes the rendering of alerts from hostile sighting fields (URL, member path,
// snippet, source, dataset refs: all fetched from attacker-run sites) and checks the
// escaping invariants: no live HTML from input, no control characters in the text
// part, no header injection in the mail, JSON that parses.
//
// Input: fields separated by NUL bytes: url, member_path, snippet, source,
// dataset_refs, channel; the first byte picks the kind.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "notify/internal/digest.h"
#include "notify/internal/transports.h"

namespace {

using namespace leakwatch;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<std::string> Split(std::string_view data, size_t n) {
  std::vector<std::string> fields(n);
  size_t i = 0;
  for (char c : data) {
    if (c == '\0' && i + 1 < n) {
      ++i;
      continue;
    }
    fields[i] += c;
  }
  return fields;
}

bool ValidUtf8NoControls(std::string_view s, bool allow_newline) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && !(allow_newline && c == '\n')) || c == 0x7F) return false;
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// Every '<' in the HTML starts one of the template's own tags.
bool OnlyTemplateTags(std::string_view html) {
  static const char* const kTags[] = {"!DOCTYPE html>",
                                      "html>",
                                      "/html>",
                                      "head>",
                                      "/head>",
                                      "meta charset=\"utf-8\">",
                                      "title>",
                                      "/title>",
                                      "body style=",
                                      "/body>",
                                      "p>",
                                      "/p>",
                                      "b>",
                                      "/b>",
                                      "table ",
                                      "/table>",
                                      "tr>",
                                      "/tr>",
                                      "th>",
                                      "/th>",
                                      "td>",
                                      "/td>",
                                      "code>",
                                      "/code>",
                                      "br>",
                                      "i>",
                                      "/i>"};
  for (size_t pos = html.find('<'); pos != std::string_view::npos; pos = html.find('<', pos + 1)) {
    const std::string_view rest = html.substr(pos + 1);
    bool known = false;
    for (const char* tag : kTags) known = known || rest.rfind(tag, 0) == 0;
    if (!known) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::vector<std::string> f = Split(input, 6);
  notify::detail::Digest digest;
  digest.channel = f[5];
  digest.generated_at = 1795766400;
  store::Sighting s;
  s.id = 1;
  s.kind = static_cast<store::SightingKind>(data[0] % 5);
  s.score = data[0] / 255.0;
  s.url = f[0];
  s.member_path = f[1];
  if (!f[2].empty()) s.snippet = f[2];
  s.source = f[3];
  s.dataset_refs = f[4];
  s.first_seen = s.last_seen = 1795766400;
  digest.sightings = {s, s};
  notify::Limits limits;

  const std::string html = notify::detail::RenderHtml(digest, limits);
  Require(OnlyTemplateTags(html));
  Require(ValidUtf8NoControls(html, /*allow_newline=*/true));

  const std::string text = notify::detail::RenderText(digest, limits);
  Require(ValidUtf8NoControls(text, /*allow_newline=*/true));

  const std::string json = notify::detail::RenderJson(digest);
  Require(nlohmann::json::accept(json));

  notify::EmailOptions email;
  email.from = "leakwatch@example.org";
  email.to = {"soc@example.org"};
  const std::string message = notify::detail::BuildEmailMessage(email, digest, limits, f[5]);
  const size_t head_end = message.find("\r\n\r\n");
  Require(head_end != std::string::npos);
  const std::string_view head = std::string_view(message).substr(0, head_end + 2);
  size_t lines = 0;
  for (size_t pos = 0; pos < head.size();) {
    const size_t eol = head.find("\r\n", pos);
    Require(eol != std::string_view::npos);
    const std::string_view line = head.substr(pos, eol - pos);
    Require(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
    Require(line.find(": ") != std::string_view::npos);
    ++lines;
    pos = eol + 2;
  }
  Require(lines == 10);  // exactly the headers BuildEmailMessage writes, none injected
  return 0;
}
