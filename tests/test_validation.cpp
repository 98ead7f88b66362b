// The validation runner's quantity vocabulary on results with known answers (a toy series that is
// a straight line, a closed-form decay), and its reports of mistakes in case files as
// file:line:col errors pointing into the case file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/model/errors.hpp"
#include "engine/validation/cases.hpp"
#include "engine/validation/report.hpp"
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

// --- explanation and published points (the report's schema) -------------------------------

// The toy case with an explanation and two plot panels, one with every form of published point.
std::string toy_case_with_plots(const std::string& published) {
  std::string text = toy_case_text();
  text.insert(text.find("runs:\n"),
              "explanation: >\n  What the *toy* study did,\n  and why it matters.\n");
  text.insert(text.find("quantities:\n"),
              "plot:\n"
              "  - series: amount\n"
              "    runs: [up, flat]\n"
              "    unit: mmol\n"
              "    title: amount in the toy\n"
              "    published:\n" +
                  published +
                  "  - {series: elimination_rate, run: up, from: 0 h, to: 8 h}\n");
  return text;
}

const char* kAllPublishedForms =
    "      - {at: 0.5 h, value: 0.5 mmol, error: 100 umol, label: \"Toy 2001 mean +- SD\"}\n"
    "      - {at: 4 h, min: 3.5 mmol, max: 4.5 mmol}\n"
    "      - {from: 2 h, to: 6 h, min: 1 mmol}\n"
    "      - {from: 6 h, to: 8 h, value: 7000 umol}\n";

TEST(ValidationCaseFile, ExplanationAndPublishedPointsAreRead) {
  const auto spec = val::parse_case_text(toy_case_with_plots(kAllPublishedForms), "toy.yaml");
  EXPECT_EQ(spec.explanation, "What the *toy* study did, and why it matters.\n");
  ASSERT_EQ(spec.plots.size(), 2u);
  const auto& p = spec.plots[0];
  EXPECT_EQ(p.title, "amount in the toy");
  EXPECT_EQ(p.unit, "mmol");
  ASSERT_EQ(p.published.size(), 4u);
  EXPECT_DOUBLE_EQ(p.published[0].at_h, 0.5);
  EXPECT_FALSE(p.published[0].window());
  EXPECT_EQ(p.published[0].label, "Toy 2001 mean +- SD");
  EXPECT_DOUBLE_EQ(val::published_in(p.published[0].value, "mmol", "toy.yaml"), 0.5);
  EXPECT_DOUBLE_EQ(val::published_in(p.published[0].error, "mmol", "toy.yaml"), 0.1);
  EXPECT_DOUBLE_EQ(val::published_in(p.published[1].max, "mmol", "toy.yaml"), 4.5);
  EXPECT_TRUE(p.published[2].window());
  EXPECT_DOUBLE_EQ(p.published[2].from_h, 2);
  EXPECT_DOUBLE_EQ(p.published[2].to_h, 6);
  EXPECT_FALSE(p.published[2].max.given());
  EXPECT_DOUBLE_EQ(val::published_in(p.published[3].value, "mmol", "toy.yaml"), 7);
  EXPECT_EQ(spec.plots[1].series, "elimination_rate");
  EXPECT_EQ(spec.plots[1].runs, std::vector<std::string>{"up"});
  EXPECT_NO_THROW(val::check_plots(spec, toy_info()));
  // A single panel may still be written as a map.
  const auto single = val::parse_case_text(
      std::string(kHeader) +
          "runs:\n  a:\n    scenario:\n      duration: 1 d\n"
          "plot: {series: amount, published: [{at: 1 h, value: 2 mmol}]}\n"
          "quantities:\n  q:\n    label: l\n    value: {series: amount, run: a, at: 1 h}\n"
          "    unit: mmol\n    expect: {min: 0 mmol}\n",
      "case.yaml");
  ASSERT_EQ(single.plots.size(), 1u);
  EXPECT_EQ(single.plots[0].runs, std::vector<std::string>{"a"});  // default: every run
  EXPECT_NO_THROW(val::check_plots(single, toy_info()));
}

// Line and column of `needle` (1-based) in `text`, for errors expected at a published point.
std::pair<int, int> position_of(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  const size_t line_start = text.rfind('\n', at) + 1;
  return {static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) + 1,
          static_cast<int>(at - line_start) + 1};
}

void expect_published_error(const std::string& point, const std::string& needle,
                            const std::string& words) {
  const std::string text = toy_case_with_plots(point);
  const auto [line, column] = position_of(text, needle);
  expect_error_at(text, line, column, words);
}

