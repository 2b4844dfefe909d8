// match_bench: throughput figures for match/ (see bench/README.md).
//   match_bench chunk FILE PACK KEY    exact+chunk matching of FILE, with and without SHA-256
//   match_bench scan FILE PACK KEY     `leakwatch scan` of FILE (library Scan, default options:
//                                      SHA-256 only for objects with findings)
//   match_bench gen-records N CSV TEXT TEXT_MB PATTERNS
//                                      N synthetic records as CSV, TEXT_MB of unrelated text
//                                      with a 20-row sample inside, grep patterns
//   match_bench gen-dense CSV MB OUT   dumps of the dataset rows of CSV (a gen-records file), MB
//                                      each, in four shapes: OUT.csv.txt (as exported, with the
//                                      header), OUT.reordered.txt (columns reordered, other
//                                      header), OUT.kv.txt (key: value blocks), OUT.jsonl.txt
//   match_bench build DIR PACK KEY [CSV]   pack build: files/s, MB/s
//   match_bench records PACK KEY TEXT  pack load time, index bytes per fingerprint, text MB/s
//   match_bench prf                    keyed PRF cost per call (SipHash-x-2-4 128)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "match/builder.h"
#include "match/key.h"
#include "match/matcher.h"
#include "match/scan.h"

namespace {

using namespace leakwatch;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU seconds of this process: on a shared machine, wall time includes waiting for a
// core; CPU time does not (both are printed).
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::unique_ptr<match::Matcher> LoadMatcher(const std::string& pack, const std::string& key_path,
                                            double* seconds) {
  auto key = match::DatasetKey::Load(key_path);
  if (!key.has_value()) {
    std::cerr << key.error().ToString() << "\n";
    std::exit(2);
  }
  const auto t = Clock::now();
  auto m = match::Matcher::Load(pack, std::move(*key));
  if (!m.has_value()) {
    std::cerr << m.error().ToString() << "\n";
    std::exit(2);
  }
  if (seconds) *seconds = Since(t);
  return std::move(*m);
}

int Chunk(const std::string& file, const std::string& pack, const std::string& key) {
  const auto m = LoadMatcher(pack, key, nullptr);
  const std::string data = ReadAll(file);
  struct Mode {
    const char* name;
    bool sha;
    bool only_with_findings;
  };
  for (const Mode& mode : {Mode{"", false, false}, Mode{"+sha256", true, false},
                           Mode{"+sha256 only with findings (scan)", true, true}}) {
    match::MatchOptions opts;
    opts.compute_sha256 = mode.sha;
    opts.sha256_only_with_findings = mode.only_with_findings;
    opts.match_records = false;
    const auto t = Clock::now();
    const double cpu = CpuSeconds();
    auto s = m->NewStream("bench", opts);
    constexpr size_t kPiece = 1 << 20;
    for (size_t i = 0; i < data.size(); i += kPiece)
      s->Feed(std::string_view(data).substr(i, kPiece));
    const auto r = s->Finish();
    const double secs = Since(t);
    const double cpu_secs = CpuSeconds() - cpu;
    std::printf(
        "exact+chunk%s: %.0f MB in %.3f s = %.0f MB/s (cpu %.3f s = %.0f MB/s; findings %zu)\n",
        mode.name, static_cast<double>(data.size()) / 1e6, secs,
        static_cast<double>(data.size()) / 1e6 / secs, cpu_secs,
        static_cast<double>(data.size()) / 1e6 / cpu_secs, r.findings.size());
  }
  return 0;
}

int ScanFile(const std::string& file, const std::string& pack, const std::string& key) {
  const auto m = LoadMatcher(pack, key, nullptr);
  struct CountingSink final : match::ScanSink {
    size_t findings = 0;
    void OnFinding(const match::Finding&) override { ++findings; }
    void OnAnomaly(const match::Anomaly&) override {}
    void OnError(const std::string&, const Status& s) override {
      std::cerr << s.ToString() << "\n";
    }
  } sink;
  const auto t = Clock::now();
  const double cpu = CpuSeconds();
  const match::ScanSummary s = match::Scan(*m, {file}, match::ScanOptions{}, sink);
  const double secs = Since(t);
  const double cpu_secs = CpuSeconds() - cpu;
  std::printf(
      "scan: %.0f MB in %.3f s = %.0f MB/s (cpu %.3f s = %.0f MB/s; objects %llu, findings %zu)\n",
      static_cast<double>(s.bytes) / 1e6, secs, static_cast<double>(s.bytes) / 1e6 / secs, cpu_secs,
      static_cast<double>(s.bytes) / 1e6 / cpu_secs, static_cast<unsigned long long>(s.objects),
      sink.findings);
  return 0;
}

int GenRecords(size_t n, const std::string& csv_path, const std::string& text_path, size_t text_mb,
               const std::string& patterns_path) {
  std::mt19937_64 rng(7);
  auto letter = [&] { return static_cast<char>('A' + rng() % 26); };
  auto digit = [&] { return static_cast<char>('0' + rng() % 10); };
  static const char* kFirst[] = {"José", "Zoë", "Łukasz", "Anaïs", "Søren", "Mary", "Ömer", "Paul"};
  static const char* kLast[] = {"Müller", "O'Brien", "Wąsik", "Dubois", "Smith", "Çelik", "Novák"};
  std::ofstream csv(csv_path), pat(patterns_path);
  csv << "plate,traveler_name,passport_no,captured_at,lane\n";
  std::vector<std::string> sample;
  for (size_t i = 0; i < n; ++i) {
    std::string plate = {letter(), letter(), '-',      digit(), digit(),
                         digit(),  '-',      letter(), letter()};
    std::string pass = {letter(), letter()};
    for (int k = 0; k < 7; ++k) pass.push_back(digit());
    const std::string name = std::string(kFirst[rng() % 8]) + " " + kLast[rng() % 7];
    char ts[32];
    std::snprintf(ts, sizeof ts, "2024-%02d-%02d %02d:%02d:%02d", static_cast<int>(1 + rng() % 12),
                  static_cast<int>(1 + rng() % 28), static_cast<int>(rng() % 24),
                  static_cast<int>(rng() % 60), static_cast<int>(rng() % 60));
    const std::string row =
        plate + ",\"" + name + "\"," + pass + "," + ts + ",lane-" + std::to_string(1 + rng() % 8);
    csv << row << "\n";
    pat << plate << "\n" << pass << "\n";
    if (i % (n / 20 + 1) == 0 && sample.size() < 20) sample.push_back(row);
  }
  static const char* kWords[] = {
      "the",      "border",   "agency", "said",       "on",    "Tuesday", "that",
      "vehicle",  "records",  "were",   "2024-03-01", "lane",  "7",       "x9",
      "passport", "traveler", "and",    "of",         "forum", "dump",    "price"};
  std::ofstream text(text_path);
  const size_t target = text_mb * 1000 * 1000;
  size_t written = 0;
  std::string line;
  while (written < target) {
    line.clear();
    for (int w = 0; w < 12; ++w) {
      line += kWords[rng() % 21];
      line += ' ';
    }
    if (rng() % 50 == 0) {  // a plate-shaped string that is not in the dataset
      line += {letter(), letter(), '-', digit(), digit(), digit(), '-', letter(), letter()};
    }
    line += '\n';
    text << line;
    written += line.size();
    if (written > target / 2 && !sample.empty()) {
      text << "\n";
      for (const auto& s : sample) text << s << "\n";
      text << "\n";
      sample.clear();
    }
  }
  return 0;
}

// Splits a gen-records row (plate,"name",passport,time,lane; no comma inside a field).
std::vector<std::string> SplitRow(const std::string& row) {
  std::vector<std::string> f;
  size_t b = 0;
  while (true) {
    const size_t e = row.find(',', b);
    std::string cell = row.substr(b, e == std::string::npos ? std::string::npos : e - b);
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') {
      cell = cell.substr(1, cell.size() - 2);
    }
    f.push_back(std::move(cell));
    if (e == std::string::npos) return f;
    b = e + 1;
  }
}

