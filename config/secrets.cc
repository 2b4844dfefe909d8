// CheckSecrets: permission and presence checks of every secret reference, for doctor.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

namespace leakwatch::config {
namespace fs = std::filesystem;

namespace {

enum class FileRule {
  kOwnerOnly,     // refused when group or others have any access
  kReadableOnly,  // only existence and readability (Tor's group-readable cookie)
};

Status CheckFile(const fs::path& path, FileRule rule) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound(path.string() + ": does not exist or cannot be reached");
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path.string() + ": not a regular file");
  if (rule == FileRule::kOwnerOnly && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::PermissionDenied(
        fmt::format("{}: secret file is accessible by group or others (mode {:04o}); run "
                    "`chmod 600 {}`",
                    path.string(), st.st_mode & 07777, path.string()));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return Status::PermissionDenied(path.string() + ": not readable by this user");
  }
  return Status::Ok();
}

class Checker {
 public:
  explicit Checker(const Environment& env) : env_(env) {}

  void File(std::string key_path, const fs::path& path, FileRule rule) {
    if (path.empty()) return;
    checks_.push_back({std::move(key_path), path.string(), CheckFile(path, rule)});
  }

  void Ref(const std::string& base_path, const SecretRef& ref) {
    File(base_path + "_file", ref.file, FileRule::kOwnerOnly);
    if (ref.env.empty()) return;
    const auto value = env_.get(ref.env);
    Status status;
    if (!value || value->empty()) {
      status = Status::NotFound("environment variable " + ref.env + " is not set or empty");
    }
    checks_.push_back({base_path + "_env", ref.env, std::move(status)});
  }

  std::vector<SecretCheck> Take() { return std::move(checks_); }

 private:
  const Environment& env_;
  std::vector<SecretCheck> checks_;
};

}  // namespace

std::vector<SecretCheck> CheckSecrets(const Config& config, const Environment& env) {
  Checker checker(env);
  checker.File("match.key_file", config.match.key_file, FileRule::kOwnerOnly);
  checker.File("tor.control_cookie_file", config.tor.control_cookie_file, FileRule::kReadableOnly);
  checker.Ref("tor.control_password", config.tor.control_password);
  for (size_t i = 0; i < config.sources.size(); ++i) {
    checker.File(fmt::format("sources[{}].cookies_file", i), config.sources[i].cookies_file,
                 FileRule::kOwnerOnly);
  }
  for (size_t i = 0; i < config.notify.email.size(); ++i) {
    checker.Ref(fmt::format("notify.email[{}].password", i), config.notify.email[i].password);
  }
  for (size_t i = 0; i < config.notify.webhook.size(); ++i) {
    checker.Ref(fmt::format("notify.webhook[{}].secret", i), config.notify.webhook[i].secret);
  }
  return checker.Take();
}

Status ValidateSecretFiles(const Config& config, const Environment& env) {
  for (SecretCheck& check : CheckSecrets(config, env)) {
    if (!check.status.ok()) return check.status.WithContext(check.key_path);
  }
  return Status::Ok();
}

}  // namespace leakwatch::config
