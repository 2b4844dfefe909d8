// parsers/internal/builtin_profiles: the text of config/profiles/*.toml, compiled in.
// The definition is generated at build time by parsers/embed_profiles.cmake.
#pragma once

#include <cstddef>

namespace leakwatch::parsers::detail {

struct EmbeddedProfile {
  const char* file_name;  // e.g. "phpbb3_prosilver.toml"
  const char* text;
};

extern const EmbeddedProfile kEmbeddedProfiles[];
extern const size_t kEmbeddedProfileCount;

}  // namespace leakwatch::parsers::detail
