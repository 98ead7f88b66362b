// The timeline as the integrator walks it (issue 11 items 2, 3 and 7): repeating regimens are
// kept as rules and unrolled as the run goes, sample times are generated one at a time, a dose
// whose infusion is shorter than the integrator can resolve is still given in full, and the mass
// balance counts what the schedule prescribed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/model/errors.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/model/schedule.hpp"
#include "engine/scenario/timing.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "models/magnesium/model_internals.hpp"

namespace magsim {
namespace {

namespace mg = models::magnesium;

engine::Scenario parsed(const std::string& text) {
  return engine::parse_scenario_text(text, "test.yaml", mg::vocabulary());
}

// The expansion the timeline used before it was lazy (every day's times, then the single times,
// sorted), kept here as the reference the cursor must reproduce.
std::vector<double> expanded(const engine::DoseTiming& timing, double from_h, double end_h) {
  std::vector<double> t;
  const double start = std::max(timing.start_h, from_h);
  const double stop = std::min(timing.stop_h, end_h);
  if (!timing.times_of_day_h.empty() && stop > start)
    for (double day = std::floor(start / 24.0) * 24.0; day < stop; day += 24.0)
      for (double tod : timing.times_of_day_h) {
        const double when = day + tod;
        if (when >= start && when < stop) t.push_back(when);
      }
  for (double at : timing.at_h)
    if (at >= 0 && at >= from_h && at < end_h) t.push_back(at);
  std::sort(t.begin(), t.end());
  return t;
}

TEST(LazyTimeline, OccurrenceCursorGivesTheTimesTheFullExpansionGave) {
  std::mt19937 rng(20261207);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 300; ++trial) {
    engine::DoseTiming timing;
    const int per_day = static_cast<int>(u(rng) * 5);
    for (int k = 0; k < per_day; ++k) timing.times_of_day_h.push_back(std::floor(u(rng) * 96) / 4);
    timing.start_h = u(rng) < 0.5 ? 0 : (u(rng) - 0.3) * 200;
    if (u(rng) < 0.5) timing.stop_h = timing.start_h + u(rng) * 300;
    const int singles = static_cast<int>(u(rng) * 4);
    for (int k = 0; k < singles; ++k) timing.at_h.push_back(std::floor(u(rng) * 400) / 2);
    const double from = u(rng) < 0.5 ? 0 : -u(rng) * 100;
    const double end = 1 + u(rng) * 500;
    const auto reference = expanded(timing, from, end);
    std::vector<double> lazy;
    for (engine::OccurrenceCursor c(engine::occurrences_of(timing, from, end)); !c.done(); c.advance())
      lazy.push_back(c.peek());
    ASSERT_EQ(lazy.size(), reference.size()) << "trial " << trial;
    for (size_t i = 0; i < lazy.size(); ++i) EXPECT_DOUBLE_EQ(lazy[i], reference[i]) << "trial " << trial;
    const auto o = engine::occurrences_of(timing, from, end);
    EXPECT_EQ(engine::occurrence_count(o, end), static_cast<double>(reference.size())) << "trial " << trial;
  }
}

TEST(LazyTimeline, PeriodicInjectionsFollowStartEveryAndStop) {
  engine::Occurrences o;
  o.every_h = 4;
  o.every_from_h = 2;
  o.every_to_h = 22;
  o.at_h = {0, 6};
  o.from_h = 0;
  o.to_h = 100;
  std::vector<double> t;
  for (engine::OccurrenceCursor c(o); !c.done(); c.advance()) t.push_back(c.peek());
  // 6 h is both a single time and a periodic one: given twice, as listed.
  EXPECT_EQ(t, (std::vector<double>{0, 2, 6, 6, 10, 14, 18}));
  EXPECT_EQ(engine::occurrence_count(o, 100), 7.0);
}

TEST(LazyTimeline, PeriodBelowTheResolutionOfTimeIsRefusedNotLoopedOn) {
  engine::Occurrences o;
  o.every_h = 1e-300;
  o.every_from_h = 1e6;
  o.every_to_h = 2e6;
  o.from_h = 1e6;
  o.to_h = 2e6;
  auto walk = [&] {
    engine::OccurrenceCursor c(o);
    for (int k = 0; k < 10 && c.peek() < engine::kNoTime; ++k) c.advance();
  };
  EXPECT_THROW(walk(), std::invalid_argument);
}

// Issue 11 item 2: 1,440 daily times over 150 years once took 147 s and 16.9 GB to expand.
std::string minute_regimen(const std::string& duration) {
  std::string times;
  for (int m = 0; m < 1440; ++m) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "\"%02d:%02d\"", m / 60, m % 60);
    times += (m ? ", " : "") + std::string(buf);
  }
  return "duration: " + duration + "\noutput: {interval: 30 d}\n"
         "supplements: [{form: citrate, dose: 0.1 mg, times: [" + times + "]}]\n";
}