int GenDense(const std::string& csv_path, size_t mb, const std::string& out) {
  std::ifstream csv(csv_path);
  std::string header, row;
  if (!std::getline(csv, header)) return 2;
  const std::vector<std::string> names = SplitRow(header);
  std::ofstream as_csv(out + ".csv.txt"), reordered(out + ".reordered.txt"), kv(out + ".kv.txt"),
      jsonl(out + ".jsonl.txt");
  as_csv << header << "\n";
  // lane, captured_at, traveler_name, plate, passport_no
  static constexpr size_t kOrder[] = {4, 3, 1, 0, 2};
  for (size_t i = 0; i < 5; ++i) reordered << (i ? "," : "") << names[kOrder[i]];
  reordered << "\n";
  const size_t target = mb * 1000 * 1000;
  size_t sizes[4] = {0, 0, 0, 0};
  std::string line;
  while (std::getline(csv, row)) {
    const std::vector<std::string> f = SplitRow(row);
    if (f.size() != names.size() || f.size() != 5) continue;
    if (sizes[0] < target) {
      as_csv << row << "\n";
      sizes[0] += row.size() + 1;
    }
    if (sizes[1] < target) {
      line.clear();
      for (size_t i = 0; i < 5; ++i) line += (i ? "," : "") + f[kOrder[i]];
      reordered << line << "\n";
      sizes[1] += line.size() + 1;
    }
    if (sizes[2] < target) {
      line.clear();
      for (size_t i = 0; i < 5; ++i) line += names[i] + ": " + f[i] + "\n";
      kv << line << "\n";
      sizes[2] += line.size() + 1;
    }
    if (sizes[3] < target) {
      line = "{";
      for (size_t i = 0; i < 5; ++i)
        line += (i ? ", \"" : "\"") + names[i] + "\": \"" + f[i] + "\"";
      line += "}";
      jsonl << line << "\n";
      sizes[3] += line.size() + 1;
    }
    if (sizes[0] >= target && sizes[1] >= target && sizes[2] >= target && sizes[3] >= target) break;
  }
  return 0;
}

