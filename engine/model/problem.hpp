// Everything one simulation needs besides the model: parameter values, timeline, sampling,
// initial condition and solver settings. A plain value: copy it, change it, run it on any thread.
#pragma once

#include <string>
#include <vector>

#include "engine/model/schedule.hpp"

namespace magsim::engine {

// rosenbrock4: Boost.Odeint's stiff Rosenbrock method with the model's Jacobian; dopri5 and dop853:
// our explicit Dormand-Prince pairs 5(4) and 8(5,3) (engine/solve/runge_kutta.hpp); envelope:
// dop853 that strides over days where the inputs repeat daily (engine/solve/envelope.hpp).
enum class Method { Rosenbrock4, Dopri5, Dop853, Envelope };

// The name a scenario uses for a method (solver.method).
inline const char* method_name(Method m) {
  switch (m) {
    case Method::Rosenbrock4: return "rosenbrock4";
    case Method::Dop853: return "dop853";
    case Method::Envelope: return "envelope";
    case Method::Dopri5: break;
  }
  return "dopri5";
}

struct SolverSettings {
  Method method = Method::Dop853;  // docs/model.md#numerics: the measured choice
  double rtol = 1e-6;
  double atol = 1e-9;       // scaled by each state's declared `scale`
  double max_step_h = 24.0;
  double first_step_h = 1e-3;
};

enum class InitialKind { SteadyState, Given };

// A state held at a given value while the steady-state solver settles the others (a measured
// start: the model turns a measured concentration into the amount of its pool).
struct ClampedState {
  int state = -1;
  double value = 0;  // in the state's unit
};

struct Problem {
  std::vector<double> parameters;  // indexed like ModelInfo::parameters
  Schedule schedule;
  double duration_h = 24;
  double output_interval_h = 1;    // samples at 0, dt, 2 dt, ..., and at duration_h
  std::vector<double> output_times_h;  // and at these (merged in time order, no duplicates)
  InitialKind initial = InitialKind::SteadyState;
  std::vector<double> initial_state;  // Given: the start; SteadyState: the Newton start guess (empty: model's defaults)
  // SteadyState only: dynamic states held at these values; Newton solves the other dynamic
  // states for zero rates of change (the held ones are not at rest).
  std::vector<ClampedState> clamped_states;
  // < 0: a history. The initial condition (steady state or given) holds at history_start_h; the
  // schedule from there to t = 0 is integrated without output; accumulator states then restart
  // at their initial values, so cumulative amounts and the mass balance count from t = 0.
  double history_start_h = 0;
  SolverSettings solver;
};

}  // namespace magsim::engine
