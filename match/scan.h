// match/scan: the library entry point behind `leakwatch scan`: matches files,
// directories (recursively; symlinks not followed), FIFOs, block devices and "-"
// (stdin), expanding archives on the way (match/archive.h), and reports every finding
// and anomaly to a sink as it is produced.
//
// Endless and blocking inputs: a top-level object is read up to
// ScanOptions::max_object_bytes (then matched as far as read, with an anomaly); a
// named FIFO is opened without blocking and given up after idle_timeout without a
// byte; character devices and sockets given by name (/dev/zero, a tty) are refused
// with an error naming the path (stdin may be a terminal, as for grep).
//
// Thread safety: Scan runs on the calling thread; the sink is called from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "match/archive.h"
#include "match/finding.h"
#include "match/matcher.h"
#include "util/status.h"

namespace leakwatch::match {

// Scan hashes (SHA-256, for evidence) only objects with a finding: a top-level file
// is re-read for it, archive members and stdin are kept in memory up to
// MatchOptions::sha256_deferred_max_bytes (hashed as they stream beyond that). Memory:
// that much per object open at once, i.e. at most (max_depth + 1) x 32 MiB by default
// for nested archives.
inline MatchOptions ScanMatchDefaults() {
  MatchOptions m;
  m.sha256_only_with_findings = true;
  return m;
}

struct ScanOptions {
  ArchiveLimits limits;
  MatchOptions match = ScanMatchDefaults();
  int stdin_fd = 0;  // what "-" reads
  // Bytes read from one top-level object at most (default 64 GiB). Beyond it the object
  // is matched as far as it was read and {"limit", "object bytes: ..."} says so.
  uint64_t max_object_bytes = 64ull << 30;
  // A named FIFO with no byte for this long is given up (an error naming it, exit 2);
  // 0 waits forever. stdin is never timed out.
  std::chrono::milliseconds idle_timeout{30'000};
};

class ScanSink {
 public:
  virtual ~ScanSink() = default;
  virtual void OnFinding(const Finding& finding) = 0;
  virtual void OnAnomaly(const Anomaly& anomaly) = 0;
  // A path that could not be scanned (missing, unreadable, a device, a FIFO that went
  // silent); what was read of it before is reported as usual.
  virtual void OnError(const std::string& path, const Status& status) = 0;
};

struct ScanSummary {
  uint64_t objects = 0;  // top-level objects and archive members matched
  uint64_t bytes = 0;    // bytes of top-level objects read
  uint64_t findings = 0;
  uint64_t anomalies = 0;
  uint64_t errors = 0;
};

ScanSummary Scan(const Matcher& matcher, const std::vector<std::string>& paths,
                 const ScanOptions& options, ScanSink& sink);

// grep-style exit status for a finished scan: 2 when a path could not be scanned (as
// grep, even if something else matched), else 0 when anything matched, else 1.
// Anomalies (limits, damaged archives) do not count as matches nor as errors.
int ScanExitCode(const ScanSummary& summary);

}  // namespace leakwatch::match
