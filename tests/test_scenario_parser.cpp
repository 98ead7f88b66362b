// Scenario files to Scenario values: units, defaults, --set overrides, the resolved form, and a
// position-exact error for every realistic mistake (tests/bad_scenarios/*.yaml).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "engine/model/errors.hpp"
#include "engine/scenario/parser.hpp"
#include "tests/expected_errors.hpp"
#include "engine/scenario/writer.hpp"
#include "models/magnesium/magnesium.hpp"

namespace {

using magsim::engine::parse_scenario_file;
using magsim::engine::parse_scenario_text;
using magsim::engine::Scenario;
using magsim::engine::ScenarioError;
namespace fs = std::filesystem;

const magsim::engine::Vocabulary& vocab() { return magsim::models::magnesium::vocabulary(); }

const char* const kSpecExample = R"(name: citrate-300-daily
description: 300 mg/d elemental Mg as citrate, two doses, in a PPI user with stage 3a CKD
duration: 12 w
output: {interval: 30 min}            # optional: variables: [...] to keep a subset
subject:
  sex: female
  age: 67 y
  weight: 70 kg
  height: 165 cm                      # optional
  egfr: 52 mL/min/1.73m2
  conditions: []                      # e.g. [pregnancy, crohns, chronic_diarrhea, alcohol_use_disorder, ileal_resection]
diet:
  magnesium: 250 mg/d                 # or a schedule: [{from: 0 d, rate: 350 mg/d}, {from: 14 d, rate: 150 mg/d}]
  meals: ["07:30", "12:30", "19:00"]
supplements:
  - form: citrate                     # oxide, citrate, chloride, glycinate, l_threonate, sulfate, lactate, aspartate, hydroxide
    dose: 150 mg
    times: ["08:00", "20:00"]
    start: 0 d                        # optional; default 0
    stop: 12 w                        # optional; default end of run
    with_meal: true
  - {form: oxide, salt_dose: 500 mg, at: 3 d}
infusions:
  - form: sulfate
    loading: {salt_amount: 4 g, over: 20 min}
    salt_rate: 1 g/h                  # or rate: 4 mmol/h (elemental)
    start: 2 d
    duration: 24 h
medications:
  - {drug: omeprazole, dose: 20 mg, times: ["07:00"], start: -2 y}   # negative start: already on it
  - {drug: furosemide, route: iv, dose: 40 mg, at: 3 d}
  - {drug: hydrochlorothiazide, dose: 25 mg, times: ["08:00"]}
parameters:                            # optional overrides, by the names `magsim params` prints
  renal.gfr_scale: 1.0
initial: steady_state                  # default: steady state of diet, drugs and conditions in force at t=0
solver: {rtol: 1e-6, atol: 1e-9}       # optional
)";

double fraction(const std::string& salt) { return vocab().find_salt(salt)->mg_mass_fraction; }

Scenario parse(const std::string& text, const std::vector<std::string>& sets = {}) {
  return parse_scenario_text(text, "test.yaml", vocab(), sets);
}