TEST(LazyTimeline, DailyRegimenOver150YearsIsStoredLikeOneOverOneYear) {
  const auto one = mg::make_problem(parsed(minute_regimen("1 y")));
  const auto many = mg::make_problem(parsed(minute_regimen("150 y")));
  auto stored = [](const engine::Schedule& s) {
    size_t n = s.boluses.size() + s.rate_steps.size() + s.signal_steps.size() + s.events.size();
    for (const auto& series : s.series)
      n += series.when.times_of_day_h.size() + series.when.at_h.size() + series.actions.size() +
           series.records.size();
    return n;
  };
  EXPECT_EQ(stored(one.schedule), stored(many.schedule));
  EXPECT_LT(stored(many.schedule), 2000u);
  // What it stands for: 1,440 doses a day for 150 years (and three meals a day).
  const double days = 150 * 365.25;
  EXPECT_NEAR(engine::record_count(many.schedule), (1440 + 3) * days, 1440 + 3);
  // The cursor unrolls it in time order from the start.
  engine::TimelineCursor cursor(many.schedule);
  double last = -1;
  for (int k = 0; k < 5000; ++k) {
    const auto c = cursor.pop();
    EXPECT_GE(c.time_h, last);
    last = c.time_h;
  }
  EXPECT_GT(last, 24.0);  // more than a day's worth of changes came out
}

TEST(LazyTimeline, EventsComeOutInTimeOrderWithEachOccurrencesTime) {
  const auto problem = mg::make_problem(parsed(
      "duration: 2 d\n"
      "supplements: [{form: citrate, dose: 150 mg, times: [\"08:00\", \"20:00\"]}]\n"
      "medications: [{drug: omeprazole, dose: 20 mg, times: [\"07:00\"]}]\n"
      "injections: [{route: im, amount: 2 mmol, every: 12 h, start: 6 h, stop: 30 h}]\n"));
  const auto records = engine::all_records(problem.schedule);
  EXPECT_EQ(records.size(), engine::record_count(problem.schedule));
  int supplements = 0, drugs = 0, im = 0, meals = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(records[i - 1].time_h, records[i].time_h);
    }
    supplements += records[i].kind == "supplement";
    drugs += records[i].kind == "drug";
    im += records[i].kind == "im_injection";
    meals += records[i].kind == "meal";
  }
  EXPECT_EQ(supplements, 4);
  EXPECT_EQ(drugs, 2);
  EXPECT_EQ(im, 2);  // 6 h and 18 h (30 h is the stop, not included)
  EXPECT_EQ(meals, 6);
}

// ---- sample times ------------------------------------------------------------------------------

// The merge sample_times() did when it built the whole vector at once.
std::vector<double> reference_samples(double duration, double interval, std::vector<double> extra) {
  std::vector<double> t;
  const double eps = 1e-9 * std::max(1.0, duration);
  const auto count = static_cast<long>(std::floor(duration / interval + 1e-9));
  for (long k = 0; k <= count; ++k) t.push_back(static_cast<double>(k) * interval);
  if (duration - t.back() > eps) t.push_back(duration);
  else t.back() = duration;
  std::vector<double> in;
  for (double x : extra)
    if (x > 0 && x < duration) in.push_back(x);
  std::sort(in.begin(), in.end());
  std::vector<double> merged;
  std::merge(t.begin(), t.end(), in.begin(), in.end(), std::back_inserter(merged));
  std::vector<double> out;
  for (double x : merged) {
    if (!out.empty() && x - out.back() <= eps) {
      if (x == duration) out.back() = x;
      continue;
    }
    out.push_back(x);
  }
  return out;
}

