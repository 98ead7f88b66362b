// Integrates a Model over a Problem: cuts the run at every breakpoint of the schedule, applies
// boluses as exact state jumps, holds route rates and signals constant within each segment, and
// sends samples at exactly the requested times (dense output) to a SampleSink as it goes.
#pragma once

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "engine/model/model.hpp"
#include "engine/model/problem.hpp"
#include "engine/solve/sample_sink.hpp"

namespace magsim::engine {

struct RunStats {
  std::vector<double> initial_state;        // at t = 0 (after the history, if any)
  std::vector<double> history_start_state;  // at the history's start; empty without a history
  std::vector<double> final_state;
  double wall_seconds = 0;
  // |invariant(end) - invariant(0)| + intake_error, in the states' unit: round-off when every
  // prescribed dose was given and nothing was created or lost.
  double mass_balance_error = 0;
  double mass_balance_relative_error = 0;  // divided by max(|intake|, |body content|)
  double prescribed_intake = 0;  // intake the schedule prescribes over the run, from the timeline
  double intake_error = 0;       // |intake accumulator's change - prescribed_intake|
  long steps = 0;
  long rejected_steps = 0;
  long segments = 0;
  long rhs_evaluations = 0;
  long jacobian_evaluations = 0;
  double steady_state_residual = 0;        // max scaled |f| at the start, if steady state
  std::string steady_state_stage;          // "newton" or "integration" (empty: not used)
  // Method::Envelope only: jumps, days jumped over, and samples reconstructed on them.
  long envelope_strides = 0;
  long skipped_days = 0;
  long reconstructed_samples = 0;
};

// The times a run samples, one at a time: 0, dt, 2 dt, ... up to the end, and the end itself,
// merged with `extra_h` (inside the run) in time order; times within 1e-9 of the duration of
// each other are one sample. Memory does not depend on the number of samples.
class SampleClock {
 public:
  static constexpr double kMaxSamples = 1e12;
  SampleClock(double duration_h, double interval_h, std::vector<double> extra_h = {});
  bool done() const { return !std::isfinite(pending_); }
  double peek() const { return pending_; }
  void advance();
  // An upper bound of the number of samples, without generating them.
  static double count_estimate(double duration_h, double interval_h, std::size_t extra);

 private:
  double pull();
  void resolve();
  double duration_, interval_, eps_;
  long long grid_k_ = 0, grid_last_ = 0;
  bool end_done_ = false;
  std::vector<double> extra_;
  std::size_t next_extra_ = 0;
  double pending_ = 0, ahead_ = 0;
};

// Every sample time in a vector (for short runs and tests).
std::vector<double> sample_times(double duration_h, double interval_h,
                                 const std::vector<double>& extra_h = {});

// Throws SimulationError on numerical failure or when *cancel becomes true.
RunStats simulate(const Model& model, const Problem& problem, SampleSink& sink,
                  const std::atomic<bool>* cancel = nullptr);

struct SteadyStateResult {
  std::vector<double> state;
  double residual = 0;  // max over dynamic states of |f_i| / scale_i, per h
  std::string stage;    // "newton" or "integration"
};

// Finds x with f(x) = 0 on the dynamic states for constant route rates and signals: Newton with
// the model's Jacobian (Eigen LU) from `guess`; if that fails, integrates until the rates vanish
// and polishes with Newton. Accumulator states are returned as given in `guess`. `clamped`
// dynamic states are held at their values (not at rest) while the others settle.
// Throws SimulationError naming the stage that failed and the residual it reached.
SteadyStateResult find_steady_state(const Model& model, const std::vector<double>& parameters,
                                    const std::vector<double>& route_rates,
                                    const std::vector<double>& signals,
                                    const std::vector<double>& guess,
                                    const SolverSettings& settings,
                                    const std::vector<ClampedState>& clamped = {});

}  // namespace magsim::engine
