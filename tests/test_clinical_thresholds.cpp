// Clinical thresholds: the engine's monitor on a series with a known answer, a magnesium run that
// crosses thresholds at times checked against the very samples they came from, the run summary's
// warnings and root attributes, and `magsim check`'s IV-infusion warnings.
#include <gtest/gtest.h>

#include <sstream>

#include <cmath>
#include <string>
#include <vector>

#include "app/run_output.hpp"
#include "app/scenario_loading.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/scenario/check.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/solve/simulator.hpp"
#include "engine/solve/threshold_monitor.hpp"
#include "models/magnesium/magnesium.hpp"

namespace {

using namespace magsim;
using engine::AlertThreshold;
using engine::ThresholdDirection;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One series "c" (mmol/L): 0 -> 10 linearly over 0-10 h, back to 0 at 20 h, sampled every 1 h.
TEST(ThresholdMonitor, TriangleGivesExactCrossingsTimesBeyondAndExtremes) {
  engine::ModelInfo info;
  info.outputs = {{"other", "1", ""}, {"c", "mmol/L", ""}};
  engine::ThresholdMonitor m({
      {"high", "c", ThresholdDirection::Above, 5.5, "mmol/L", "too high", "test"},
      {"low", "c", ThresholdDirection::Below, 2.25, "mmol/L", "too low", "test"},
      {"never", "c", ThresholdDirection::Above, 11, "mmol/L", "never", "test"},
  });
  m.begin(info);
  for (int k = 0; k <= 20; ++k) {
    const double y[2] = {0.0, k <= 10 ? double(k) : double(20 - k)};
    m.sample(k, y, nullptr);
  }
  const auto r = m.reports();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[0].crossed);
  EXPECT_DOUBLE_EQ(r[0].first_h, 5.5);
  EXPECT_DOUBLE_EQ(r[0].time_beyond_h, 9.0);  // 5.5 h .. 14.5 h
  EXPECT_DOUBLE_EQ(r[0].extreme, 10.0);
  EXPECT_DOUBLE_EQ(r[0].extreme_h, 10.0);
  EXPECT_TRUE(r[1].crossed);
  EXPECT_DOUBLE_EQ(r[1].first_h, 0.0);         // below at the very start
  EXPECT_DOUBLE_EQ(r[1].time_beyond_h, 4.5);  // 0 .. 2.25 h and 17.75 .. 20 h
  EXPECT_DOUBLE_EQ(r[1].extreme, 0.0);
  EXPECT_FALSE(r[2].crossed);
  EXPECT_TRUE(std::isnan(r[2].first_h));
  EXPECT_EQ(r[2].time_beyond_h, 0.0);
  ASSERT_EQ(m.ranges().size(), 1u) << "one range per distinct series";
  EXPECT_EQ(r[0].warning_text("c"),
            "c above 5.5 mmol/L (too high) first at 5.5 h, 9.0 h in all; peak 10 mmol/L at 10.0 h");
}

TEST(ThresholdMonitor, RefusesAThresholdOnAnUnknownSeriesOrInAnotherUnit) {
  engine::ModelInfo info;
  info.outputs = {{"c", "mmol/L", ""}};
  engine::ThresholdMonitor unknown({{"x", "d", ThresholdDirection::Above, 1, "mmol/L", "", ""}});
  EXPECT_THROW(unknown.begin(info), std::invalid_argument);
  engine::ThresholdMonitor unit({{"x", "c", ThresholdDirection::Above, 1, "mg/dL", "", ""}});
  EXPECT_THROW(unit.begin(info), std::invalid_argument);
}

const char* kOverdose = R"(duration: 12 h
output: {interval: 6 min}
subject: {sex: female, age: 30 y, weight: 70 kg}
infusions:
  - {form: sulfate, rate: 300 mmol/h, start: 1 h, duration: 1 h}
)";

