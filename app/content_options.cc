#include "app/content_options.h"

#include "match/key.h"

namespace leakwatch::app {

ContentOptions ContentOptionsFromConfig(const config::Config& config) {
  ContentOptions o;
  const config::ParserLimits& p = config.parse.limits;
  o.parse.max_page_bytes = p.max_page_bytes;
  o.parse.max_nodes = p.max_nodes;
  o.parse.max_parse_depth = p.max_depth;
  o.parse.max_selector_steps = p.max_selector_steps;
  o.parse.max_extract_time = p.max_time;
  o.parse.max_links = p.max_links;
  o.parse.max_documents = p.max_documents;
  o.parse.max_document_bytes = p.max_document_bytes;
  o.parse.max_field_bytes = p.max_field_bytes;

  const config::MatchConfig& m = config.match;
  o.archive.max_depth = m.limits.archive_depth;
  o.archive.max_total_bytes = m.limits.archive_total_bytes;
  o.archive.max_ratio = m.limits.archive_ratio;
  o.archive.max_members = m.limits.archive_members;
  o.match.record_window_tokens = static_cast<size_t>(m.records.proximity_tokens);
  o.image.threshold = m.image_threshold;
  o.image.dihedral = m.dihedral;
  o.image.limits.max_pixels = m.limits.image_max_pixels;
  o.scan_max_bytes = m.limits.scan_max_bytes;
  return o;
}

Result<std::unique_ptr<match::Matcher>> LoadMatcher(const std::filesystem::path& pack,
                                                    const std::filesystem::path& key_file,
                                                    const ContentOptions& options) {
  if (pack.empty() && key_file.empty()) return std::unique_ptr<match::Matcher>();
  if (pack.empty()) return Status::InvalidArgument("a key file is given but no pack");
  if (key_file.empty()) {
    return Status::InvalidArgument("match.pack is set but match.key_file is not");
  }
  LW_ASSIGN_OR_RETURN(match::DatasetKey key, match::DatasetKey::Load(key_file));
  match::MatcherOptions matcher_options;
  matcher_options.image_index_loader = match::MakePdqImageIndexLoader(options.image);
  return match::Matcher::Load(pack, std::move(key), std::move(matcher_options));
}

Result<std::unique_ptr<match::Matcher>> LoadMatcher(const config::Config& config) {
  return LoadMatcher(config.match.pack, config.match.key_file, ContentOptionsFromConfig(config));
}

}  // namespace leakwatch::app
