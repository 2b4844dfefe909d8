// Fuzzes the pack reader: arbitrary bytes written as a pack file, then read as a pack
// header and loaded into a Matcher, then a few bytes matched. Must never crash.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "match/matcher.h"
#include "match/pack.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace leakwatch::match;
  static const std::string path = "/tmp/lw-pack-fuzz-" + std::to_string(::getpid()) + ".lwfp";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  (void)ReadPackInfo(path);
  auto key = DatasetKey::FromBytes(std::string(32, '\x01'));
  if (key.has_value()) {
    auto m = Matcher::Load(path, std::move(*key));
    if (m.has_value()) {
      (void)(*m)->MatchBytes("x", "AB-123-CD,Jane Doe,2024-01-01\n");
    }
  }
  std::remove(path.c_str());
  return 0;
}