// The ScenarioError `f` throws (or a failed test).
template <class F>
ScenarioError error_of(F f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no ScenarioError";
  return ScenarioError("", 0, 0, "");
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void expect_same_timing(const magsim::engine::DoseTiming& a, const magsim::engine::DoseTiming& b) {
  EXPECT_EQ(a.times_of_day_h, b.times_of_day_h);
  EXPECT_EQ(a.start_h, b.start_h);
  EXPECT_EQ(a.stop_h, b.stop_h);
  EXPECT_EQ(a.at_h, b.at_h);
}

// Every simulated field equal (file, source text and marks aside).
void expect_same_scenario(const Scenario& a, const Scenario& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.duration_h, b.duration_h);
  EXPECT_EQ(a.output.interval_h, b.output.interval_h);
  EXPECT_EQ(a.output.times_h, b.output.times_h);
  EXPECT_EQ(a.output.variables, b.output.variables);
  EXPECT_EQ(a.subject.sex, b.subject.sex);
  EXPECT_EQ(a.subject.age_y, b.subject.age_y);
  EXPECT_EQ(a.subject.weight_kg, b.subject.weight_kg);
  EXPECT_TRUE(same(a.subject.height_cm, b.subject.height_cm));
  EXPECT_TRUE(same(a.subject.egfr_ml_min_173, b.subject.egfr_ml_min_173));
  EXPECT_TRUE(same(a.subject.albumin_g_per_L, b.subject.albumin_g_per_L));
  EXPECT_EQ(a.subject.conditions, b.subject.conditions);
  ASSERT_EQ(a.diet.schedule.size(), b.diet.schedule.size());
  for (std::size_t i = 0; i < a.diet.schedule.size(); ++i) {
    EXPECT_EQ(a.diet.schedule[i].from_h, b.diet.schedule[i].from_h);
    EXPECT_EQ(a.diet.schedule[i].rate_mmol_per_h, b.diet.schedule[i].rate_mmol_per_h);
  }
  EXPECT_EQ(a.diet.meals_h, b.diet.meals_h);
  ASSERT_EQ(a.supplements.size(), b.supplements.size());
  for (std::size_t i = 0; i < a.supplements.size(); ++i) {
    EXPECT_EQ(a.supplements[i].form, b.supplements[i].form);
    EXPECT_EQ(a.supplements[i].dose_mmol, b.supplements[i].dose_mmol);
    EXPECT_EQ(a.supplements[i].salt_dose_mg, b.supplements[i].salt_dose_mg);
    EXPECT_EQ(a.supplements[i].with_meal, b.supplements[i].with_meal);
    expect_same_timing(a.supplements[i].timing, b.supplements[i].timing);
  }
  ASSERT_EQ(a.infusions.size(), b.infusions.size());
  for (std::size_t i = 0; i < a.infusions.size(); ++i) {
    EXPECT_EQ(a.infusions[i].form, b.infusions[i].form);
    EXPECT_EQ(a.infusions[i].loading_mmol, b.infusions[i].loading_mmol);
    EXPECT_EQ(a.infusions[i].loading_over_h, b.infusions[i].loading_over_h);
    EXPECT_EQ(a.infusions[i].rate_mmol_per_h, b.infusions[i].rate_mmol_per_h);
    EXPECT_EQ(a.infusions[i].start_h, b.infusions[i].start_h);
    EXPECT_EQ(a.infusions[i].duration_h, b.infusions[i].duration_h);
    EXPECT_TRUE(same(a.infusions[i].stop_h, b.infusions[i].stop_h));
    ASSERT_EQ(a.infusions[i].pauses.size(), b.infusions[i].pauses.size());
    for (std::size_t k = 0; k < a.infusions[i].pauses.size(); ++k) {
      EXPECT_EQ(a.infusions[i].pauses[k].from_h, b.infusions[i].pauses[k].from_h);
      EXPECT_EQ(a.infusions[i].pauses[k].to_h, b.infusions[i].pauses[k].to_h);
    }
  }
  ASSERT_EQ(a.injections.size(), b.injections.size());
  for (std::size_t i = 0; i < a.injections.size(); ++i) {
    EXPECT_EQ(a.injections[i].form, b.injections[i].form);
    EXPECT_EQ(a.injections[i].route, b.injections[i].route);
    EXPECT_EQ(a.injections[i].dose_mmol, b.injections[i].dose_mmol);
    EXPECT_EQ(a.injections[i].salt_dose_mg, b.injections[i].salt_dose_mg);
    EXPECT_EQ(a.injections[i].at_h, b.injections[i].at_h);
    EXPECT_EQ(a.injections[i].every_h, b.injections[i].every_h);
    EXPECT_EQ(a.injections[i].start_h, b.injections[i].start_h);
    EXPECT_EQ(a.injections[i].stop_h, b.injections[i].stop_h);
  }
  ASSERT_EQ(a.medications.size(), b.medications.size());
  for (std::size_t i = 0; i < a.medications.size(); ++i) {
    EXPECT_EQ(a.medications[i].drug, b.medications[i].drug);
    EXPECT_EQ(a.medications[i].route, b.medications[i].route);
    EXPECT_EQ(a.medications[i].dose_mg, b.medications[i].dose_mg);
    expect_same_timing(a.medications[i].timing, b.medications[i].timing);
  }
  ASSERT_EQ(a.parameters.size(), b.parameters.size());
  for (std::size_t i = 0; i < a.parameters.size(); ++i) {
    EXPECT_EQ(a.parameters[i].name, b.parameters[i].name);
    EXPECT_EQ(a.parameters[i].value, b.parameters[i].value);
  }
  EXPECT_EQ(a.initial, b.initial);
  EXPECT_EQ(a.solver.method, b.solver.method);
  EXPECT_EQ(a.solver.rtol, b.solver.rtol);
  EXPECT_EQ(a.solver.atol, b.solver.atol);
  EXPECT_EQ(a.solver.max_step_h, b.solver.max_step_h);
}

