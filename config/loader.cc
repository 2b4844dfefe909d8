// The TOML loader: toml++ document -> validated Config, with file:line:col errors.
//
// Every table is read through a TableReader, which records each key the schema asks
// for; whatever is left in the table afterwards is an unknown key, reported with the
// closest known key as a suggestion (or, for the inline form of a secret the table takes
// as *_file / *_env, with those alternatives). All problems are collected, sorted by position and
// reported together, so a user fixes a file in one pass.
#include "config/internal/loader.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <re2/re2.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

#include "config/config.h"
#include "config/internal/values.h"
#include "util/duration.h"
#include "util/files.h"
#include "util/onion.h"
#include "util/text.h"

namespace leakwatch::config {
namespace fs = std::filesystem;

namespace {

using detail::ClosestMatch;
using detail::FormatByteSize;

constexpr size_t kMaxQuotedChars = 60;
constexpr size_t kMaxArrayItems = 10'000;
constexpr size_t kMaxRegexItems = 1'000;
constexpr size_t kMaxRegexLength = 4096;
constexpr size_t kMaxHeaders = 100;
constexpr size_t kMaxHeaderValue = 8192;
constexpr size_t kMaxSourceNameLength = 64;
constexpr int kRe2MaxMemory = 8 << 20;
constexpr std::array<std::string_view, 5> kSightingKinds = {"exact", "partial", "records", "image",
                                                            "mention"};

// Where a headers table applies: [crawl.headers] to every request, [sources.headers]
// to the requests of one source (and only to its hosts).
enum class HeaderScope { kEveryRequest, kOneSource };

// Why a header may not be configured (empty: it may). Case-insensitive.
std::string_view RefusedHeader(std::string_view name, HeaderScope scope) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 11> kSetByLibcurl = {
      "host",    "content-length", "transfer-encoding",   "connection",       "keep-alive", "te",
      "trailer", "upgrade",        "proxy-authorization", "proxy-connection", "expect"};
  if (std::find(kSetByLibcurl.begin(), kSetByLibcurl.end(), lower) != kSetByLibcurl.end()) {
    return "cannot be set by hand: libcurl sets it for each request and connection (Host, "
           "Content-Length, Expect and the hop-by-hop headers)";
  }
  if (scope == HeaderScope::kEveryRequest && (lower == "cookie" || lower == "authorization")) {
    return "a credential belongs to one source: set it in that source's [sources.headers], "
           "which are sent to the source's own hosts only";
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Problem collection.

struct Problem {
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;
};

class Context {
 public:
  Context(std::string_view file_name, std::string_view text, const Environment& env,
          fs::path base_dir)
      : file_name_(file_name), text_(text), env_(env), base_dir_(std::move(base_dir)) {}

  const Environment& env() const { return env_; }
  const fs::path& base_dir() const { return base_dir_; }

  // Test hook: when set, every key path the schema asks for is appended, with array
  // indices written "[]".
  void set_key_log(std::vector<std::string>* log) { key_log_ = log; }
  void LogKey(std::string_view key_path) {
    if (key_log_ == nullptr) return;
    std::string normalized;
    bool in_index = false;
    for (const char c : key_path) {
      if (c == '[') in_index = true;
      if (in_index && c != '[' && c != ']') continue;
      if (c == ']') in_index = false;
      normalized += c;
    }
    key_log_->push_back(std::move(normalized));
  }

  // Records "file:line:col: key_path: message" (without line:col when the position is
  // unknown, as for tables toml++ created implicitly).
  void Error(uint32_t line, uint32_t column, std::string_view key_path, std::string_view message) {
    std::string text = std::string(file_name_);
    if (line != 0) text += fmt::format(":{}:{}", line, column);
    text += ": ";
    if (!key_path.empty()) text += fmt::format("{}: ", key_path);
    text += message;
    // Keys and values may hold control characters; one problem stays one line.
    problems_.push_back({line, column, util::EscapeUnsafe(text)});
  }
  void Error(const toml::source_region& where, std::string_view key_path,
             std::string_view message) {
    Error(where.begin.line, where.begin.column, key_path, message);
  }

  bool ok() const { return problems_.empty(); }

  Status ToStatus() {
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    std::string message;
    const size_t shown = std::min(problems_.size(), kMaxReportedErrors);
    for (size_t i = 0; i < shown; ++i) {
      if (i != 0) message += '\n';
      message += problems_[i].text;
    }
    if (problems_.size() > shown) {
      message +=
          fmt::format("\n{}: ... and {} more problems", file_name_, problems_.size() - shown);
    }
    return Status::InvalidArgument(std::move(message));
  }

  // The raw text of line `line` (1-based), for mapping regex offsets to columns. The
  // line index is built on first use, so many regex errors cost one pass over the text.
  std::string_view Line(uint32_t line) {
    if (line_starts_.empty()) {
      line_starts_.push_back(0);
      for (size_t i = 0; i < text_.size(); ++i) {
        if (text_[i] == '\n') line_starts_.push_back(i + 1);
      }
    }
    if (line == 0 || line > line_starts_.size()) return {};
    const size_t start = line_starts_[line - 1];
    const size_t end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
    return text_.substr(start, end - start);
  }

 private:
  std::string_view file_name_;
  std::string_view text_;
  const Environment& env_;
  fs::path base_dir_;
  std::vector<Problem> problems_;
  std::vector<size_t> line_starts_;  // offsets of each line's first byte, built lazily
  std::vector<std::string>* key_log_ = nullptr;
};

// ---------------------------------------------------------------------------------------
// Describing values in messages.

std::string Quote(std::string_view s) {
  std::string out = "\"";
  size_t chars = 0;
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    const bool continuation = (byte & 0xC0) == 0x80;  // never cut a UTF-8 sequence
    if (!continuation && chars++ == kMaxQuotedChars) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\u{:04X}", byte);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// Quote() for URLs, with any user:password in the authority replaced by "***" so a
// credential typed into a URL never reaches an error message or a log.
std::string QuoteUrl(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return Quote(url);
  const size_t start = sep + 3;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return Quote(url);
  return Quote(std::string(url.substr(0, start)) + "***" + std::string(url.substr(start + at)));
}

// How a value reads in "got ..." (a TOML-like rendering, bounded in length).
std::string Describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return Quote(node.as_string()->get());
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return fmt::format("{}", node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string Join(const auto& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string IntRange(int64_t lo, int64_t hi) {
  if (hi == std::numeric_limits<int64_t>::max()) return fmt::format(">= {}", lo);
  return fmt::format("{}..{}", lo, hi);
}

// A key that names a secret (password, token, ...). Such a key is never accepted inline;
// when its *_file / *_env form exists, the error points there (TableReader::Finish).
bool LooksLikeSecret(std::string_view key) {
  static constexpr std::array<std::string_view, 6> kWords = {"password", "passwd", "secret",
                                                             "key",      "token",  "apikey"};
  for (const std::string_view word : kWords) {
    if (key == word) return true;
    if (key.size() > word.size() + 1 && key.substr(key.size() - word.size()) == word &&
        (key[key.size() - word.size() - 1] == '_' || key[key.size() - word.size() - 1] == '-')) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Reading one table.

class TableReader {
 public:
  TableReader(Context& ctx, const toml::table& table, std::string path)
      : ctx_(ctx), table_(table), path_(std::move(path)) {}
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  Context& ctx() { return ctx_; }
  const toml::table& table() const { return table_; }

  std::string KeyPath(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The node for `key`, or nullptr; either way `key` becomes a known key.
  const toml::node* Find(std::string_view key) {
    known_.emplace_back(key);
    ctx_.LogKey(KeyPath(key));
    return table_.get(key);
  }

  void Error(const toml::node& node, std::string_view key, std::string_view message) {
    ctx_.Error(node.source(), KeyPath(key), message);
  }
  void ErrorAtTable(std::string_view key_path, std::string_view message) {
    ctx_.Error(table_.source(), key_path, message);
  }

  template <typename Int>
  bool ReadInt(std::string_view key, int64_t lo, int64_t hi, Int& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    const auto value = node->value_exact<int64_t>();
    if (!value || *value < lo || *value > hi) {
      Error(*node, key,
            fmt::format("expected an integer {}, got {}", IntRange(lo, hi), Describe(*node)));
      return false;
    }
    out = static_cast<Int>(*value);
    return true;
  }

  bool ReadDouble(std::string_view key, double lo, double& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    std::optional<double> value;
    if (node->is_floating_point()) value = node->as_floating_point()->get();
    if (node->is_integer()) value = static_cast<double>(node->as_integer()->get());
    if (!value || !std::isfinite(*value) || *value < lo) {
      Error(*node, key, fmt::format("expected a number >= {}, got {}", lo, Describe(*node)));
      return false;
    }
    out = *value;
    return true;
  }

  bool ReadBool(std::string_view key, bool& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    if (!node->is_boolean()) {
      Error(*node, key, fmt::format("expected true or false, got {}", Describe(*node)));
      return false;
    }
    out = node->as_boolean()->get();
    return true;
  }

  // A string value; `node_out` receives its node for later positioned errors.
  bool ReadString(std::string_view key, std::string& out, bool allow_empty = true,
                  const toml::node** node_out = nullptr) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    if (!node->is_string() || (!allow_empty && node->as_string()->get().empty())) {
      Error(*node, key,
            fmt::format("expected a {}string, got {}", allow_empty ? "" : "non-empty ",
                        Describe(*node)));
      return false;
    }
    out = node->as_string()->get();
    if (node_out != nullptr) *node_out = node;
    return true;
  }

  bool ReadChoice(std::string_view key, const std::vector<std::string>& choices, std::string& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    const std::string expected = "expected one of " + Join(choices, ", ");
    if (!node->is_string()) {
      Error(*node, key, fmt::format("{}, got {}", expected, Describe(*node)));
      return false;
    }
    const std::string& value = node->as_string()->get();
    if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
      std::string message = fmt::format("{}, got {}", expected, Quote(value));
      if (auto close = ClosestMatch(value, choices)) message += ", did you mean `" + *close + "`?";
      Error(*node, key, message);
      return false;
    }
    out = value;
    return true;
  }

  bool ReadDuration(std::string_view key, Milliseconds lo, Milliseconds hi, Milliseconds& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    const std::string expected =
        fmt::format("expected a duration {}..{} (e.g. \"30s\", \"12m\", \"1h30m\")",
                    util::FormatDuration(lo), util::FormatDuration(hi));
    Result<Milliseconds> parsed = Status::InvalidArgument("not a string");
    if (node->is_string()) parsed = util::ParseDuration(node->as_string()->get());
    if (!parsed.has_value() || *parsed < lo || *parsed > hi) {
      Error(*node, key, fmt::format("{}, got {}", expected, Describe(*node)));
      return false;
    }
    out = *parsed;
    return true;
  }

  bool ReadSize(std::string_view key, uint64_t lo, uint64_t hi, uint64_t& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    std::optional<uint64_t> value;
    if (node->is_integer() && node->as_integer()->get() >= 0) {
      value = static_cast<uint64_t>(node->as_integer()->get());
    } else if (node->is_string()) {
      if (auto parsed = ParseByteSize(node->as_string()->get())) value = *parsed;
    }
    if (!value || *value < lo || *value > hi) {
      Error(*node, key,
            fmt::format("expected a size {}..{} (bytes, or e.g. \"8MiB\"), got {}",
                        FormatByteSize(lo), FormatByteSize(hi), Describe(*node)));
      return false;
    }
    out = *value;
    return true;
  }

  // A filesystem path: "~/" is expanded with $HOME, relative paths are resolved
  // against the config file's directory (when loading from a file).
  bool ReadPath(std::string_view key, fs::path& out) {
    std::string text;
    const toml::node* node = nullptr;
    if (!ReadString(key, text, /*allow_empty=*/false, &node)) return false;
    if (text.find('\0') != std::string::npos) {
      Error(*node, key, "a path cannot contain a NUL character");
      return false;
    }
    fs::path path(text);
    if (text.starts_with("~/")) {
      const auto home = ctx_.env().get("HOME");
      if (!home || home->empty()) {
        Error(*node, key, "cannot expand \"~/\": $HOME is not set");
        return false;
      }
      path = fs::path(*home) / text.substr(2);
    }
    if (path.is_relative() && !ctx_.base_dir().empty()) path = ctx_.base_dir() / path;
    out = path.lexically_normal();
    return true;
  }

  // An array of strings. Each element's node is passed to `check`, which returns an
  // error message or "" and may transform the value.
  using ItemCheck =
      std::function<std::string(const toml::node& node, std::string& value, size_t index)>;
  bool ReadStringArray(std::string_view key, std::vector<std::string>& out, size_t max_items,
                       bool allow_empty_array, const ItemCheck& check = nullptr) {
    const toml::node* node = Find(key);
    if (node == nullptr) return false;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      Error(*node, key, fmt::format("expected an array of strings, got {}", Describe(*node)));
      return false;
    }
    if (array->size() > max_items) {
      Error(*node, key, fmt::format("at most {} items allowed, got {}", max_items, array->size()));
      return false;
    }
    if (array->empty() && !allow_empty_array) {
      Error(*node, key, "expected at least one item, got an empty array");
      return false;
    }
    std::vector<std::string> values;
    bool ok = true;
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string item_path = fmt::format("{}[{}]", key, i);
      if (!item.is_string() || item.as_string()->get().empty()) {
        Error(item, item_path, fmt::format("expected a non-empty string, got {}", Describe(item)));
        ok = false;
        continue;
      }
      std::string value = item.as_string()->get();
      if (check) {
        if (std::string problem = check(item, value, i); !problem.empty()) {
          Error(item, item_path, problem);
          ok = false;
          continue;
        }
      }
      values.push_back(std::move(value));
    }
    if (ok) out = std::move(values);
    return ok;
  }

  // A sub-table, or nullptr when absent (or, after an error, not a table).
  const toml::table* ReadTable(std::string_view key) {
    const toml::node* node = Find(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      Error(*node, key,
            fmt::format("expected a table ([{}]), got {}", KeyPath(key), Describe(*node)));
      return nullptr;
    }
    return node->as_table();
  }

  // An array of tables ([[key]]); calls `each(table, "path[i]")` per element.
  void ReadTableArray(std::string_view key, size_t max_items,
                      const std::function<void(const toml::table&, std::string)>& each) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      Error(*node, key,
            fmt::format("expected an array of tables ([[{}]]), got {}", KeyPath(key),
                        Describe(*node)));
      return;
    }
    if (array->size() > max_items) {
      Error(*node, key,
            fmt::format("at most {} entries allowed, got {}", max_items, array->size()));
      return;
    }
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string item_path = fmt::format("{}[{}]", KeyPath(key), i);
      if (!item.is_table()) {
        ctx_.Error(item.source(), item_path,
                   fmt::format("expected a table, got {}", Describe(item)));
        continue;
      }
      each(*item.as_table(), item_path);
    }
  }

  // `base`_file / `base`_env: at most one of them.
  void ReadSecretRef(std::string_view base, SecretRef& out) {
    const std::string file_key = std::string(base) + "_file";
    const std::string env_key = std::string(base) + "_env";
    SecretRef ref;
    ReadPath(file_key, ref.file);
    const toml::node* env_node = nullptr;
    if (ReadString(env_key, ref.env, /*allow_empty=*/false, &env_node) && !ValidEnvName(ref.env)) {
      Error(*env_node, env_key,
            fmt::format("expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got {}",
                        Quote(ref.env)));
      ref.env.clear();
    }
    if (!ref.file.empty() && !ref.env.empty()) {
      Error(*env_node, env_key, fmt::format("set either {} or {}, not both", file_key, env_key));
      return;
    }
    out = std::move(ref);
  }

  // A table of HTTP headers: name = "value". Every entry read is sent (never accepted
  // and dropped); names that must not be set by hand are refused here.
  void ReadHeaders(std::string_view key, HeaderScope scope, std::vector<HttpHeader>& out) {
    const toml::table* table = ReadTable(key);
    if (table == nullptr) return;
    if (table->size() > kMaxHeaders) {
      ctx_.Error(table->source(), KeyPath(key), fmt::format("at most {} headers", kMaxHeaders));
      return;
    }
    for (auto&& [name_key, value] : *table) {
      const std::string name(name_key.str());
      const std::string item_path = KeyPath(key) + "." + name;
      if (!ValidHeaderName(name)) {
        ctx_.Error(name_key.source(), item_path,
                   "not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)");
        continue;
      }
      if (const std::string_view why = RefusedHeader(name, scope); !why.empty()) {
        ctx_.Error(name_key.source(), item_path, why);
        continue;
      }
      // A string value is not echoed back: headers may carry session cookies.
      if (!value.is_string() || !ValidHeaderValue(value.as_string()->get())) {
        ctx_.Error(value.source(), item_path,
                   fmt::format("expected a header value (a string without line breaks or other "
                               "control characters, at most {} bytes), got {}",
                               kMaxHeaderValue,
                               value.is_string() ? "a string with a control character or too long"
                                                 : Describe(value)));
        continue;
      }
      out.push_back({name, value.as_string()->get()});
    }
  }

  // Reports every key of the table the schema did not ask for: "unknown key", with the
  // closest known key as a suggestion. Only the inline form of a secret this table does
  // take from a file or the environment (`password` beside `password_file`) gets the
  // secrets message instead: a typo'd `bogus_key` is unknown first.
  void Finish() {
    for (auto&& [key, value] : table_) {
      const std::string name(key.str());
      if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
      const std::string path = KeyPath(name);
      if (const std::string alternatives = SecretAlternatives(name); !alternatives.empty()) {
        ctx_.Error(key.source(), path,
                   "secrets are never written in the config file; use " + alternatives +
                       " (a file only you can read, or an environment variable)");
        continue;
      }
      std::string message = "unknown key";
      if (auto close = ClosestMatch(name, known_)) message += ", did you mean `" + *close + "`?";
      ctx_.Error(key.source(), path, message);
    }
  }

  static bool ValidEnvName(std::string_view name) {
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  }

  static bool ValidHeaderName(std::string_view name) {
    static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             kSpecials.find(c) != std::string_view::npos;
    });
  }

