// notify/sighting_json: the one JSON form of a sighting, shared by the webhook and
// exec-hook bodies and `leakwatch sightings --format json|jsonl`. The schema is
// documented (and kept stable) in docs/sightings-format.md.
#pragma once

#include <string>

#include "store/sightings.h"

namespace leakwatch::notify {

// One compact JSON object (no newline). Keys, in order: id, kind, score, source, url,
// member_path, sha256, first_seen, last_seen (RFC 3339 UTC), linked_from, snippet
// (null when absent), dataset_refs (the stored JSON; a string if it is not valid JSON),
// evidence ({"warc","offset"} or null), run_id, ack ({"at","by","note"} or null).
// Invalid UTF-8 in any string is replaced by U+FFFD; control and bidi characters
// (util::IsUnsafeCodePoint) are written as \uXXXX escapes, never raw. Never throws.
std::string SightingToJson(const store::Sighting& sighting);

}  // namespace leakwatch::notify
