// The validation runner's quantity vocabulary on results with known answers (a toy series that is
// a straight line, a closed-form decay), and its reports of mistakes in case files as
// file:line:col errors pointing into the case file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/errors.hpp"
#include "engine/validation.hpp"
#include "tests/toy_models.hpp"

namespace magsim {
namespace {

namespace val = engine::validation;

// A case whose runs are filled in by hand: `amount` follows `slope * t` in run "up" and is 1
// everywhere in run "flat", sampled every 0.5 h over 0-10 h.
const char* kToyCase = R"(id: T1
title: toy
source: test
expected: closed forms
runs:
  up:
    scenario:
      duration: 10 h
  flat:
    base: up
    set: ["duration=10 h"]
quantities:
  at_2_5:
    label: value at 2.5 h
    value: {series: amount, run: up, at: 2.5 h}
    unit: mmol
    expect: {min: 2.49 mmol, max: 2.51 mmol}
  mean_2_4:
    label: mean 2-4 h
    mean: {series: amount, run: up, from: 2 h, to: 4 h}
    unit: mmol
    expect: {min: 2.99 mmol, max: 3.01 mmol}
  min_2_4:
    min: {series: amount, run: up, from: 2.25 h, to: 4 h}
  max_2_4:
    max: {series: amount, run: up, from: 2 h, to: 3.75 h}
  change_1_3:
    change: {series: amount, run: up, from: 1 h, to: 3 h}
  rate:
    label: average rate
    average_rate: {series: amount, run: up, from: 1 h, to: 3 h}
    unit: mmol/d
    expect: {min: 23.9 mmol/d, max: 24.1 mmol/d}
  above_flat:
    value: {series: amount, run: up, baseline: flat, at: 6 h}
  both:
    value: {series: amount, runs: [flat, up], at: 4 h}
  diff:
    difference: [both, change_1_3]
  share:
    label: share
    ratio: [change_1_3, mean_2_4]
    unit: "%"
    expect: {min: 66, max: 67}
  rising:
    label: rising
    sequence: [min_2_4, mean_2_4, max_2_4]
    unit: mmol
    expect: {monotonic: increasing}
  falling:
    label: falling
    sequence: [min_2_4, mean_2_4, max_2_4]
    unit: mmol
    expect: {monotonic: decreasing}
  last:
    element: {of: rising, index: -1}
  halfway:
    label: time to half of the 0-8 h change
    time_to: {series: amount, run: up, from: 0 h, to: 8 h, reach: 0.5, of: eight}
    unit: min
    expect: {min: 239 min, max: 241 min}
  balance:
    label: mass balance
    mass_balance: {runs: case}
    unit: "1"
    expect: {max: 1e-6}
  suite:
    mass_balance: {runs: suite}
)";

engine::ModelInfo toy_info() { return testing::OneCompartment().info(); }

val::RunData line_run(const engine::ModelInfo& info, const std::string& name, double slope,
                      double offset, double mass_balance = 0) {
  val::RunData r;
  r.name = name;
  r.mass_balance_relative_error = mass_balance;
  r.samples.begin(info);
  for (int i = 0; i <= 20; ++i) {
    const double t = 0.5 * i;
    const double y[2] = {offset + slope * t, 0};
    const double x[3] = {0, 0, 0};
    r.samples.sample(t, y, x);
  }
  return r;
}

// The toy case with an extra quantity `eight` (change over 0-8 h) before `halfway` needs it.
std::string toy_case_text() {
  std::string text = kToyCase;
  const std::string anchor = "  halfway:";
  text.insert(text.find(anchor),
              "  eight:\n    change: {series: amount, run: up, from: 0 h, to: 8 h}\n");
  return text;
}

struct Evaluated {
  val::CaseSpec spec;
  engine::ModelInfo info;
  val::RunData up, flat;
  std::vector<val::QuantityResult> results;
  const val::QuantityResult& operator[](const std::string& name) const {
    for (const auto& r : results)
      if (r.spec->name == name) return r;
    throw std::out_of_range(name);
  }
};

Evaluated evaluate_toy(double flat_mass_balance = 0) {
  Evaluated e;
  e.spec = val::parse_case_text(toy_case_text(), "toy.yaml");
  e.info = toy_info();
  e.up = line_run(e.info, "up", 1.0, 0.0, 1e-12);
  e.flat = line_run(e.info, "flat", 0.0, 1.0, flat_mass_balance);
  val::SuiteFacts suite;
  suite.worst_mass_balance = 3e-9;
  e.results = val::evaluate_case(e.spec, e.info, {{"up", &e.up}, {"flat", &e.flat}}, suite);
  return e;
}

TEST(ValidationQuantities, WindowsOnALinearSeriesGiveTheirClosedForms) {
  const auto e = evaluate_toy();
  EXPECT_NEAR(e["at_2_5"].values.at(0), 2.5, 1e-12);
  EXPECT_NEAR(e["mean_2_4"].values.at(0), 3.0, 1e-12);
  EXPECT_NEAR(e["min_2_4"].values.at(0), 2.25, 1e-12);  // window end between samples
  EXPECT_NEAR(e["max_2_4"].values.at(0), 3.75, 1e-12);
  EXPECT_NEAR(e["change_1_3"].values.at(0), 2.0, 1e-12);
  EXPECT_TRUE(e["at_2_5"].pass);
  EXPECT_TRUE(e["mean_2_4"].pass);
}

TEST(ValidationQuantities, AverageRateConvertsToTheDisplayUnit) {
  const auto e = evaluate_toy();
  EXPECT_EQ(e["rate"].unit, "mmol/d");
  EXPECT_NEAR(e["rate"].values.at(0), 24.0, 1e-9);  // 1 mmol/h
  EXPECT_TRUE(e["rate"].pass);
}

TEST(ValidationQuantities, BaselineRunIsSubtractedSampleBySample) {
  const auto e = evaluate_toy();
  EXPECT_NEAR(e["above_flat"].values.at(0), 5.0, 1e-12);
}

TEST(ValidationQuantities, DifferencesAndRatiosBroadcastOverSequences) {
  const auto e = evaluate_toy();
  ASSERT_EQ(e["both"].values.size(), 2u);
  EXPECT_NEAR(e["both"].values[0], 1.0, 1e-12);
  EXPECT_NEAR(e["both"].values[1], 4.0, 1e-12);
  ASSERT_EQ(e["diff"].values.size(), 2u);
  EXPECT_NEAR(e["diff"].values[0], -1.0, 1e-12);
  EXPECT_NEAR(e["diff"].values[1], 2.0, 1e-12);
  EXPECT_EQ(e["share"].unit, "%");
  EXPECT_NEAR(e["share"].values.at(0), 200.0 / 3.0, 1e-9);
  EXPECT_TRUE(e["share"].pass);
}

TEST(ValidationQuantities, MonotonicIsCheckedStrictlyInSequenceOrder) {
  const auto e = evaluate_toy();
  EXPECT_TRUE(e["rising"].pass);
  EXPECT_FALSE(e["falling"].pass);
  EXPECT_NEAR(e["last"].values.at(0), 3.75, 1e-12);
}

TEST(ValidationQuantities, TimeToReachInterpolatesTheCrossing) {
  const auto e = evaluate_toy();
  EXPECT_EQ(e["halfway"].unit, "min");
  EXPECT_NEAR(e["halfway"].values.at(0), 240.0, 1e-9);
  EXPECT_TRUE(e["halfway"].pass);
}

TEST(ValidationQuantities, MassBalanceTakesTheWorstRun) {
  EXPECT_TRUE(evaluate_toy()["balance"].pass);
  const auto bad = evaluate_toy(2e-6);
  EXPECT_FALSE(bad["balance"].pass);
  EXPECT_DOUBLE_EQ(bad["balance"].values.at(0), 2e-6);
  EXPECT_DOUBLE_EQ(bad["suite"].values.at(0), 3e-9);
}

TEST(ValidationQuantities, TimesOutsideARunAndFailedRunsAreReportedNotGuessed) {
  auto spec = val::parse_case_text(toy_case_text(), "toy.yaml");
  const auto info = toy_info();
  auto up = line_run(info, "up", 1.0, 0.0);
  up.samples.time.resize(3);  // the run stops at 1 h
  val::RunData flat;
  flat.name = "flat";
  flat.error = "integration failed at t = 0.2 h";
  const auto results = val::evaluate_case(spec, info, {{"up", &up}, {"flat", &flat}}, {});
  for (const auto& r : results) {
    if (r.spec->name == "at_2_5") {
      EXPECT_FALSE(r.pass);
      EXPECT_NE(r.error.find("outside"), std::string::npos) << r.error;
    }
    if (r.spec->name == "above_flat") {
      EXPECT_FALSE(r.pass);
      EXPECT_NE(r.error.find("run 'flat' failed"), std::string::npos) << r.error;
    }
  }
}

TEST(ValidationQuantities, SimulatedDecayMatchesTheClosedForm) {
  // One-compartment decay from 1 mmol with k = 0.3/h, through the real simulator.
  const testing::OneCompartment model;
  engine::Problem p;
  p.parameters = model.info().default_parameters();
  p.duration_h = 10;
  p.output_interval_h = 0.25;
  p.initial = engine::InitialKind::Given;
  p.initial_state = {1.0, 0.0, 0.0};
  p.schedule.steady_route_rates.assign(model.info().routes.size(), 0.0);
  p.schedule.steady_signals.assign(model.info().signals.size(), 0.0);
  std::vector<val::PreparedRun> runs{{"T", "a", p}, {"T", "b", p}};
  const auto data = val::simulate_runs(model, runs, 2);
  ASSERT_EQ(data.size(), 2u);
  ASSERT_TRUE(data[0].error.empty()) << data[0].error;
  const auto spec = val::parse_case_text(R"(id: T2
title: decay
source: closed form
expected: A(t) = exp(-0.3 t)
runs:
  a:
    scenario:
      duration: 10 h
  b: {base: a}
quantities:
  at_2:
    label: amount at 2 h
    value: {series: amount, runs: [a, b], at: 2 h}
    unit: mmol
    expect: {min: 0.5488 mmol, max: 0.5489 mmol}
)",
                                         "decay.yaml");
  const auto results =
      val::evaluate_case(spec, model.info(), {{"a", &data[0]}, {"b", &data[1]}}, {});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].values.size(), 2u);
  EXPECT_NEAR(results[0].values[0], std::exp(-0.6), 1e-6);
  EXPECT_EQ(results[0].values[0], results[0].values[1]);  // threads do not change numbers
  EXPECT_TRUE(results[0].pass);
}

