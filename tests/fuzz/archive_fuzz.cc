// Fuzzes recursive archive expansion: arbitrary bytes as a top-level object, with
// small limits so a campaign explores structure rather than inflating bombs.
#include <cstdint>
#include <memory>
#include <string>

#include "match/archive.h"

namespace {

class CountingSink final : public leakwatch::match::ObjectSink {
 public:
  void Feed(std::string_view bytes) override { total_ += bytes.size(); }
  void Close() override {}

 private:
  size_t total_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace leakwatch::match;
  ArchiveLimits limits;
  limits.max_total_bytes = 8u << 20;
  limits.max_members = 1000;
  MemorySource source(std::string_view(reinterpret_cast<const char*>(data), size));
  const SinkFactory open_sink = [](const std::string&, int) {
    return std::make_unique<CountingSink>();
  };
  const AnomalyCallback on_anomaly = [](const Anomaly&) {};
  (void)ExpandObject(source, "fuzz", limits, open_sink, on_anomaly);
  return 0;
}
