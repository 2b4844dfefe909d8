// app/content_options: the one place where the config's [match] and [parse] sections
// become the options of the parsers and the matcher (STYLE rules 3 and 28). Every
// command that parses or matches content takes them from here: `crawl` and `demo`
// (through PrepareCrawl), `scan`, `parse` and `doctor`, so a setting honoured by one
// is honoured by all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "config/config.h"
#include "match/archive.h"
#include "match/image_hooks.h"
#include "match/matcher.h"
#include "match/scan.h"
#include "parsers/extraction.h"
#include "util/status.h"

namespace leakwatch::app {

struct ContentOptions {
  parsers::Limits parse;           // [parse.limits]
  match::ArchiveLimits archive;    // [match.limits] archive_*
  match::MatchOptions match;       // [match.records] proximity_tokens
  match::ImageMatchOptions image;  // [match] image_threshold, dihedral; image_max_pixels
  uint64_t scan_max_bytes = match::ScanOptions{}.max_object_bytes;  // `scan`: bytes per object
};

// Maps every [match] and [parse] setting that shapes parsing and matching; the other
// fields keep their library defaults. ([match] pack and key_file name the matcher to
// load, see LoadMatcher; [match.watch] is compiled by PrepareCrawl; [match.records]
// identifier and corroborating are `fingerprint build` inputs.) Pure.
ContentOptions ContentOptionsFromConfig(const config::Config& config);

// The fingerprint matcher for `pack` and `key_file`, with the perceptual image index
// built with `options.image`. Errors: InvalidArgument when only one of the two paths is
// given; the key file's (missing, loose permissions); the pack's (newer format, wrong
// key, corrupt). Both empty: null (no pack configured), not an error.
Result<std::unique_ptr<match::Matcher>> LoadMatcher(const std::filesystem::path& pack,
                                                    const std::filesystem::path& key_file,
                                                    const ContentOptions& options);

// LoadMatcher with [match] pack and key_file, and ContentOptionsFromConfig(config).
Result<std::unique_ptr<match::Matcher>> LoadMatcher(const config::Config& config);

}  // namespace leakwatch::app