TEST(ScenarioParser, SpecExampleParsesToCanonicalUnits) {
  const Scenario s = parse(kSpecExample);
  EXPECT_EQ(s.name, "citrate-300-daily");
  EXPECT_EQ(s.duration_h, 12 * 7 * 24.0);
  EXPECT_EQ(s.output.interval_h, 0.5);
  EXPECT_EQ(s.subject.sex, "female");
  EXPECT_EQ(s.subject.age_y, 67.0);
  EXPECT_EQ(s.subject.weight_kg, 70.0);
  EXPECT_EQ(s.subject.height_cm, 165.0);
  EXPECT_EQ(s.subject.egfr_ml_min_173, 52.0);
  EXPECT_TRUE(std::isnan(s.subject.albumin_g_per_L));
  ASSERT_EQ(s.diet.schedule.size(), 1u);
  EXPECT_DOUBLE_EQ(s.diet.schedule[0].rate_mmol_per_h, 250.0 / 24.305 / 24);
  EXPECT_EQ(s.diet.meals_h, (std::vector<double>{7.5, 12.5, 19.0}));

  ASSERT_EQ(s.supplements.size(), 2u);
  EXPECT_EQ(s.supplements[0].form, "citrate");
  EXPECT_EQ(s.supplements[0].dose_mmol, 150 / 24.305);
  EXPECT_EQ(s.supplements[0].salt_dose_mg, 0.0);
  EXPECT_EQ(s.supplements[0].timing.times_of_day_h, (std::vector<double>{8, 20}));
  EXPECT_EQ(s.supplements[0].timing.stop_h, 2016.0);
  EXPECT_TRUE(s.supplements[0].with_meal);
  EXPECT_EQ(s.supplements[0].mark.line, 16);
  EXPECT_EQ(s.supplements[0].mark.column, 5);
  EXPECT_EQ(s.supplements[1].salt_dose_mg, 500.0);
  EXPECT_EQ(s.supplements[1].dose_mmol, 500 * fraction("oxide") / 24.305);
  EXPECT_EQ(s.supplements[1].timing.at_h, std::vector<double>{72});
  EXPECT_FALSE(s.supplements[1].with_meal);

  ASSERT_EQ(s.infusions.size(), 1u);
  EXPECT_EQ(s.infusions[0].form, "sulfate");
  EXPECT_EQ(s.infusions[0].loading_over_h, 1.0 / 3);
  EXPECT_EQ(s.infusions[0].start_h, 48.0);
  EXPECT_EQ(s.infusions[0].duration_h, 24.0);

  ASSERT_EQ(s.medications.size(), 3u);
  EXPECT_EQ(s.medications[0].drug, "omeprazole");
  EXPECT_EQ(s.medications[0].route, "oral");
  EXPECT_EQ(s.medications[0].dose_mg, 20.0);
  EXPECT_EQ(s.medications[0].timing.start_h, -2 * 8766.0);
  EXPECT_EQ(s.medications[1].route, "iv");
  EXPECT_EQ(s.medications[1].timing.at_h, std::vector<double>{72});

  ASSERT_EQ(s.parameters.size(), 1u);
  EXPECT_EQ(s.parameters[0].name, "renal.gfr_scale");
  EXPECT_EQ(s.parameters[0].value, 1.0);
  EXPECT_EQ(s.initial, "steady_state");
  EXPECT_EQ(s.solver.method, magsim::engine::SolverSpec{}.method);  // the default
  EXPECT_EQ(s.solver.rtol, 1e-6);
  EXPECT_EQ(s.solver.atol, 1e-9);
  EXPECT_EQ(s.source_text, kSpecExample);
  EXPECT_EQ(s.file, "test.yaml");
}

TEST(ScenarioParser, FourGramsMagnesiumSulfateIsSaltMassTimesMgFraction) {
  const Scenario s = parse(kSpecExample);
  // MgSO4.7H2O: 4 g salt = 4000 mg * 24.305/246.47 Mg mass fraction = 16.2 mmol elemental.
  EXPECT_EQ(s.infusions[0].loading_mmol, 4000 * fraction("sulfate") / 24.305);
  EXPECT_NEAR(s.infusions[0].loading_mmol, 16.23, 0.01);
  EXPECT_EQ(s.infusions[0].rate_mmol_per_h, 1000 * fraction("sulfate") / 24.305);
}

TEST(ScenarioParser, ElementalDoseInMillimoleOrMilliequivalent) {
  const Scenario s = parse(R"(duration: 1 d
supplements:
  - {form: chloride, dose: 5 mmol, at: 0 h}
  - {form: chloride, dose: 10 mEq, at: 1 h}
infusions:
  - {form: chloride, rate: 4 mmol/h, start: 1 h}
)");
  EXPECT_EQ(s.supplements[0].dose_mmol, 5.0);
  EXPECT_EQ(s.supplements[1].dose_mmol, 5.0);
  EXPECT_EQ(s.infusions[0].rate_mmol_per_h, 4.0);
  EXPECT_EQ(s.infusions[0].duration_h, 23.0);  // no duration: runs to the end
}

TEST(ScenarioParser, OnlyDurationIsRequiredAndDefaultsFillTheRest) {
  const Scenario s = parse("duration: 3 d\n");
  EXPECT_EQ(s.duration_h, 72.0);
  EXPECT_EQ(s.name, "test");  // file stem
  EXPECT_EQ(s.subject.sex, "female");
  EXPECT_TRUE(std::isnan(s.subject.egfr_ml_min_173)) << "absent: the model decides";
  const auto diet = magsim::engine::default_diet();
  ASSERT_EQ(s.diet.schedule.size(), 1u);
  EXPECT_EQ(s.diet.schedule[0].from_h, 0.0);
  EXPECT_EQ(s.diet.schedule[0].rate_mmol_per_h, 300.0 / 24 / 24.305);  // 300 mg/d
  EXPECT_EQ(s.diet.meals_h, (std::vector<double>{7.5, 12.5, 19.0}));
  EXPECT_EQ(s.output.interval_h, 1.0);
  EXPECT_EQ(s.initial, "steady_state");
  EXPECT_EQ(s.solver.method, magsim::engine::SolverSpec{}.method);  // the default
}

TEST(ScenarioParser, ShortRunGetsOutputIntervalNoLongerThanItself) {
  EXPECT_EQ(parse("duration: 20 min\n").output.interval_h, 20.0 / 60);
}

TEST(ScenarioParser, OutputTimesAreSortedHoursNextToTheInterval) {
  const Scenario s = parse("duration: 1 d\noutput: {interval: 1 h, times: [6 h, 30 min, 2 h]}\n");
  EXPECT_EQ(s.output.interval_h, 1.0);
  EXPECT_EQ(s.output.times_h, (std::vector<double>{0.5, 2.0, 6.0}));
}

TEST(ScenarioParser, OutputTimesAloneLeaveOnlyTheStartAndTheEndOnTheGrid) {
  const Scenario s = parse("duration: 12 h\noutput: {times: [0.5 h, 2 h]}\n");
  EXPECT_EQ(s.output.interval_h, 12.0);
  EXPECT_EQ(s.output.times_h, (std::vector<double>{0.5, 2.0}));
}

