// The envelope method (`solver: {method: envelope}`): periodicity detection on the timeline,
// accuracy against ordinary dop853 (its exact days' integrator) within its error control, mass balance, reconstructed samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "app/model.hpp"
#include "app/scenario_loading.hpp"
#include "engine/io/csv_writer.hpp"
#include "engine/io/run_reader.hpp"
#include "engine/io/run_writer.hpp"
#include "engine/solve/envelope.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "tests/temp_files.hpp"
#include "tests/toy_models.hpp"

namespace magsim {
namespace {

using engine::Method;

std::string healthy_adult_with(const std::string& supplement) {
  std::ifstream in(std::string(MAGSIM_SOURCE_DIR) + "/scenarios/healthy_adult.yaml");
  std::stringstream text;
  text << in.rdbuf() << "supplements:\n  - " << supplement << "\n";
  return text.str();
}

// Mass balance to round-off: a jump adds to the state combinations of day-start states whose
// coefficients reach H (H + 1) / 2 ~ 2e4 for the longest jump (200 days), each carrying the
// round-off of a double (1.1e-16) of the body's content: <= 1e-10 of it over a run.
constexpr double kJumpRoundOff = 1e-10;

const std::string kCitrate = R"({form: citrate, dose: 150 mg, times: ["08:00", "20:00"]})";

engine::Problem load(const std::string& text, std::vector<std::string> sets) {
  return app::load_scenario_text(text, "test.yaml", sets).problem;
}

// A daily bolus of `amount` at `time_of_day_h` into route 0 over [0, to_h).
engine::DoseSeries daily_bolus(double time_of_day_h, double amount, double to_h) {
  engine::DoseSeries daily;
  daily.when.times_of_day_h = {time_of_day_h};
  daily.when.daily_from_h = -1;
  daily.when.daily_to_h = 1e9;
  daily.when.to_h = to_h;
  daily.actions = {{engine::SeriesAction::Kind::Bolus, 0.0, 0, amount}};
  daily.end_h = to_h;
  return daily;
}

// The one-compartment toy from empty, elimination k (1/h), over `days` days.
engine::Problem toy_problem(double k, double days, double interval_h) {
  engine::Problem p;
  p.parameters = {k};
  p.duration_h = days * 24.0;
  p.output_interval_h = interval_h;
  p.initial = engine::InitialKind::Given;
  p.initial_state = {0.0, 0.0, 0.0};
  return p;
}

struct ToyRuns {
  engine::MemorySink exact, envelope;
  engine::RunStats exact_stats, envelope_stats;
};

ToyRuns run_toy(engine::Problem p) {
  const testing::OneCompartment model;
  ToyRuns r;
  p.solver.method = Method::Dop853;  // the integrator of the envelope's exact days
  r.exact_stats = engine::simulate(model, p, r.exact);
  p.solver.method = Method::Envelope;
  r.envelope_stats = engine::simulate(model, p, r.envelope);
  return r;
}

TEST(EnvelopeWindows, DailySupplementAndDietAreOneWindow) {
  const auto p = load(healthy_adult_with(kCitrate), {"duration=60 d"});
  const auto w = engine::periodic_windows(p.schedule, 0.0, p.duration_h);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_GE(w[0].days(), 58);  // all whole days after the first day start, before the end
  EXPECT_LE(w[0].to_h, p.duration_h);
  EXPECT_GE(w[0].from_h, 0.0);
  EXPECT_LT(w[0].from_h, 24.0);
}

TEST(EnvelopeWindows, RegimenChangeSplitsTheWindow) {
  const auto p = load(healthy_adult_with(
                          R"({form: citrate, dose: 150 mg, times: ["08:00", "20:00"], stop: 30 d})"),
                      {"duration=60 d"});
  const auto w = engine::periodic_windows(p.schedule, 0.0, p.duration_h);
  ASSERT_EQ(w.size(), 2u);
  // The regimen changes between the last dose taken (20:00 on day 29) and the first one not
  // taken (08:00 on day 30): neither window spans that change.
  EXPECT_LE(w[0].to_h, 30 * 24.0 + 8.0);
  EXPECT_GE(w[1].from_h, 29 * 24.0 + 20.0);
  EXPECT_GE(w[0].days(), 28);
  EXPECT_GE(w[1].days(), 28);
}

TEST(EnvelopeWindows, InfusionAndSingleDoseFallBack) {
  engine::Schedule s;
  s.series.push_back(daily_bolus(8.0, 5.0, 40 * 24.0));
  // An infusion over days 10-11 and a single bolus on day 25.
  s.rate_steps = {{10 * 24.0 + 3.5, 0, 2.0}, {11 * 24.0 + 15.0, 0, -2.0}};
  s.boluses = {{25 * 24.0 + 13.0, 0, 4.0}};
  const auto w = engine::periodic_windows(s, 0.0, 40 * 24.0);
  ASSERT_EQ(w.size(), 3u);
  for (const auto& win : w) {
    for (double t : {10 * 24.0 + 3.5, 11 * 24.0 + 15.0, 25 * 24.0 + 13.0})
      EXPECT_FALSE(t >= win.from_h && t < win.to_h) << "change at " << t << " h inside a window";
    EXPECT_GE(win.days(), engine::kEnvelopeMinDays);
  }
}

struct Pair {
  engine::MemorySink exact, envelope;
  engine::RunStats exact_stats, envelope_stats;
  engine::Problem problem;
};

Pair run_both(const std::string& text, std::vector<std::string> sets) {
  Pair r;
  r.problem = load(text, sets);
  auto p = r.problem;
  p.solver.method = Method::Dop853;  // the integrator of the envelope's exact days
  r.exact_stats = engine::simulate(app::model(), p, r.exact);
  p.solver.method = Method::Envelope;
  r.envelope_stats = engine::simulate(app::model(), p, r.envelope);
  return r;
}

TEST(Envelope, OneYearOfCitrateWithinItsErrorControl) {
  const Pair r = run_both(healthy_adult_with(kCitrate), {"duration=1 y", "output.interval=6 h"});
  const auto& info = app::model().info();
  EXPECT_GT(r.envelope_stats.skipped_days, 200);
  // The first months approach the periodic orbit from the averaged steady state: short jumps.
  EXPECT_LT(r.envelope_stats.rhs_evaluations * 3, r.exact_stats.rhs_evaluations);
  // Mass balance to round-off, the prescribed intake counted over the skipped days too.
  EXPECT_LT(r.envelope_stats.mass_balance_relative_error, kJumpRoundOff);
  EXPECT_NEAR(r.envelope_stats.prescribed_intake, r.exact_stats.prescribed_intake,
              1e-12 * r.exact_stats.prescribed_intake);
  // Same sample times; every state, at every sample, within what the envelope's error control
  // allows: kEnvelopeJumpTolerance units (atol + rtol |x| in the integrator's scaling) per
  // jump, plus one unit for the two dop853 integrations themselves.
  ASSERT_EQ(r.exact.time, r.envelope.time);
  const double budget = static_cast<double>(r.envelope_stats.envelope_strides) *
                            engine::kEnvelopeJumpTolerance + 1.0;
  const double rtol = r.problem.solver.rtol, atol = r.problem.solver.atol;
  double worst = 0;
  for (size_t k = 0; k < r.exact.time.size(); ++k)
    for (size_t i = 0; i < info.states.size(); ++i) {
      const double scale = info.states[i].scale > 0 ? info.states[i].scale : 1.0;
      const double e = std::abs(r.envelope.state(k, i) - r.exact.state(k, i)) / scale /
                       (atol + rtol * std::abs(r.exact.state(k, i)) / scale);
      worst = std::max(worst, e);
    }
  EXPECT_LT(worst, budget);
  std::cout << "[ envelope ] worst scaled error " << worst << " (budget " << budget << "), "
            << r.envelope_stats.skipped_days << " days skipped, rhs "
            << r.envelope_stats.rhs_evaluations << " vs " << r.exact_stats.rhs_evaluations << "\n";
}

TEST(Envelope, ReconstructedFlagsExactlyOnSkippedDays) {
  const Pair r = run_both(healthy_adult_with(kCitrate), {"duration=120 d", "output.interval=6 h"});
  const auto& s = r.envelope;
  ASSERT_EQ(s.reconstructed.size(), s.time.size());
  const long flagged = std::count(s.reconstructed.begin(), s.reconstructed.end(), 1);
  EXPECT_GT(r.envelope_stats.skipped_days, 0);
  EXPECT_EQ(flagged, r.envelope_stats.reconstructed_samples);
  EXPECT_EQ(flagged, r.envelope_stats.skipped_days * 4);  // 4 samples a day at 6 h
  EXPECT_EQ(std::count(r.exact.reconstructed.begin(), r.exact.reconstructed.end(), 1), 0);
  // Flagged samples come in whole days: runs of a multiple of 4.
  long run = 0;
  for (size_t k = 0; k <= s.time.size(); ++k) {
    if (k < s.time.size() && s.reconstructed[k]) {
      ++run;
    } else {
      EXPECT_EQ(run % 4, 0) << "a partial skipped day ending before t = " << s.time[k - 1];
      run = 0;
    }
  }
  EXPECT_FALSE(s.reconstructed.front());
  EXPECT_FALSE(s.reconstructed.back());
}

TEST(Envelope, ExtraOutputTimesAreIntegratedNotReconstructed) {
  // A lab draw at 150.3 d (07:12): its day is integrated; the days around it still stride.
  const Pair r = run_both(healthy_adult_with(kCitrate),
                          {"duration=300 d", "output.interval=6 h", "output.times=[150.3 d]"});
  const auto& s = r.envelope;
  ASSERT_EQ(r.exact.time, s.time);
  EXPECT_GT(r.envelope_stats.skipped_days, 100);
  const double draw = 150.3 * 24.0;
  const auto at = std::find_if(s.time.begin(), s.time.end(),
                               [&](double t) { return std::abs(t - draw) < 1e-6; });
  ASSERT_NE(at, s.time.end());
  const auto k = static_cast<size_t>(at - s.time.begin());
  EXPECT_FALSE(s.reconstructed[k]);
  // The neighbouring samples of the same day (6 h grid) are integrated too.
  EXPECT_FALSE(s.reconstructed[k - 1]);
  EXPECT_FALSE(s.reconstructed[k + 1]);
  EXPECT_LT(r.envelope_stats.mass_balance_relative_error, kJumpRoundOff);
}

TEST(Envelope, NonPeriodicScheduleIsOrdinaryDop853) {
  engine::Problem p = toy_problem(0.3, 10, 1.0);
  for (double t : {7.3, 30.1, 55.0, 80.2, 101.0, 130.5, 149.9, 177.7, 200.0, 222.2})
    p.schedule.boluses.push_back({t, 0, 1.0 + t / 100});
  p.schedule.rate_steps = {{40.0, 0, 0.5}, {150.0, 0, -0.5}};
  const ToyRuns r = run_toy(p);
  EXPECT_EQ(r.exact.time, r.envelope.time);
  EXPECT_EQ(r.exact.states, r.envelope.states);
  EXPECT_EQ(r.exact_stats.rhs_evaluations, r.envelope_stats.rhs_evaluations);
  EXPECT_EQ(r.envelope_stats.skipped_days, 0);
}

TEST(Envelope, DailyBolusToyKeepsMassBalanceAndPeriodicOrbit) {
  // A slow compartment (k = 0.003/h, ~10 days) fed 5 mmol a day: the day-to-day drift is smooth.
  engine::Problem p = toy_problem(0.003, 400, 2.0);
  p.schedule.series.push_back(daily_bolus(9.0, 5.0, p.duration_h));
  const ToyRuns r = run_toy(p);
  const auto& a = r.exact;
  const auto& b = r.envelope;
  const auto& sb = r.envelope_stats;
  EXPECT_GT(sb.skipped_days, 300);
  EXPECT_LT(sb.mass_balance_relative_error, kJumpRoundOff);
  EXPECT_DOUBLE_EQ(sb.prescribed_intake, 400 * 5.0);
  EXPECT_NEAR(sb.final_state[1], 400 * 5.0, 1e-12 * 2000);  // intake accumulator
  ASSERT_EQ(a.time, b.time);
  // A geometric approach to the periodic orbit: both methods agree within the jumps' error
  // control (kEnvelopeJumpTolerance units per jump) plus one unit for dop853 itself.
  const double budget =
      static_cast<double>(sb.envelope_strides) * engine::kEnvelopeJumpTolerance + 1.0;
  for (size_t k = 0; k < a.time.size(); ++k) {
    const double x = a.state(k, 0);
    EXPECT_LT(std::abs(b.state(k, 0) - x) / (p.solver.atol + p.solver.rtol * x), budget)
        << "t = " << a.time[k];
  }
}

// The run file marks reconstructed samples: a 0/1 series (HDF5; the netCDF layout writes the
// same series through the same code at the root) or the last CSV column, only for the envelope
// method; other methods' files are as before.
TEST(EnvelopeOutput, RunFilesMarkReconstructedSamples) {
  testing::TempDir dir;
  const testing::OneCompartment model;
  const double y[] = {0.5, 0.1}, x[] = {0, 0, 0};
  for (const std::string method : {"envelope", "dopri5"}) {
    const std::string path = (dir / ("run_" + method + ".h5")).string();
    engine::io::RunMetadata meta;
    meta.solver_method = method;
    {
      engine::io::Hdf5RunWriter w(path, meta);
      w.begin(model.info());
      w.sample(0, y, x);
      w.sample_reconstructed(1, y, x);
      w.sample(2, y, x);
      w.end();
      w.commit();
    }
    const auto file = engine::io::read_run_file(path);
    if (method == "envelope") {
      ASSERT_EQ(file.series.count("reconstructed"), 1u);
      EXPECT_EQ(file.series.at("reconstructed"), (std::vector<double>{0, 1, 0}));
    } else {
      EXPECT_EQ(file.series.count("reconstructed"), 0u);
    }
    EXPECT_EQ(file.series.at("amount"), (std::vector<double>{0.5, 0.5, 0.5}));
  }
  const std::string csv = (dir / "run.csv").string();
  engine::io::RunMetadata meta;
  meta.solver_method = "envelope";
  engine::io::CsvRunWriter w(csv, meta);
  w.begin(model.info());
  w.sample(0, y, x);
  w.sample_reconstructed(1, y, x);
  w.commit();
  std::ifstream in(csv);
  std::string names, units, row1, row2;
  std::getline(in, names), std::getline(in, units), std::getline(in, row1), std::getline(in, row2);
  EXPECT_EQ(names, "time,amount,elimination_rate,reconstructed");
  EXPECT_EQ(units, "h,mmol,mmol/h,1");
  EXPECT_EQ(row1, "0,0.5,0.1,0");
  EXPECT_EQ(row2, "1,0.5,0.1,1");
}

}  // namespace
}  // namespace magsim
