// `leakwatch sightings …` and `leakwatch notify …` run in-process through app::Run on a
// real SQLite store; machine formats are checked with Python's json and csv modules.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/app.h"
#include "store/store.h"
#include "store/warc_writer.h"
#include "tests/support/hostile_text.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/notify/test_servers.h"
#include "util/clock.h"

namespace leakwatch::notify {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kHour = 3600;

struct Cli {
  leakwatch::testing::TempDir home;
  std::map<std::string, std::string> vars{
      {"HOME", home.path().string()},
      {"USER", "analyst7"},
      {"XDG_CONFIG_HOME", (home / "config").string()},
      {"XDG_DATA_HOME", (home / "data").string()},
  };
  fs::path db_path = home / "data/leakwatch/leakwatch.db";
  std::string out;
  std::string err;

  int operator()(std::vector<std::string> args) {
    app::Environment env;
    env.vars = config::Environment::FromMap({vars.begin(), vars.end()});
    std::ostringstream o;
    std::ostringstream e;
    const int code = app::Run(args, o, e, env);
    out = o.str();
    err = e.str();
    return code;
  }

  // Three sightings: one 2 h old, one 3 days old with hostile text, one mention 1 h old.
  std::vector<int64_t> Populate() {
    util::SystemClock clock;
    auto db = store::Store::Open(db_path, clock);
    REQUIRE(db.has_value());
    const int64_t now = util::ToUnixSeconds(clock.Now());
    std::vector<int64_t> ids;
    auto add = [&](store::NewSighting s) {
      auto r = db->sightings().Upsert(s);
      REQUIRE(r.has_value());
      ids.push_back(r->id);
    };
    store::NewSighting a;
    a.source = "paste-recent";
    a.url = "http://paste.onion/p/1";
    a.sha256 = std::string(64, '1');
    a.kind = store::SightingKind::kExact;
    a.score = 1.0;
    a.dataset_refs = R"(["images/0001.jpg"])";
    a.evidence_warc = "/data/evidence/run-1.warc";
    a.evidence_warc_offset = 4096;
    a.seen_at = now - 2 * kHour;
    add(a);
    store::NewSighting b;
    b.source = "forum-x";
    b.url = "=HYPERLINK(\"http://evil\"),\"quoted\"\r\nnext\x1b[31m";
    b.member_path = "dump/a,b.csv";
    b.sha256 = std::string(64, '2');
    b.kind = store::SightingKind::kRecords;
    b.score = 12;
    b.seen_at = now - 72 * kHour;
    add(b);
    store::NewSighting c;
    c.source = "forum-x";
    c.url = "http://forum.onion/t/9";
    c.sha256 = std::string(64, '3');
    c.kind = store::SightingKind::kMention;
    c.snippet = "the Perceptics files are here";
    c.seen_at = now - kHour;
    add(c);
    return ids;
  }

  fs::path Save(const std::string& name, const std::string& content) {
    return home.Write(name, content);
  }
};

std::string Python() { return testing::SystemPython(); }

TEST_CASE("sightings --format json parses with python -m json.tool, newest first",
          "[integration]") {
  Cli cli;
  const auto ids = cli.Populate();
  REQUIRE(cli({"sightings", "--format", "json"}) == 0);
  const fs::path file = cli.Save("out.json", cli.out);
  testing::RunTool({Python(), "-m", "json.tool", file.string()});
  const json rows = json::parse(cli.out);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["id"] == ids[2]);  // 1 h old
  CHECK(rows[1]["id"] == ids[0]);  // 2 h old
  CHECK(rows[2]["id"] == ids[1]);  // 3 days old
  CHECK(rows[1]["kind"] == "exact");
  CHECK(rows[1]["dataset_refs"] == json::array({"images/0001.jpg"}));
  CHECK(rows[1]["evidence"]["offset"] == 4096);
  CHECK(rows[0]["snippet"] == "the Perceptics files are here");

