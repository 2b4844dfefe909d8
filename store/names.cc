// The stable text names of the store's enums: they are what the database holds and
// what the CLI accepts and prints, so they never change once shipped.
#include <array>
#include <string>
#include <utility>

#include "store/coverage.h"
#include "store/frontier.h"
#include "store/outbox.h"
#include "store/runs.h"
#include "store/sightings.h"
#include "store/sources.h"

namespace leakwatch::store {
namespace {

template <typename Enum, size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

template <typename Enum, size_t N>
std::string_view NameOf(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
Result<Enum> Parse(const NameTable<Enum, N>& table, std::string_view name, const char* what) {
  for (const auto& [e, text] : table) {
    if (text == name) return e;
  }
  std::string expected;
  for (const auto& [e, text] : table) {
    if (!expected.empty()) expected += ", ";
    expected += text;
  }
  return Status::InvalidArgument(std::string("unknown ") + what + " \"" + std::string(name) +
                                 "\" (expected one of: " + expected + ")");
}

constexpr NameTable<RunStatus, 4> kRunStatusNames{{{RunStatus::kRunning, "running"},
                                                   {RunStatus::kOk, "ok"},
                                                   {RunStatus::kInterrupted, "interrupted"},
                                                   {RunStatus::kFailed, "failed"}}};

constexpr NameTable<SourceState, 6> kSourceStateNames{
    {{SourceState::kOk, "ok"},
     {SourceState::kFailing, "failing"},
     {SourceState::kProfileBroken, "profile_broken"},
     {SourceState::kSessionExpired, "session_expired"},
     {SourceState::kTorDown, "tor_down"},
     {SourceState::kDisabled, "disabled"}}};

constexpr NameTable<UrlKind, 3> kUrlKindNames{
    {{UrlKind::kListing, "listing"}, {UrlKind::kItem, "item"}, {UrlKind::kFile, "file"}}};

constexpr NameTable<FrontierState, 4> kFrontierStateNames{
    {{FrontierState::kPending, "pending"},
     {FrontierState::kInFlight, "in_flight"},
     {FrontierState::kDone, "done"},
     {FrontierState::kFailedPermanent, "failed_permanent"}}};

constexpr NameTable<SightingKind, 5> kSightingKindNames{{{SightingKind::kExact, "exact"},
                                                         {SightingKind::kPartial, "partial"},
                                                         {SightingKind::kRecords, "records"},
                                                         {SightingKind::kImage, "image"},
                                                         {SightingKind::kMention, "mention"}}};

constexpr NameTable<OutboxState, 3> kOutboxStateNames{{{OutboxState::kPending, "pending"},
                                                       {OutboxState::kSent, "sent"},
                                                       {OutboxState::kFailed, "failed"}}};

constexpr NameTable<CoverageKind, 2> kCoverageKindNames{
    {{CoverageKind::kFile, "file"}, {CoverageKind::kRecord, "record"}}};

}  // namespace

std::string_view RunStatusName(RunStatus v) { return NameOf(kRunStatusNames, v); }
Result<RunStatus> ParseRunStatus(std::string_view n) {
  return Parse(kRunStatusNames, n, "run status");
}
std::string_view SourceStateName(SourceState v) { return NameOf(kSourceStateNames, v); }
Result<SourceState> ParseSourceState(std::string_view n) {
  return Parse(kSourceStateNames, n, "source state");
}
std::string_view UrlKindName(UrlKind v) { return NameOf(kUrlKindNames, v); }
Result<UrlKind> ParseUrlKind(std::string_view n) { return Parse(kUrlKindNames, n, "URL kind"); }
Result<FrontierState> ParseFrontierState(std::string_view n) {
  return Parse(kFrontierStateNames, n, "frontier state");
}
std::string_view SightingKindName(SightingKind v) { return NameOf(kSightingKindNames, v); }
Result<SightingKind> ParseSightingKind(std::string_view n) {
  return Parse(kSightingKindNames, n, "sighting kind");
}
std::string_view OutboxStateName(OutboxState v) { return NameOf(kOutboxStateNames, v); }
Result<OutboxState> ParseOutboxState(std::string_view n) {
  return Parse(kOutboxStateNames, n, "outbox state");
}
std::string_view CoverageKindName(CoverageKind v) { return NameOf(kCoverageKindNames, v); }
Result<CoverageKind> ParseCoverageKind(std::string_view n) {
  return Parse(kCoverageKindNames, n, "coverage kind");
}

}  // namespace leakwatch::store
