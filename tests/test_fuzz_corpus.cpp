// The stored fuzz corpus (tests/fuzz/corpus/TARGET/, crash inputs the fuzz targets found and
// hand-made edits) replayed through the fuzz targets' bodies in the ordinary build, so that a
// regression shows in ctest too, not only in tools/test_fuzz's clang build. Each input must end
// in success or in the project's own errors; one test per file, named after it (and so after what
// it once broke).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/model/errors.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace {

namespace fs = std::filesystem;

struct CorpusInput {
  std::string target;  // fuzz_scenario, fuzz_sweep, fuzz_simulate
  std::string file;
};

void PrintTo(const CorpusInput& c, std::ostream* os) { *os << c.file; }

std::vector<CorpusInput> corpus() {
  std::vector<CorpusInput> out;
  for (const char* t : {"fuzz_scenario", "fuzz_sweep", "fuzz_simulate"}) {
    const fs::path dir = fs::path(MAGSIM_SOURCE_DIR) / "tests/fuzz/corpus" / t;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) out.push_back({t, f});
  }
  return out;
}

std::string name_of(const ::testing::TestParamInfo<CorpusInput>& info) {
  std::string n = info.param.target.substr(5) + "_" + fs::path(info.param.file).stem().string();
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class FuzzCorpus : public ::testing::TestWithParam<CorpusInput> {};

TEST_P(FuzzCorpus, EndsInSuccessOrTheProjectsOwnError) {
  const CorpusInput& c = GetParam();
  std::ifstream in(c.file, std::ios::binary);
  ASSERT_TRUE(in) << c.file;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string text = bytes.str();
  const magsim::fuzz::Input input = magsim::fuzz::split_input(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  std::string finding;
  if (c.target == "fuzz_scenario")
    finding = magsim::fuzz::unexpected_error(
        "fuzz_scenario", [&] { magsim::fuzz::scenario_target(input); });
  else if (c.target == "fuzz_sweep")
    finding =
        magsim::fuzz::unexpected_error("fuzz_sweep", [&] { magsim::fuzz::sweep_target(input); });
  else
    finding = magsim::fuzz::unexpected_error(
        "fuzz_simulate", [&] { magsim::fuzz::simulate_target(input); });
  EXPECT_EQ(finding, "") << c.file;
}

INSTANTIATE_TEST_SUITE_P(Stored, FuzzCorpus, ::testing::ValuesIn(corpus()), name_of);

// The finding of fuzz_simulate (corpus file diet_2e304_g_per_d_steady_state_over_5_min.yaml): a
// diet of 2e304 g/d was accepted and its steady state integrated for more than 5 minutes. It must
// be a range error at the value.
TEST(FuzzFindings, Diet2e304GramsPerDayIsARangeErrorNotAnEndlessSteadyState) {
  try {
    magsim::app::load_scenario_text("duration: 1 d\ndiet:\n  magnesium: 2e304 g/d\n", "s.yaml",
                                    {});
    FAIL() << "accepted";
  } catch (const magsim::engine::ScenarioError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 14);
    EXPECT_NE(std::string(e.what()).find("implausible"), std::string::npos) << e.what();
  }
}

}  // namespace
