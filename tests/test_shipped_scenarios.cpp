// Every scenario in scenarios/ parses, runs, and conserves magnesium to round-off.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/solve/memory_sink.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim {
namespace {

namespace fs = std::filesystem;
namespace mg = models::magnesium;

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(fs::path(MAGSIM_SOURCE_DIR) / "scenarios"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

class ShippedScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenario, RunsAndConservesMagnesium) {
  const auto path = (fs::path(MAGSIM_SOURCE_DIR) / "scenarios" / GetParam()).string();
  const auto scenario = engine::parse_scenario_file(path, mg::vocabulary());
  EXPECT_FALSE(scenario.description.empty()) << "every shipped scenario says what it shows";
  const auto problem = mg::make_problem(scenario);
  engine::MemorySink sink;
  const auto stats = engine::simulate(mg::model(), problem, sink);
  EXPECT_LT(stats.mass_balance_relative_error, 1e-8);
  ASSERT_FALSE(sink.time.empty());
  EXPECT_DOUBLE_EQ(sink.time.back(), problem.duration_h);
  const auto& info = mg::model().info();
  for (size_t s = 0; s < sink.time.size(); ++s)
    for (size_t i = 0; i < info.states.size(); ++i) {
      const double x = sink.state(s, i);
      ASSERT_TRUE(std::isfinite(x)) << info.states[i].name << " at t = " << sink.time[s] << " h";
      // Amounts may dip below zero only by the integrator's absolute tolerance.
      ASSERT_GT(x, -1e-6 * info.states[i].scale)
          << info.states[i].name << " at t = " << sink.time[s] << " h";
    }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedScenario, ::testing::ValuesIn(shipped_scenarios()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace magsim
