// CheckSecrets on real files with real permission bits, and env references.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "config/config.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::config {
namespace {

namespace fs = std::filesystem;

fs::path WriteWithMode(const testing::TempDir& dir, std::string_view name, fs::perms mode) {
  const fs::path path = dir.Write(name, "s3cret\n");
  fs::permissions(path, mode);
  return path;
}

const SecretCheck* Find(const std::vector<SecretCheck>& checks, std::string_view key_path) {
  for (const SecretCheck& check : checks) {
    if (check.key_path == key_path) return &check;
  }
  return nullptr;
}

TEST_CASE("secret files must be private to their owner", "[unit]") {
  testing::TempDir dir;
  const auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
  const auto group_readable = owner_only | fs::perms::group_read;
  Config config = DefaultConfig(Environment::FromMap({{"HOME", "/home/ana"}}));
  config.match.key_file = WriteWithMode(dir, "dataset.key", owner_only);
  config.tor.control_cookie_file = WriteWithMode(dir, "control.authcookie", group_readable);
  EmailChannel email;
  email.password.file = WriteWithMode(dir, "smtp.pass", group_readable);
  config.notify.email.push_back(email);
  WebhookChannel hook;
  hook.secret.env = "LW_HOOK_SECRET";
  config.notify.webhook.push_back(hook);
  WebhookChannel hook_unset;
  hook_unset.secret.env = "LW_HOOK_UNSET";
  config.notify.webhook.push_back(hook_unset);
  SourceConfig source;
  source.cookies_file = dir / "missing.cookies";
  config.sources.push_back(source);

  const Environment env = Environment::FromMap({{"LW_HOOK_SECRET", "x"}, {"LW_HOOK_UNSET", ""}});
  const std::vector<SecretCheck> checks = CheckSecrets(config, env);
  REQUIRE(checks.size() == 6);

  const SecretCheck* key = Find(checks, "match.key_file");
  REQUIRE(key != nullptr);
  CHECK(key->status.ok());
  CHECK(key->target == config.match.key_file.string());

  // Tor makes its cookie group-readable (debian-tor group); that is accepted.
  const SecretCheck* cookie = Find(checks, "tor.control_cookie_file");
  REQUIRE(cookie != nullptr);
  CHECK(cookie->status.ok());

  const SecretCheck* smtp = Find(checks, "notify.email[0].password_file");
  REQUIRE(smtp != nullptr);
  CHECK(smtp->status.code() == StatusCode::kPermissionDenied);
  CHECK(smtp->status.message() ==
        email.password.file.string() +
            ": secret file is accessible by group or others (mode 0640); run `chmod 600 " +
            email.password.file.string() + "`");

  const SecretCheck* set_env = Find(checks, "notify.webhook[0].secret_env");
  REQUIRE(set_env != nullptr);
  CHECK(set_env->status.ok());
  const SecretCheck* unset_env = Find(checks, "notify.webhook[1].secret_env");
  REQUIRE(unset_env != nullptr);
  CHECK(unset_env->status.code() == StatusCode::kNotFound);
  CHECK(unset_env->status.message() == "environment variable LW_HOOK_UNSET is not set or empty");

  const SecretCheck* cookies = Find(checks, "sources[0].cookies_file");
  REQUIRE(cookies != nullptr);
  CHECK(cookies->status.code() == StatusCode::kNotFound);

  // ValidateSecretFiles reports the first failure, with its key path.
  const Status first = ValidateSecretFiles(config, env);
  CHECK(first.code() == StatusCode::kNotFound);
  CHECK(first.message().starts_with("sources[0].cookies_file: " + source.cookies_file.string()));

  config.sources.clear();
  const Status second = ValidateSecretFiles(config, env);
  CHECK(second.code() == StatusCode::kPermissionDenied);
  CHECK(second.message().starts_with("notify.email[0].password_file: " +
                                     email.password.file.string()));

  fs::permissions(email.password.file, owner_only);
  config.notify.webhook.pop_back();
  CHECK(ValidateSecretFiles(config, env).ok());
}

TEST_CASE("a world-readable key file and a directory are refused", "[unit]") {
  testing::TempDir dir;
  Config config = DefaultConfig(Environment::FromMap({{"HOME", "/home/ana"}}));
  config.match.key_file = WriteWithMode(
      dir, "k", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  CHECK(ValidateSecretFiles(config, Environment::FromMap({})).code() ==
        StatusCode::kPermissionDenied);
  config.match.key_file = dir.path();
  CHECK(ValidateSecretFiles(config, Environment::FromMap({})).code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("secrets in a loaded file are checked end to end", "[unit]") {
  testing::TempDir dir;
  WriteWithMode(dir, "dataset.key", fs::perms::owner_read | fs::perms::owner_write);
  const auto file =
      dir.Write("leakwatch.toml", "[match]\npack = \"dataset.lwfp\"\nkey_file = \"dataset.key\"\n");
  const Environment env = Environment::FromMap({{"HOME", "/home/ana"}});
  auto config = LoadConfig(file, env);
  REQUIRE(config.has_value());
  CHECK(ValidateSecretFiles(*config, env).ok());
  if (::geteuid() != 0) {  // root reads anything: the readability check cannot fail then
    fs::permissions(dir / "dataset.key", fs::perms::none);
    CHECK(ValidateSecretFiles(*config, env).code() == StatusCode::kPermissionDenied);
  }
}

}  // namespace
}  // namespace leakwatch::config
