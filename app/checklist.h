// app/checklist: the ✓/✗ report `doctor` and `db check` print, one line per check.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace leakwatch::app {

class Checklist {
 public:
  // Marks are ✓ pass, ✗ fail, - skipped; coloured only when `use_colour` (a TTY).
  explicit Checklist(bool use_colour) : use_colour_(use_colour) {}

  void Pass(std::string name, std::string detail);
  void Fail(std::string name, std::string detail, std::string hint = "");
  // A check that does not apply with this configuration; neither passes nor fails.
  void Skip(std::string name, std::string reason);

  bool all_passed() const { return failures_ == 0; }
  void Print(std::ostream& out) const;

 private:
  struct Line {
    enum class State { kPass, kFail, kSkip } state;
    std::string name;
    std::string detail;
    std::string hint;
  };
  bool use_colour_;
  int failures_ = 0;
  std::vector<Line> lines_;
};

}  // namespace leakwatch::app
