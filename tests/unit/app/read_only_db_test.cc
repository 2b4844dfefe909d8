// The query commands on a database they may not write (issue 14 item 4: a copy on a
// read-only volume could not be read at all) and on one that does not exist (issue 13:
// `sources` silently created an empty database for a typo'd --db).
//
// Tests run as root in CI, and root ignores permission bits, so the read-only case runs
// the commands as the unprivileged user "nobody" in a child process when this process is
// root (and as itself otherwise) against a real database in a chmod 0555 directory. A
// read-only bind mount would need mount privileges many CI runners lack; the decisions
// for a read-only file system (EROFS) are covered with injected facts in
// tests/unit/store/file_access_test.cc.
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <charconv>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/unit/app/cli_runner.h"
#include "util/clock.h"

namespace leakwatch::app {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;
constexpr int kCannotDropPrivileges = 3;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

void AppendField(std::string& to, const std::string& field) {
  to += std::to_string(field.size()) + ":" + field;
}

std::string ReadField(std::string_view& from) {
  size_t n = 0;
  const size_t colon = from.find(':');
  REQUIRE(colon != std::string_view::npos);
  REQUIRE(std::from_chars(from.data(), from.data() + colon, n).ec == std::errc());
  std::string field(from.substr(colon + 1, n));
  from.remove_prefix(colon + 1 + n);
  return field;
}

// Runs each command as a user that permission bits apply to: this process's own when
// it is not root, else "nobody" in a forked child that reports back through a pipe.
std::vector<Outcome> RunUnprivileged(Cli& cli, const std::vector<std::vector<std::string>>& cmds) {
  std::vector<Outcome> outcomes;
  if (::geteuid() != 0) {
    for (const auto& args : cmds) {
      const int code = cli(args);
      outcomes.push_back({code, cli.out, cli.err});
    }
    return outcomes;
  }
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      ::_exit(kCannotDropPrivileges);
    }
    std::string report;
    for (const auto& args : cmds) {
      const int code = cli(args);
      AppendField(report, std::to_string(code));
      AppendField(report, cli.out);
      AppendField(report, cli.err);
    }
    size_t written = 0;
    while (written < report.size()) {
      const ssize_t n = ::write(fds[1], report.data() + written, report.size() - written);
      if (n <= 0) ::_exit(1);
      written += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) {
    report.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  INFO("3: the child could not drop root privileges to uid " << kNobody);
  REQUIRE(WEXITSTATUS(status) == 0);
  std::string_view rest = report;
  while (!rest.empty()) {
    Outcome o;
    o.code = std::stoi(ReadField(rest));
    o.out = ReadField(rest);
    o.err = ReadField(rest);
    outcomes.push_back(std::move(o));
  }
  REQUIRE(outcomes.size() == cmds.size());
  return outcomes;
}

// Restores write permission on the way out, so the temp dir can be removed.
struct ModeGuard {
  fs::path path;
  ~ModeGuard() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
  }
};

TEST_CASE("the query commands read a database in a read-only directory; writers say why not",
          "[unit]") {
  Cli cli;
  fs::permissions(cli.home.path(), fs::perms::owner_all | fs::perms::group_read |
                                       fs::perms::group_exec | fs::perms::others_read |
                                       fs::perms::others_exec);
  const fs::path dir = cli.home / "copy";
  const fs::path db = dir / "leakwatch.db";
  {
    util::SystemClock clock;
    Result<store::Store> store = store::Store::Open(db, clock);
    REQUIRE(store.has_value());
    store::NewSighting s;
    s.source = "paste-recent";
    s.url = "http://paste.onion/p/readonly";
    s.sha256 = std::string(64, 'a');
    s.kind = store::SightingKind::kExact;
    s.score = 1.0;
    s.seen_at = util::ToUnixSeconds(clock.Now());
    REQUIRE(store->sightings().Upsert(s).has_value());
  }
  REQUIRE_FALSE(fs::exists(db.string() + "-wal"));  // all of it is in the file
  ModeGuard restore{dir};
  fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                           fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);

  const std::vector<std::vector<std::string>> readers = {
      {"--db", db.string(), "sightings"},           {"--db", db.string(), "sightings", "show", "1"},
      {"--db", db.string(), "sightings", "export"}, {"--db", db.string(), "sightings", "summary"},
      {"--db", db.string(), "notify", "status"},    {"--db", db.string(), "sources"},
      {"--db", db.string(), "db", "check"},
  };
  const std::vector<std::vector<std::string>> writers = {
      {"--db", db.string(), "sightings", "ack", "1"},
      {"--db", db.string(), "db", "prune"},
  };
  std::vector<std::vector<std::string>> all = readers;
  all.insert(all.end(), writers.begin(), writers.end());
  const std::vector<Outcome> outcomes = RunUnprivileged(cli, all);

  for (size_t i = 0; i < readers.size(); ++i) {
    INFO(readers[i][2] << (readers[i].size() > 3 ? " " + readers[i][3] : "")
                       << "\nout: " << outcomes[i].out << "\nerr: " << outcomes[i].err);
    CHECK(outcomes[i].code == 0);
    if (readers[i][2] != "db") CHECK(Contains(outcomes[i].err, "reading it as a snapshot"));
  }
  CHECK(Contains(outcomes[0].out, "paste-recent"));  // the table cuts the URL
  CHECK(Contains(outcomes[1].out, "paste.onion/p/readonly"));
  CHECK(Contains(outcomes[2].out, "paste.onion/p/readonly"));
  CHECK(Contains(outcomes[3].out, "Sightings: 1"));
  CHECK(Contains(outcomes[6].out, "integrity_check and foreign_key_check found no problem"));

  const uid_t user = ::geteuid() == 0 ? kNobody : ::geteuid();
  for (size_t i = readers.size(); i < all.size(); ++i) {
    const Outcome& o = outcomes[i];
    INFO(all[i][2] << " " << all[i][3] << "\nerr: " << o.err);
    CHECK(o.code == 1);
    CHECK(Contains(o.err, "cannot write the database: the database file " + db.string() +
                              " is not writable by uid " + std::to_string(user) + " (mode 0444"));
  }
  CHECK_FALSE(fs::exists(db.string() + "-wal"));
  CHECK_FALSE(fs::exists(db.string() + "-shm"));
}

TEST_CASE("every command refuses a missing --db with a hint and creates nothing", "[unit]") {
  Cli cli;
  const fs::path typo = cli.home / "data" / "leakwach.db";
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"sources"},
           {"sightings"},
           {"sightings", "show", "1"},
           {"sightings", "export"},
           {"sightings", "summary"},
           {"sightings", "ack", "1"},
           {"notify", "status"},
           {"notify", "deliver"},
           {"db", "prune"},
       }) {
    std::vector<std::string> args = {"--db", typo.string()};
    args.insert(args.end(), command.begin(), command.end());
    INFO(command[0] << (command.size() > 1 ? " " + command[1] : ""));
    CHECK(cli(args) == 1);
    CHECK(Contains(cli.err, "no database at " + typo.string() +
                                ": run `leakwatch init` (or a crawl) first, or pass --db"));
    CHECK_FALSE(fs::exists(typo));
  }
}

}  // namespace
}  // namespace leakwatch::app