// 300 mmol/h for 1 h from t = 1 h: every upper threshold is crossed during the infusion, and the
// reported first crossing is the straight-line crossing between the two samples around it.
TEST(ClinicalThresholds, OverdoseCrossesEveryUpperThresholdAtTheTimeItsSamplesShow) {
  const auto loaded = app::load_scenario_text(kOverdose, "overdose.yaml", {});
  const auto& model = models::magnesium::model();
  engine::MemorySink samples;
  auto summary = app::make_run_summary(loaded);
  engine::TeeSink sinks({&samples, &summary});
  const auto stats = engine::simulate(model, loaded.problem, sinks);
  const auto serum = static_cast<std::size_t>(model.info().find_output("serum_mg_total"));
  const auto& t = samples.time;

  const auto reports = summary.threshold_reports();
  ASSERT_EQ(reports.size(), models::magnesium::vocabulary().thresholds.size());
  double previous_first = 1.0;  // the infusion starts at 1 h
  int above = 0;
  for (const auto& r : reports) {
    const double level = r.threshold.value;
    if (r.threshold.direction == ThresholdDirection::Below) {
      EXPECT_FALSE(r.crossed) << r.threshold.id;
      EXPECT_EQ(r.time_beyond_h, 0.0) << r.threshold.id;
      continue;
    }
    ++above;
    ASSERT_TRUE(r.crossed) << r.threshold.id;
    std::size_t i = 0;
    while (i < t.size() && !(samples.output(i, serum) > level)) ++i;
    ASSERT_GT(i, 0u);
    ASSERT_LT(i, t.size());
    const double a = samples.output(i - 1, serum), b = samples.output(i, serum);
    const double expected = t[i - 1] + (t[i] - t[i - 1]) * (level - a) / (b - a);
    EXPECT_NEAR(r.first_h, expected, 1e-12) << r.threshold.id;
    EXPECT_GT(r.first_h, previous_first) << "higher levels are reached later";
    EXPECT_LT(r.first_h, 2.0) << "during the infusion";
    previous_first = r.first_h;
    // Time beyond: at least the intervals wholly beyond, at most those touching it.
    double inside = 0, touching = 0;
    for (std::size_t k = 1; k < t.size(); ++k) {
      const bool p = samples.output(k - 1, serum) > level, q = samples.output(k, serum) > level;
      if (p && q) inside += t[k] - t[k - 1];
      if (p || q) touching += t[k] - t[k - 1];
    }
    EXPECT_GE(r.time_beyond_h, inside - 1e-12) << r.threshold.id;
    EXPECT_LE(r.time_beyond_h, touching + 1e-12) << r.threshold.id;
    double peak = 0, peak_t = 0;
    for (std::size_t k = 0; k < t.size(); ++k)
      if (samples.output(k, serum) > peak) peak = samples.output(k, serum), peak_t = t[k];
    EXPECT_EQ(r.extreme, peak);
    EXPECT_EQ(r.extreme_h, peak_t);
  }
  EXPECT_EQ(above, 5);
  EXPECT_EQ(summary.warnings().size(), 5u);
  EXPECT_TRUE(contains(summary.warnings()[1], "above 3.5 mmol/L (loss of patellar reflexes) first at 1."))
      << summary.warnings()[1];

  // The root attributes carry level, first crossing and time beyond with units.
  const auto attrs = app::run_result_attributes(loaded, stats, summary);
  auto find = [&](const std::string& name) -> const app::RunAttribute* {
    for (const auto& x : attrs)
      if (x.name == name) return &x;
    return nullptr;
  };
  const auto* peak = find("serum_mg_total_peak");
  ASSERT_NE(peak, nullptr);
  EXPECT_EQ(peak->unit, "mmol/L");
  for (const auto& r : reports) {
    if (r.threshold.direction == ThresholdDirection::Above) {
      EXPECT_EQ(peak->number, r.extreme);
    }
  }
  const auto* beyond = find("alert_cardiac_arrest_time_beyond");
  ASSERT_NE(beyond, nullptr);
  EXPECT_EQ(beyond->unit, "h");
  EXPECT_GT(beyond->number, 0.0);
  ASSERT_NE(find("alert_cardiac_arrest_first"), nullptr);
  EXPECT_EQ(find("alert_hypomagnesemia_first"), nullptr) << "absent when never crossed";
  ASSERT_NE(find("warnings"), nullptr);
  EXPECT_FALSE(find("warnings")->numeric);
}

TEST(ClinicalThresholds, EveryThresholdHasASourceAUnitAndAMeaning) {
  const auto& v = models::magnesium::vocabulary();
  ASSERT_GE(v.thresholds.size(), 7u);
  for (const auto& t : v.thresholds) {
    EXPECT_FALSE(t.source.empty()) << t.id;
    EXPECT_FALSE(t.meaning.empty()) << t.id;
    EXPECT_EQ(t.unit, "mmol/L") << t.id;
    EXPECT_GE(models::magnesium::model().info().find_output(t.series), 0) << t.id;
  }
}

