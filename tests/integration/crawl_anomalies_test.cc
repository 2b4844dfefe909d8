// Anomalies end to end: a crawl through the SOCKS5 gateway fetches a zip whose member
// blows the expansion-ratio limit; the anomaly is a row (run, source, URL, member
// path, kind, detail) and `leakwatch runs` / `runs show` tell the user, without -v,
// which member of which download hit which limit.
#include <nlohmann/json.hpp>

#include "tests/integration/evidence_site.h"
#include "tests/unit/app/cli_runner.h"

namespace leakwatch::crawler {
namespace {

using namespace evidence_test;  // NOLINT: the fixture's names read better unqualified

// A zip (deflate) of `members` (name, content), written by libarchive.
std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& members) {
  size_t total = 0;
  for (const auto& [name, content] : members) total += content.size();
  std::string out(total / 64 + 64 * 1024, '\0');
  size_t used = 0;
  archive* a = archive_write_new();
  REQUIRE(archive_write_set_format_zip(a) == ARCHIVE_OK);
  REQUIRE(archive_write_open_memory(a, out.data(), out.size(), &used) == ARCHIVE_OK);
  for (const auto& [name, content] : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, content.data(), content.size()) ==
            static_cast<la_ssize_t>(content.size()));
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

TEST_CASE("a zip member over the expansion-ratio limit is an anomaly row shown by `runs`",
          "[integration]") {
  EvidenceSite t;
  // 16 MiB of zeros deflate to a few KiB: far past the default 200:1 ratio.
  const std::string bomb = MakeZip(
      {{"readme.txt", "password: infected\n"}, {"dump/zeros.bin", std::string(16 << 20, '\0')}});
  REQUIRE(bomb.size() < 256 * 1024);
  demo::Route zip = demo::Route::Text(bomb);
  zip.content_type = "application/zip";
  t.site->SetRoute("/dl/bomb.zip", zip);
  t.options.sources[0].start_urls = {Url("/dl/bomb.zip")};
  const CrawlSummary summary = t.Crawl();
  CHECK(summary.stats.errors_by_class.at("anomaly") >= 1);

  util::SystemClock clock;
  auto store = store::Store::Open(t.options.db_path, clock);
  REQUIRE(store.has_value());
  auto rows = store->anomalies().ListByRun(summary.run_id, 0);
  REQUIRE(rows.has_value());
  const store::Anomaly* limit = nullptr;
  for (const store::Anomaly& a : *rows) {
    if (a.kind == "limit") limit = &a;
  }
  REQUIRE(limit != nullptr);
  CHECK(limit->detail == "expansion ratio");
  CHECK(limit->member_path == "dump/zeros.bin");
  CHECK(limit->url == Url("/dl/bomb.zip"));
  CHECK(limit->source == "dump-site");
  CHECK(store->anomalies().Counts(summary.run_id).value().by_kind.at("limit") == 1);

  app::Cli cli;
  const std::string db = t.options.db_path.string();
  REQUIRE(cli({"--db", db, "runs"}) == 0);
  INFO(cli.out);
  CHECK(app::Contains(cli.out, "limit 1"));
  REQUIRE(cli({"--db", db, "runs", "show", std::to_string(summary.run_id)}) == 0);
  INFO(cli.out);
  CHECK(app::Contains(cli.out, "limit: expansion ratio, in member dump/zeros.bin of " +
                                   Url("/dl/bomb.zip") + " (source dump-site)"));
  REQUIRE(cli({"--db", db, "runs", "show", std::to_string(summary.run_id), "--format", "json"}) ==
          0);
  const nlohmann::json shown = nlohmann::json::parse(cli.out);
  CHECK(shown["anomalies"]["by_kind"]["limit"] == 1);
  bool listed = false;
  for (const auto& row : shown["anomaly_rows"]) {
    listed |= row["kind"] == "limit" && row["member_path"] == "dump/zeros.bin";
  }
  CHECK(listed);
}

}  // namespace
}  // namespace leakwatch::crawler
