// `magsim check` warnings: the supplement upper level, chelating drugs taken near a Mg dose, and
// oral Mg in advanced CKD, each with its amount, timing and source.
#include <gtest/gtest.h>

#include "engine/scenario/check.hpp"
#include "engine/scenario/parser.hpp"
#include "models/magnesium/magnesium.hpp"

namespace {

using magsim::engine::check_scenario;
using magsim::engine::Diagnostic;

const magsim::engine::Vocabulary& vocab() { return magsim::models::magnesium::vocabulary(); }

std::vector<Diagnostic> check(const std::string& yaml) {
  return check_scenario(magsim::engine::parse_scenario_text(yaml, "check.yaml", vocab()), vocab());
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ScenarioCheck, SupplementsAboveUpperLevelWarnWithMgPerDayAndSource) {
  const auto d = check(R"(duration: 1 w
supplements:
  - {form: citrate, dose: 250 mg, times: ["08:00", "20:00"]}
)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].severity, "warning");
  EXPECT_EQ(d[0].line, 3);
  EXPECT_EQ(d[0].column, 5);
  EXPECT_TRUE(contains(d[0].message, "500 mg/d")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "350 mg/d")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "IOM 1997")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "day 1")) << d[0].message;
}

TEST(ScenarioCheck, SupplementExactlyAtUpperLevelIsAllowed) {
  EXPECT_TRUE(
      check("duration: 1 w\nsupplements: [{form: citrate, dose: 350 mg, times: ['08:00']}]\n")
          .empty());
}

TEST(ScenarioCheck, DietDoesNotCountTowardsSupplementUpperLevel) {
  EXPECT_TRUE(check(R"(duration: 1 w
diet: {magnesium: 800 mg/d}
supplements: [{form: citrate, dose: 300 mg, times: ["08:00"]}]
)")
                  .empty());
}

TEST(ScenarioCheck, SingleAndDailyDosesOnTheSameDayAddUp) {
  const auto d = check(R"(duration: 1 w
supplements:
  - {form: citrate, dose: 200 mg, times: ["08:00"]}
  - {form: oxide, dose: 200 mg, at: 3 d}
)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(contains(d[0].message, "400 mg/d")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "first on day 4")) << d[0].message;
}

TEST(ScenarioCheck, SaltDoseCountsAsItsElementalMg) {
  // 1 g MgO is 603 mg elemental Mg.
  const auto d = check("duration: 1 d\nsupplements: [{form: oxide, salt_dose: 1 g, at: 1 h}]\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(contains(d[0].message, "603 mg/d")) << d[0].message;
}

TEST(ScenarioCheck, QuinoloneWithinTwoHoursOfMgDoseWarns) {
  const auto d = check(R"(duration: 1 w
supplements: [{form: citrate, dose: 100 mg, times: ["09:00"]}]
medications:
  - {drug: ciprofloxacin, dose: 500 mg, times: ["08:00", "20:00"]}
)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 4);
  EXPECT_EQ(d[0].column, 5);
  const std::string& m = d[0].message;
  EXPECT_TRUE(contains(m, "ciprofloxacin")) << m;
  EXPECT_TRUE(contains(m, "day 1 08:00")) << m;
  EXPECT_TRUE(contains(m, "1 h from the citrate Mg dose (supplements[0]) at day 1 09:00")) << m;
  EXPECT_TRUE(contains(m, "at least 2 h apart")) << m;
  EXPECT_TRUE(contains(m, "drug labels")) << m;
}

TEST(ScenarioCheck, ChelationGapWrapsAroundMidnight) {
  const auto d = check(R"(duration: 1 w
supplements: [{form: glycinate, dose: 100 mg, times: ["00:30"]}]
medications: [{drug: levothyroxine, dose: 100 µg, times: ["23:30"]}]
)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(contains(d[0].message, "levothyroxine")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "is 1 h from")) << d[0].message;
}

TEST(ScenarioCheck, ChelatingDrugTwoHoursApartIsFine) {
  EXPECT_TRUE(check(R"(duration: 1 w
supplements: [{form: citrate, dose: 100 mg, times: ["10:00"]}]
medications: [{drug: doxycycline, dose: 100 mg, times: ["08:00"]}]
)")
                  .empty());
}

