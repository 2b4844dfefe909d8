#include "parsers/profile.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <system_error>
#include <utility>

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include "parsers/internal/builtin_profiles.h"
#include "parsers/internal/dir_listing.h"
#include "util/files.h"

namespace leakwatch::parsers {
namespace {

constexpr uint64_t kMaxProfileBytes = 1024 * 1024;

std::string Where(std::string_view origin, const toml::source_region& region) {
  return std::string(origin) + ":" + std::to_string(region.begin.line) + ":" +
         std::to_string(region.begin.column);
}

class ProfileReader {
 public:
  explicit ProfileReader(std::string_view origin) : origin_(origin) {}

  Status Error(const toml::node& node, std::string_view key, std::string_view what) const {
    return Status::InvalidArgument(Where(origin_, node.source()) + ": " + std::string(key) + ": " +
                                   std::string(what));
  }

  Result<std::string> String(const toml::node& node, std::string_view key) const {
    const auto* value = node.as_string();
    if (value == nullptr) return Error(node, key, "expected a string");
    return value->get();
  }

  // Parses a selector; on error points at the column in the file where the bad
  // character is (for a single-line string), and names the column in the selector.
  Result<Selector> ParseSelector(const toml::node& node, std::string_view key) const {
    LW_ASSIGN_OR_RETURN(const std::string text, String(node, key));
    SelectorError error;
    auto selector = Selector::Parse(text, &error);
    if (selector.has_value()) return selector;
    const toml::source_position begin = node.source().begin;
    // The value starts at its opening quote; selector column 1 is the next character.
    const size_t file_column = begin.column + error.column;
    return Status::InvalidArgument(std::string(origin_) + ":" + std::to_string(begin.line) + ":" +
                                   std::to_string(file_column) + ": " + std::string(key) +
                                   ": bad selector at column " + std::to_string(error.column) +
                                   ": " + error.message);
  }

  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
};

using SelectorSlot = std::optional<Selector>*;

// Reads a table of selector keys into slots; string keys into string slots.
Status ReadSection(const ProfileReader& reader, const toml::table& table, std::string_view section,
                   const std::map<std::string, SelectorSlot, std::less<>>& selectors,
                   const std::map<std::string, std::string*, std::less<>>& strings) {
  for (auto&& [key, node] : table) {
    const std::string full_key = std::string(section) + "." + std::string(key.str());
    if (auto it = selectors.find(key.str()); it != selectors.end()) {
      LW_ASSIGN_OR_RETURN(*it->second, reader.ParseSelector(node, full_key));
    } else if (auto string_it = strings.find(key.str()); string_it != strings.end()) {
      LW_ASSIGN_OR_RETURN(*string_it->second, reader.String(node, full_key));
    } else {
      return reader.Error(node, full_key, "unknown key (see docs/profiles.md)");
    }
  }
  return Status::Ok();
}

Status ReadDetect(const ProfileReader& reader, const toml::table& table, DetectRules& detect) {
  for (auto&& [key, node] : table) {
    const std::string full_key = "detect." + std::string(key.str());
    if (key.str() == "min_score") {
      const auto* value = node.as_integer();
      if (value == nullptr || value->get() < 1 || value->get() > 100) {
        return reader.Error(node, full_key, "expected an integer from 1 to 100");
      }
      detect.min_score = static_cast<int>(value->get());
      continue;
    }
    if (key.str() != "generator" && key.str() != "markers") {
      return reader.Error(node, full_key, "unknown key (see docs/profiles.md)");
    }
    const auto* array = node.as_array();
    if (array == nullptr) return reader.Error(node, full_key, "expected an array of strings");
    for (const toml::node& element : *array) {
      if (key.str() == "generator") {
        LW_ASSIGN_OR_RETURN(std::string text, reader.String(element, full_key));
        for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        detect.generator.push_back(std::move(text));
      } else {
        LW_ASSIGN_OR_RETURN(Selector selector, reader.ParseSelector(element, full_key));
        detect.markers.push_back(std::move(selector));
      }
    }
  }
  return Status::Ok();
}

Status ReadGeneric(const ProfileReader& reader, const toml::table& table, GenericRules& generic) {
  for (auto&& [key, node] : table) {
    const std::string full_key = "generic." + std::string(key.str());
    if (key.str() == "max_depth") {
      const auto* value = node.as_integer();
      if (value == nullptr || value->get() < 0 || value->get() > 50) {
        return reader.Error(node, full_key, "expected an integer from 0 to 50");
      }
      generic.max_depth = static_cast<int>(value->get());
    } else if (key.str() == "same_site_only") {
      const auto* value = node.as_boolean();
      if (value == nullptr) return reader.Error(node, full_key, "expected true or false");
      generic.same_site_only = value->get();
    } else {
      return reader.Error(node, full_key, "unknown key (see docs/profiles.md)");
    }
  }
  return Status::Ok();
}

Status ReadFileTree(const ProfileReader& reader, const toml::table& table, FileTreeRules& rules) {
  for (auto&& [key, node] : table) {
    const std::string full_key = "file_tree." + std::string(key.str());
    if (key.str() != "format")
      return reader.Error(node, full_key, "unknown key (see docs/profiles.md)");
    LW_ASSIGN_OR_RETURN(rules.format, reader.String(node, full_key));
    if (!detail::TreeFormatFromName(rules.format)) {
      return reader.Error(node, full_key,
                          "expected \"auto\", \"nginx\", \"apache\", \"lighttpd\", \"caddy\", "
                          "\"python\" or \"json\"");
    }
  }
  return Status::Ok();
}

Status ReadListing(const ProfileReader& reader, const toml::table& table, std::string_view section,
                   ListingRules& rules) {
  // Forum boards and paste archives share ListingRules; each kind has its own names.
  const bool board = section == "board";
  std::map<std::string, SelectorSlot, std::less<>> selectors = {
      {board ? "thread_row" : "item_row", &rules.row},
      {board ? "thread_link" : "item_link", &rules.item_link},
      {"title", &rules.title},
      {"author", &rules.author},
      {board ? "last_post_time" : "time", &rules.time},
      {"next_page", &rules.next_page},
  };
  if (board) {
    selectors.emplace("replies", &rules.replies);
    selectors.emplace("subforum_links", &rules.listing_links);
  } else {
    selectors.emplace("listing_links", &rules.listing_links);
  }
  return ReadSection(reader, table, section, selectors, {});
}

Status ReadContent(const ProfileReader& reader, const toml::table& table, std::string_view section,
                   ContentRules& rules) {
  const bool thread = section == "thread";
  std::map<std::string, SelectorSlot, std::less<>> selectors = {
      {"title", &rules.title},         {"author", &rules.author},
      {"time", &rules.time},           {"attachments", &rules.attachments},
      {"next_page", &rules.next_page},
  };
  std::map<std::string, std::string*, std::less<>> strings;
  if (thread) {
    selectors.emplace("post", &rules.post);
    selectors.emplace("body", &rules.body);
  } else {
    selectors.emplace("text", &rules.body);
    strings.emplace("raw_url_regex", &rules.raw_url_regex);
    strings.emplace("raw_url_template", &rules.raw_url_template);
  }
  return ReadSection(reader, table, section, selectors, strings);
}

Result<Profile> ParseProfileTable(const toml::table& root, const ProfileReader& reader) {
  Profile profile;
  profile.origin = reader.origin();
  std::string kind;
  for (auto&& [key, node] : root) {
    const std::string_view name = key.str();
    if (name == "name") {
      LW_ASSIGN_OR_RETURN(profile.name, reader.String(node, name));
    } else if (name == "kind") {
      LW_ASSIGN_OR_RETURN(kind, reader.String(node, name));
      if (kind == "paste_site") {
        profile.kind = ProfileKind::kPasteSite;
      } else if (kind == "forum") {
        profile.kind = ProfileKind::kForum;
      } else if (kind == "generic") {
        profile.kind = ProfileKind::kGeneric;
      } else if (kind == "file_tree") {
        profile.kind = ProfileKind::kFileTree;
      } else {
        return reader.Error(node, name,
                            "expected \"paste_site\", \"forum\", \"generic\" or \"file_tree\"");
      }
    } else if (name == "engine") {
      LW_ASSIGN_OR_RETURN(profile.engine, reader.String(node, name));
    } else if (name == "description") {
      LW_ASSIGN_OR_RETURN(profile.description, reader.String(node, name));
    } else if (const auto* table = node.as_table(); table != nullptr) {
      Status status;
      if (name == "detect") {
        status = ReadDetect(reader, *table, profile.detect);
      } else if (name == "generic") {
        status = ReadGeneric(reader, *table, profile.generic);
      } else if (name == "file_tree") {
        status = ReadFileTree(reader, *table, profile.file_tree);
      } else if (name == "board" || name == "listing") {
        status = ReadListing(reader, *table, name, profile.listing);
      } else if (name == "thread" || name == "paste") {
        status = ReadContent(reader, *table, name, profile.content);
      } else {
        status = reader.Error(node, name, "unknown section (see docs/profiles.md)");
      }
      LW_RETURN_IF_ERROR(status);
    } else {
      return reader.Error(node, name, "unknown key (see docs/profiles.md)");
    }
  }
  if (profile.name.empty()) {
    return Status::InvalidArgument(reader.origin() + ": missing required key \"name\"");
  }
  if (kind.empty()) {
    return Status::InvalidArgument(reader.origin() + ": missing required key \"kind\"");
  }
  const auto& content = profile.content;
  if (content.raw_url_regex.empty() != content.raw_url_template.empty()) {
    return Status::InvalidArgument(reader.origin() +
                                   ": paste.raw_url_regex and paste.raw_url_template go together");
  }
  if (!content.raw_url_regex.empty()) {
    const RE2 regex(content.raw_url_regex, RE2::Quiet);
    if (!regex.ok() || regex.NumberOfCapturingGroups() < 1) {
      return Status::InvalidArgument(reader.origin() +
                                     ": paste.raw_url_regex must be a valid RE2 pattern with a "
                                     "capture group: " +
                                     (regex.ok() ? std::string("no group") : regex.error()));
    }
  }
  if (profile.engine.empty()) profile.engine = profile.name;
  return profile;
}

}  // namespace

Result<Profile> ParseProfile(std::string_view toml_text, std::string_view origin) {
  const ProfileReader reader(origin);
  try {
    const toml::table root = toml::parse(toml_text, origin);
    return ParseProfileTable(root, reader);
  } catch (const toml::parse_error& error) {
    return Status::InvalidArgument(Where(origin, error.source()) + ": " +
                                   std::string(error.description()));
  } catch (const std::exception& error) {
    return Status::InvalidArgument(std::string(origin) + ": " + error.what());
  }
}

Result<std::vector<Profile>> BuiltinProfiles() {
  std::vector<Profile> profiles;
  for (size_t i = 0; i < detail::kEmbeddedProfileCount; ++i) {
    const auto& embedded = detail::kEmbeddedProfiles[i];
    LW_ASSIGN_OR_RETURN(Profile profile,
                        ParseProfile(embedded.text, std::string("builtin:") + embedded.file_name));
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

Result<ProfileSet> ProfileSet::WithBuiltins() {
  ProfileSet set;
  Profile generic;
  generic.name = "generic";
  generic.kind = ProfileKind::kGeneric;
  generic.engine = "generic";
  generic.description = "Any site: same-site links, the whole page as one document.";
  generic.origin = "builtin";
  set.profiles_.push_back(std::move(generic));
  LW_ASSIGN_OR_RETURN(std::vector<Profile> builtins, BuiltinProfiles());
  for (auto& profile : builtins) set.Add(std::move(profile));
  return set;
}

Status ProfileSet::LoadDirectory(const std::filesystem::path& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) return Status::Ok();
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  if (ec) return Status::IOError(directory.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    LW_ASSIGN_OR_RETURN(const std::string text, util::ReadFileCapped(file, kMaxProfileBytes));
    LW_ASSIGN_OR_RETURN(Profile profile, ParseProfile(text, file.string()));
    Add(std::move(profile));
  }
  return Status::Ok();
}

void ProfileSet::Add(Profile profile) {
  for (auto& existing : profiles_) {
    if (existing.name == profile.name) {
      existing = std::move(profile);
      return;
    }
  }
  profiles_.push_back(std::move(profile));
}

const Profile* ProfileSet::Find(std::string_view name) const {
  for (const auto& profile : profiles_) {
    if (profile.name == name) return &profile;
  }
  return nullptr;
}

}  // namespace leakwatch::parsers
