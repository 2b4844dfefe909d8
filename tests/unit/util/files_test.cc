#include "util/files.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/temp_dir.h"

namespace leakwatch::util {
namespace {
namespace fs = std::filesystem;

TEST_CASE("ResolvedPath gives one name for every spelling of a file", "[unit]") {
  testing::TempDir dir;
  const fs::path real = dir.Write("data/leakwatch.db", "x");
  const fs::path expected = fs::canonical(real);
  fs::create_symlink(real, dir / "abs-link.db");
  fs::create_symlink("data/leakwatch.db", dir / "rel-link.db");
  fs::create_symlink("rel-link.db", dir / "chain.db");
  fs::create_directory_symlink(dir / "data", dir / "data-link");
  CHECK(ResolvedPath(real) == expected);
  CHECK(ResolvedPath(dir / "abs-link.db") == expected);
  CHECK(ResolvedPath(dir / "rel-link.db") == expected);
  CHECK(ResolvedPath(dir / "chain.db") == expected);
  CHECK(ResolvedPath(dir / "data-link" / "leakwatch.db") == expected);
  CHECK(ResolvedPath(dir / "data" / ".." / "data" / "leakwatch.db") == expected);
}

TEST_CASE("ResolvedPath follows a dangling link to the file it will create", "[unit]") {
  testing::TempDir dir;
  fs::create_directories(dir / "data");
  fs::create_symlink(dir / "data" / "new.db", dir / "link.db");
  CHECK(ResolvedPath(dir / "link.db") == fs::canonical(dir / "data") / "new.db");
  // A file that does not exist yet keeps its name.
  CHECK(ResolvedPath(dir / "data" / "later.db") == fs::canonical(dir / "data") / "later.db");
}

TEST_CASE("ResolvedPath stops on a symlink loop", "[unit]") {
  testing::TempDir dir;
  fs::create_symlink(dir / "b", dir / "a");
  fs::create_symlink(dir / "a", dir / "b");
  const fs::path resolved = ResolvedPath(dir / "a");  // returns instead of looping
  CHECK(resolved.filename().string().size() == 1);
}

}  // namespace
}  // namespace leakwatch::util