  REQUIRE(cli({"sightings", "--format", "json", "--kind", "mention"}) == 0);
  CHECK(json::parse(cli.out).size() == 1);
  REQUIRE(cli({"sightings", "--format", "json", "--since", "24h"}) == 0);
  CHECK(json::parse(cli.out).size() == 2);
  REQUIRE(cli({"sightings", "--format", "json", "--until", "24h"}) == 0);
  CHECK(json::parse(cli.out).size() == 1);
  REQUIRE(cli({"sightings", "--format", "json", "--source", "forum-x", "--limit", "1"}) == 0);
  CHECK(json::parse(cli.out).size() == 1);
  REQUIRE(cli({"sightings", "--format", "json", "--min-score", "2"}) == 0);
  CHECK(json::parse(cli.out).size() == 1);
  REQUIRE(cli({"sightings", "--format", "json", "--since", "2099-01-01"}) == 0);
  CHECK(cli.out == "[]\n");
}

TEST_CASE("sightings --format jsonl and export: one JSON object per line", "[integration]") {
  Cli cli;
  cli.Populate();
  for (std::vector<std::string> args : {std::vector<std::string>{"sightings", "--format", "jsonl"},
                                        std::vector<std::string>{"sightings", "export"}}) {
    REQUIRE(cli(args) == 0);
    const fs::path file = cli.Save("out.jsonl", cli.out);
    const std::string count = testing::RunTool(
        {Python(), "-c",
         "import json,sys\nn=0\nfor line in open(sys.argv[1]):\n  json.loads(line); n+=1\n"
         "print(n)",
         file.string()});
    CHECK(count == "3\n");
  }
  CHECK(cli({"sightings", "export", "--format", "csv"}) == 2);
}

TEST_CASE("sightings export --format warc copies the evidence records byte for byte",
          "[integration]") {
  Cli cli;
  const fs::path warc_path = cli.home / "evidence/run-1.warc";
  fs::create_directories(warc_path.parent_path());
  auto writer = store::WarcWriter::Create(warc_path, "leakwatch-test");
  REQUIRE(writer.has_value());
  store::WarcExchange exchange;
  exchange.target_uri = "http://paste.onion/p/77";
  exchange.request_head = "GET /p/77 HTTP/1.1\r\nHost: paste.onion\r\n\r\n";
  exchange.response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
  const std::string body = "plate,name\r\nAB123CD,REDACTED\r\n";
  exchange.body = body;
  exchange.fetched_at = std::chrono::system_clock::now();
  exchange.metadata = {{"via-proxy", "socks5h://127.0.0.1:9050"}, {"source", "paste-recent"}};
  store::WarcExchange earlier = exchange;  // another fetch of the run, before ours
  earlier.target_uri = "http://paste.onion/p/1";
  earlier.body = "unrelated";
  REQUIRE(writer->Append(earlier).has_value());
  auto location = writer->Append(exchange);
  REQUIRE(location.has_value());
  {
    util::SystemClock clock;
    auto db = store::Store::Open(cli.db_path, clock);
    REQUIRE(db.has_value());
    store::NewSighting s;
    s.source = "paste-recent";
    s.url = exchange.target_uri;
    s.sha256 = std::string(64, '7');
    s.kind = store::SightingKind::kRecords;
    s.score = 1;
    s.evidence_warc = location->file.string();
    s.evidence_warc_offset = location->offset;
    REQUIRE(db->sightings().Upsert(s).has_value());
    s.member_path = "same/response/other/kind";  // shares the record: exported once
    s.kind = store::SightingKind::kMention;
    REQUIRE(db->sightings().Upsert(s).has_value());
    store::NewSighting none = s;
    none.url = "http://x.onion/no-evidence";
    none.evidence_warc.reset();
    none.evidence_warc_offset.reset();
    REQUIRE(db->sightings().Upsert(none).has_value());
  }
  // One selected sighting has no evidence: the export is written but incomplete (exit 1).
  REQUIRE(cli({"sightings", "export", "--format", "warc"}) == 1);
  CHECK(cli.err.find("exported 1 evidence record(s); 1 sighting(s) without evidence") !=
        std::string::npos);
  CHECK(cli.err.find("1 selected sighting(s) have no evidence recorded") != std::string::npos);
  const std::string with_gap = cli.out;
  // Only sightings with evidence selected: complete, exit 0, the same records.
  REQUIRE(cli({"sightings", "export", "--format", "warc", "--kind", "records"}) == 0);
  CHECK(cli.err.find("exported 1 evidence record(s); 0 sighting(s) without evidence") !=
        std::string::npos);
  CHECK(cli.err.find("have no evidence recorded") == std::string::npos);
  const fs::path out = cli.Save("export.warc", with_gap);
  // An independent reader: walk the records by Content-Length, check each block
  // against its WARC-Block-Digest (sha256, base32) where present.
  const std::string walked = testing::RunTool(
      {Python(), "-c",
       "import base64,hashlib,sys\n"
       "data=open(sys.argv[1],'rb').read(); pos=0; out=[]\n"
       "while pos < len(data):\n"
       "  end=data.index(b'\\r\\n\\r\\n',pos); head=data[pos:end].decode()\n"
       "  assert head.startswith('WARC/1.1\\r\\n'), head\n"
       "  f=dict(l.split(': ',1) for l in head.split('\\r\\n')[1:])\n"
       "  n=int(f['Content-Length']); block=data[end+4:end+4+n]\n"
       "  assert data[end+4+n:end+8+n]==b'\\r\\n\\r\\n'\n"
       "  if 'WARC-Block-Digest' in f:\n"
       "    d='sha256:'+base64.b32encode(hashlib.sha256(block).digest()).decode()\n"
       "    assert f['WARC-Block-Digest']==d, (f['WARC-Block-Digest'], d)\n"
       "  out.append(f['WARC-Type']+'='+f.get('WARC-Target-URI','-')); pos=end+8+n\n"
       "print(' '.join(out))\n",
       out.string()});
  CHECK(walked ==
        "warcinfo=- request=http://paste.onion/p/77 response=http://paste.onion/p/77 "
        "metadata=http://paste.onion/p/77\n");
  CHECK(cli.out.find(body) != std::string::npos);

  // Evidence that went missing is reported and fails the export (exit 1).
  fs::remove(warc_path);
  CHECK(cli({"sightings", "export", "--format", "warc"}) == 1);
  CHECK(cli.err.find("evidence file missing") != std::string::npos);
}