TEST(SampleClock, GivesTheSameTimesAsTheWholeVectorDid) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 300; ++trial) {
    const double duration = 0.5 + std::floor(u(rng) * 200);
    const double interval = u(rng) < 0.3 ? duration : std::max(0.01, std::floor(u(rng) * 40) / 4);
    std::vector<double> extra;
    const int n = static_cast<int>(u(rng) * 5);
    for (int k = 0; k < n; ++k) extra.push_back(u(rng) < 0.5 ? std::floor(u(rng) * duration) : u(rng) * duration);
    if (u(rng) < 0.2) extra.push_back(duration - 1e-12);  // within eps of the end: the end
    const auto want = reference_samples(duration, interval, extra);
    const auto got = engine::sample_times(std::min(duration, 1e9), interval, extra);
    ASSERT_EQ(got.size(), want.size()) << "trial " << trial;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << "trial " << trial;
    EXPECT_EQ(got.back(), duration);
  }
}

// Issue 11 item 3: an interval of 1e-300 s made the sample count overflow (undefined behaviour).
TEST(SampleClock, IntervalTooFineForAnyMemoryIsRefusedNotOverflowed) {
  EXPECT_THROW(engine::SampleClock(87660.0, 1e-300 / 3600), std::length_error);
  EXPECT_THROW(engine::SampleClock(87660.0, 0.0), std::invalid_argument);
  // A fine grid over a long run is walked without holding it.
  engine::SampleClock c(24.0 * 365.25 * 10, 1.0 / 3600);  // 1 s over 10 y: 3.2e8 samples
  EXPECT_EQ(c.peek(), 0.0);
  c.advance();
  EXPECT_DOUBLE_EQ(c.peek(), 1.0 / 3600);
  EXPECT_GT(engine::SampleClock::count_estimate(24.0 * 365.25 * 10, 1.0 / 3600, 0), 3.15e8);
}

// ---- doses shorter than the integrator's resolution ---------------------------------------------

double intake_of(const engine::RunStats& s) { return s.final_state[mg::st::cum_intake] - s.initial_state[mg::st::cum_intake]; }

engine::RunStats run_stats(const std::string& text) {
  engine::MemorySink sink;
  return engine::simulate(mg::model(), mg::make_problem(parsed(text)), sink);
}

// Issue 11 item 7: a loading dose over 0.02 s at 10 y (0.3 s at 149 y, 1e-9 s at 2 h) delivered
// 0 mmol, and the mass balance could not see it.
void expect_short_loading_delivered(const std::string& duration, const std::string& start,
                                    const std::string& over) {
  const std::string head = "duration: " + duration + "\noutput: {interval: " + duration +
                           "}\ndiet: {magnesium: 300 mg/d, meals: []}\n";
  const auto without = run_stats(head);
  const auto with = run_stats(head +
                              "infusions: [{loading: {amount: 16 mmol, over: " + over +
                              "}, rate: 1 mmol/h, duration: 1 h, start: " + start + "}]\n");
  SCOPED_TRACE(duration + ", loading over " + over + " at " + start);
  // 16 mmol loading + 1 mmol maintenance, each to round-off of the intake (~1e4 mmol).
  EXPECT_NEAR(intake_of(with) - intake_of(without), 17.0, 1e-8 * intake_of(with));
  EXPECT_NEAR(with.prescribed_intake - without.prescribed_intake, 17.0, 1e-8 * intake_of(with));
  EXPECT_LT(with.intake_error, 1e-12 * intake_of(with));
  EXPECT_LT(with.mass_balance_relative_error, 1e-12);
}

TEST(ShortInfusion, LoadingOver20MillisecondsAtTenYearsIsDeliveredInFull) {
  expect_short_loading_delivered("3652 d", "3651 d", "0.02 s");
}

