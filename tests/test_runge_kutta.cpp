// Our explicit Runge-Kutta pairs (engine/solve/runge_kutta.hpp): convergence orders of the
// solution and of the dense output (which check the coefficient tables), the step-size
// controller's rejections, the count of right-hand-side calls, and the step-size underflow.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <tuple>

#include "engine/solve/runge_kutta.hpp"

namespace magsim {
namespace {

using engine::ExplicitRungeKutta;
using engine::RhsFunction;
using engine::RungeKuttaPair;

// y' = y cos t, y(0) = 1: y = exp(sin t). Counts its calls.
struct ExpSin {
  mutable long calls = 0;
  void operator()(const double* z, double* dz, double t) const {
    dz[0] = z[0] * std::cos(t);
    ++calls;
  }
  static double exact(double t) { return std::exp(std::sin(t)); }
};

// Fixed steps of size h (a tolerance no error exceeds, max_step h) over [0, 4]: the largest
// error at the step ends and at the steps' midpoints (dense output).
std::pair<double, double> fixed_step_errors(RungeKuttaPair pair, double h) {
  const ExpSin f;
  ExplicitRungeKutta stepper(pair, 1, 1e6, 1e6, h);
  stepper.initialize({1.0}, 0.0, h);
  std::vector<double> mid(1);
  double at_ends = 0, at_mids = 0;
  while (stepper.current_time() < 4.0 - 1e-12) {
    const auto [t0, t1] = stepper.do_step(RhsFunction(f));
    EXPECT_NEAR(t1 - t0, h, 1e-14);
    at_ends = std::max(at_ends, std::abs(stepper.current_state()[0] - ExpSin::exact(t1)));
    const double tm = t0 + 0.37 * (t1 - t0);
    stepper.calc_state(tm, mid);
    at_mids = std::max(at_mids, std::abs(mid[0] - ExpSin::exact(tm)));
  }
  EXPECT_EQ(stepper.rejected_steps(), 0);
  return {at_ends, at_mids};
}

struct OrderCase {
  RungeKuttaPair pair;
  double h;
  double solution_order, dense_order;
};

class ConvergenceOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(ConvergenceOrder, HalvingTheStepDividesTheErrorsBy2ToTheOrder) {
  const auto c = GetParam();
  const auto coarse = fixed_step_errors(c.pair, c.h);
  const auto fine = fixed_step_errors(c.pair, c.h / 2);
  const double solution = std::log2(coarse.first / fine.first);
  const double dense = std::log2(coarse.second / fine.second);
  EXPECT_NEAR(solution, c.solution_order, 0.5) << coarse.first << " -> " << fine.first;
  EXPECT_NEAR(dense, c.dense_order, 0.5) << coarse.second << " -> " << fine.second;
}

// dopri5: 5th-order solution; Shampine's 4th-order interpolant has local error O(h^5), so the
// error at interior points also falls as h^5. dop853: 8th order; 7th-order interpolant: h^8.
INSTANTIATE_TEST_SUITE_P(Pairs, ConvergenceOrder,
                         ::testing::Values(OrderCase{RungeKuttaPair::DormandPrince54, 0.1, 5, 5},
                                           OrderCase{RungeKuttaPair::DormandPrince853, 0.4, 8, 8}),
                         [](const auto& info) {
                           return info.param.pair == RungeKuttaPair::DormandPrince54
                                      ? std::string("Dopri5")
                                      : std::string("Dop853");
                         });

TEST(RungeKutta, AdaptiveStepsMeetTheToleranceAndTheHigherOrderTakesFewerCalls) {
  long calls[2] = {0, 0};
  for (int p = 0; p < 2; ++p) {
    const ExpSin f;
    ExplicitRungeKutta stepper(
        p == 0 ? RungeKuttaPair::DormandPrince54 : RungeKuttaPair::DormandPrince853, 1, 1e-12,
        1e-10, 10.0);
    stepper.initialize({1.0}, 0.0, 1e-3);
    while (stepper.current_time() < 20.0) stepper.do_step(RhsFunction(f));
    const double t = stepper.current_time();
    EXPECT_LT(std::abs(stepper.current_state()[0] - ExpSin::exact(t)), 1e-8 * ExpSin::exact(t));
    calls[p] = f.calls;
  }
  EXPECT_LT(calls[1], calls[0]) << "dop853 should need fewer calls than dopri5 at rtol 1e-10";
}

TEST(RungeKutta, RejectsATooLargeFirstStepAndCountsEveryCall) {
  // dopri5: one call at the start, then 6 per try (the 7th stage is the next step's first).
  const ExpSin f;
  ExplicitRungeKutta stepper(RungeKuttaPair::DormandPrince54, 1, 1e-12, 1e-10, 100.0);
  stepper.initialize({1.0}, 0.0, 5.0);
  while (stepper.current_time() < 10.0) stepper.do_step(RhsFunction(f));
  EXPECT_GT(stepper.rejected_steps(), 0);
  EXPECT_EQ(f.calls, 1 + 6 * (stepper.accepted_steps() + stepper.rejected_steps()));
}

TEST(RungeKutta, Dop853CountsElevenCallsATryOneAStepAndThreeForDenseOutput) {
  const ExpSin f;
  ExplicitRungeKutta stepper(RungeKuttaPair::DormandPrince853, 1, 1e-12, 1e-10, 100.0);
  stepper.initialize({1.0}, 0.0, 5.0);
  std::vector<double> y(1);
  long dense_steps = 0;
  while (stepper.current_time() < 10.0) {
    const auto [t0, t1] = stepper.do_step(RhsFunction(f));
    if (stepper.accepted_steps() % 2 == 0) {
      ++dense_steps;
      stepper.calc_state(0.5 * (t0 + t1), y);
      stepper.calc_state(0.7 * t0 + 0.3 * t1, y);  // the second sample costs nothing
    }
  }
  EXPECT_GT(stepper.rejected_steps(), 0);
  EXPECT_EQ(f.calls, 1 + 11 * (stepper.accepted_steps() + stepper.rejected_steps()) +
                         stepper.accepted_steps() + 3 * dense_steps);
}

TEST(RungeKutta, SetStepKeepsTheDerivativeInitializeEvaluatesItAgain) {
  const ExpSin f;
  ExplicitRungeKutta stepper(RungeKuttaPair::DormandPrince54, 1, 1e-9, 1e-9, 1.0);
  stepper.initialize({1.0}, 0.0, 0.1);
  // Calls and rejections of one step.
  auto step = [&] {
    const long calls = f.calls, rejected = stepper.rejected_steps();
    stepper.do_step(RhsFunction(f));
    return std::pair<long, long>{f.calls - calls, stepper.rejected_steps() - rejected};
  };
  auto [calls, rejected] = step();
  EXPECT_EQ(calls, 1 + 6 * (1 + rejected)) << "the first step evaluates f at its start";
  stepper.set_step(0.05);
  EXPECT_DOUBLE_EQ(stepper.current_time_step(), 0.05);
  std::tie(calls, rejected) = step();
  EXPECT_EQ(calls, 6 * (1 + rejected)) << "set_step keeps the last stage as the next first";
  stepper.initialize(stepper.current_state(), stepper.current_time(), 0.05);
  std::tie(calls, rejected) = step();
  EXPECT_EQ(calls, 1 + 6 * (1 + rejected)) << "initialize evaluates f at the start again";
}

TEST(RungeKutta, MaxStepBoundsEveryStep) {
  const ExpSin f;
  ExplicitRungeKutta stepper(RungeKuttaPair::DormandPrince853, 1, 1e-3, 1e-3, 0.25);
  stepper.initialize({1.0}, 0.0, 10.0);
  for (int i = 0; i < 40; ++i) {
    const auto [t0, t1] = stepper.do_step(RhsFunction(f));
    EXPECT_LE(t1 - t0, 0.25);
    EXPECT_LE(stepper.current_time_step(), 0.25);
  }
}

TEST(RungeKutta, ARightHandSideThatIsNeverFiniteEndsInStepSizeUnderflow) {
  for (auto pair : {RungeKuttaPair::DormandPrince54, RungeKuttaPair::DormandPrince853}) {
    auto f = [](const double*, double* dz, double) { dz[0] = std::nan(""); };
    ExplicitRungeKutta stepper(pair, 1, 1e-9, 1e-6, 1.0);
    stepper.initialize({1.0}, 0.0, 0.1);
    EXPECT_THROW(stepper.do_step(RhsFunction(f)), std::runtime_error);
  }
}

}  // namespace
}  // namespace magsim