TEST_CASE("sightings --format csv parses with python's csv module, hostile cells intact",
          "[integration]") {
  Cli cli;
  cli.Populate();
  REQUIRE(cli({"sightings", "--format", "csv"}) == 0);
  const fs::path file = cli.Save("out.csv", cli.out);
  const std::string parsed =
      testing::RunTool({Python(), "-c",
                        "import csv,json,sys\n"
                        "rows=list(csv.DictReader(open(sys.argv[1], newline='')))\n"
                        "print(json.dumps(rows))",
                        file.string()});
  const json rows = json::parse(parsed);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["kind"] == "mention");
  CHECK(rows[1]["evidence_warc_offset"] == "4096");
  // The hostile URL survives quoting with its line break and escape neutralised as in
  // the table; the formula is defused with a leading apostrophe.
  CHECK(rows[2]["url"] == "'=HYPERLINK(\"http://evil\"),\"quoted\"  next?[31m");
  CHECK(rows[2]["member_path"] == "dump/a,b.csv");
  CHECK(rows[2]["score"] == "12");
  CHECK(rows[2]["acked_by"] == "");
}

// Issue 14 item 8: every C0, C1 and bidi control (and invalid UTF-8) in a source, URL,
// member name and snippet, through every sightings output: neutralised in the table,
// show and CSV, escaped in JSON (where the values stay intact).
TEST_CASE("sightings outputs carry no raw control or bidi character, whatever was stored",
          "[integration]") {
  Cli cli;
  const std::string hostile = leakwatch::testing::EveryHostileCodePoint();
  int64_t id = 0;
  {
    util::SystemClock clock;
    auto db = store::Store::Open(cli.db_path, clock);
    REQUIRE(db.has_value());
    store::NewSighting s;
    s.source = "forum" + hostile;
    s.url = "http://paste.onion/p/" + hostile;
    s.member_path = "dump/" + hostile + ".csv";
    s.sha256 = std::string(64, 'e');
    s.kind = store::SightingKind::kMention;
    s.snippet = "leak " + hostile;
    s.linked_from = "http://paste.onion/" + hostile;
    auto added = db->sightings().Upsert(s);
    REQUIRE(added.has_value());
    id = added->id;
  }
  const std::vector<std::pair<std::vector<std::string>, std::string>> outputs = {
      {{"sightings"}, "\n"},
      {{"sightings", "show", std::to_string(id)}, "\n"},
      {{"sightings", "--format", "csv"}, "\r\n"},
      {{"sightings", "--format", "json"}, "\n"},
      {{"sightings", "--format", "jsonl"}, "\n"},
      {{"sightings", "show", std::to_string(id), "--format", "json"}, "\n"},
      {{"sightings", "export"}, "\n"},
      {{"sightings", "summary"}, "\n"},
  };
  for (const auto& [args, line_ends] : outputs) {
    INFO(args[args.size() > 1 ? 1 : 0] << " " << args.back());
    REQUIRE(cli(args) == 0);
    INFO(leakwatch::testing::FirstHostile(cli.out, line_ends).value_or(""));
    CHECK_FALSE(leakwatch::testing::FirstHostile(cli.out, line_ends).has_value());
    CHECK_FALSE(leakwatch::testing::FirstHostile(cli.err, "\n").has_value());
  }
  // JSON escapes rather than replaces: the member name comes back as stored (up to its
  // invalid UTF-8, which became U+FFFD).
  REQUIRE(cli({"sightings", "export"}) == 0);
  const json exported = json::parse(cli.out);
  const std::string member = exported["member_path"];
  const std::string stored = "dump/" + hostile;
  CHECK(member.rfind(stored.substr(0, stored.find("\x80x\xC0\xAF")), 0) == 0);
  // CSV and text replace them: the URL reads "x?x?x..." where the controls were.
  REQUIRE(cli({"sightings", "--format", "csv"}) == 0);
  CHECK(cli.out.find("http://paste.onion/p/x?x?x?x") != std::string::npos);
}

