// Secrets of the notification channels, read at send time only.
#include <fmt/format.h>

#include "notify/internal/transports.h"

namespace leakwatch::notify::detail {

Result<util::Secret> ReadSecret(const SecretSource& source, std::string_view what) {
  if (!source.file.empty()) {
    Result<util::Secret> secret = util::ReadSecretFile(source.file);
    if (!secret.has_value()) return secret.error().WithContext(what);
    return secret;
  }
  if (!source.env.empty()) {
    Result<util::Secret> secret = util::ReadSecretEnv(source.env);
    if (!secret.has_value()) return secret.error().WithContext(what);
    return secret;
  }
  return Status::InvalidArgument(
      fmt::format("{}: neither a file nor an environment variable "
                  "is configured",
                  what));
}

}  // namespace leakwatch::notify::detail