std::vector<engine::Diagnostic> check(const std::string& yaml) {
  const auto& v = models::magnesium::vocabulary();
  return engine::check_scenario(engine::parse_scenario_text(yaml, "check.yaml", v), v);
}

const char* kZuspan = R"(duration: 48 h
subject: {sex: female, age: 29 y, weight: 78 kg, egfr: EGFR mL/min/1.73m2}
infusions:
  - form: sulfate
    loading: {salt_amount: 4 g, over: 20 min}
    salt_rate: 1 g/h
    start: 1 h
    duration: 24 h
)";

std::string zuspan(const std::string& egfr) {
  std::string s = kZuspan;
  s.replace(s.find("EGFR"), 4, egfr);
  return s;
}

TEST(ScenarioCheck, ZuspanRegimenWithHealthyKidneysGivesNoInfusionWarning) {
  EXPECT_TRUE(check(zuspan("110")).empty());
}

TEST(ScenarioCheck, ZuspanRegimenAtEgfr10WarnsAboutTheKidneyAndTheSteadyState) {
  const auto d = check(zuspan("10"));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].line, 4);
  EXPECT_EQ(d[0].column, 5);
  EXPECT_TRUE(contains(d[0].message, "eGFR 10 mL/min/1.73m2 (below 30)")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "20 g in 48 h")) << d[0].message;
  // 1 g/h MgSO4.7H2O = 4.06 mmol/h; GFR 10 mL/min = 0.6 L/h; / (0.6 x 0.7) = 9.66 mmol/L
  EXPECT_TRUE(contains(d[1].message, "9.66 mmol/L or more at steady state")) << d[1].message;
  EXPECT_TRUE(contains(d[1].message, "above 7.5 mmol/L (altered cardiac conduction"))
      << d[1].message;
  EXPECT_TRUE(contains(d[1].message, "Lu & Nightingale")) << d[1].message;
}

TEST(ScenarioCheck, InfusionThatPlainlyPassesTheCardiacThresholdsInItsFirstHourWarns) {
  const auto d = check(kOverdose);
  bool acute = false;
  for (const auto& w : d)
    if (contains(w.message, "300 mmol Mg in its first hour")) {
      acute = true;
      // 300 mmol over 0.25 L/kg x 70 kg = 17.5 L: 17.1 mmol/L
      EXPECT_TRUE(contains(w.message, "~17.1 mmol/L, above 12.5 mmol/L (cardiac arrest"))
          << w.message;
    }
  EXPECT_TRUE(acute);
}

TEST(ScenarioCheck, ShippedPreeclampsiaScenarioGivesNoInfusionWarning) {
  const auto& v = models::magnesium::vocabulary();
  const auto s = engine::parse_scenario_file(
      std::string(MAGSIM_SOURCE_DIR) + "/scenarios/iv_preeclampsia.yaml", v, {});
  EXPECT_TRUE(engine::check_scenario(s, v).empty());
}

}  // namespace

namespace magsim {
namespace {

// Regression: doses given at t = 0 (the Pritchard IM load, a supplement at 0 h) are already in the
// first sample of the cumulative intake; the printed intake once subtracted them (132 of 172 mmol).
TEST(RunSummary, IntakeCountsTheDosesGivenAtTimeZero) {
  const char* yaml = R"(duration: 1 d
output: {interval: 1 h}
subject: {sex: female, age: 30 y, weight: 60 kg}
diet: {magnesium: 0 mg/d}
injections:
  - {form: sulfate, route: im, amount: 40 mmol, at: [0 h]}
supplements:
  - {form: citrate, dose: 10 mmol, at: [0 h, 12 h]}
)";
  const auto loaded = app::load_scenario_text(yaml, "t0.yaml", {});
  engine::MemorySink samples;
  auto summary = app::make_run_summary(loaded);
  engine::TeeSink sinks({&samples, &summary});
  const auto stats = engine::simulate(models::magnesium::model(), loaded.problem, sinks);
  std::ostringstream printed;
  summary.print(printed, stats, "t0.h5");
  EXPECT_NE(printed.str().find("Mg intake (oral, IV, IM)                       60 mmol"), std::string::npos)
      << printed.str();
  EXPECT_NE(printed.str().find("parenteral Mg given (IV, IM)                   40 mmol"), std::string::npos)
      << printed.str();
}

}  // namespace
}  // namespace magsim