// --- case-file mistakes --------------------------------------------------------------------

void expect_error_at(const std::string& text, int line, int column, const std::string& words) {
  try {
    val::parse_case_text(text, "case.yaml");
    FAIL() << "no error; expected one at " << line << ":" << column << " about " << words;
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.file(), "case.yaml");
    EXPECT_EQ(e.line(), line) << e.formatted();
    EXPECT_EQ(e.column(), column) << e.formatted();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.formatted();
  }
}

const char* kHeader = "id: X\ntitle: t\nsource: s\nexpected: e\n";

TEST(ValidationCaseFile, MisspelledKeyIsReportedWithASuggestion) {
  expect_error_at(std::string(kHeader) +
                      "runs:\n  a:\n    scenario:\n      duration: 1 d\nquantities:\n  q:\n"
                      "    label: l\n    mean: {series: s, run: a, from: 0 h, too: 1 h}\n",
                  12, 42, "did you mean 'to'");
}

TEST(ValidationCaseFile, UnknownRunIsReportedWhereItIsNamed) {
  expect_error_at(std::string(kHeader) +
                      "runs:\n  base:\n    scenario:\n      duration: 1 d\nquantities:\n  q:\n"
                      "    label: l\n    value: {series: s, run: bsae, at: 1 h}\n",
                  12, 29, "did you mean 'base'");
}

