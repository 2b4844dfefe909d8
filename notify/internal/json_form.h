// notify/internal/json_form: nlohmann-json helpers private to notify (the public
// header sighting_json.h exposes strings only, so nlohmann types stay private).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "store/sightings.h"

namespace leakwatch::notify::detail {

// The object SightingToJson serialises. May throw std::bad_alloc only.
nlohmann::json SightingJsonValue(const store::Sighting& sighting);

// dump() that replaces invalid UTF-8 instead of throwing and escapes the control and
// bidi characters nlohmann leaves raw (util::EscapeUnsafeInJson); indent < 0 = compact.
std::string DumpJson(const nlohmann::json& value, int indent);

}  // namespace leakwatch::notify::detail