int Build(const std::string& dir, const std::string& pack, const std::string& key_path,
          const std::string& csv) {
  auto key = match::DatasetKey::Load(key_path);
  if (!key.has_value()) return 2;
  match::BuildOptions o;
  o.dataset_dir = dir;
  if (!csv.empty()) {
    o.record_files = {csv};
    o.identifiers = *match::ParseColumnSpecs("plate,passport_no");
    o.corroborating = *match::ParseColumnSpecs("traveler_name,captured_at,lane");
  }
  o.output = pack;
  const auto t = Clock::now();
  auto s = match::BuildPack(o, *key);
  if (!s.has_value()) {
    std::cerr << s.error().ToString() << "\n";
    return 2;
  }
  const double secs = Since(t);
  std::printf(
      "build: %llu files, %.0f MB, %llu chunks, %llu records in %.2f s = %.0f files/s, %.0f MB/s\n",
      static_cast<unsigned long long>(s->info.file_count),
      static_cast<double>(s->info.total_file_bytes) / 1e6,
      static_cast<unsigned long long>(s->info.chunk_count),
      static_cast<unsigned long long>(s->info.record_count), secs,
      static_cast<double>(s->info.file_count) / secs,
      static_cast<double>(s->info.total_file_bytes) / 1e6 / secs);
  return 0;
}