TEST(ScenarioParser, EmptyMealListMeansGrazing) {
  const Scenario s = parse("duration: 1 d\ndiet: {magnesium: 400 mg/d, meals: []}\n");
  EXPECT_TRUE(s.diet.meals_h.empty());
}

TEST(ScenarioParser, DietScheduleStepsInOrder) {
  const Scenario s = parse(
      "duration: 4 w\ndiet:\n  magnesium: [{from: 0 d, rate: 350 mg/d}, {from: 14 d, rate: 150 "
      "mg/d}]\n");
  ASSERT_EQ(s.diet.schedule.size(), 2u);
  EXPECT_EQ(s.diet.schedule[1].from_h, 336.0);
  EXPECT_EQ(s.diet.schedule[1].rate_mmol_per_h, 150.0 / 24 / 24.305);
}

TEST(ScenarioParser, AtTakesOneSpanOrAList) {
  const Scenario s = parse(R"(duration: 1 d
supplements:
  - {form: glycinate, dose: 100 mg, at: ["0 h", "1 h", "90 min"]}
)");
  EXPECT_EQ(s.supplements[0].timing.at_h, (std::vector<double>{0, 1, 1.5}));
}

TEST(ScenarioParser, MedicationRouteDefaultsToOralOrTheOnlyRoute) {
  const Scenario s = parse(R"(duration: 1 d
medications:
  - {drug: cisplatin, dose: 100 mg, at: 0 h}
  - {drug: furosemide, dose: 40 mg, times: ["08:00"]}
)");
  EXPECT_EQ(s.medications[0].route, "iv");
  EXPECT_EQ(s.medications[1].route, "oral");
}

TEST(ScenarioParser, ParameterOverrideConvertsToDeclaredUnit) {
  const Scenario s = parse(R"(duration: 1 d
parameters:
  gut.intestinal_dissolution_rate: 12 1/d
  renal.gfr_scale: 0.8
  body.ecf_volume_per_kg: 200 mL/kg
)");
  ASSERT_EQ(s.parameters.size(), 3u);
  EXPECT_EQ(s.parameters[0].value, 0.5);
  EXPECT_EQ(s.parameters[1].value, 0.8);
  EXPECT_EQ(s.parameters[2].value, 0.2);
}

TEST(ScenarioParser, SetOverridesApplyBeforeConversion) {
  const Scenario s = parse(
      kSpecExample, {"subject.egfr=30 mL/min/1.73m2", "supplements[0].dose=200 mg", "duration=2 w",
                     "parameters.renal.gfr_scale=0.5", "subject.albumin=38 g/L"});
  EXPECT_EQ(s.subject.egfr_ml_min_173, 30.0);
  EXPECT_EQ(s.supplements[0].dose_mmol, 200 / 24.305);
  EXPECT_EQ(s.duration_h, 336.0);
  EXPECT_EQ(s.parameters[0].value, 0.5);
  EXPECT_EQ(s.subject.albumin_g_per_L, 38.0);
  // The text is re-emitted with the edits, and parses to the same scenario.
  EXPECT_NE(s.source_text.find("200 mg"), std::string::npos);
  expect_same_scenario(parse(s.source_text), s);
}

TEST(ScenarioParser, SetCreatesMissingSections) {
  const Scenario s = parse("duration: 1 d\n", {"subject.egfr=45 mL/min/1.73m2", "diet.meals=[]",
                                               "parameters.renal.gfr_scale=2"});
  EXPECT_EQ(s.subject.egfr_ml_min_173, 45.0);
  EXPECT_TRUE(s.diet.meals_h.empty());
  EXPECT_EQ(s.parameters.at(0).value, 2.0);
}

TEST(ScenarioParser, BadSetIsReportedInsideTheArgument) {
  {
    const ScenarioError e = error_of([] { parse(kSpecExample, {"supplements[5].dose=200 mg"}); });
    EXPECT_EQ(e.file(), "--set");
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.column(), 12);
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos);
  }
  {
    const ScenarioError e =
        error_of([] { parse(kSpecExample, {"subject.egfr=500 mL/min/1.73m2"}); });
    EXPECT_EQ(e.file(), "--set");
    EXPECT_EQ(e.column(), 14);
    EXPECT_NE(std::string(e.what()).find("impossible"), std::string::npos);
  }
  {
    const ScenarioError e = error_of([] { parse(kSpecExample, {"subject.egfr=45 mL/min"}); });
    EXPECT_EQ(e.column(), 17);  // at the unit
  }
  {
    const ScenarioError e = error_of([] { parse(kSpecExample, {"subjct.egfr=45 mL/min/1.73m2"}); });
    EXPECT_EQ(e.file(), "--set");
    EXPECT_EQ(e.column(), 1);
    EXPECT_NE(std::string(e.what()).find("did you mean 'subject'?"), std::string::npos);
  }
  {
    const ScenarioError e = error_of([] { parse(kSpecExample, {"duration"}); });
    EXPECT_EQ(e.file(), "--set");
    EXPECT_NE(std::string(e.what()).find("PATH=VALUE"), std::string::npos);
  }
  {
    const ScenarioError e = error_of([] { parse(kSpecExample, {"duration.x=1 d"}); });
    EXPECT_EQ(e.column(), 10);
    EXPECT_NE(std::string(e.what()).find("not a map"), std::string::npos);
  }
}