TEST(ValidationCaseFile, ExpectationNeedsAUnitAndUnitsOnItsBounds) {
  expect_error_at(std::string(kHeader) +
                      "runs:\n  a:\n    scenario:\n      duration: 1 d\nquantities:\n  q:\n"
                      "    label: l\n    value: {series: s, run: a, at: 1 h}\n"
                      "    expect: {min: 0.7}\n",
                  13, 13, "needs 'unit'");
  expect_error_at(std::string(kHeader) +
                      "runs:\n  a:\n    scenario:\n      duration: 1 d\nquantities:\n  q:\n"
                      "    label: l\n    value: {series: s, run: a, at: 1 h}\n"
                      "    unit: mmol/L\n    expect: {min: 0.7}\n",
                  14, 19, "'min'");
}

TEST(ValidationCaseFile, QuantityMayOnlyUseQuantitiesAboveIt) {
  expect_error_at(std::string(kHeader) +
                      "runs:\n  a:\n    scenario:\n      duration: 1 d\nquantities:\n  q:\n"
                      "    label: l\n    ratio: [later, later]\n    unit: '1'\n"
                      "    expect: {min: 1}\n",
                  12, 13, "no quantity named 'later'");
}

TEST(ValidationCaseFile, TwoOperationsInOneQuantityAreRejected) {
  expect_error_at(std::string(kHeader) +
                      "runs:\n  a:\n    scenario:\n      duration: 1 d\nquantities:\n  q:\n"
                      "    value: {series: s, run: a, at: 1 h}\n"
                      "    mean: {series: s, run: a, from: 0 h, to: 1 h}\n",
                  12, 11, "two operations");
}

