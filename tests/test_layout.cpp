// The public layout holds (issue 13, item 7): the engine knows nothing about the model or the
// front ends; each engine folder includes only the folders engine/README.md allows it; the model
// knows nothing about files, YAML or Python; cli/ and bindings/ call app/ and nothing below it.
// Checked on the #include "..." lines of every source file, so a new file cannot slip past.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace magsim {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = MAGSIM_SOURCE_DIR;

// The quoted includes of a file, e.g. "engine/model/model.hpp".
std::vector<std::string> quoted_includes(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    const auto hash = line.find_first_not_of(" \t");
    if (hash == std::string::npos || line.compare(hash, 8, "#include") != 0) continue;
    const auto open = line.find('"');
    if (open == std::string::npos) continue;
    const auto close = line.find('"', open + 1);
    if (close != std::string::npos) out.push_back(line.substr(open + 1, close - open - 1));
  }
  return out;
}

// Every C++ source under `dir` (relative to the source tree).
std::vector<fs::path> sources_under(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(kSource / dir)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".cpp" || ext == ".hpp")) out.push_back(e.path());
  }
  return out;
}

// The first one or two path components of an include: "engine/solve", "app", "models/magnesium".
std::string area_of(const std::string& include) {
  const auto first = include.find('/');
  if (first == std::string::npos) return include;
  const std::string top = include.substr(0, first);
  if (top != "engine") return top;
  const auto second = include.find('/', first + 1);
  // engine/version_info.hpp (generated) belongs to no folder: anyone may include it.
  if (second == std::string::npos) return "engine/version_info";
  return include.substr(0, second);
}

void expect_only(const std::string& dir, const std::set<std::string>& allowed) {
  const auto files = sources_under(dir);
  ASSERT_FALSE(files.empty()) << dir;
  for (const auto& f : files)
    for (const auto& inc : quoted_includes(f)) {
      const std::string area = area_of(inc);
      EXPECT_TRUE(allowed.count(area) > 0)
          << fs::relative(f, kSource).string() << " includes \"" << inc << "\" (" << area
          << "), outside what " << dir << "/ may include";
    }
}

TEST(Layout, EachEngineFolderIncludesOnlyTheFoldersItMay) {
  // As the table in engine/README.md; every folder may include itself and version_info.
  const std::map<std::string, std::set<std::string>> may = {
      {"model", {}},
      {"scenario", {"model"}},
      {"solve", {"model", "scenario"}},
      {"io", {"model", "scenario", "solve", "sweep", "fit"}},
      {"sweep", {"model", "scenario"}},
      {"fit", {"model", "scenario", "solve"}},
      {"validation", {"model", "scenario", "solve"}},
  };
  for (const auto& e : fs::directory_iterator(kSource / "engine"))
    if (e.is_directory())
      EXPECT_TRUE(may.count(e.path().filename().string()) > 0)
          << "engine/" << e.path().filename().string()
          << "/ is not in engine/README.md's table (nor in this test)";
  for (const auto& [folder, others] : may) {
    std::set<std::string> allowed{"engine/" + folder, "engine/version_info"};
    for (const auto& o : others) allowed.insert("engine/" + o);
    expect_only("engine/" + folder, allowed);
  }
}

TEST(Layout, TheModelKnowsOnlyTheEngineContract) {
  // models/magnesium/ may use the engine's model contract, the scenario data (to turn a subject
  // into parameters) and the population contract (its reference population), never the
  // integrators, files, sweeps' machinery, the façade or the front ends.
  const auto files = sources_under("models");
  ASSERT_FALSE(files.empty());
  for (const auto& f : files)
    for (const auto& inc : quoted_includes(f)) {
      const std::string area = area_of(inc);
      const bool ok = area == "models" || area == "engine/model" || area == "engine/scenario" ||
                      area == "engine/version_info" || inc == "engine/sweep/population.hpp";
      EXPECT_TRUE(ok) << fs::relative(f, kSource).string() << " includes \"" << inc
                      << "\", outside the engine's model contract";
    }
}

TEST(Layout, FrontEndsCallOnlyTheFacade) {
  expect_only("cli", {"cli", "app"});
  expect_only("bindings", {"bindings", "app"});
  expect_only("examples", {"app"});  // the embedding example shows the same way in
}

}  // namespace
}  // namespace magsim
