// config/internal/loader: test hooks into the TOML loader. Private to config/ and its
// tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leakwatch::config::detail {

// Every key path the loader's schema asks for while reading `toml_text` (sorted,
// array indices written "[]", e.g. "sources[].max_depth"), whether or not the text is
// valid. Keys inside arrays of tables are visited only for arrays with an element.
// Used by the test that checks leakwatch.example.toml documents every key.
std::vector<std::string> SchemaKeysForTesting(std::string_view toml_text);

}  // namespace leakwatch::config::detail
