// Stepping over days for long periodic regimens (`solver: {method: envelope}`).
//
// Where the inputs repeat every day, the state at the same time of day, x_k = Phi^k(x_0) with
// Phi the exact one-day map, changes slowly from day to day. The envelope integrates whole days
// exactly (the ordinary dop853 integration), estimates the day-to-day drift from consecutive
// exact days and jumps over H days with a second-order extrapolation; the difference between
// the first- and second-order extrapolations is the error estimate that sets H. Samples on the
// skipped days are blended from the neighbouring exact days at the same time of day and marked
// as reconstructed. Everything that is not periodic is integrated ordinarily.
#pragma once

#include <vector>

#include "engine/model/model.hpp"
#include "engine/model/problem.hpp"
#include "engine/solve/sample_sink.hpp"

namespace magsim::engine {

inline constexpr double kEnvelopePeriodH = 24.0;  // h: the period the envelope looks for
inline constexpr int kEnvelopeMinDays = 4;        // days: the shortest window it strides in
inline constexpr long kEnvelopeMaxStrideDays = 200;  // days: the longest single jump
// The error estimate of one jump may reach this many tolerance units (atol + rtol |x| on
// x / scale, the integrator's norm): a tenth, as the exact days' own error is far below one
// unit (measured by tools/envelope_accuracy).
inline constexpr double kEnvelopeJumpTolerance = 0.1;

// Whole days [from_h + 24 h k, from_h + 24 h (k + 1)) that carry the same changes at the same
// offsets (same kind, target, amount), whose rate and signal deltas sum to zero over the day,
// and no other change.
struct PeriodicWindow {
  double from_h = 0;
  double to_h = 0;
  long days() const;
};

// The periodic windows of the schedule's changes inside [from_h, to_h), each at least
// `min_days` long, in time order. Days start at the time of day in the middle of the longest
// gap between changes, so no change falls on a day boundary.
std::vector<PeriodicWindow> periodic_windows(const Schedule& schedule, double from_h, double to_h,
                                             int min_days = kEnvelopeMinDays);

// What the envelope needs from the ordinary integrator.
class EnvelopeHost {
 public:
  virtual ~EnvelopeHost() = default;
  // Ordinary integration of [from, to] with samples (the changes at `from` are applied already;
  // the ones at `to` are not).
  virtual void integrate_exact(std::vector<double>& x, double from, double to) = 0;
  // The timeline over [from, to) without integrating: the changes are taken off the timeline,
  // their intake counted as prescribed, route rates and signals kept as they would be at `to`.
  virtual void skip_timeline(double from, double to) = 0;
  // The run's next sample time (+infinity when none is left), and moving past it.
  virtual double next_sample() const = 0;
  virtual void advance_sample() = 0;
  // Where integrate_exact() sends its samples from now on (nullptr: the run's sink).
  virtual void redirect_samples(SampleSink* sink) = 0;
  virtual SampleSink& run_sink() = 0;
  // The signal values in force now (while integrate_exact() samples: at the sample's time).
  virtual const std::vector<double>& signals() const = 0;
  // The model's outputs for state x and these signal values.
  virtual void outputs(double t, const double* x, const double* signals, double* y) const = 0;
};

struct EnvelopeStats {
  long windows = 0;         // periodic windows used
  long exact_days = 0;      // days integrated exactly inside windows
  long strides = 0;         // jumps
  long skipped_days = 0;    // days jumped over
  long reconstructed_samples = 0;
  double max_error_estimate = 0;  // largest accepted estimate, in kEnvelopeJumpTolerance
};

// True when the output grid repeats every day (an interval that divides 24 h), which the
// reconstruction needs; a day with output at an extra time is integrated ordinarily.
bool envelope_output_compatible(const Problem& problem);

// Integrates [from, to] (the changes at `from` applied), with the envelope inside the periodic
// windows and ordinary integration elsewhere.
EnvelopeStats envelope_integrate(EnvelopeHost& host, const ModelInfo& info,
                                 const Problem& problem, std::vector<double>& x, double from,
                                 double to);

}  // namespace magsim::engine
