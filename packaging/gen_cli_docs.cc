// Build-time generator of the files packaging/ installs from the CLI definitions:
//   gen_cli_docs man OUT                  leakwatch(1) in roff
//   gen_cli_docs completion TEMPLATE OUT  TEMPLATE with its "@LW_COMPLETION_TABLES@" line
//                                         replaced by the completion tables
// Exit 0 on success, 1 on failure (message on stderr), 2 on bad usage.
#include <iostream>
#include <string>

#include "app/cli_docs.h"
#include "util/files.h"

namespace {

constexpr uint64_t kMaxTemplateBytes = 1 << 20;
constexpr std::string_view kTablesMarker = "@LW_COMPLETION_TABLES@";
namespace fs = std::filesystem;
// Generated files are world-readable documentation (install() sets modes too).
constexpr fs::perms kMode =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;

int Fail(const leakwatch::Status& status) {
  std::cerr << "gen_cli_docs: " << status.ToString() << "\n";
  return 1;
}

int WriteCompletion(const std::string& template_path, const std::string& out_path) {
  leakwatch::Result<std::string> text =
      leakwatch::util::ReadFileCapped(template_path, kMaxTemplateBytes);
  if (!text.has_value()) return Fail(text.error());
  leakwatch::Result<std::string> tables = leakwatch::app::CompletionTables();
  if (!tables.has_value()) return Fail(tables.error());
  const size_t at = text->find(kTablesMarker);
  if (at == std::string::npos) {
    return Fail(leakwatch::Status::InvalidArgument(template_path + ": no " +
                                                   std::string(kTablesMarker) + " line"));
  }
  text->replace(at, kTablesMarker.size(), *tables);
  const leakwatch::Status st = leakwatch::util::WriteFileAtomic(out_path, *text, kMode);
  return st.ok() ? 0 : Fail(st);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "man" && argc == 3) {
    const leakwatch::Status st =
        leakwatch::util::WriteFileAtomic(argv[2], leakwatch::app::ManPage(), kMode);
    return st.ok() ? 0 : Fail(st);
  }
  if (mode == "completion" && argc == 4) return WriteCompletion(argv[2], argv[3]);
  std::cerr << "usage: gen_cli_docs man OUT | gen_cli_docs completion TEMPLATE OUT\n";
  return 2;
}
