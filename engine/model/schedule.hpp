// The timeline of a run: boluses (state jumps at exact times), rate steps of routes (infusions,
// grazing diet) and steps of input signals (meals). The integrator cuts the run at every time
// listed here and integrates each piece on its own, so it never steps across a discontinuity.
//
// A timeline is stored as it was prescribed, not expanded: single changes as lists, and every
// regimen that repeats (daily doses, meals, injections every few hours) as one DoseSeries that a
// cursor unrolls while the run goes. A 150-year daily regimen costs the memory of a 1-year one.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>


namespace magsim::engine {

inline constexpr double kNoTime = std::numeric_limits<double>::infinity();

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

// The times a repeating regimen happens: daily at `times_of_day_h` in [daily_from_h, daily_to_h),
// every `every_h` from every_from_h (inclusive) to every_to_h (exclusive), and once at each of
// `at_h`; only the times inside [from_h, to_h) count.
struct Occurrences {
  std::vector<double> times_of_day_h;  // hours after midnight, sorted, each in [0, 24)
  double daily_from_h = 0, daily_to_h = 0;
  double every_h = 0;  // 0: none
  double every_from_h = 0, every_to_h = 0;
  std::vector<double> at_h;  // sorted
  double from_h = 0, to_h = 0;
};

// The occurrence times of an Occurrences in order, one at a time (the daily, periodic and single
// times are three sorted streams merged as they go). peek() is kNoTime when there are no more.
class OccurrenceCursor {
 public:
  explicit OccurrenceCursor(Occurrences o);
  double peek() const;
  bool done() const { return !(peek() < kNoTime); }
  void advance();

 private:
  double daily_time() const;
  void step_daily();
  double periodic_time() const;
  double single_time() const;
  Occurrences o_;
  double daily_lo_ = 0, daily_hi_ = 0, first_midnight_ = 0, day_ = 0;
  std::size_t tod_ = 0;
  double every_hi_ = 0, period_ = 0;
  std::size_t at_index_ = 0;
  double daily_ = kNoTime, every_ = kNoTime, single_ = kNoTime;
};

// One change a regimen makes at each occurrence, `offset_h` after it (a meal's end, say).
struct SeriesAction {
  enum class Kind { Bolus, Rate, Signal };
  Kind kind = Kind::Bolus;
  double offset_h = 0;  // >= 0
  int target = -1;      // route (Bolus, Rate) or signal (Signal)
  double amount = 0;    // bolus amount, or the delta of the rate or signal
};

// A repeating regimen: its times, what it does at each, and the /events lines it writes (each
// at the occurrence itself). Changes that fall at or after `end_h` (the run's end) are dropped.
struct DoseSeries {
  Occurrences when;
  std::vector<SeriesAction> actions;
  std::vector<EventRecord> records;  // time_h unused: each occurrence's time is put in
  double end_h = 0;
};

struct Schedule {
  // Single changes, in any order (the cursor sorts them stably by time).
  std::vector<Bolus> boluses;
  std::vector<RateStep> rate_steps;
  std::vector<SignalStep> signal_steps;
  std::vector<EventRecord> events;
  // Repeating regimens, unrolled on demand.
  std::vector<DoseSeries> series;
  // Route rates and signal values to hold the body at for a steady-state start (daily regimens
  // in force at t = 0 averaged over the day), indexed like ModelInfo::routes / ::signals.
  std::vector<double> steady_route_rates;
  std::vector<double> steady_signals;
};

// One change on the timeline, as the cursor hands it out.
struct TimelineChange {
  SeriesAction::Kind kind = SeriesAction::Kind::Bolus;
  double time_h = 0;
  int target = -1;
  double amount = 0;
};

// Walks a schedule's changes in time order (ties: single changes as listed, boluses, then rate
// steps, then signal steps; then the series in order), unrolling series as it goes. Memory is
// proportional to what was prescribed, not to the number of changes it expands to.
class TimelineCursor {
 public:
  explicit TimelineCursor(const Schedule& schedule);
  ~TimelineCursor();
  TimelineCursor(TimelineCursor&&) noexcept;
  TimelineCursor& operator=(TimelineCursor&&) = delete;
  TimelineCursor(const TimelineCursor&) = delete;
  TimelineCursor& operator=(const TimelineCursor&) = delete;

  bool done() const;
  double next_time() const;  // +infinity when done
  TimelineChange pop();      // precondition: !done()

 private:
  struct Impl;
  Impl* impl_;
};

// Every change of the schedule, in the cursor's order.
void for_each_change(const Schedule& schedule, const std::function<void(const TimelineChange&)>& fn);
// Every /events line, in time order (ties: single records as listed, then the series in order).
void for_each_record(const Schedule& schedule, const std::function<void(const EventRecord&)>& fn);
// The number of /events lines, counted without unrolling (exact up to a time that falls within
// round-off of a window's edge; for size estimates): may be +infinity for an endless regimen.
double record_count(const Schedule& schedule);
// The number of occurrences in [from_h, min(to_h, limit_h)), counted the same way.
double occurrence_count(const Occurrences& o, double limit_h);
// Every /events line in a vector (for a reader that keeps the whole run in memory anyway).
std::vector<EventRecord> all_records(const Schedule& schedule);

}  // namespace magsim::engine
