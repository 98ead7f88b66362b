// The engine's numerics on models with closed-form answers: event handling, dense output,
// every solver, the steady-state solver and its failure report.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/model/errors.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "tests/toy_models.hpp"

namespace magsim {
namespace {

using engine::Method;

// Bolus 10 mmol at t = 0 and 5 mmol at 7.3 h; infusion 2 mmol/h over [2.5, 12.5) h; k = 0.3/h.
struct BolusInfusionCase {
  double k = 0.3;
  double infusion_rate = 2.0, infusion_on = 2.5, infusion_off = 12.5;
  std::vector<std::pair<double, double>> boluses{{0.0, 10.0}, {7.3, 5.0}};

  double amount(double t) const {
    double a = 0;
    for (auto [tb, dose] : boluses)
      if (t >= tb) a += dose * std::exp(-k * (t - tb));
    if (t > infusion_on) {
      const double on_for = std::min(t, infusion_off) - infusion_on;
      a += infusion_rate / k * (1 - std::exp(-k * on_for)) *
           std::exp(-k * std::max(0.0, t - infusion_off));
    }
    return a;
  }

  engine::Problem problem(const engine::Model& model, Method method) const {
    engine::Problem p;
    p.parameters = {k};
    p.duration_h = 24.0;
    p.output_interval_h = 0.7;  // not aligned with any event
    p.initial = engine::InitialKind::Given;
    p.initial_state = {0.0, 0.0, 0.0};
    const int iv = model.info().find_route("iv");
    for (auto [tb, dose] : boluses) p.schedule.boluses.push_back({tb, iv, dose});
    p.schedule.rate_steps.push_back({infusion_on, iv, infusion_rate});
    p.schedule.rate_steps.push_back({infusion_off, iv, -infusion_rate});
    p.solver.method = method;
    p.solver.rtol = 1e-10;
    p.solver.atol = 1e-12;
    return p;
  }
};

class BolusPlusInfusion : public ::testing::TestWithParam<Method> {};

TEST_P(BolusPlusInfusion, MatchesClosedFormAtEverySampleTime) {
  const testing::OneCompartment model;
  const BolusInfusionCase c;
  engine::MemorySink sink;
  const auto stats = engine::simulate(model, c.problem(model, GetParam()), sink);
  ASSERT_EQ(sink.time.size(), 36u);  // 0, 0.7, ..., 23.8, and 24
  double worst = 0;
  for (size_t s = 0; s < sink.time.size(); ++s) {
    const double expected = c.amount(sink.time[s]);
    worst = std::max(worst, std::abs(sink.output(s, 0) - expected) / expected);
  }
  EXPECT_LT(worst, 1e-6) << "largest relative error against the closed form";
  EXPECT_NEAR(sink.state(sink.time.size() - 1, testing::OneCompartment::kIn), 35.0, 1e-12);
  EXPECT_LT(stats.mass_balance_relative_error, 1e-12);
  EXPECT_EQ(stats.segments, 4);  // cut at 2.5, 7.3 and 12.5 h
}

TEST_P(BolusPlusInfusion, SamplesAtExactlyTheRequestedTimes) {
  const testing::OneCompartment model;
  const BolusInfusionCase c;
  engine::MemorySink sink;
  engine::simulate(model, c.problem(model, GetParam()), sink);
  for (size_t s = 0; s + 1 < sink.time.size(); ++s)
    EXPECT_EQ(sink.time[s], static_cast<double>(s) * 0.7);
  EXPECT_EQ(sink.time.back(), 24.0);
}

TEST_P(BolusPlusInfusion, SampleAtABolusTimeShowsTheStateAfterTheDose) {
  const testing::OneCompartment model;
  BolusInfusionCase c;
  c.boluses = {{0.0, 10.0}, {7.0, 5.0}};  // 7.0 h is a sample time (interval 0.7 h)
  engine::MemorySink sink;
  engine::simulate(model, c.problem(model, GetParam()), sink);
  EXPECT_NEAR(sink.time[10], 7.0, 1e-12);
  EXPECT_NEAR(sink.output(10, 0), c.amount(7.0), 1e-6 * c.amount(7.0));
}

// Run statistics: the right-hand-side calls are those made (dopri5: one at each segment's start,
// then 6 per try, accepted or rejected), and rejected tries are counted for every method
// (rosenbrock4's from its Jacobians, one per try).
TEST_P(BolusPlusInfusion, StatisticsCountCallsAndRejectedSteps) {
  const testing::OneCompartment model;
  const BolusInfusionCase c;
  engine::MemorySink sink;
  auto problem = c.problem(model, GetParam());
  problem.solver.first_step_h = 5.0;  // far too large at rtol 1e-10: the first try is rejected
  const auto stats = engine::simulate(model, problem, sink);
  EXPECT_GT(stats.rejected_steps, 0);
  if (GetParam() == Method::Dopri5) {
    EXPECT_EQ(stats.rhs_evaluations, stats.segments + 6 * (stats.steps + stats.rejected_steps));
  }
  if (GetParam() == Method::Dop853) {  // 12 a step, 11 a rejected try, 3 in a sampled step
    const long least = stats.segments + 12 * stats.steps + 11 * stats.rejected_steps;
    EXPECT_GE(stats.rhs_evaluations, least);
    EXPECT_LE(stats.rhs_evaluations, least + 3 * stats.steps);
  }
}

INSTANTIATE_TEST_SUITE_P(Solvers, BolusPlusInfusion,
                         ::testing::Values(Method::Rosenbrock4, Method::Dopri5, Method::Dop853),
                         [](const auto& info) { return std::string(engine::method_name(info.param)); });

TEST(Jacobian, DualNumbersMatchCentralFiniteDifferences) {
  const testing::Saturable model;
  const auto p = model.info().default_parameters();
  const double s[] = {1.3};
  const double x[] = {0.7, 4.0, 2.0, 1.0};
  double J[16], fp[4], fm[4];
  model.jacobian(0, x, p.data(), s, J);
  for (int j = 0; j < 4; ++j) {
    double xp[4], xm[4];
    std::copy(x, x + 4, xp);
    std::copy(x, x + 4, xm);
    const double h = 1e-6 * std::max(1.0, std::abs(x[j]));
    xp[j] += h;
    xm[j] -= h;
    model.rhs(0, xp, p.data(), s, fp);
    model.rhs(0, xm, p.data(), s, fm);
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(J[i * 4 + j], (fp[i] - fm[i]) / (2 * h), 1e-7) << "d f" << i << " / d x" << j;
  }
}

class SteadyStateFromFarOff : public ::testing::TestWithParam<double> {};

TEST_P(SteadyStateFromFarOff, NewtonFindsTheAnalyticFixedPoint) {
  const testing::Saturable model;
  const auto p = model.info().default_parameters();  // vmax 2, km 0.5, k12 0.4, k21 0.05
  const double rate = 1.2, gain = 1.1;
  const double a = rate * p[1] / (p[0] * gain - rate);
  const double b = p[2] * a / p[3];
  const double f = GetParam();
  const auto ss = engine::find_steady_state(model, p, {rate}, {gain},
                                            {a * f, b / f, 3.0, 4.0}, engine::SolverSettings{});
  EXPECT_NEAR(ss.state[0], a, 1e-8 * a);
  EXPECT_NEAR(ss.state[1], b, 1e-8 * b);
  EXPECT_EQ(ss.state[2], 3.0) << "accumulators are left as given";
  EXPECT_LT(ss.residual, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Starts, SteadyStateFromFarOff,
                         ::testing::Values(1e-4, 0.1, 1.0, 10.0, 1e3, 1e5));

TEST(SteadyState, NoFixedPointIsReportedWithStageAndResidual) {
  const testing::Saturable model;
  const auto p = model.info().default_parameters();
  // Input 3 mmol/h exceeds the elimination capacity (2 mmol/h): amounts grow without bound.
  try {
    engine::find_steady_state(model, p, {3.0}, {1.0}, {}, engine::SolverSettings{});
    FAIL() << "expected a SimulationError";
  } catch (const engine::SimulationError& e) {
    EXPECT_EQ(e.stage(), "steady state");
    EXPECT_NE(std::string(e.what()).find("residual"), std::string::npos) << e.what();
  }
}

TEST(SteadyState, RunStartsAtRestAndStaysThereWithoutEvents) {
  const testing::Saturable model;
  engine::Problem problem;
  problem.parameters = model.info().default_parameters();
  problem.duration_h = 100;
  problem.output_interval_h = 10;
  problem.schedule.steady_route_rates = {1.0};
  problem.schedule.steady_signals = {1.0};
  // The same input continues during the run.
  problem.schedule.rate_steps.push_back({0.0, 0, 1.0});
  problem.solver.rtol = 1e-10;  // drift stays far below the 1e-7 asserted below
  problem.solver.atol = 1e-12;
  engine::MemorySink sink;
  const auto stats = engine::simulate(model, problem, sink);
  EXPECT_EQ(stats.steady_state_stage, "newton");
  for (size_t s = 0; s < sink.time.size(); ++s)
    EXPECT_NEAR(sink.output(s, 0), sink.output(0, 0), 1e-7 * sink.output(0, 0));
}

TEST(Cancellation, AFlagStopsTheRunWithASimulationError) {
  const testing::OneCompartment model;
  const BolusInfusionCase c;
  std::atomic<bool> cancel{true};
  engine::MemorySink sink;
  EXPECT_THROW(engine::simulate(model, c.problem(model, Method::Rosenbrock4), sink, &cancel),
               engine::SimulationError);
}

}  // namespace
}  // namespace magsim

TEST(SampleTimes, ExtraTimesMergeInOrderWithoutDuplicates) {
  const std::vector<double> t = magsim::engine::sample_times(6, 2, {5, 0.5, 2, 2 + 1e-12, 6});
  EXPECT_EQ(t, (std::vector<double>{0, 0.5, 2, 4, 5, 6}));
  // Only the start and the end on the grid (times alone).
  EXPECT_EQ(magsim::engine::sample_times(6, 6, {1.5}), (std::vector<double>{0, 1.5, 6}));
}

// Issue 11, item 12: numbers in failure messages are printed %g-style; std::to_string printed a
// time (and "%f" a residual) of 1e300 as 300-odd digits.
TEST(SimulationErrorMessage, AHugeTimeIsPrintedWithAnExponentNotThreeHundredDigits) {
  const magsim::engine::SimulationError e("integration", 1e300, "step size underflow");
  EXPECT_STREQ(e.what(), "integration failed at t = 1e+300 h: step size underflow");
  EXPECT_STREQ(magsim::engine::SimulationError("integration", 0.001, "x").what(),
               "integration failed at t = 0.001 h: x");
  EXPECT_EQ(magsim::engine::message_number(123456789.0), "1.23457e+08");
}
