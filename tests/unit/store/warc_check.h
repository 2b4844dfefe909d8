// Test support: runs tests/unit/store/warc_check.py (a strict WARC/1.1 reader written
// independently of store::WarcWriter) on a file and returns its records as JSON.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace leakwatch::testing {

inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One JSON object per record (see warc_check.py). Fails the test when the checker
// rejects the file, with its reason.
inline std::vector<nlohmann::json> CheckWarc(const std::filesystem::path& warc) {
  const std::filesystem::path script =
      std::filesystem::path(LW_SOURCE_DIR) / "tests/unit/store/warc_check.py";
  // Outside the WARC's directory: tests grep data directories for stray content.
  const std::string stem = "lw-warc-check-" + std::to_string(::getpid());
  const std::filesystem::path out = std::filesystem::temp_directory_path() / (stem + ".out");
  const std::filesystem::path err = std::filesystem::temp_directory_path() / (stem + ".err");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (std::freopen(out.c_str(), "w", stdout) == nullptr) ::_exit(126);
    if (std::freopen(err.c_str(), "w", stderr) == nullptr) ::_exit(126);
    ::execlp("python3", "python3", script.c_str(), warc.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  const std::string output = ReadWholeFile(out);
  const std::string errors = ReadWholeFile(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  INFO("warc_check.py: " << errors);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::vector<nlohmann::json> records;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) records.push_back(nlohmann::json::parse(line));
  }
  return records;
}

}  // namespace leakwatch::testing
