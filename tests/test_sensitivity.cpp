// Endpoint statistics and forward-difference sensitivities against closed forms.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/solve/sensitivity.hpp"
#include "engine/solve/series_statistics.hpp"
#include "engine/solve/simulator.hpp"
#include "tests/toy_models.hpp"

namespace magsim {
namespace {

// Constant infusion R into an empty compartment: A(t) = R/k (1 - exp(-k t)).
engine::Problem infusion_problem(const engine::Model& model, double hours) {
  engine::Problem p;
  p.parameters = {0.3};
  p.duration_h = hours;
  p.output_interval_h = 0.01;
  p.initial = engine::InitialKind::Given;
  p.initial_state = {0, 0, 0};
  p.schedule.rate_steps.push_back({0.0, model.info().find_route("iv"), 2.0});
  p.solver.rtol = 1e-12;
  p.solver.atol = 1e-14;
  return p;
}

double endpoint(const engine::Model& model, const engine::Problem& p, const std::string& text) {
  engine::EndpointSink sink(engine::parse_endpoint(text, model.info()), p.duration_h);
  engine::simulate(model, p, sink);
  return sink.value();
}

TEST(EndpointStatistics, MatchClosedFormsOfAnInfusionApproachingSteadyState) {
  const testing::OneCompartment model;
  const auto p = infusion_problem(model, 48);
  const double k = 0.3, R = 2.0, T = 48;
  auto A = [&](double t) { return R / k * (1 - std::exp(-k * t)); };
  EXPECT_NEAR(endpoint(model, p, "amount.initial"), 0.0, 1e-12);
  EXPECT_NEAR(endpoint(model, p, "amount.final"), A(T), 1e-9);
  EXPECT_NEAR(endpoint(model, p, "amount.min"), 0.0, 1e-12);
  EXPECT_NEAR(endpoint(model, p, "amount.max"), A(T), 1e-9);
  EXPECT_NEAR(endpoint(model, p, "amount.last_24h"), A(T) - A(T - 24), 1e-9);
  const double mean = R / k * (1 - (1 - std::exp(-k * T)) / (k * T));
  // Trapezoidal rule on 0.01 h samples: error ~ dt^2/12 * max|A''| = 1e-5 * 0.6 / 12.
  EXPECT_NEAR(endpoint(model, p, "amount.mean"), mean, 1e-6);
}

TEST(EndpointStatistics, BadEndpointsSayWhatIsAllowed) {
  const testing::OneCompartment model;
  try {
    engine::parse_endpoint("amount.median", model.info());
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("last_24h"), std::string::npos) << e.what();
  }
  try {
    engine::parse_endpoint("amout.final", model.info());
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("amount"), std::string::npos) << e.what();
  }
  EXPECT_THROW(engine::parse_endpoint("final", model.info()), std::invalid_argument);
}

TEST(Sensitivity, ForwardDifferenceMatchesAnalyticDerivativeOfFirstOrderDecay) {
  // A bolus D at t = 0 decays as D exp(-k T): d ln A(T) / d ln k = -k T = -7.2 at T = 24 h.
  const testing::OneCompartment model;
  engine::Problem p;
  p.parameters = {0.3};
  p.duration_h = 24;
  p.output_interval_h = 1;
  p.initial = engine::InitialKind::Given;
  p.initial_state = {0, 0, 0};
  p.schedule.boluses.push_back({0.0, model.info().find_route("iv"), 10.0});
  p.solver.rtol = 1e-12;
  p.solver.atol = 1e-14;
  engine::SensitivityOptions options;
  options.relative_step = 1e-6;  // truncation error ~ h (kT)^2 / 2 = 2.6e-5
  options.threads = 2;
  const auto r = engine::local_sensitivities(model, p, engine::parse_endpoint("amount.final", model.info()),
                                             options);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_TRUE(r.rows[0].skipped.empty()) << r.rows[0].skipped;
  EXPECT_NEAR(r.rows[0].sensitivity, -7.2, 1e-3);
  EXPECT_NEAR(r.baseline, 10 * std::exp(-7.2), 1e-10);
}

TEST(Sensitivity, ThreadedAndSerialRunsGiveIdenticalNumbers) {
  const testing::Saturable model;
  engine::Problem p;
  p.parameters = model.info().default_parameters();
  p.duration_h = 48;
  p.output_interval_h = 1;
  p.schedule.steady_route_rates = {1.0};
  p.schedule.steady_signals = {1.0};
  p.schedule.rate_steps.push_back({0.0, 0, 1.0});
  p.schedule.boluses.push_back({5.0, 0, 3.0});
  const auto e = engine::parse_endpoint("a.max", model.info());
  engine::SensitivityOptions one, two;
  two.threads = 2;
  const auto a = engine::local_sensitivities(model, p, e, one);
  const auto b = engine::local_sensitivities(model, p, e, two);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].parameter, b.rows[i].parameter);
    EXPECT_EQ(a.rows[i].sensitivity, b.rows[i].sensitivity);
  }
  // Ranked by magnitude.
  for (size_t i = 1; i < a.rows.size(); ++i)
    EXPECT_GE(std::abs(a.rows[i - 1].sensitivity), std::abs(a.rows[i].sensitivity));
}

}  // namespace
}  // namespace magsim