TEST(ShortInfusion, LoadingOverOneNanosecondAtTwoHoursIsDeliveredInFull) {
  expect_short_loading_delivered("1 d", "2 h", "1e-9 s");
}

TEST(ShortInfusion, LoadingOverAThirdOfASecondAt149YearsIsDeliveredInFull) {
  expect_short_loading_delivered("150 y", "149 y", "0.3 s");
}

// The engine's own guard, below any model: a rate window shorter than the integrator's
// resolution at its time (1e-10 of t) still delivers rate x length, as one jump.
TEST(ShortInfusion, EngineDeliversASliverBelowResolutionAsAJump) {
  auto problem = mg::make_problem(parsed("duration: 3652 d\noutput: {interval: 3652 d}\n"
                                         "diet: {magnesium: 300 mg/d, meals: []}\n"));
  const int iv = mg::model().info().find_route("iv");
  const double t = 87000.0, end = t + 4e-11 * t;  // 3.5e-6 h, below 1e-10 t = 8.7e-6 h
  const double rate = 1e8;
  const auto diet_steps = problem.schedule.rate_steps;
  problem.schedule.rate_steps.push_back({t, iv, rate});
  problem.schedule.rate_steps.push_back({end, iv, -rate});
  engine::MemorySink sink;
  const auto with = engine::simulate(mg::model(), problem, sink);
  problem.schedule.rate_steps = diet_steps;
  const auto without = engine::simulate(mg::model(), problem, sink);
  const double given = rate * (end - t);  // what the two steps prescribe, in doubles
  EXPECT_GT(given, 100.0);
  EXPECT_NEAR(with.prescribed_intake - without.prescribed_intake, given, 1e-9 * given);
  EXPECT_NEAR(intake_of(with) - intake_of(without), given, 1e-9 * given);
  EXPECT_LT(with.mass_balance_relative_error, 1e-12);
}

TEST(MassBalance, CountsEveryPrescribedDoseAgainstTheTimeline) {
  const auto stats = run_stats(
      "duration: 3 d\noutput: {interval: 6 h}\ndiet: {magnesium: 250 mg/d}\n"
      "supplements: [{form: citrate, dose: 243.05 mg, times: [\"08:00\"]},\n"
      "              {form: citrate, dose: 243.05 mg, at: [0 h]}]\n"
      "infusions: [{loading: {amount: 8 mmol, over: 20 min}, rate: 2 mmol/h, duration: 10 h, start: 1 h}]\n"
      "injections: [{route: im, amount: 5 mmol, every: 12 h, start: 0 h, stop: 48 h}]\n");
  // Diet: 3 meals a day for 3 days (250/24.305 mmol/d); citrate: 10 mmol at 0 h and on 3
  // mornings; IV: 8 + 20 mmol; IM: 4 x 5 mmol.
  const double expected = 3 * 250 / 24.305 + 4 * 10.0 + 28.0 + 20.0;
  EXPECT_NEAR(stats.prescribed_intake, expected, 1e-9 * expected);
  EXPECT_NEAR(intake_of(stats), expected, 1e-9 * expected);
  EXPECT_LT(stats.intake_error, 1e-12 * expected);
}

// ---- states that cannot be ----------------------------------------------------------------------

// Issue 11 item 10: rtol 1e300 ran to the end with serum at 5,268 mmol/L and a negative pool.
TEST(NumericalFailure, NegativeAmountStopsTheRunNamingTheStateAndTime) {
  auto problem = mg::make_problem(parsed(
      "duration: 30 d\ndiet: {magnesium: 300 mg/d}\n"
      "supplements: [{form: citrate, dose: 150 mg, times: [\"08:00\"]}]\n"));
  problem.solver.rtol = 1e300;  // past the parser's bound: the engine must still not go on
  engine::MemorySink sink;
  try {
    engine::simulate(mg::model(), problem, sink);
    FAIL() << "a run with rtol 1e300 finished";
  } catch (const engine::SimulationError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("state '"), std::string::npos) << what;
    EXPECT_NE(what.find("cannot be negative"), std::string::npos) << what;
    EXPECT_NE(what.find(" at t = "), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace magsim