TEST(ValidationCaseFile, PublishedValueInAnotherKindOfUnitIsReportedAtTheValue) {
  expect_published_error("      - {at: 1 h, value: 1.8 mmol/L}\n", "1.8 mmol/L", "'value'");
  expect_published_error("      - {at: 1 h, min: 1 mmol, max: 2 h}\n", "2 h}", "'max'");
  expect_published_error("      - {at: 1 h, value: 1 mmol, error: 0.1}\n", "0.1}", "'error'");
}

TEST(ValidationCaseFile, PublishedPointWithoutAValueOrATimeIsReported) {
  expect_published_error("      - {at: 1 h, label: no value}\n", "{at: 1 h, label",
                         "needs 'value'");
  expect_published_error("      - {value: 1 mmol}\n", "{value: 1 mmol}", "needs 'at'");
  expect_published_error("      - {from: 1 h, value: 1 mmol}\n", "{from: 1 h", "needs 'at'");
  expect_published_error("      - {at: 1 h, from: 0 h, to: 2 h, value: 1 mmol}\n", "0 h, to",
                         "not both");
  expect_published_error("      - {at: 1 h, value: 1 mmol, min: 0 mmol}\n", "0 mmol}",
                         "not both");
  expect_published_error("      - {at: 1 h, min: 0 mmol, error: 1 mmol}\n", "1 mmol}",
                         "'error' goes with 'value'");
  expect_published_error("      - {at: 1 h, min: 3 mmol, max: 2 mmol}\n", "3 mmol,",
                         "'min' is above 'max'");
}

TEST(ValidationCaseFile, UnknownKeyInAPublishedPointOrAPlotIsReported) {
  expect_published_error("      - {at: 1 h, vaule: 1 mmol}\n", "vaule", "did you mean 'value'");
  const std::string text = toy_case_with_plots("      - {at: 1 h, value: 1 mmol}\n");
  std::string bad = text;
  bad.replace(bad.find("    title:"), 10, "    titel:");
  const auto [line, column] = position_of(bad, "titel");
  expect_error_at(bad, line, column, "did you mean 'title'");
}

TEST(ValidationCaseFile, PlotsAreCheckedAgainstTheModelsSeriesAndUnits) {
  // Without a panel unit the series' unit (mmol for `amount`) is the one published values must
  // convert to; that is known only with the model, and reported at the value all the same.
  std::string text = toy_case_with_plots("      - {at: 1 h, value: 0.9 mmol/L}\n");
  text.replace(text.find("    unit: mmol\n    title"), 15, "");
  const auto spec = val::parse_case_text(text, "toy.yaml");
  const auto [line, column] = position_of(text, "0.9 mmol/L");
  try {
    val::check_plots(spec, toy_info());
    FAIL() << "no error for a mmol/L point on a mmol series";
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.file(), "toy.yaml");
    EXPECT_EQ(e.line(), line) << e.formatted();
    EXPECT_EQ(e.column(), column) << e.formatted();
    EXPECT_NE(std::string(e.what()).find("mmol"), std::string::npos) << e.formatted();
  }
  // A panel unit that does not convert from the series' unit, and a series the model lacks.
  std::string wrong_unit = toy_case_with_plots("      - {at: 1 h, value: 1 mmol/L}\n");
  wrong_unit.replace(wrong_unit.find("    unit: mmol\n    title"), 14, "    unit: mmol/L");
  const auto spec2 = val::parse_case_text(wrong_unit, "toy.yaml");
  EXPECT_THROW(val::check_plots(spec2, toy_info()), engine::ScenarioError);
  std::string unknown = toy_case_with_plots("      - {at: 1 h, value: 1 mmol}\n");
  unknown.replace(unknown.find("series: elimination_rate"), 24, "series: elimination_rat");
  const auto spec3 = val::parse_case_text(unknown, "toy.yaml");
  try {
    val::check_plots(spec3, toy_info());
    FAIL() << "no error for an unknown series";
  } catch (const engine::ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'elimination_rate'"), std::string::npos)
        << e.formatted();
    EXPECT_EQ(e.line(), position_of(unknown, "elimination_rat,").first);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ValidationCaseFile, EveryShippedCaseHasAnExplanation) {
  const std::string dir = std::string(MAGSIM_SOURCE_DIR) + "/tests/validation";
  for (const auto& f : val::list_case_files(dir)) {
    const auto spec = val::parse_case_file(f);
    EXPECT_GE(spec.explanation.size(), 200u)
        << f << ": every shipped case needs an 'explanation:' paragraph for the report";
  }
}