TEST(ScenarioCheck, SingleMgDoseNearDailyChelatingDrugWarns) {
  const auto d = check(R"(duration: 1 w
supplements: [{form: oxide, dose: 100 mg, at: 57 h}]
medications: [{drug: alendronate, dose: 70 mg, times: ["08:00"]}]
)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(contains(d[0].message, "alendronate")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "day 3 09:00")) << d[0].message;
}

TEST(ScenarioCheck, RegimensThatDoNotOverlapInTimeDoNotWarn) {
  EXPECT_TRUE(check(R"(duration: 1 w
supplements: [{form: citrate, dose: 100 mg, times: ["08:00"], stop: 2 d}]
medications: [{drug: ciprofloxacin, dose: 500 mg, times: ["08:00"], start: 3 d}]
)")
                  .empty());
}

TEST(ScenarioCheck, IntravenousQuinoloneDoesNotChelateInTheGut) {
  EXPECT_TRUE(check(R"(duration: 1 w
supplements: [{form: citrate, dose: 100 mg, times: ["08:00"]}]
medications: [{drug: ciprofloxacin, route: iv, dose: 400 mg, times: ["08:00"]}]
)")
                  .empty());
}

TEST(ScenarioCheck, NonChelatingDrugAtTheSameTimeIsFine) {
  EXPECT_TRUE(check(R"(duration: 1 w
supplements: [{form: citrate, dose: 100 mg, times: ["08:00"]}]
medications: [{drug: omeprazole, dose: 20 mg, times: ["08:00"]}]
)")
                  .empty());
}

TEST(ScenarioCheck, OralMgWithEgfrBelowThirtyWarns) {
  const auto d = check(R"(duration: 1 w
subject: {egfr: 25 mL/min/1.73m2}
supplements: [{form: citrate, dose: 100 mg, times: ["08:00"]}]
)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(contains(d[0].message, "eGFR 25 mL/min/1.73m2 (below 30)")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "KDIGO")) << d[0].message;
  EXPECT_TRUE(check(R"(duration: 1 w
subject: {egfr: 30 mL/min/1.73m2}
supplements: [{form: citrate, dose: 100 mg, times: ["08:00"]}]
)")
                  .empty());
  EXPECT_TRUE(check("duration: 1 w\nsubject: {egfr: 15 mL/min/1.73m2}\n").empty());  // diet only
}

TEST(ScenarioCheck, ParameterOverrideOutsidePlausibleRangeWarns) {
  const auto d = check("duration: 1 d\nparameters:\n  renal.gfr_scale: 7\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 3);
  EXPECT_TRUE(contains(d[0].message, "renal.gfr_scale")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "outside its plausible range")) << d[0].message;
}

TEST(ScenarioCheck, SpecExampleWarnsOnlyAboutTheDayWithTheExtraOxideDose) {
  // 2 x 150 mg citrate daily, plus 500 mg MgO (301.5 mg Mg) on day 4: 601.5 mg that day.
  const auto d = check(R"(duration: 12 w
subject: {sex: female, age: 67 y, egfr: 52 mL/min/1.73m2}
supplements:
  - {form: citrate, dose: 150 mg, times: ["08:00", "20:00"], with_meal: true}
  - {form: oxide, salt_dose: 500 mg, at: 3 d}
medications:
  - {drug: omeprazole, dose: 20 mg, times: ["07:00"], start: -2 y}
)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(contains(d[0].message, "602 mg/d")) << d[0].message;
  EXPECT_TRUE(contains(d[0].message, "first on day 4")) << d[0].message;
}

TEST(ScenarioCheck, DiagnosticFormatsAsFileLineColumnWarning) {
  const Diagnostic d{"a.yaml", 3, 5, "warning", "careful"};
  EXPECT_EQ(d.formatted(), "a.yaml:3:5: warning: careful");
  const Diagnostic nowhere{"a.yaml", 0, 0, "warning", "careful"};
  EXPECT_EQ(nowhere.formatted(), "a.yaml: warning: careful");
}

}  // namespace