TEST(ScenarioParser, MissingFileIsAnErrorAtLineOneWithTheReason) {
  const std::string path = "/nonexistent/dir/scenario.yaml";
  const ScenarioError e = error_of([&] { parse_scenario_file(path, vocab()); });
  EXPECT_EQ(e.file(), path);
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.column(), 1);
  EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos);
  EXPECT_EQ(e.formatted().rfind(path + ":1:1: error: cannot read scenario file", 0), 0u);
}

TEST(ScenarioParser, DirectoryIsNotAScenarioFile) {
  const ScenarioError e =
      error_of([] { parse_scenario_file(fs::temp_directory_path().string(), vocab()); });
  EXPECT_EQ(e.line(), 1);
  EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos);
}

TEST(ScenarioParser, FileIsReadAndNamedInErrors) {
  const fs::path path =
      fs::temp_directory_path() / ("magsim_parser_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "duration: 1 d\nsubject: {egfr: 0 mL/min/1.73m2}\n";
  }
  const ScenarioError e = error_of([&] { parse_scenario_file(path.string(), vocab()); });
  fs::remove(path);
  EXPECT_EQ(e.file(), path.string());
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 17);
}

TEST(ScenarioParser, ErrorFormatIsFileLineColumn) {
  const ScenarioError e = error_of([] { parse("duration: 1 d\nsuplements: []\n"); });
  EXPECT_EQ(
      e.formatted(),
      "test.yaml:2:1: error: unknown key 'suplements' in scenario; did you mean 'supplements'?");
}

TEST(ScenarioParser, QuotedValueErrorsPointInsideTheQuotes) {
  const ScenarioError e = error_of([] { parse("duration: \"3 mL\"\n"); });
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.column(), 14);  // the 'mL' after the opening quote
}

TEST(ScenarioWriter, ResolvedYamlReparsesToTheSameScenario) {
  const Scenario s = parse(kSpecExample);
  const std::string text = magsim::engine::resolved_yaml(s, vocab());
  SCOPED_TRACE(text);
  expect_same_scenario(parse(text), s);
}

TEST(ScenarioWriter, ResolvedYamlOfDefaultsAndSchedulesReparses) {
  for (const char* src : {
           "duration: 3 d\n",
           "duration: 4 w\ndiet: {magnesium: [{from: 0 d, rate: 350 mg/d}, {from: 14 d, rate: 0.3 "
           "mmol/h}], meals: []}\n",
           "duration: 1 d\nsubject: {sex: male, age: 30.5 y, albumin: 4.1 g/dL, conditions: "
           "[crohns, pregnancy]}\n"
           "infusions: [{form: chloride, rate: 0.37 mEq/h}, {loading: {amount: 8 mmol, over: 15 "
           "min}}]\n"
           "medications: [{drug: doxycycline, dose: 100000 µg, at: [0 h, 12 h]}]\n"
           "supplements: [{form: l_threonate, salt_dose: 2 g, times: ['09:15'], start: -1 w, stop: "
           "10 h}]\n"
           "parameters: {gut.intestinal_dissolution_rate: 7 1/d, body.ecf_volume_per_kg: 0.21 "
           "L/kg}\n"
           "output: {interval: 7 min, variables: [serum_mg_total, fe_mg]}\n"
           "initial: default\nsolver: {method: dopri5, rtol: 3e-7, atol: 1e-12, max_step: 90 "
           "min}\n",
       }) {
    const Scenario s = parse(src);
    const std::string text = magsim::engine::resolved_yaml(s, vocab());
    SCOPED_TRACE(text);
    expect_same_scenario(parse(text), s);
  }
}

// --- Routes and regimens clinicians write: injections, boluses, doses per kg, stop, pauses ---

TEST(ScenarioParser, InjectionsReadRouteAmountAndTiming) {
  const Scenario s = parse(
      "duration: 1 d\n"
      "injections:\n"
      "  - {form: sulfate, route: im, salt_amount: 10 g, at: [0 h]}\n"
      "  - {form: sulfate, salt_amount: 5 g, every: 4 h, start: 4 h, stop: 24 h}\n"
      "  - {route: iv, amount: 8 mmol, at: [2 h, 30 min]}\n");
  ASSERT_EQ(s.injections.size(), 3u);
  EXPECT_EQ(s.injections[0].route, "im");
  EXPECT_EQ(s.injections[0].salt_dose_mg, 10000.0);
  EXPECT_DOUBLE_EQ(s.injections[0].dose_mmol, 10000.0 * fraction("sulfate") / 24.305);
  EXPECT_EQ(s.injections[0].at_h, std::vector<double>{0.0});
  EXPECT_EQ(s.injections[1].route, "im");  // the default
  EXPECT_EQ(s.injections[1].every_h, 4.0);
  EXPECT_EQ(s.injections[1].start_h, 4.0);
  EXPECT_EQ(s.injections[1].stop_h, 24.0);
  EXPECT_EQ(s.injections[2].route, "iv");
  EXPECT_EQ(s.injections[2].dose_mmol, 8.0);
  EXPECT_EQ(s.injections[2].at_h, (std::vector<double>{0.5, 2.0}));
}

