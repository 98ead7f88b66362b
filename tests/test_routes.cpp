// The intramuscular route (a depot absorbed into the ECF) and the regimens clinicians write:
// injections, bolus items, stops and pauses of infusions, as a model run sees them.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engine/solve/memory_sink.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "models/magnesium/model_internals.hpp"
#include "models/magnesium/whole_body.hpp"

namespace magsim {
namespace {

namespace mg = models::magnesium;
using mg::kNumStates;

engine::Scenario parsed(const std::string& text) {
  return engine::parse_scenario_text(text, "test.yaml", mg::vocabulary());
}

std::vector<double> defaults() { return mg::model().info().default_parameters(); }

TEST(IntramuscularRoute, DepotEmptiesIntoTheEcfAtTheDeclaredHalfTime) {
  const auto p = defaults();
  auto x = mg::reference_state(p);
  x[mg::st::im_depot] = 40.0;
  const double signals[] = {0.0};
  std::vector<double> f(kNumStates), f0(kNumStates);
  mg::model().rhs(0, x.data(), p.data(), signals, f.data());
  auto x0 = x;
  x0[mg::st::im_depot] = 0.0;
  mg::model().rhs(0, x0.data(), p.data(), signals, f0.data());
  const double k = std::log(2.0) / p[mg::par::im_absorption_half_time];
  EXPECT_NEAR(f[mg::st::im_depot], -k * 40.0, 1e-12);
  EXPECT_NEAR(f[mg::st::ecf] - f0[mg::st::ecf], k * 40.0, 1e-9);
  EXPECT_TRUE(mg::is_body_state(mg::st::im_depot));
  EXPECT_EQ(mg::model().info().conserved_weights[mg::st::im_depot], 1.0);
}

TEST(IntramuscularRoute, PritchardRunConservesMagnesiumAndRecordsEvents) {
  const auto sc = parsed(
      "duration: 12 h\noutput: {interval: 10 min}\n"
      "subject: {weight: 60 kg, conditions: [pregnancy]}\n"
      "infusions:\n"
      "  - {salt_amount: 4 g, over: 15 min}\n"
      "  - {salt_rate: 1 g/h, start: 1 h, stop: 9 h, pauses: [{from: 3 h, to: 4 h}]}\n"
      "injections:\n"
      "  - {route: im, salt_amount: 10 g, at: [0 h]}\n"
      "  - {route: im, salt_amount: 5 g, every: 4 h, start: 4 h}\n");
  const auto problem = mg::make_problem(sc);
  int im = 0, pauses = 0, resumes = 0, stops = 0;
  for (const auto& e : engine::all_records(problem.schedule)) {
    if (e.kind == "im_injection") {
      ++im;
      EXPECT_EQ(e.what, "im");
    }
    pauses += e.kind == "infusion_pause";
    resumes += e.kind == "infusion_resume";
    stops += e.kind == "infusion_stop";
  }
  EXPECT_EQ(im, 3);  // 0 h, 4 h, 8 h
  EXPECT_EQ(pauses, 1);
  EXPECT_EQ(resumes, 1);
  EXPECT_EQ(stops, 2);  // the bolus over 15 min, and the maintenance at 9 h
  engine::MemorySink sink;
  const auto stats = engine::simulate(mg::model(), problem, sink);
  EXPECT_LT(stats.mass_balance_relative_error, 1e-10);
  const auto& info = mg::model().info();
  const int depot = info.find_output("im_depot_mg");
  const int intake = info.find_output("cum_intake");
  ASSERT_GE(depot, 0);
  const double per_mg_salt = mg::vocabulary().find_salt("sulfate")->mg_mass_fraction / 24.305;
  const std::size_t last = sink.time.size() - 1;
  // Intake counts IM doses when injected (20 g), the 4 g bolus and 7 h of 1 g/h (8 h less the
  // 1-h pause); the depot holds what is not yet absorbed.
  EXPECT_GT(sink.output(last, intake), (20000 + 4000 + 7000) * per_mg_salt);
  EXPECT_LT(sink.output(last, intake), (20000 + 4000 + 7000) * per_mg_salt + 10.0);  // + diet
  EXPECT_GT(sink.output(last, depot), 0.0);
  EXPECT_LT(sink.output(last, depot), 10000 * per_mg_salt);
}

TEST(IntramuscularRoute, ImDoseRaisesSerumLaterAndLessThanTheSameIvPush) {
  const auto run = [&](const std::string& route) {
    engine::MemorySink sink;
    engine::simulate(mg::model(),
                     mg::make_problem(parsed("duration: 8 h\noutput: {interval: 15 min}\n"
                                             "injections: [{route: " +
                                             route + ", salt_amount: 5 g, at: [0 h]}]\n")),
                     sink);
    const int serum = mg::model().info().find_output("serum_mg_total");
    double peak = 0, t_peak = 0;
    for (std::size_t i = 0; i < sink.time.size(); ++i)
      if (sink.output(i, serum) > peak) peak = sink.output(i, serum), t_peak = sink.time[i];
    return std::make_pair(peak, t_peak);
  };
  const auto im = run("im");
  const auto iv = run("iv");
  EXPECT_LT(im.first, iv.first);
  EXPECT_EQ(iv.second, 0.0);
  EXPECT_GE(im.second, 1.0);  // hours after the injection (Salinger 2013's ka)
  EXPECT_LE(im.second, 4.0);
}

TEST(InfusionTimeline, PauseSwitchesTheRateOffAndStopEndsIt) {
  const auto sc = parsed(
      "duration: 12 h\n"
      "infusions: [{rate: 2 mmol/h, start: 1 h, stop: 9 h, pauses: [{at: 3 h, for: 2 h}]}]\n");
  const auto problem = mg::make_problem(sc);
  const auto& routes = mg::model().info().routes;
  double given = 0, rate = 0, t = 0;
  std::vector<engine::RateStep> steps;
  for (const auto& s : problem.schedule.rate_steps)
    if (routes[s.route].name == "iv") steps.push_back(s);
  std::sort(steps.begin(), steps.end(), [](auto& a, auto& b) { return a.time_h < b.time_h; });
  for (const auto& s : steps) {
    given += rate * (s.time_h - t);
    rate += s.delta;
    t = s.time_h;
  }
  given += rate * (12 - t);
  EXPECT_NEAR(given, 2.0 * 6, 1e-12);  // 8 h less the 2-h pause
  EXPECT_NEAR(rate, 0.0, 1e-12);
}

}  // namespace
}  // namespace magsim