TEST(ValidationReport, JsonCarriesPublishedPointsInThePanelsUnit) {
  auto e = evaluate_toy();
  e.spec = val::parse_case_text(toy_case_with_plots(kAllPublishedForms), "toy.yaml");
  e.results = val::evaluate_case(e.spec, e.info, {{"up", &e.up}, {"flat", &e.flat}}, {});
  val::CaseResult result;
  result.spec = &e.spec;
  result.quantities = e.results;
  result.runs = {{"up", &e.up}, {"flat", &e.flat}};
  const std::string json = val::case_json(result, e.info);
  EXPECT_NE(json.find("\"title\": \"amount in the toy\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"value\": 0.5, \"error\": 0.1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"value\": 7, \"error\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"label\": \"Toy 2001 mean +- SD\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"series\": \"elimination_rate\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"explanation\": \"What the *toy* study did"), std::string::npos);
}

TEST(ValidationReport, MarkdownHasEveryShippedCaseItsFigureAndTheKnownLimits) {
  const std::string dir = std::string(MAGSIM_SOURCE_DIR) + "/tests/validation";
  std::vector<val::CaseSpec> specs;
  for (const auto& f : val::list_case_files(dir)) specs.push_back(val::parse_case_file(f));
  // Nothing simulated: every quantity reports that its run was not run, which the report lists.
  std::vector<val::CaseResult> results;
  for (const auto& s : specs) {
    val::CaseResult r;
    r.spec = &s;
    r.quantities = val::evaluate_case(s, toy_info(), {}, {});
    results.push_back(std::move(r));
  }
  val::ReportContext ctx;
  ctx.magsim_version = "9.9.9";
  ctx.git_revision = "abcdef123456";
  ctx.model_name = "magnesium";
  ctx.model_version = "1";
  ctx.date = "2000-01-01 00:00 UTC";
  ctx.known_limits = read_text(dir + "/known_limits.md");
  ctx.has_known_limits = true;
  ASSERT_FALSE(ctx.known_limits.empty()) << "tests/validation/known_limits.md";
  const std::string md = val::markdown_report(results, {}, ctx);
  EXPECT_NE(md.find("magsim 9.9.9 (git abcdef123456)"), std::string::npos);
  EXPECT_NE(md.find("2000-01-01 00:00 UTC"), std::string::npos);
  EXPECT_NE(md.find("0 of " + std::to_string(specs.size()) + " cases pass"), std::string::npos);
  size_t last = 0;
  for (const auto& s : specs) {
    const size_t section = md.find("\n## " + s.id + ": " + s.title);
    ASSERT_NE(section, std::string::npos) << s.id;
    EXPECT_GT(section, last) << s.id << " out of order";
    last = section;
    const size_t next = md.find("\n## ", section + 1);
    const std::string body = md.substr(section, next - section);
    EXPECT_NE(body.find("](" + s.id + ".png)"), std::string::npos) << s.id;
    EXPECT_NE(body.find("**Source:** " + s.source), std::string::npos) << s.id;
    EXPECT_NE(body.find("| quantity | simulated | expected |"), std::string::npos) << s.id;
    EXPECT_NE(body.find(s.explanation.substr(0, 60)), std::string::npos) << s.id;
    EXPECT_NE(body.find("`tests/validation/" + s.id + ".yaml`"), std::string::npos) << s.id;
    EXPECT_NE(md.find("(#case-" + s.id + ")"), std::string::npos) << s.id;
  }
  const size_t limits = md.find("\n## Known limits\n\n" + ctx.known_limits);
  EXPECT_NE(limits, std::string::npos) << "Known limits section, verbatim";
  EXPECT_GT(limits, last);
  // Nothing outside the repository: no web links, no absolute paths, no other documents.
  EXPECT_EQ(md.find("http"), std::string::npos);
  EXPECT_EQ(md.find(MAGSIM_SOURCE_DIR), std::string::npos);
  EXPECT_EQ(md.find(std::string("VALIDATION") + ".md"), std::string::npos);  // split: tests/test_docs.cpp greps the tree
}

TEST(ValidationReport, MissingKnownLimitsFileIsSaidNotHidden) {
  const auto e = evaluate_toy();
  val::CaseResult r;
  r.spec = &e.spec;
  r.quantities = e.results;
  val::ReportContext ctx;
  ctx.cases_dir = "cases";
  const std::string md = val::markdown_report({r}, {}, ctx);
  EXPECT_NE(md.find("## Known limits\n\n*No known_limits.md was found"), std::string::npos) << md;
  EXPECT_NE(md.find("0 of 1 cases pass"), std::string::npos) << md;  // `falling` fails
}

}  // namespace
}  // namespace magsim