TEST(ScenarioParser, DosesPerKgAreMultipliedByTheWeightWhereverTheSubjectIsWritten) {
  // The subject comes after the doses in the file: the order of keys does not matter.
  const Scenario s = parse(
      "duration: 1 d\n"
      "injections: [{salt_amount: 250 mg/kg, at: [0 h]}]\n"
      "infusions:\n"
      "  - {loading: {amount: 0.2 mmol/kg, over: 20 min}, salt_rate: 15 mg/kg/h}\n"
      "  - {salt_amount: 0.05 g/kg}\n"
      "supplements: [{form: citrate, dose: 5 mg/kg, at: 0 h}]\n"
      "subject: {weight: 60 kg}\n");
  EXPECT_EQ(s.injections[0].salt_dose_mg, 250.0 * 60);
  EXPECT_DOUBLE_EQ(s.infusions[0].loading_mmol, 0.2 * 60);
  EXPECT_DOUBLE_EQ(s.infusions[0].rate_mmol_per_h, 15.0 * 60 * fraction("sulfate") / 24.305);
  EXPECT_DOUBLE_EQ(s.infusions[1].loading_mmol, 50.0 * 60 * fraction("sulfate") / 24.305);
  EXPECT_DOUBLE_EQ(s.supplements[0].dose_mmol, 5.0 * 60 / 24.305);
  // A weight set with --set counts too.
  const Scenario t = parse("duration: 1 d\ninjections: [{salt_amount: 250 mg/kg, at: [0 h]}]\n",
                           {"subject.weight=50 kg"});
  EXPECT_EQ(t.injections[0].salt_dose_mg, 250.0 * 50);
}

TEST(ScenarioParser, PerKgWithoutWeightOrWhereNoWeightMakesSenseIsAnError) {
  const ScenarioError a =
      error_of([] { parse("duration: 1 d\ninfusions: [{salt_rate: 15 mg/kg/h}]\n"); });
  EXPECT_NE(std::string(a.what()).find("give the subject's weight"), std::string::npos) << a.what();
  const ScenarioError b = error_of(
      [] { parse("duration: 1 d\nsubject: {weight: 60 kg}\noutput: {interval: 1 h/kg}\n"); });
  EXPECT_NE(std::string(b.what()).find("doses per kg are taken only for"), std::string::npos)
      << b.what();
}

TEST(ScenarioParser, BolusItemStopAndPauses) {
  const Scenario s = parse(
      "duration: 1 d\n"
      "infusions:\n"
      "  - {salt_amount: 4 g, over: 15 min}\n"
      "  - {amount: 4 mmol}\n"
      "  - {salt_rate: 1 g/h, start: 1 h, stop: 13 h, pauses: [{from: 2 h, to: 3 h}, {at: 6 h, "
      "for: 30 min}]}\n");
  EXPECT_DOUBLE_EQ(s.infusions[0].loading_mmol, 4000.0 * fraction("sulfate") / 24.305);
  EXPECT_EQ(s.infusions[0].loading_over_h, 0.25);
  EXPECT_EQ(s.infusions[0].rate_mmol_per_h, 0.0);
  EXPECT_EQ(s.infusions[1].loading_over_h, 0.0);  // an IV push
  EXPECT_EQ(s.infusions[2].stop_h, 13.0);
  EXPECT_EQ(s.infusions[2].duration_h, 12.0);
  ASSERT_EQ(s.infusions[2].pauses.size(), 2u);
  EXPECT_EQ(s.infusions[2].pauses[1].from_h, 6.0);
  EXPECT_EQ(s.infusions[2].pauses[1].to_h, 6.5);
  // The old loading-only infusion still reads.
  const Scenario old = parse("duration: 1 d\ninfusions: [{loading: {salt_amount: 4 g, over: 20 min}}]\n");
  EXPECT_EQ(old.infusions[0].loading_over_h, 1.0 / 3.0);
}

TEST(ScenarioWriter, ResolvedYamlOfInjectionsBolusesStopsAndPausesReparses) {
  const Scenario s = parse(
      "duration: 28 h\nsubject: {weight: 61 kg}\n"
      "infusions:\n"
      "  - {salt_amount: 4 g, over: 15 min}\n"
      "  - {amount: 3 mmol, start: 2 h}\n"
      "  - {salt_rate: 17 mg/kg/h, start: 1 h, stop: 13 h, pauses: [{from: 2 h, to: 3 h}]}\n"
      "  - {loading: {salt_amount: 2 g, over: 10 min}, rate: 1 mmol/h, pauses: [{at: 20 h, for: 1 h}]}\n"
      "injections:\n"
      "  - {route: im, salt_amount: 10 g, at: [0 h]}\n"
      "  - {salt_amount: 83 mg/kg, every: 4 h, start: 4 h, stop: 24 h}\n"
      "  - {route: iv, amount: 0.1 mmol/kg, every: 6 h}\n");
  const std::string text = magsim::engine::resolved_yaml(s, vocab());
  SCOPED_TRACE(text);
  expect_same_scenario(parse(text), s);
}

TEST(ScenarioWriter, ResolvedYamlShowsElementalEquivalentOfSaltDose) {
  const Scenario s =
      parse("duration: 1 d\nsupplements: [{form: oxide, salt_dose: 500 mg, at: 0 h}]\n");
  const std::string text = magsim::engine::resolved_yaml(s, vocab());
  EXPECT_NE(text.find("salt_dose: 0.5 g"), std::string::npos) << text;
  EXPECT_NE(text.find("mmol = 301.5 mg Mg"), std::string::npos) << text;
}

