// parsers/url: absolute URL parsing, RFC 3986 reference resolution and normalisation:
// leakwatch's one URL identity.
//
// Every link the parsers emit goes through here, and so does every URL the crawler
// keys, fetches or records: the frontier's dedupe key, followed links and next pages,
// redirect targets and sighting URLs are all ParseHttpUrl(...).spec(), the string libcurl
// is handed. So two spellings of one resource ("HTTP://Example.ONION:80/a/./b/../c?x=%7e#top"
// and "http://example.onion/a/c?x=~") collapse to one frontier row, and the host the
// crawler's Tor policy judges is the host libcurl connects to.
//
// Normalisation (RFC 3986 section 6.2.2 plus the usual crawler rules):
//   - scheme and host lowercased; default port dropped (http 80, https 443, ftp 21),
//     leading zeros of the port dropped;
//   - percent-encoding: hex digits uppercased, encoded unreserved characters
//     (ALPHA DIGIT - . _ ~) decoded, bytes that may not appear raw (space, controls,
//     non-ASCII, "<>\"`{}|\\^") percent-encoded;
//   - dot segments removed; an empty path with an authority becomes "/";
//   - the fragment dropped (it never reaches the server), unless keep_fragment is set
//     (file-host links such as mega.nz carry the decryption key in it);
//   - as browsers do for http(s), tabs and newlines inside the text are removed,
//     leading/trailing spaces and controls trimmed, and "\" treated as "/".
// Normalising a normalised spec returns it unchanged. Session ids in paths or queries
// are not removed: which parameter is a session is a site's business, not the URL's.
// Hostile input is bounded: text longer than kMaxUrlBytes is rejected.
//
// Thread safety: Url is a value type; const methods are safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::parsers {

inline constexpr size_t kMaxUrlBytes = 8 * 1024;

// Names the normal form below. Change it with any change to what Parse gives for some
// input: the crawler then rewrites the keys a database holds once, at the start of its
// next run (store::FrontierRepository::Rekey), instead of keeping two rows for one URL.
inline constexpr std::string_view kUrlForm = "rfc3986-2026-12";

struct UrlOptions {
  bool keep_fragment = false;
};

class Url {
 public:
  // Parses and normalises an absolute URL ("scheme:..."). Errors: InvalidArgument when
  // there is no scheme, the port is not a number below 65536, or the text is too long.
  static Result<Url> Parse(std::string_view text, const UrlOptions& options = {});

  // Resolves `reference` (absolute, scheme-relative, absolute-path, relative, query-
  // or fragment-only) against this URL per RFC 3986 section 5.2, then normalises.
  Result<Url> Resolve(std::string_view reference, const UrlOptions& options = {}) const;

  // The normalised text, e.g. "http://example.onion/a/c?x=~".
  const std::string& spec() const { return spec_; }

  const std::string& scheme() const { return scheme_; }
  // Lowercased host without brackets removed (IPv6 stays "[::1]"); empty when the
  // URL has no authority (mailto:, magnet:).
  const std::string& host() const { return host_; }
  // Empty when absent or the scheme's default.
  const std::string& port() const { return port_; }
  const std::string& path() const { return path_; }
  bool has_query() const { return has_query_; }
  const std::string& query() const { return query_; }  // without the "?"
  bool has_fragment() const { return has_fragment_; }
  const std::string& fragment() const { return fragment_; }  // without the "#"
  bool has_authority() const { return has_authority_; }

  // True for http and https, the only schemes the crawler fetches.
  bool IsHttp() const { return scheme_ == "http" || scheme_ == "https"; }

  // "host" or "host:port": the key for same-site decisions and per-host politeness.
  std::string HostPort() const;

  friend bool operator==(const Url& a, const Url& b) { return a.spec_ == b.spec_; }

 private:
  Url() = default;
  void Rebuild(const UrlOptions& options);

  std::string scheme_;
  std::string userinfo_;
  bool has_userinfo_ = false;
  std::string host_;
  std::string port_;
  std::string path_;
  std::string query_;
  std::string fragment_;
  bool has_authority_ = false;
  bool has_query_ = false;
  bool has_fragment_ = false;
  std::string spec_;
};

// Convenience for callers holding strings: resolves `reference` against `base` and
// returns the normalised spec. Same errors as Url::Parse / Url::Resolve.
Result<std::string> ResolveUrl(std::string_view base, std::string_view reference,
                               const UrlOptions& options = {});

// Normalises an absolute URL; same as Url::Parse(text).spec().
Result<std::string> NormalizeUrl(std::string_view text, const UrlOptions& options = {});

// The crawler's URL identity: Url::Parse (fragment dropped) restricted to what the
// crawler fetches: scheme http or https, and a host that is a DNS name (a-z, 0-9, '-',
// '_', '.'), an IPv4 address or a bracketed IPv6 literal. Errors: InvalidArgument for
// anything else (another scheme, no host, a host no resolver would take, e.g. one with
// spaces or percent-escapes), with Url::Parse's errors.
Result<Url> ParseHttpUrl(std::string_view text);

// `reference` (e.g. a Location header) resolved against `base`, then as ParseHttpUrl.
Result<Url> ResolveHttpUrl(std::string_view base, std::string_view reference);

// ParseHttpUrl(text)->spec(): the frontier key of `text`.
Result<std::string> NormalizeHttpUrl(std::string_view text);

// Removes "." and ".." segments (RFC 3986 section 5.2.4). Exposed for tests.
std::string RemoveDotSegments(std::string_view path);

}  // namespace leakwatch::parsers