  // At most kMaxHeaderValue bytes, no control character but tab (RFC 9110 field-value).
  static bool ValidHeaderValue(std::string_view value) {
    return value.size() <= kMaxHeaderValue && std::none_of(value.begin(), value.end(), [](char c) {
             const auto b = static_cast<unsigned char>(c);
             return (b < 0x20 && b != '\t') || b == 0x7F;
           });
  }

 private:
  // "`name_file` or `name_env`" (those of them this table knows) when `name` looks like
  // a secret; "" otherwise.
  std::string SecretAlternatives(const std::string& name) const {
    if (!LooksLikeSecret(name)) return {};
    std::vector<std::string> alternatives;
    for (const std::string& known : known_) {
      if (known == name + "_file" || known == name + "_env")
        alternatives.push_back("`" + known + "`");
    }
    return Join(alternatives, " or ");
  }

  Context& ctx_;
  const toml::table& table_;
  std::string path_;
  std::vector<std::string> known_;
};

// ---------------------------------------------------------------------------------------
// Value checks used by several sections.

// Compiles `pattern` with RE2; on error returns a message and sets `offset` to the
// position of the offending part within the pattern.
std::string CheckRegex(const std::string& pattern, bool ignore_case, size_t& offset) {
  offset = 0;
  if (pattern.size() > kMaxRegexLength) {
    return fmt::format("regex longer than {} bytes", kMaxRegexLength);
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!ignore_case);
  options.set_max_mem(kRe2MaxMemory);
  const RE2 re(pattern, options);
  if (re.ok()) return {};
  const size_t found = re.error_arg().empty() ? std::string::npos : pattern.find(re.error_arg());
  if (found != std::string::npos) offset = found;
  return fmt::format("invalid regex at character {}: {}", offset + 1,
                     util::EscapeUnsafe(re.error()));
}