// --- tests/bad_scenarios: each file's first line is "# expect: LINE:COL: <message substring>" ---

using magsim::testing::ExpectedError;

std::vector<ExpectedError> bad_scenarios() {
  return magsim::testing::expected_errors(fs::path(MAGSIM_SOURCE_DIR) / "tests" / "bad_scenarios");
}

class BadScenarios : public ::testing::TestWithParam<ExpectedError> {};

TEST_P(BadScenarios, ErrorPointsAtTheMistakeWithAClearMessage) {
  const ExpectedError& b = GetParam();
  ASSERT_GT(b.line, 0) << b.file << ": first line must be '# expect: LINE:COL: message'";
  try {
    parse_scenario_file(b.file, vocab());
    FAIL() << b.file << " parsed without error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), b.file);
    EXPECT_EQ(e.line(), b.line) << e.formatted();
    EXPECT_EQ(e.column(), b.column) << e.formatted();
    EXPECT_NE(std::string(e.what()).find(b.message), std::string::npos) << e.formatted();
  }
}

INSTANTIATE_TEST_SUITE_P(Files, BadScenarios, ::testing::ValuesIn(bad_scenarios()),
                         [](const auto& info) { return magsim::testing::test_name(info.param); });

TEST(BadScenarios, AtLeastThirtyFiveFilesAreChecked) { EXPECT_GE(bad_scenarios().size(), 35u); }

}  // namespace

// Issue 11, item 4: sizes that are input are bounded at parse time.
TEST(ScenarioParserBounds, SetListIndexBeyondNineDigitsIsRefusedNotWrapped) {
  const std::string text = "duration: 1 d\ndiet: {magnesium: 300 mg/d, meals: [\"08:00\"]}\n";
  const auto e = error_of([&] { parse(text, {"diet.meals[18446744073709551616]=12:00"}); });
  EXPECT_EQ(e.file(), "--set");
  EXPECT_NE(std::string(e.what()).find("list index too large"), std::string::npos) << e.what();
  // meals[0] is untouched and a sane index still works
  EXPECT_EQ(parse(text, {"diet.meals[0]=09:00"}).diet.meals_h.front(), 9.0);
}

TEST(ScenarioParserBounds, AHugeValueIsRefusedAndNoMessageEchoesMoreThanAThousandCharacters) {
  const std::string huge = "duration: \"1 " + std::string(13000000, 'd') + "\"\n";
  const auto e = error_of([&] { parse(huge); });
  EXPECT_NE(std::string(e.what()).find("at most 65536 are read"), std::string::npos) << e.what();
  const std::string long_unit = "duration: \"1 " + std::string(5000, 'd') + "\"\n";
  const auto f = error_of([&] { parse(long_unit); });
  EXPECT_LE(std::string(f.what()).size(), 1000u);
  EXPECT_NE(std::string(f.what()).find("characters left out"), std::string::npos) << f.what();
}

// Issue 11, item 10: every solver setting has a range (rtol 1e300 once ran to serum Mg of
// 5,000 mmol/L and exited 0).
TEST(ScenarioParserRanges, SolverRtolOf1e300IsARangeErrorNotAnAbsurdRun) {
  for (const char* set : {"solver.rtol=1e300", "solver.rtol=1e-300", "solver.atol=1e300",
                          "solver.atol=0.1", "solver.max_step=1e-300 s", "solver.max_step=1e6 y",
                          "solver.max_step=31 d"}) {
    const auto e = error_of([&] { parse("duration: 2 d\n", {set}); });
    EXPECT_EQ(e.file(), "--set") << set;
    EXPECT_NE(std::string(e.what()).find("out of range: it must be within"), std::string::npos)
        << set << ": " << e.what();
  }
  // The ends of each range are accepted.
  const Scenario s = parse("duration: 2 d\nsolver: {rtol: 1e-12, atol: 1e-15, max_step: 1 s}\n");
  EXPECT_EQ(s.solver.rtol, 1e-12);
  EXPECT_EQ(s.solver.atol, 1e-15);
  EXPECT_DOUBLE_EQ(s.solver.max_step_h, 1.0 / 3600);
  const Scenario t = parse("duration: 2 d\nsolver: {rtol: 1e-2, atol: 1e-3, max_step: 30 d}\n");
  EXPECT_EQ(t.solver.max_step_h, 720.0);
}

