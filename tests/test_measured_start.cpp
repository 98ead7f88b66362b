// A measured start: a diet history before t = 0 (integrated from the steady state at its start,
// cumulative balances counted from t = 0) and initial values from measured serum and red-cell Mg
// (held while every other state settles).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "app/scenario_loading.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"

namespace {

using namespace magsim;

struct Outcome {
  engine::MemorySink samples;
  engine::RunStats stats;
  double first(const std::string& output) const {
    return samples.output(0, static_cast<std::size_t>(model().info().find_output(output)));
  }
  double last(const std::string& output) const {
    return samples.output(samples.time.size() - 1,
                          static_cast<std::size_t>(model().info().find_output(output)));
  }
  static const engine::Model& model() { return models::magnesium::model(); }
};

Outcome run(const std::string& yaml) {
  const auto loaded = app::load_scenario_text(yaml, "start.yaml", {});
  Outcome r;
  r.stats = engine::simulate(Outcome::model(), loaded.problem, r.samples);
  return r;
}

// Grazing (no meals), so that a constant diet is a true steady state.
const char* kNormal = "duration: 2 w\noutput: {interval: 6 h}\ndiet: {magnesium: 300 mg/d, meals: []}\n";

TEST(DietHistory, LowMgHistoryStartsBelowTheNormalDietsSteadyStateAndCountsIntakeFromZero) {
  const Outcome normal = run(kNormal);
  const Outcome depleted = run(R"(duration: 2 w
output: {interval: 6 h}
diet: {magnesium: [{from: -26 w, rate: 30 mg/d}, {from: 0 d, rate: 300 mg/d}], meals: []}
)");
  EXPECT_LT(depleted.first("serum_mg_total"), normal.first("serum_mg_total") - 0.05);
  EXPECT_LT(depleted.first("rbc_mg"), normal.first("rbc_mg") - 0.1);
  EXPECT_LT(depleted.first("bone_mg"), normal.first("bone_mg"));
  EXPECT_GT(depleted.last("serum_mg_total"), depleted.first("serum_mg_total"))
      << "a normal diet from t = 0 repletes";
  // Cumulative balances restart at t = 0: intake counts 14 d at 300 mg/d only.
  EXPECT_EQ(depleted.first("cum_intake"), 0.0);
  EXPECT_EQ(depleted.first("cum_urine"), 0.0);
  EXPECT_NEAR(depleted.last("cum_intake"), 14 * 300 / 24.305, 1e-9);
  EXPECT_LT(depleted.stats.mass_balance_relative_error, 1e-12);
  ASSERT_FALSE(depleted.stats.history_start_state.empty());
}

TEST(DietHistory, HistoryStepsAndDosesBeforeZeroAreIntegrated) {
  // A step within the history matters: 22 w low then 4 w normal ends between the two.
  const Outcome low = run(R"(duration: 1 d
diet: {magnesium: [{from: -26 w, rate: 30 mg/d}, {from: 0 d, rate: 300 mg/d}]}
)");
  const Outcome recovered = run(R"(duration: 1 d
diet: {magnesium: [{from: -26 w, rate: 30 mg/d}, {from: -4 w, rate: 300 mg/d}]}
)");
  const Outcome normal = run("duration: 1 d\ndiet: {magnesium: 300 mg/d}\n");
  EXPECT_GT(recovered.first("rbc_mg"), low.first("rbc_mg"));
  EXPECT_LT(recovered.first("rbc_mg"), normal.first("rbc_mg"));
  // A supplement started inside the history is dosed there, one taken throughout is steady.
  const Outcome supplemented = run(R"(duration: 1 d
diet: {magnesium: [{from: -26 w, rate: 30 mg/d}, {from: 0 d, rate: 300 mg/d}]}
supplements: [{form: citrate, dose: 300 mg, times: ["08:00"], start: -8 w}]
)");
  EXPECT_GT(supplemented.first("rbc_mg"), low.first("rbc_mg") + 0.05);
  EXPECT_EQ(supplemented.first("cum_intake"), 0.0);
}

TEST(DietHistory, ConstantDietHistoryGivesThePlainSteadyState) {
  const Outcome plain = run(kNormal);
  const Outcome history = run(R"(duration: 2 w
output: {interval: 6 h}
diet: {magnesium: [{from: -26 w, rate: 300 mg/d}], meals: []}
)");
  const auto& info = Outcome::model().info();
  for (std::size_t i = 0; i < info.states.size(); ++i) {
    const double a = plain.stats.initial_state[i], b = history.stats.initial_state[i];
    // Solver tolerance: rtol 1e-6 on states scaled by their declared size, atol 1e-9.
    EXPECT_NEAR(b, a, 1e-6 * std::abs(a) + 1e-8 * info.states[i].scale) << info.states[i].name;
  }
}

TEST(MeasuredStart, SerumAndRedCellsStartAtTheMeasuredValues) {
  const Outcome replete = run(kNormal);
  const Outcome r = run(std::string(kNormal) +
                    "initial: {serum_mg_total: 0.62 mmol/L, rbc_mg: 1.6 mmol/L}\n");
  EXPECT_NEAR(r.first("serum_mg_total"), 0.62, 1e-9 * 0.62);
  EXPECT_NEAR(r.first("rbc_mg"), 1.6, 1e-9 * 1.6);
  // The other pools settled around the low ECF: below the replete subject's; TRPM6 up-regulated.
  EXPECT_LT(r.first("tissue_mg"), replete.first("tissue_mg"));
  EXPECT_LT(r.first("bone_surface_mg"), replete.first("bone_surface_mg"));
  EXPECT_GT(r.first("trpm6_expression"), replete.first("trpm6_expression"));
  EXPECT_LT(r.stats.steady_state_residual, 1e-9) << "the unclamped states are at rest";
  EXPECT_GT(r.last("serum_mg_total"), 0.8) << "the diet repletes serum within two weeks";
  EXPECT_LT(r.stats.mass_balance_relative_error, 1e-12);
}

TEST(MeasuredStart, SerumAloneInMgPerDlLeavesRedCellsToSettle) {
  const Outcome r = run(std::string(kNormal) + "initial: {serum_mg_total: 2.4 mg/dL}\n");
  EXPECT_NEAR(r.first("serum_mg_total"), 2.4 * 10 / 24.305, 1e-9);
  const Outcome replete = run(kNormal);
  EXPECT_GT(r.first("rbc_mg"), replete.first("rbc_mg")) << "high serum, red cells above replete";
}

TEST(MeasuredStart, ResolvedScenarioShowsTheHeldStates) {
  const auto loaded = app::load_scenario_text(
      std::string(kNormal) + "initial: {serum_mg_total: 0.62 mmol/L}\n", "start.yaml", {});
  EXPECT_NE(loaded.resolved_text.find("initial: {serum_mg_total: 0.62 mmol/L}"),
            std::string::npos)
      << loaded.resolved_text;
  EXPECT_NE(loaded.resolved_text.find("# initial: state ecf_mg held at"), std::string::npos)
      << loaded.resolved_text;
  ASSERT_EQ(loaded.problem.clamped_states.size(), 1u);
}

}  // namespace
