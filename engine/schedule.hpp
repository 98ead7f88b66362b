// The timeline of a run: boluses (state jumps at exact times), rate steps of routes (infusions,
// grazing diet) and steps of input signals (meals). The integrator cuts the run at every time
// listed here and integrates each piece on its own, so it never steps across a discontinuity.
#pragma once

#include <string>
#include <vector>

#include "engine/scenario.hpp"

namespace magsim::engine {

struct Bolus {
  double time_h = 0;
  int route = -1;
  double amount = 0;  // in the route's unit
};

// Piecewise-constant changes are deltas, so overlapping infusions or meals simply add.
struct RateStep {
  double time_h = 0;
  int route = -1;
  double delta = 0;  // change of the route's rate, route unit per h
};

struct SignalStep {
  double time_h = 0;
  int signal = -1;
  double delta = 0;
};

// One line of /events in the output: what the user asked for, in user-facing units.
struct EventRecord {
  double time_h = 0;
  std::string kind;    // "bolus", "infusion_start", "infusion_stop", "meal", ...
  std::string what;    // "oral.citrate", "drug.omeprazole.oral", ...
  double amount = 0;   // amount or rate
  std::string unit;    // "mmol", "mmol/h", "mg", ...
};

struct Schedule {
  std::vector<Bolus> boluses;
  std::vector<RateStep> rate_steps;
  std::vector<SignalStep> signal_steps;
  std::vector<EventRecord> events;
  // Route rates and signal values to hold the body at for a steady-state start (daily regimens
  // in force at t = 0 averaged over the day), indexed like ModelInfo::routes / ::signals.
  std::vector<double> steady_route_rates;
  std::vector<double> steady_signals;
};

// Times in [0, end_h) at which a dose with this timing is given: the daily times between start
// and stop, plus the single `at` times. Sorted.
std::vector<double> dose_times(const DoseTiming& timing, double end_h);
// The same from `from_h` (<= 0: a history before the run) instead of 0; `at` times are >= 0.
std::vector<double> dose_times(const DoseTiming& timing, double from_h, double end_h);

// Number of daily doses per day in force at t = 0 (start < 0 <= stop): for steady-state averages.
double daily_doses_in_force_at_zero(const DoseTiming& timing);
// The same at time t (start < t <= stop), for a steady state at the start of a history.
double daily_doses_in_force_at(const DoseTiming& timing, double t);

}  // namespace magsim::engine
