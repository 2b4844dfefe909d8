#include "app/checklist.h"

#include <ostream>

#include "util/text.h"

namespace leakwatch::app {

void Checklist::Pass(std::string name, std::string detail) {
  lines_.push_back({Line::State::kPass, std::move(name), std::move(detail), ""});
}

void Checklist::Fail(std::string name, std::string detail, std::string hint) {
  ++failures_;
  lines_.push_back({Line::State::kFail, std::move(name), std::move(detail), std::move(hint)});
}

void Checklist::Skip(std::string name, std::string reason) {
  lines_.push_back({Line::State::kSkip, std::move(name), std::move(reason), ""});
}

void Checklist::Print(std::ostream& out) const {
  for (const Line& line : lines_) {
    const char* mark = "";
    switch (line.state) {
      case Line::State::kPass:
        mark = use_colour_ ? "\033[32m✓\033[0m" : "✓";
        break;
      case Line::State::kFail:
        mark = use_colour_ ? "\033[31m✗\033[0m" : "✗";
        break;
      case Line::State::kSkip:
        mark = "-";
        break;
    }
    // Details quote errors, paths and a run's note, which may quote a hostile site.
    out << mark << " " << line.name << ": " << util::DisplaySafeLines(line.detail) << "\n";
    if (!line.hint.empty()) out << "    " << util::DisplaySafeLines(line.hint) << "\n";
  }
}

}  // namespace leakwatch::app