TEST_CASE("sightings table fits 80 columns and has no colour off a TTY", "[integration]") {
  Cli cli;
  cli.Populate();
  REQUIRE(cli({"sightings"}) == 0);
  std::istringstream lines(cli.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    size_t columns = 0;
    for (char c : line) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    INFO(line);
    CHECK(columns <= 80);
  }
  CHECK(n == 4);
  CHECK(cli.out.find('\x1b') == std::string::npos);  // neither colour nor the URL's escape
  CHECK(cli.out.find("paste.onion/p/1") != std::string::npos);
}

TEST_CASE("sightings: bad flags exit 2, unknown id exits 1 with a clear message", "[integration]") {
  Cli cli;
  cli.Populate();
  CHECK(cli({"sightings", "--since", "yesterday"}) == 2);
  CHECK(cli.err.find("--since yesterday") != std::string::npos);
  CHECK(cli({"sightings", "--since", "2026-02-31"}) == 2);
  CHECK(cli({"sightings", "--kind", "photo"}) == 2);
  CHECK(cli({"sightings", "--format", "xml"}) == 2);
  CHECK(cli({"sightings", "show", "999"}) == 1);
  CHECK(cli.err.find("no sighting with id 999") != std::string::npos);
  CHECK(cli({"sightings", "ack", "999"}) == 1);
  CHECK(cli({"sightings", "show", "abc"}) == 2);
}

TEST_CASE("sightings: missing database is a runtime failure, not a new empty file",
          "[integration]") {
  Cli cli;
  CHECK(cli({"sightings"}) == 1);
  CHECK(cli.err.find("no database") != std::string::npos);
  CHECK_FALSE(fs::exists(cli.db_path));
}