// Issue 11, item 11: implausible doses, diets and parameters were numerical failures (exit 3
// with a state dump) or absurd results; they are range errors at their position.
TEST(ScenarioParserRanges, ImplausibleDosesDietsAndParametersAreRangeErrorsAtTheirPosition) {
  struct Case {
    const char* set;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"supplements[+]={form: citrate, dose: 1e6 g, at: 1 h}", "at most 100 g elemental Mg"},
           {"supplements[+]={form: oxide, salt_dose: 1e6 g, at: 1 h}", "(603000 g elemental Mg)"},
           {"diet.magnesium=1e9 mg/d", "at most 10 g/d elemental Mg"},
           {"infusions[+]={form: sulfate, rate: 1e6 g/h, duration: 1 h}", "at most 100 g/h"},
           {"infusions[+]={form: sulfate, loading: {salt_amount: 2e6 g, over: 1 h}, rate: 1 g/h}",
            "per dose"},
           {"injections[+]={form: sulfate, amount: 1e6 g, at: [1 h]}", "per dose"},
           {"injections[+]={form: sulfate, amount: 1 mg, every: 1e-6 s}", "at least 1 min apart"},
           {"medications[+]={drug: cisplatin, dose: 1e9 g, at: 1 h}", "at most 1 kg"},
           {"parameters.gut.absorption_scale=1e300", "must lie within 0 to 15"},
           {"parameters.renal.tal_max_fraction=1.5", "a fraction is at most 1"},
           {"parameters.gut.colon_transit_time=1e-9 h", "must lie within 1.2 to 720 h"},
           {"duration=1e6 y", "longer than a lifetime"},
           {"supplements[+]={form: citrate, dose: 100 mg, times: [\"08:00\"], start: -1e300 h}",
            "times lie within -150 y to 150 y"},
       }) {
    const auto e = error_of([&] { parse("duration: 2 d\n", {c.set}); });
    EXPECT_EQ(e.file(), "--set") << c.set;
    EXPECT_GT(e.column(), static_cast<int>(std::string(c.set).find('='))) << c.set;
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.set << ": " << e.what();
  }
}

// The bounds never reject a realistic scenario: massive overdoses, a pump error, a heavy diet,
// anuria (gfr_scale 0) and a parameter pushed well beyond its plausible range stay accepted.
TEST(ScenarioParserRanges, RealisticExtremesStayAccepted) {
  const Scenario s = parse(R"(duration: 150 y
subject: {weight: 150 kg}
diet: {magnesium: 5 g/d}
supplements:
  - {form: sulfate, salt_dose: 600 g, at: 1 h}          # Epsom salt by the cupful: 59 g elemental
  - {form: oxide, dose: 50 g, at: 2 h}
infusions:
  - {form: sulfate, salt_rate: 40 g/h, duration: 2 h}     # a pump error
  - {form: sulfate, amount: 0.1 mmol/kg, over: 10 min}
injections:
  - {form: sulfate, salt_amount: 10 g, every: 4 h, start: -0 h}
medications:
  - {drug: ethanol, dose: 500 g, at: 3 h}
  - {drug: omeprazole, dose: 40 mg, times: ["07:00"], start: -150 y}
parameters:
  renal.gfr_scale: 0
  gut.absorption_scale: 10
  renal.tal_max_fraction: 1
solver: {max_step: 7 d}
)");
  EXPECT_EQ(s.supplements.size(), 2u);
  EXPECT_EQ(s.parameters.size(), 3u);
}

// Issue 11, item 12: yaml-cpp's own depth guard (500 levels) said only "bad file".
TEST(ScenarioParserMessages, DeepNestingNamesTheNestingLimitNotABadFile) {
  for (int levels : {100, 600, 5000}) {
    const std::string text = "duration: 1 d\ndescription: " + std::string(levels, '[') +
                             std::string(levels, ']') + "\n";
    const auto e = error_of([&] { parse(text); });
    const std::string what = e.what();
    EXPECT_NE(what.find("nests more than 64 levels deep, the nesting limit"), std::string::npos)
        << levels << ": " << what;
    EXPECT_EQ(what.find("bad file"), std::string::npos) << what;
    EXPECT_EQ(e.line(), 2);
  }
}

// Issue 11, item 12: a UTF-16 or UTF-32 file is refused by name (its BOM once stayed in the
// first key); a UTF-8 BOM is skipped without a word.
TEST(ScenarioParserMessages, Utf16ByteOrderMarkIsRefusedByNameAndAUtf8OneIsSkipped) {
  const std::string ascii = "duration: 2 d\n";
  const auto widen = [&](bool big_endian, int width) {
    std::string out;
    for (char c : ascii) {
      std::string unit(static_cast<std::size_t>(width), '\0');
      unit[big_endian ? width - 1 : 0] = c;
      out += unit;
    }
    return out;
  };
  struct Case {
    std::string text;
    const char* names;
  };
  for (const Case& c : std::vector<Case>{
           {"\xFF\xFE" + widen(false, 2), "UTF-16 (little-endian, with a byte-order mark)"},
           {"\xFE\xFF" + widen(true, 2), "UTF-16 (big-endian, with a byte-order mark)"},
           {std::string("\xFF\xFE\0\0", 4) + widen(false, 4), "UTF-32 (little-endian"},
           {std::string("\0\0\xFE\xFF", 4) + widen(true, 4), "UTF-32 (big-endian"},
           {widen(false, 2), "UTF-16 (little-endian)"},
       }) {
    const auto e = error_of([&] { parse(c.text); });
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.column(), 1);
    EXPECT_NE(std::string(e.what()).find(c.names), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("save it as UTF-8"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse("\xEF\xBB\xBF" + ascii).duration_h, 48.0);
  EXPECT_EQ(parse("\xEF\xBB\xBF" "duration: 1 d\n", {"subject.age=50 y"}).subject.age_y, 50.0);
}

// Issue 11, item 12: a directory read as a file was "the scenario is empty".
TEST(ScenarioParserMessages, ADirectoryIsSaidToBeADirectory) {
  const auto e =
      error_of([] { parse_scenario_file(fs::temp_directory_path().string(), vocab()); });
  EXPECT_NE(std::string(e.what()).find("it is a directory, not a file"), std::string::npos)
      << e.what();
}
