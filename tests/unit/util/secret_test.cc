#include "util/secret.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/temp_dir.h"

namespace leakwatch::util {
namespace {
namespace fs = std::filesystem;

TEST_CASE("a secret file readable by others is refused with the fix", "[unit]") {
  testing::TempDir dir;
  const fs::path p = dir.Write("smtp.pass", "hunter2\n");
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const auto r = ReadSecretFile(p);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == StatusCode::kPermissionDenied);
  CHECK(r.error().message().find("chmod 600") != std::string::npos);

  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  const auto ok = ReadSecretFile(p);
  REQUIRE(ok.has_value());
  CHECK(ok->Reveal() == "hunter2");
}

TEST_CASE("a missing secret file is NotFound", "[unit]") {
  testing::TempDir dir;
  CHECK(ReadSecretFile(dir / "nope").error().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace leakwatch::util