// The column of character `offset` of the string value `node` when its raw text on the
// line maps one-to-one onto the value (a literal string, or a basic string with no
// escapes before `offset`); else the column of the value itself.
uint32_t RegexErrorColumn(Context& ctx, const toml::node& node, const std::string& value,
                          size_t offset) {
  const toml::source_position begin = node.source().begin;
  const std::string_view line = ctx.Line(begin.line);
  // toml++ columns count code points; regexes are almost always ASCII, and for any
  // line with multi-byte characters before the value the plain column is used.
  const size_t start = begin.column == 0 ? 0 : begin.column - 1;
  if (start >= line.size()) return begin.column;
  const bool ascii_prefix =
      std::all_of(line.begin(), line.begin() + static_cast<long>(start),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  const char quote = line[start];
  if (!ascii_prefix || (quote != '\'' && quote != '"')) return begin.column;
  const std::string_view raw = line.substr(start + 1);
  if (raw.size() < offset || raw.substr(0, offset) != std::string_view(value).substr(0, offset)) {
    return begin.column;
  }
  return static_cast<uint32_t>(begin.column + 1 + offset);
}

// Reads and compiles an array of regexes; errors point at the offending character.
void ReadRegexArray(TableReader& r, std::string_view key, bool ignore_case,
                    std::vector<std::string>& out) {
  Context& ctx = r.ctx();
  const std::string path = r.KeyPath(key);
  std::vector<std::string> values;
  r.ReadStringArray(key, values, kMaxRegexItems, /*allow_empty_array=*/true);
  bool ok = true;
  const toml::array* array = r.table().get(key) ? r.table().get(key)->as_array() : nullptr;
  for (size_t i = 0; array != nullptr && i < values.size() && i < array->size(); ++i) {
    size_t offset = 0;
    const std::string problem = CheckRegex(values[i], ignore_case, offset);
    if (problem.empty()) continue;
    const toml::node& node = *array->get(i);
    ctx.Error(node.source().begin.line, RegexErrorColumn(ctx, node, values[i], offset),
              fmt::format("{}[{}]", path, i), problem);
    ok = false;
  }
  if (ok) out = std::move(values);
}

std::string CheckHttpUrl(std::string& value) {
  auto parsed = detail::ParseUrl(value, {"http", "https"});
  return parsed ? std::string() : "bad URL " + QuoteUrl(value) + ": " + parsed.error().message();
}

bool ValidName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxSourceNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

// ---------------------------------------------------------------------------------------
// Sections.

void ReadStore(TableReader& r, StoreConfig& out) {
  r.ReadPath("db", out.db);
  r.ReadPath("evidence_dir", out.evidence_dir);
}

// Tor's SOCKS and control addresses are connected to without any DNS lookup, as the
// crawler does: an IP literal, or "localhost".
constexpr const char* kNoDnsForTor =
    "must be an IP address or localhost (leakwatch never resolves names itself)";

bool IsIpOrLocalhost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  in6_addr v6{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

void ReadTor(TableReader& r, TorConfig& out) {
  std::string proxy;
  const toml::node* proxy_node = nullptr;
  if (r.ReadString("socks_proxy", proxy, /*allow_empty=*/true, &proxy_node)) {
    if (proxy.empty()) {
      out.socks_proxy.clear();
      out.socks_endpoint.reset();
    } else {
      auto parsed = detail::ParseUrl(proxy, {"socks5h"});
      std::string problem;
      if (!parsed) {
        const bool other_scheme = !proxy.starts_with("socks5h://") &&
                                  (proxy.starts_with("socks") || proxy.starts_with("http"));
        problem = other_scheme
                      ? "must be a socks5h:// URL, so that Tor resolves names and the "
                        "local resolver never sees them, got " +
                            QuoteUrl(proxy)
                      : "bad proxy URL " + QuoteUrl(proxy) + ": " + parsed.error().message();
      } else if (!parsed->port) {
        problem = "the proxy URL needs a port, e.g. \"socks5h://127.0.0.1:9050\"";
      } else if (!parsed->path_and_rest.empty() && parsed->path_and_rest != "/") {
        problem = "the proxy URL must not have a path, got " + QuoteUrl(proxy);
      } else if (!IsIpOrLocalhost(parsed->host)) {
        problem = kNoDnsForTor + std::string(", got ") + QuoteUrl(proxy);
      }
      if (!problem.empty()) {
        r.Error(*proxy_node, "socks_proxy", problem);
      } else {
        out.socks_proxy = proxy;
        out.socks_endpoint = Endpoint{parsed->host, *parsed->port};
      }
    }
  }
  std::string control;
  const toml::node* control_node = nullptr;
  if (r.ReadString("control_port", control, /*allow_empty=*/false, &control_node)) {
    auto endpoint = detail::ParseEndpoint(control, 1);
    if (endpoint && !IsIpOrLocalhost(endpoint->host)) {
      r.Error(*control_node, "control_port", kNoDnsForTor + std::string(", got ") + Quote(control));
    } else if (endpoint) {
      out.control_port = *endpoint;
    } else {
      r.Error(*control_node, "control_port",
              fmt::format("expected \"host:port\" (e.g. \"127.0.0.1:9051\"), got {}: {}",
                          Quote(control), endpoint.error().message()));
    }
  }
  r.ReadPath("control_cookie_file", out.control_cookie_file);
  r.ReadSecretRef("control_password", out.control_password);
  if (!out.control_cookie_file.empty() && !out.control_password.empty()) {
    const toml::node* node = r.table().get("control_cookie_file");
    r.Error(*node, "control_cookie_file",
            "set either control_cookie_file or a control password, not both");
  }
  r.ReadBool("newnym", out.newnym);
}

// retry_max_backoff >= retry_base_backoff, in [crawl] and [notify].
void CheckBackoffOrder(TableReader& r, Milliseconds base, Milliseconds max) {
  if (max >= base) return;
  // Blame the key the user wrote (max when both are set); one of them must be set.
  const std::string_view key =
      r.table().get("retry_max_backoff") != nullptr ? "retry_max_backoff" : "retry_base_backoff";
  r.Error(*r.table().get(key), key, "retry_max_backoff must be at least retry_base_backoff");
}

void ReadCrawl(TableReader& r, CrawlConfig& out) {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  const Milliseconds one_day = hours(24);
  r.ReadInt("concurrency", 1, 1024, out.concurrency);
  r.ReadInt("per_host", 1, 64, out.per_host);
  r.ReadDuration("min_delay", Milliseconds(0), hours(1), out.min_delay);
  r.ReadDuration("max_duration", seconds(1), 7 * one_day, out.max_duration);
  r.ReadInt("max_pages", 0, 1'000'000'000, out.max_pages);
  r.ReadDuration("connect_timeout", seconds(1), minutes(10), out.connect_timeout);
  r.ReadDuration("total_timeout", seconds(1), one_day, out.total_timeout);
  r.ReadDuration("file_total_timeout", seconds(1), one_day, out.file_total_timeout);
  r.ReadSize("low_speed_limit", 0, kGiB, out.low_speed_limit);
  r.ReadDuration("low_speed_time", seconds(1), hours(1), out.low_speed_time);
  r.ReadSize("page_max_bytes", kKiB, kGiB, out.page_max_bytes);
  r.ReadSize("file_max_bytes", kKiB, 1024 * kGiB, out.file_max_bytes);
  r.ReadSize("spool_threshold", 64 * kKiB, kGiB, out.spool_threshold);
  r.ReadSize("memory_budget", 16 * kMiB, 64 * kGiB, out.memory_budget);
  r.ReadPath("spool_dir", out.spool_dir);
  r.ReadInt("workers", 1, 64, out.workers);
  r.ReadInt("max_redirects", 0, 10, out.max_redirects);
  const toml::node* ua_node = nullptr;
  std::string user_agent;
  if (r.ReadString("user_agent", user_agent, /*allow_empty=*/false, &ua_node)) {
    if (TableReader::ValidHeaderValue(user_agent)) {
      out.user_agent = user_agent;
    } else {
      r.Error(*ua_node, "user_agent", "must not contain line breaks");
    }
  }
  std::vector<HttpHeader> extra;
  r.ReadHeaders("headers", HeaderScope::kEveryRequest, extra);
  for (HttpHeader& header : extra) {
    const auto same_name = [&](const HttpHeader& h) {
      return detail::EditDistance(h.name, header.name, 0) == 0;
    };
    std::erase_if(out.headers, same_name);
    if (!header.value.empty()) out.headers.push_back(std::move(header));
  }
  r.ReadDuration("retry_base_backoff", seconds(1), 7 * one_day, out.retry_base_backoff);
  r.ReadDuration("retry_max_backoff", seconds(1), 30 * one_day, out.retry_max_backoff);
  CheckBackoffOrder(r, out.retry_base_backoff, out.retry_max_backoff);
}

void ReadMatch(TableReader& r, MatchConfig& out) {
  r.ReadPath("pack", out.pack);
  r.ReadPath("key_file", out.key_file);
  r.ReadInt("image_threshold", 0, 256, out.image_threshold);
  r.ReadBool("dihedral", out.dihedral);
  if (!out.pack.empty() && out.key_file.empty()) {
    r.Error(*r.table().get("pack"), "pack",
            "match.key_file is required when match.pack is set (the pack is useless without "
            "its key)");
  }
  if (const toml::table* t = r.ReadTable("watch")) {
    TableReader w(r.ctx(), *t, r.KeyPath("watch"));
    w.ReadBool("ignore_case", out.watch.ignore_case);
    w.ReadStringArray("terms", out.watch.terms, kMaxArrayItems, /*allow_empty_array=*/true);
    ReadRegexArray(w, "regex", out.watch.ignore_case, out.watch.regex);
    w.Finish();
  }
  if (const toml::table* t = r.ReadTable("records")) {
    TableReader rec(r.ctx(), *t, r.KeyPath("records"));
    rec.ReadStringArray("identifier", out.records.identifier, 256, true);
    std::vector<std::string> identifier = out.records.identifier;
    rec.ReadStringArray(
        "corroborating", out.records.corroborating, 256, true,
        [&](const toml::node&, std::string& value, size_t) -> std::string {
          if (std::find(identifier.begin(), identifier.end(), value) != identifier.end()) {
            return "column " + Quote(value) + " is already an identifier column";
          }
          return {};
        });
    rec.ReadInt("proximity_tokens", 1, 1000, out.records.proximity_tokens);
    rec.Finish();
  }
  if (const toml::table* t = r.ReadTable("limits")) {
    TableReader lim(r.ctx(), *t, r.KeyPath("limits"));
    lim.ReadInt("archive_depth", 0, 16, out.limits.archive_depth);
    lim.ReadSize("archive_total_bytes", kMiB, 1024 * kGiB, out.limits.archive_total_bytes);
    lim.ReadInt("archive_ratio", 1, 100'000, out.limits.archive_ratio);
    lim.ReadInt("archive_members", 1, 10'000'000, out.limits.archive_members);
    lim.ReadInt("image_max_pixels", 1, 1'000'000'000, out.limits.image_max_pixels);
    lim.ReadSize("scan_max_bytes", kMiB, 1024 * 1024 * kGiB, out.limits.scan_max_bytes);
    lim.Finish();
  }
}

void ReadParse(TableReader& r, ParserConfig& out) {
  const toml::table* t = r.ReadTable("limits");
  if (t == nullptr) return;
  TableReader lim(r.ctx(), *t, r.KeyPath("limits"));
  ParserLimits& l = out.limits;
  lim.ReadSize("max_page_bytes", kKiB, kGiB, l.max_page_bytes);
  lim.ReadInt("max_nodes", 1000, 100'000'000, l.max_nodes);
  lim.ReadInt("max_depth", 16, 4096, l.max_depth);
  lim.ReadInt("max_selector_steps", 1000, 10'000'000'000, l.max_selector_steps);
  lim.ReadDuration("max_time", Milliseconds(10), std::chrono::minutes(10), l.max_time);
  lim.ReadInt("max_links", 1, 1'000'000, l.max_links);
  lim.ReadInt("max_documents", 1, 1'000'000, l.max_documents);
  lim.ReadSize("max_document_bytes", kKiB, kGiB, l.max_document_bytes);
  lim.ReadSize("max_field_bytes", 16, 64 * kKiB, l.max_field_bytes);
  lim.Finish();
}

// Reads one [[sources]] entry and checks its Tor policy against `tor`.
void ReadSource(TableReader& r, const TorConfig& tor, SourceConfig& out) {
  const toml::node* name_node = r.Find("name");
  if (name_node == nullptr) {
    r.ErrorAtTable(r.KeyPath("name"), "missing; every source needs a unique name");
  } else if (!name_node->is_string() || !ValidName(name_node->as_string()->get())) {
    r.Error(*name_node, "name",
            fmt::format("expected a name of 1..64 characters a-z, 0-9, '_' or '-', got {}",
                        Describe(*name_node)));
  } else {
    out.name = name_node->as_string()->get();
  }
  const toml::node* profile_node = nullptr;
  std::string profile;
  if (r.ReadString("profile", profile, /*allow_empty=*/false, &profile_node)) {
    if (ValidName(profile)) {
      out.profile = profile;
    } else {
      r.Error(*profile_node, "profile",
              fmt::format("expected a profile name (a-z, 0-9, '_', '-'), \"generic\" or \"auto\", "
                          "got {}",
                          Quote(profile)));
    }
  }
  r.ReadBool("direct", out.direct);
  const bool has_urls = r.ReadStringArray(
      "urls", out.urls, kMaxArrayItems, /*allow_empty_array=*/false,
      [&](const toml::node&, std::string& value, size_t) -> std::string {
        auto parsed = detail::ParseUrl(value, {"http", "https"});
        if (!parsed) return "bad URL " + QuoteUrl(value) + ": " + parsed.error().message();
        if (util::IsOnionHost(parsed->host)) {
          if (out.direct) {
            return "an .onion URL cannot be fetched with direct = true (onion services are "
                   "reachable only through Tor)";
          }
          if (tor.socks_proxy.empty()) {
            return "an .onion URL needs tor.socks_proxy (e.g. \"socks5h://127.0.0.1:9050\")";
          }
        } else if (!out.direct && tor.socks_proxy.empty()) {
          return "tor.socks_proxy is empty: set it, or mark this source direct = true to fetch "
                 "it without Tor";
        }
        return {};
      });
  if (!has_urls && r.table().get("urls") == nullptr) {
    r.ErrorAtTable(r.KeyPath("urls"), "missing; a source needs at least one start URL");
  }
  r.ReadPath("cookies_file", out.cookies_file);
  r.ReadHeaders("headers", HeaderScope::kOneSource, out.headers);
  r.ReadInt("max_depth", 0, 20, out.max_depth);
  r.ReadInt("page_budget", 1, 100'000, out.page_budget);
  int per_host = 0;
  if (r.ReadInt("per_host", 1, 64, per_host)) out.per_host = per_host;
  Milliseconds min_delay{0};
  if (r.ReadDuration("min_delay", Milliseconds(0), std::chrono::hours(1), min_delay)) {
    out.min_delay = min_delay;
  }
  r.ReadBool("revisit_items", out.revisit_items);
  r.ReadDuration("revisit_interval", std::chrono::minutes(1), std::chrono::hours(24 * 365),
                 out.revisit_interval);
  const toml::node* login_node = nullptr;
  std::string login;
  if (r.ReadString("login_pattern", login, /*allow_empty=*/false, &login_node)) {
    size_t offset = 0;
    const std::string problem = CheckRegex(login, /*ignore_case=*/false, offset);
    if (problem.empty()) {
      out.login_pattern = login;
    } else {
      r.ctx().Error(login_node->source().begin.line,
                    RegexErrorColumn(r.ctx(), *login_node, login, offset),
                    r.KeyPath("login_pattern"), problem);
    }
  }
  r.ReadBool("enabled", out.enabled);
}

void ReadChannelCommon(TableReader& r, std::string_view kind, size_t index, ChannelCommon& out) {
  out.name = fmt::format("{}-{}", kind, index);
  const toml::node* name_node = nullptr;
  std::string name;
  if (r.ReadString("name", name, /*allow_empty=*/false, &name_node)) {
    if (ValidName(name)) {
      out.name = name;
    } else {
      r.Error(*name_node, "name",
              fmt::format("expected a name of 1..64 characters a-z, 0-9, '_' or '-', got {}",
                          Quote(name)));
    }
  }
  r.ReadBool("immediate", out.immediate);
  r.ReadDouble("min_score", 0.0, out.min_score);
  std::vector<std::string> kinds(kSightingKinds.begin(), kSightingKinds.end());
  r.ReadStringArray("kinds", out.kinds, kSightingKinds.size() * 2, /*allow_empty_array=*/true,
                    [&](const toml::node&, std::string& value, size_t) -> std::string {
                      if (std::find(kinds.begin(), kinds.end(), value) != kinds.end()) return {};
                      std::string message = fmt::format("expected one of {}, got {}",
                                                        Join(kinds, ", "), Quote(value));
                      if (auto close = ClosestMatch(value, kinds)) {
                        message += ", did you mean `" + *close + "`?";
                      }
                      return message;
                    });
}

void ReadEmail(TableReader& r, size_t index, EmailChannel& out) {
  using std::chrono::minutes;
  using std::chrono::seconds;
  ReadChannelCommon(r, "email", index, out.common);
  const toml::node* url_node = nullptr;
  std::string url;
  std::optional<bool> implicit_tls;
  if (r.ReadString("smtp_url", url, /*allow_empty=*/false, &url_node)) {
    auto parsed = detail::ParseUrl(url, {"smtp", "smtps"});
    if (parsed) {
      out.smtp_url = url;
      implicit_tls = parsed->scheme == "smtps";
    } else {
      r.Error(*url_node, "smtp_url",
              fmt::format("bad SMTP URL {}: {}", QuoteUrl(url), parsed.error().message()));
    }
  } else if (r.table().get("smtp_url") == nullptr) {
    r.ErrorAtTable(r.KeyPath("smtp_url"), "missing; e.g. \"smtp://mail.example.org:587\"");
  }
  out.tls = implicit_tls.value_or(false) ? SmtpTls::kImplicit : SmtpTls::kStartTls;
  std::string tls;
  if (r.ReadChoice("tls", {"starttls", "implicit", "none"}, tls)) {
    out.tls = tls == "starttls" ? SmtpTls::kStartTls
                                : (tls == "implicit" ? SmtpTls::kImplicit : SmtpTls::kNone);
    const toml::node* tls_node = r.table().get("tls");
    if (implicit_tls && *implicit_tls != (out.tls == SmtpTls::kImplicit)) {
      r.Error(*tls_node, "tls",
              *implicit_tls ? "smtps:// URLs always use implicit TLS; use tls = \"implicit\" or "
                              "an smtp:// URL"
                            : "tls = \"implicit\" needs an smtps:// URL");
    }
  }
  const auto check_address = [](const toml::node&, std::string& value, size_t) -> std::string {
    const size_t at = value.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == value.size() ||
        value.find_first_of(" \t\r\n<>,;") != std::string::npos) {
      return "expected an email address like \"soc@example.org\", got " + Quote(value);
    }
    return {};
  };
  const toml::node* from_node = nullptr;
  std::string from;
  if (r.ReadString("from", from, /*allow_empty=*/false, &from_node)) {
    std::string problem = check_address(*from_node, from, 0);
    if (problem.empty()) {
      out.from = from;
    } else {
      r.Error(*from_node, "from", problem);
    }
  } else if (r.table().get("from") == nullptr) {
    r.ErrorAtTable(r.KeyPath("from"), "missing; the sender address");
  }
  if (!r.ReadStringArray("to", out.to, 100, /*allow_empty_array=*/false, check_address) &&
      r.table().get("to") == nullptr) {
    r.ErrorAtTable(r.KeyPath("to"), "missing; at least one recipient address");
  }
  r.ReadString("username", out.username);
  r.ReadSecretRef("password", out.password);
  // (An inline `password` is reported by Finish(), with the same advice.)
  if (!out.username.empty() && out.password.empty() && r.table().get("password_file") == nullptr &&
      r.table().get("password_env") == nullptr && r.table().get("password") == nullptr) {
    r.Error(*r.table().get("username"), "username",
            "SMTP AUTH needs password_file or password_env");
  }
  r.ReadDuration("timeout", seconds(1), minutes(10), out.timeout);
  r.ReadPath("ca_file", out.ca_file);
}

void ReadWebhook(TableReader& r, size_t index, WebhookChannel& out) {
  ReadChannelCommon(r, "webhook", index, out.common);
  const toml::node* url_node = nullptr;
  std::string url;
  if (r.ReadString("url", url, /*allow_empty=*/false, &url_node)) {
    if (std::string problem = CheckHttpUrl(url); problem.empty()) {
      out.url = url;
    } else {
      r.Error(*url_node, "url", problem);
    }
  } else if (r.table().get("url") == nullptr) {
    r.ErrorAtTable(r.KeyPath("url"), "missing; the URL the JSON body is POSTed to");
  }
  r.ReadSecretRef("secret", out.secret);
  if (out.secret.empty() && r.table().get("secret_file") == nullptr &&
      r.table().get("secret_env") == nullptr) {
    r.ErrorAtTable(r.KeyPath("secret_file"),
                   "missing; the webhook body is signed (X-Leakwatch-Signature), set secret_file "
                   "or secret_env");
  }
  r.ReadDuration("timeout", std::chrono::seconds(1), std::chrono::minutes(5), out.timeout);
}

void ReadExec(TableReader& r, size_t index, ExecChannel& out) {
  ReadChannelCommon(r, "exec", index, out.common);
  const bool has_command = r.ReadStringArray(
      "command", out.command, 256, /*allow_empty_array=*/false,
      [](const toml::node&, std::string& value, size_t i) -> std::string {
        if (i == 0 && value.front() != '/') {
          return "the program must be an absolute path (no $PATH lookup), got " + Quote(value);
        }
        if (value.find('\0') != std::string::npos) return "arguments cannot contain NUL";
        return {};
      });
  if (!has_command && r.table().get("command") == nullptr) {
    r.ErrorAtTable(
        r.KeyPath("command"),
        "missing; e.g. command = [\"/usr/local/bin/open-ticket\", \"--queue\", \"soc\"]");
  }
  r.ReadDuration("timeout", std::chrono::seconds(1), std::chrono::hours(1), out.timeout);
}

void ReadNotify(TableReader& r, NotifyConfig& out) {
  const Milliseconds one_day = std::chrono::hours(24);
  r.ReadInt("max_attempts", 1, 1000, out.max_attempts);
  r.ReadDuration("retry_base_backoff", std::chrono::seconds(1), one_day, out.retry_base_backoff);
  r.ReadDuration("retry_max_backoff", std::chrono::seconds(1), 30 * one_day, out.retry_max_backoff);
  CheckBackoffOrder(r, out.retry_base_backoff, out.retry_max_backoff);
  constexpr size_t kMaxChannels = 100;
  // Channel names must be unique across kinds: the outbox is keyed on them.
  std::map<std::string, std::string> seen;  // name -> key path of first use
  const auto check_unique = [&](TableReader& channel, const ChannelCommon& common,
                                const std::string& path) {
    const auto [it, inserted] = seen.emplace(common.name, path);
    if (inserted) return;
    const toml::node* node = channel.table().get("name");
    const std::string message =
        fmt::format("duplicate channel name {} (also used by {})", Quote(common.name), it->second);
    if (node != nullptr) {
      channel.Error(*node, "name", message);
    } else {
      channel.ErrorAtTable(channel.KeyPath("name"), message);
    }
  };
  r.ReadTableArray("email", kMaxChannels, [&](const toml::table& t, std::string path) {
    TableReader c(r.ctx(), t, path);
    EmailChannel channel;
    ReadEmail(c, out.email.size(), channel);
    check_unique(c, channel.common, path);
    c.Finish();
    out.email.push_back(std::move(channel));
  });
  r.ReadTableArray("webhook", kMaxChannels, [&](const toml::table& t, std::string path) {
    TableReader c(r.ctx(), t, path);
    WebhookChannel channel;
    ReadWebhook(c, out.webhook.size(), channel);
    check_unique(c, channel.common, path);
    c.Finish();
    out.webhook.push_back(std::move(channel));
  });
  r.ReadTableArray("exec", kMaxChannels, [&](const toml::table& t, std::string path) {
    TableReader c(r.ctx(), t, path);
    ExecChannel channel;
    ReadExec(c, out.exec.size(), channel);
    check_unique(c, channel.common, path);
    c.Finish();
    out.exec.push_back(std::move(channel));
  });
}

void ReadServe(TableReader& r, ServeConfig& out) {
  const toml::node* node = nullptr;
  std::string listen;
  if (r.ReadString("listen", listen, /*allow_empty=*/false, &node)) {
    auto endpoint = detail::ParseEndpoint(listen, 0);
    if (endpoint) {
      out.listen = *endpoint;
    } else {
      r.Error(*node, "listen",
              fmt::format("expected \"host:port\" (e.g. \"127.0.0.1:8080\"), got {}: {}",
                          Quote(listen), endpoint.error().message()));
    }
  }
}

void ReadRetention(TableReader& r, RetentionConfig& out) {
  r.ReadInt("days", 1, 36'500, out.days);
  r.ReadBool("keep_unmatched", out.keep_unmatched);
}

// Reads one optional top-level section with `read`, then reports its unknown keys.
template <typename Section>
void ReadSection(TableReader& root, std::string_view key, Section& out,
                 void (*read)(TableReader&, Section&)) {
  if (const toml::table* t = root.ReadTable(key)) {
    TableReader r(root.ctx(), *t, std::string(key));
    read(r, out);
    r.Finish();
  }
}

void ReadConfig(Context& ctx, const toml::table& document, Config& config) {
  TableReader root(ctx, document, "");
  ReadSection(root, "store", config.store, &ReadStore);
  ReadSection(root, "tor", config.tor, &ReadTor);
  ReadSection(root, "crawl", config.crawl, &ReadCrawl);
  ReadSection(root, "match", config.match, &ReadMatch);
  ReadSection(root, "parse", config.parse, &ReadParse);
  constexpr size_t kMaxSources = 10'000;
  std::map<std::string, std::string> names;  // name -> "file:line:col" of first definition
  root.ReadTableArray("sources", kMaxSources, [&](const toml::table& t, std::string path) {
    TableReader r(ctx, t, path);
    SourceConfig source;
    ReadSource(r, config.tor, source);
    r.Finish();
    if (!source.name.empty()) {
      const toml::node& name_node = *t.get("name");
      const auto [it, inserted] = names.emplace(source.name, path);
      if (!inserted) {
        r.Error(name_node, "name",
                fmt::format("duplicate source name {} (first defined by {})", Quote(source.name),
                            it->second));
      }
    }
    config.sources.push_back(std::move(source));
  });
  ReadSection(root, "notify", config.notify, &ReadNotify);
  ReadSection(root, "serve", config.serve, &ReadServe);
  ReadSection(root, "retention", config.retention, &ReadRetention);
  root.Finish();
}

Result<Config> ParseWithBase(std::string_view toml_text, std::string_view file_name,
                             const Environment& env, const fs::path& base_dir,
                             std::vector<std::string>* key_log = nullptr) {
  Config config = DefaultConfig(env);
  Context ctx(file_name, toml_text, env, base_dir);
  ctx.set_key_log(key_log);
  try {
    const toml::table document = toml::parse(toml_text, file_name);
    ReadConfig(ctx, document, config);
  } catch (const toml::parse_error& e) {
    const toml::source_position begin = e.source().begin;
    ctx.Error(begin.line, begin.column, "", fmt::format("TOML syntax error: {}", e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(
        fmt::format("{}: unexpected error while reading: {}", file_name, e.what()));
  }
  if (!ctx.ok()) return ctx.ToStatus();
  return config;
}

}  // namespace

namespace detail {

std::vector<std::string> SchemaKeysForTesting(std::string_view toml_text) {
  std::vector<std::string> keys;
  (void)ParseWithBase(toml_text, "schema.toml", Environment::FromMap({}), fs::path(), &keys);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace detail

Config DefaultConfig(const Environment& env) {
  Config config;
  const fs::path data_dir = DefaultDataDir(env);
  config.store.db = data_dir / "leakwatch.db";
  config.store.evidence_dir = data_dir / "evidence";
  return config;
}

Result<Config> ParseConfig(std::string_view toml_text, std::string_view file_name,
                           const Environment& env) {
  return ParseWithBase(toml_text, file_name, env, fs::path());
}

Result<Config> LoadConfig(const fs::path& path, const Environment& env) {
  auto text = util::ReadFileCapped(path, kMaxConfigFileBytes);
  if (!text) {
    if (text.error().code() == StatusCode::kNotFound) {
      return Status::NotFound(path.string() +
                              ": no such config file; run `leakwatch init` to write a starter "
                              "config, or pass --config FILE");
    }
    return text.error();
  }
  std::error_code ec;
  fs::path base_dir = fs::absolute(path, ec).parent_path();
  if (ec) base_dir = path.parent_path();
  auto config = ParseWithBase(*text, path.string(), env, base_dir);
  if (config) config->source_file = path;
  return config;
}

}  // namespace leakwatch::config
