#include "match/finding.h"

#include "match/hooks.h"

namespace leakwatch::match {

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kExact:
      return "exact";
    case FindingKind::kPartial:
      return "partial";
    case FindingKind::kRecords:
      return "records";
    case FindingKind::kImage:
      return "image";
    case FindingKind::kMention:
      return "mention";
  }
  return "exact";
}

std::string_view ConfidenceName(Confidence confidence) {
  return confidence == Confidence::kHigh ? "high" : "low";
}

bool LooksLikeImage(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  if (starts("\xFF\xD8\xFF")) return true;                                    // JPEG
  if (starts("\x89PNG\r\n\x1A\n")) return true;                               // PNG
  if (starts("GIF87a") || starts("GIF89a")) return true;                      // GIF
  return head.size() >= 12 && starts("RIFF") && head.substr(8, 4) == "WEBP";  // WebP
}

}  // namespace leakwatch::match