TEST(ValidationCaseFile, ScenarioErrorsPointIntoTheCaseFile) {
  const std::string text = std::string(kHeader) +
                           "runs:\n  a:\n    scenario:\n      duration: 1 d\n"
                           "      subject: {weight: 70 kilo}\n"
                           "  b:\n    base: a\n    set: [\"duration=3 x\"]\n"
                           "quantities:\n  q:\n    label: l\n"
                           "    value: {series: amount, run: a, at: 1 h}\n"
                           "    unit: mmol\n    expect: {min: 0 mmol}\n";
  const auto spec = val::parse_case_text(text, "case.yaml");
  const testing::OneCompartment model;
  const engine::Vocabulary vocab;
  val::ModelBinding binding{&model, &vocab, [](const engine::Scenario&) { return engine::Problem{}; }};
  try {
    val::prepare_runs(spec, binding);
    FAIL() << "no error for 'weight: 70 kilo'";
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.file(), "case.yaml");
    EXPECT_EQ(e.line(), 9) << e.formatted();
    EXPECT_EQ(e.column(), 28) << e.formatted();  // at 'kilo'
  }
  // The same case without the bad weight: now the --set edit of run b fails, reported on its line.
  std::string fixed = text;
  fixed.replace(fixed.find("      subject: {weight: 70 kilo}\n"),
                std::string("      subject: {weight: 70 kilo}\n").size(), "");
  const auto spec2 = val::parse_case_text(fixed, "case.yaml");
  try {
    val::prepare_runs(spec2, binding);
    FAIL() << "no error for 'duration=3 x'";
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.file(), "case.yaml");
    EXPECT_EQ(e.line(), 11) << e.formatted();
    EXPECT_EQ(e.column(), 23) << e.formatted();  // at 'x' inside the quoted "duration=3 x"
    EXPECT_NE(std::string(e.what()).find("run 'b'"), std::string::npos) << e.formatted();
  }
}

TEST(ValidationCaseFile, ShippedCasesAllParse) {
  const std::string dir = std::string(MAGSIM_SOURCE_DIR) + "/tests/validation";
  const auto files = val::list_case_files(dir);
  ASSERT_GE(files.size(), 13u);
  EXPECT_EQ(std::filesystem::path(files[1]).filename(), "V2.yaml");  // natural order
  for (const auto& f : files) EXPECT_NO_THROW(val::parse_case_file(f)) << f;
}

}  // namespace
}  // namespace magsim
