// The explicit Runge-Kutta integrator allocates nothing on the heap per step: this executable
// replaces the global operator new with a counting one (which is why it is not part of
// magsim_tests) and counts the allocations over many steps after a warm-up.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <new>

#include "engine/solve/memory_sink.hpp"
#include "engine/solve/runge_kutta.hpp"
#include "engine/solve/simulator.hpp"
#include "tests/toy_models.hpp"

// These operators are the replacements, so malloc/free is the matching pair here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
long g_allocations = 0;  // the tests are single-threaded
}

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace magsim {
namespace {

using engine::ExplicitRungeKutta;
using engine::RungeKuttaPair;

// A small nonlinear system (a damped oscillator with a quadratic term) that keeps stepping.
struct Oscillator {
  void operator()(const double* z, double* dz, double) const {
    dz[0] = z[1];
    dz[1] = -z[0] - 0.1 * z[1] + 0.05 * z[0] * z[0];
    dz[2] = 0.01 * z[0];
  }
};

class StepperAllocations : public ::testing::TestWithParam<RungeKuttaPair> {};

TEST_P(StepperAllocations, NoneAfterWarmUpOverManySteps) {
  const Oscillator f;
  const engine::RhsFunction rhs(f);
  ExplicitRungeKutta stepper(GetParam(), 3, 1e-10, 1e-8, 0.5);
  std::vector<double> y{1.0, 0.0, 0.0}, out(3);
  stepper.initialize(y, 0.0, 1e-3);
  for (int i = 0; i < 10; ++i) stepper.do_step(rhs);  // warm-up
  const long before = g_allocations;
  for (int i = 0; i < 5000; ++i) {
    const auto span = stepper.do_step(rhs);
    stepper.calc_state(0.5 * (span.first + span.second), out);
    if (i % 100 == 0) stepper.set_step(0.01);                       // a clipped step
    if (i % 1000 == 0) stepper.initialize(stepper.current_state(), span.second, 0.01);
  }
  EXPECT_EQ(g_allocations - before, 0);
  EXPECT_GT(stepper.accepted_steps(), 5000);
}

INSTANTIATE_TEST_SUITE_P(Pairs, StepperAllocations,
                         ::testing::Values(RungeKuttaPair::DormandPrince54,
                                           RungeKuttaPair::DormandPrince853),
                         [](const auto& info) {
                           return info.param == RungeKuttaPair::DormandPrince54
                                      ? std::string("Dopri5")
                                      : std::string("Dop853");
                         });

// A sink that keeps nothing, so that the run's own allocations are all that is counted.
class CountingSink : public engine::SampleSink {
 public:
  void begin(const engine::ModelInfo&) override {}
  void sample(double, const double* y, const double*) override { last = y[0], ++samples; }
  double last = 0;
  long samples = 0;
};

// A whole run: allocations do not grow with the number of steps (1 day vs 100 days of hourly
// samples and a bolus every 12 h).
long allocations_of_run(engine::Method method, double days, long* steps) {
  const testing::OneCompartment model;
  engine::Problem p;
  p.parameters = {0.3};
  p.duration_h = 24.0 * days;
  p.output_interval_h = 1.0;
  p.initial = engine::InitialKind::Given;
  p.initial_state = {0.0, 0.0, 0.0};
  const int iv = model.info().find_route("iv");
  for (double t = 0; t < p.duration_h; t += 12.0) p.schedule.boluses.push_back({t, iv, 10.0});
  p.solver.method = method;
  CountingSink sink;
  const long before = g_allocations;
  const auto stats = engine::simulate(model, p, sink);
  const long count = g_allocations - before;
  *steps = stats.steps;
  return count;
}

TEST(RunAllocations, DoNotGrowWithTheNumberOfSteps) {
  for (auto method : {engine::Method::Dopri5, engine::Method::Dop853}) {
    long short_steps = 0, long_steps = 0;
    const long short_run = allocations_of_run(method, 1, &short_steps);
    const long long_run = allocations_of_run(method, 100, &long_steps);
    EXPECT_GT(long_steps, 50 * short_steps) << engine::method_name(method);
    EXPECT_EQ(long_run, short_run) << engine::method_name(method);
  }
  // The counter sees allocations: odeint's Rosenbrock stepper (uBLAS) allocates as it steps.
  long short_steps = 0, long_steps = 0;
  const long short_run = allocations_of_run(engine::Method::Rosenbrock4, 1, &short_steps);
  const long long_run = allocations_of_run(engine::Method::Rosenbrock4, 100, &long_steps);
  EXPECT_GT(long_run, short_run + long_steps / 2);
}

}  // namespace
}  // namespace magsim