int Records(const std::string& pack, const std::string& key, const std::string& text_path) {
  double load = 0;
  const double load_cpu_start = CpuSeconds();
  const auto m = LoadMatcher(pack, key, &load);
  const double load_cpu = CpuSeconds() - load_cpu_start;
  const auto st = m->stats();
  std::printf(
      "load: %.2f s (cpu %.2f s); %llu record fingerprints, %.1f bytes each; %llu chunk "
      "fingerprints, %.1f "
      "bytes each\n",
      load, load_cpu, static_cast<unsigned long long>(st.record_fingerprints),
      st.record_fingerprints
          ? static_cast<double>(st.record_index_bytes) / static_cast<double>(st.record_fingerprints)
          : 0.0,
      static_cast<unsigned long long>(st.chunk_fingerprints),
      st.chunk_fingerprints
          ? static_cast<double>(st.chunk_index_bytes) / static_cast<double>(st.chunk_fingerprints)
          : 0.0);
  const std::string text = ReadAll(text_path);
  match::MatchOptions opts;
  opts.compute_sha256 = false;
  const auto t = Clock::now();
  const double cpu = CpuSeconds();
  auto s = m->NewStream("text", opts);
  for (size_t i = 0; i < text.size(); i += 1 << 20)
    s->Feed(std::string_view(text).substr(i, 1 << 20));
  const auto r = s->Finish();
  const double secs = Since(t);
  const double cpu_secs = CpuSeconds() - cpu;
  double score = 0;
  uint64_t single_hits = 0;
  // FNV-1a over every record finding's refs, score and single hits: two builds that
  // print the same digest reported the same findings.
  uint64_t digest = 0xcbf29ce484222325ULL;
  auto mix = [&](std::string_view bytes) {
    for (const char c : bytes) digest = (digest ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  };
  for (const auto& f : r.findings) {
    if (f.kind != match::FindingKind::kRecords) continue;
    score = f.score;
    single_hits = f.single_hits;
    mix(std::to_string(f.score) + "/" + std::to_string(f.single_hits) + "/" +
        std::string(match::ConfidenceName(f.confidence)));
    for (const auto& ref : f.dataset_refs) mix(ref + ",");
    for (const uint32_t id : f.record_ids) mix(std::to_string(id) + ";");
  }
  std::printf(
      "records (exact+chunk+records, no sha256): %.0f MB in %.3f s = %.1f MB/s (cpu %.3f s = "
      "%.1f MB/s); corroborated records found: %.0f; identifier-only hits: %llu; findings "
      "digest %016llx\n",
      static_cast<double>(text.size()) / 1e6, secs, static_cast<double>(text.size()) / 1e6 / secs,
      cpu_secs, static_cast<double>(text.size()) / 1e6 / cpu_secs, score,
      static_cast<unsigned long long>(single_hits), static_cast<unsigned long long>(digest));
  return 0;
}

int Prf() {
  auto key = match::DatasetKey::FromBytes(std::string(32, '\x05'));
  constexpr int kN = 10'000'000;
  uint64_t acc = 0;
  std::string v = "AB123CD";
  const auto t = Clock::now();
  for (int i = 0; i < kN; ++i) {
    v[6] = static_cast<char>('A' + i % 26);
    acc ^= key->HashSingle(v);
  }
  const double secs = Since(t);
  std::printf("siphashx24 keyed single hash of 7 bytes: %.1f ns/call (%llx)\n", secs * 1e9 / kN,
              static_cast<unsigned long long>(acc & 0xF));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 4 && a[0] == "chunk") return Chunk(a[1], a[2], a[3]);
  if (a.size() == 4 && a[0] == "scan") return ScanFile(a[1], a[2], a[3]);
  if (a.size() == 6 && a[0] == "gen-records") {
    return GenRecords(std::stoul(a[1]), a[2], a[3], std::stoul(a[4]), a[5]);
  }
  if (a.size() == 4 && a[0] == "gen-dense") return GenDense(a[1], std::stoul(a[2]), a[3]);
  if ((a.size() == 4 || a.size() == 5) && a[0] == "build")
    return Build(a[1], a[2], a[3], a.size() == 5 ? a[4] : "");
  if (a.size() == 4 && a[0] == "records") return Records(a[1], a[2], a[3]);
  if (a.size() == 1 && a[0] == "prf") return Prf();
  std::cerr << "usage: see the file comment of bench/match_bench.cc\n";
  return 2;
}