TEST_CASE("sightings show, ack (who and when) and --unacked", "[integration]") {
  Cli cli;
  const auto ids = cli.Populate();
  const std::string id = std::to_string(ids[0]);
  REQUIRE(cli({"sightings", "show", id}) == 0);
  CHECK(cli.out.find("http://paste.onion/p/1") != std::string::npos);
  CHECK(cli.out.find("/data/evidence/run-1.warc (response record at byte 4096)") !=
        std::string::npos);
  CHECK(cli.out.find("acked:         no") != std::string::npos);

  REQUIRE(cli({"sightings", "ack", id, "--note", "reported to legal"}) == 0);
  CHECK(cli.out.find("acknowledged by analyst7") != std::string::npos);
  REQUIRE(cli({"sightings", "show", id, "--format", "json"}) == 0);
  const json shown = json::parse(cli.out);
  CHECK(shown["ack"]["by"] == "analyst7");
  CHECK(shown["ack"]["note"] == "reported to legal");

  REQUIRE(cli({"sightings", "--unacked", "--format", "json"}) == 0);
  for (const auto& row : json::parse(cli.out)) CHECK(row["id"] != ids[0]);
  CHECK(json::parse(cli.out).size() == 2);
}

TEST_CASE("sightings summary: coverage, per kind, source and day", "[integration]") {
  Cli cli;
  cli.Populate();
  REQUIRE(cli({"sightings", "summary"}) == 0);
  CHECK(cli.out.find("Coverage: 0 dataset files and 0 records") != std::string::npos);
  CHECK(cli.out.find("Sightings: 3 (3 not yet acknowledged)") != std::string::npos);
  CHECK(cli.out.find("exact") != std::string::npos);
  CHECK(cli.out.find("forum-x") != std::string::npos);
  CHECK(cli.out.find("By day") != std::string::npos);
}

// A config whose only channel is an exec hook writing its stdin to `out_dir`.
void WriteExecConfig(Cli& cli, const fs::path& out_dir, int exit_code) {
  fs::create_directories(out_dir);
  const fs::path script = cli.home.Write("hook.sh", "#!/bin/sh\ncat > \"" + out_dir.string() +
                                                        "/$(date +%s%N).json\"\nexit " +
                                                        std::to_string(exit_code) + "\n");
  fs::permissions(script, fs::perms::owner_all);
  cli.home.Write("config/leakwatch/leakwatch.toml",
                 "[[notify.exec]]\nname = \"ticket\"\ncommand = [\"/bin/sh\", \"" +
                     script.string() + "\"]\ntimeout = \"10s\"\n");
}

TEST_CASE("notify test reports each channel, notify deliver and status", "[integration]") {
  Cli cli;
  const fs::path out = cli.home / "hook-out";
  WriteExecConfig(cli, out, 0);
  REQUIRE(cli({"notify", "test"}) == 0);
  CHECK(cli.out.find("ticket (exec)") != std::string::npos);
  CHECK(cli.out.find("test message accepted") != std::string::npos);
  REQUIRE(std::distance(fs::directory_iterator(out), fs::directory_iterator()) == 1);

  // Queue one sighting on the channel, deliver, and check the status counts.
  {
    util::SystemClock clock;
    auto db = store::Store::Open(cli.db_path, clock);
    REQUIRE(db.has_value());
    store::RecordSightingRequest req;
    req.sighting.source = "s";
    req.sighting.url = "http://x.onion/1";
    req.sighting.sha256 = std::string(64, 'f');
    req.notifications = {{"ticket", "{}"}};
    REQUIRE(db->RecordSighting(req).has_value());
  }
  REQUIRE(cli({"notify", "status"}) == 0);
  CHECK(cli.out.find("ticket") != std::string::npos);
  CHECK(cli.out.find("1 pending, 0 given up.") != std::string::npos);
  REQUIRE(cli({"notify", "deliver"}) == 0);
  CHECK(cli.out.find("ticket: 1 delivered in 1 digest(s)") != std::string::npos);
  REQUIRE(cli({"notify", "status"}) == 0);
  CHECK(cli.out.find("0 pending, 0 given up.") != std::string::npos);

  WriteExecConfig(cli, out, 4);
  CHECK(cli({"notify", "test"}) == 1);
  CHECK(cli.out.find("exited with status 4") != std::string::npos);
  CHECK(cli({"notify", "test", "--channel", "nope"}) == 2);
}

}  // namespace
}  // namespace leakwatch::notify
