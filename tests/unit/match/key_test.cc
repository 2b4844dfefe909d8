#include "match/key.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/temp_dir.h"

namespace leakwatch::match {
namespace {

TEST_CASE("keygen writes 32 random bytes with mode 0600 and refuses to overwrite", "[unit]") {
  testing::TempDir dir;
  const auto path = dir / "k.key";
  REQUIRE(GenerateKeyFile(path).ok());
  CHECK(std::filesystem::file_size(path) == kDatasetKeyBytes);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const Status again = GenerateKeyFile(path);
  CHECK(again.code() == StatusCode::kAlreadyExists);

  const auto other = dir / "other.key";
  REQUIRE(GenerateKeyFile(other).ok());
  auto a = DatasetKey::Load(path);
  auto b = DatasetKey::Load(other);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->key_id().size() == 32);
  CHECK(a->key_id() != b->key_id());
  CHECK(a->HashSingle("AB123CD") != b->HashSingle("AB123CD"));
}

TEST_CASE("a key file of the wrong size is a clear error", "[unit]") {
  testing::TempDir dir;
  const auto path = dir.Write("short.key", "not thirty-two bytes");
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto r = DatasetKey::Load(path);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == StatusCode::kInvalidArgument);
  CHECK(r.error().message().find("32") != std::string::npos);
}

TEST_CASE("keyed hashes are deterministic, domain separated and order sensitive", "[unit]") {
  const std::string raw(32, '\x07');
  auto k1 = DatasetKey::FromBytes(raw);
  auto k2 = DatasetKey::FromBytes(raw);
  REQUIRE(k1.has_value());
  REQUIRE(k2.has_value());
  CHECK(k1->key_id() == k2->key_id());
  CHECK(k1->HashSingle("AB123CD") == k2->HashSingle("AB123CD"));
  CHECK(k1->HashSingle("AB123CD") != k1->HashSingle("AB123CE"));
  CHECK(k1->HashPair("AB123CD", "jose muller") != k1->HashPair("jose muller", "AB123CD"));
  CHECK(k1->HashPair("AB", "123CD") != k1->HashPair("AB1", "23CD"));
  CHECK(k1->HashSingle("AB123CD") != k1->HashPair("AB123CD", "x"));
  const std::string long_value(1000, 'z');
  CHECK(k1->HashSingle(long_value) == k2->HashSingle(long_value));
  CHECK_FALSE(DatasetKey::FromBytes("short").has_value());
}

}  // namespace
}  // namespace leakwatch::match
