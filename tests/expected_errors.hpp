// Test inputs that must be rejected: every .yaml file of a directory whose first line is
// "# expect: LINE:COL: <message substring>" (tests/bad_scenarios, tests/bad_sweeps; .csv files
// for tests/bad_datasets).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

namespace magsim::testing {

struct ExpectedError {
  std::string file;
  int line = 0;  // 0: the file has no valid "# expect:" line
  int column = 0;
  std::string message;
};

inline void PrintTo(const ExpectedError& e, std::ostream* os) { *os << e.file; }

// Sorted by file name, so that test names and order are stable.
inline std::vector<ExpectedError> expected_errors(const std::filesystem::path& dir,
                                                  const std::string& extension = ".yaml") {
  std::vector<ExpectedError> out;
  const std::regex expect(R"(^# expect: (\d+):(\d+): (.+)$)");
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != extension) continue;
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    std::smatch m;
    ExpectedError e;
    e.file = entry.path().string();
    if (std::regex_match(first, m, expect)) {
      e.line = std::stoi(m[1]);
      e.column = std::stoi(m[2]);
      e.message = m[3];
    }
    out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

// A gtest parameter name from the file's stem.
inline std::string test_name(const ExpectedError& e) {
  std::string name = std::filesystem::path(e.file).stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

}  // namespace magsim::testing
