// CSF and brain tissue Mg (issue 10, item 4): CSF Mg sits above serum ionized Mg (choroid-plexus
// transport), an IV load that doubles serum raises it only modestly and over hours to days
// (Wong 2009; Brewer 2001), an ordinary oral supplement hardly moves it, the brain pools keep the
// whole-body mass balance, and the L-threonate factor (rats, Slutsky 2010) is off at 1.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "models/magnesium/states.hpp"
#include "tests/model_runs.hpp"

namespace magsim {
namespace {

using testing::at;
using testing::run;

constexpr double kMgPerMmol = 24.305;

engine::Scenario adult(double hours) {
  engine::Scenario sc;
  sc.file = "test";
  sc.subject.sex = "male";
  sc.subject.age_y = 55;
  sc.subject.weight_kg = 70;
  sc.subject.height_cm = 170;
  sc.diet.schedule = {{0, 300 / kMgPerMmol / 24.0}};
  sc.diet.meals_h = {7.5, 12.5, 19.0};
  sc.duration_h = hours;
  sc.output.interval_h = 1;
  return sc;
}

// 16 mmol over 30 min, then 4 mmol/h: doubles the model's serum total (as V30).
engine::Infusion doubling_infusion(double hours) {
  engine::Infusion inf;
  inf.loading_mmol = 16;
  inf.loading_over_h = 0.5;
  inf.rate_mmol_per_h = 4;
  inf.duration_h = hours;
  return inf;
}

TEST(Brain, SteadyCsfIsNearItsReferenceAndAboveSerumIonized) {
  const auto s = run(adult(24));
  const double csf = at(s, "csf_mg", 12);
  EXPECT_NEAR(csf, 1.1, 0.05);  // brain.csf_reference_concentration, at a serum ionized near the reference
  EXPECT_GT(csf, 1.5 * at(s, "serum_mg_ionized", 12));
  EXPECT_NEAR(at(s, "brain_mg", 12), 6.0, 0.3);  // brain.tissue_content, mmol/kg
  EXPECT_NEAR(at(s, "csf_mg", 0), at(s, "csf_mg", 24), 1e-3);  // steady
}

TEST(Brain, IvLoadDoublingSerumRaisesCsfModestlyAndSlowly) {
  auto sc = adult(240);
  const auto base = run(sc);
  sc.infusions = {doubling_infusion(240)};
  const auto iv = run(sc);
  const double serum_ratio = at(iv, "serum_mg_total", 24) / at(base, "serum_mg_total", 24);
  EXPECT_GT(serum_ratio, 1.8);
  const double c0 = at(base, "csf_mg", 0);
  const double r6 = at(iv, "csf_mg", 6) / c0 - 1;
  const double r24 = at(iv, "csf_mg", 24) / c0 - 1;
  const double r216 = at(iv, "csf_mg", 216) / c0 - 1;
  // Modest: Wong 2009 +11-21 % with plasma doubled for days.
  EXPECT_GT(r216, 0.06);
  EXPECT_LT(r216, 0.25);
  EXPECT_LT(r6, r24);
  EXPECT_LT(r24, r216);  // still rising after a day: the brain tissue fills slowly
  EXPECT_LT(r6, 0.10);
  // Brain tissue moves far less than the CSF, over days.
  const double b = at(iv, "brain_mg", 216) / at(base, "brain_mg", 216) - 1;
  EXPECT_GT(b, 0.0);
  EXPECT_LT(b, 0.5 * r216);
  std::printf("CSF rise with serum x%.2f: 6 h %+.1f %%, 24 h %+.1f %%, 9 d %+.1f %%; brain 9 d %+.1f %%\n",
              serum_ratio, 100 * r6, 100 * r24, 100 * r216, 100 * b);
}

TEST(Brain, OralSupplementHardlyMovesCsfOrBrainMg) {
  // 300 mg/d elemental Mg as citrate (one dose with breakfast) for 30 days.
  auto sc = adult(30 * 24);
  sc.output.interval_h = 6;
  const auto base = run(sc);
  engine::Supplement s;
  s.form = "citrate";
  s.dose_mmol = 300 / kMgPerMmol;
  s.timing.times_of_day_h = {8};
  sc.supplements = {s};
  const auto dosed = run(sc);
  const double t = 30 * 24 - 6;
  const double serum = at(dosed, "serum_mg_total", t) / at(base, "serum_mg_total", t) - 1;
  const double csf = at(dosed, "csf_mg", t) / at(base, "csf_mg", t) - 1;
  const double brain = at(dosed, "brain_mg", t) / at(base, "brain_mg", t) - 1;
  EXPECT_GT(serum, 0.0);
  EXPECT_GT(csf, 0.0);
  EXPECT_LT(csf, 0.03);    // a few percent at most
  EXPECT_LT(csf, serum);   // less than serum's own small rise
  EXPECT_GE(brain, 0.0);
  EXPECT_LT(brain, 0.01);
  std::printf("300 mg/d citrate, day 30: serum %+.2f %%, CSF %+.2f %%, brain %+.2f %%\n", 100 * serum, 100 * csf,
              100 * brain);
}

TEST(Brain, BrainPoolsKeepTheMassBalance) {
  auto sc = adult(72);
  sc.infusions = {doubling_infusion(48)};
  engine::MemorySink sink;
  const auto stats = engine::simulate(models::magnesium::model(), models::magnesium::make_problem(sc), sink);
  EXPECT_LT(stats.mass_balance_relative_error, 1e-9);
  const auto& w = models::magnesium::model().info().conserved_weights;
  EXPECT_EQ(w[models::magnesium::st::csf], 1.0);
  EXPECT_EQ(w[models::magnesium::st::brain], 1.0);
}

TEST(Brain, ThreonateFactorIsOffAtOneAndRaisesCsfAboveOne) {
  auto sc = adult(24);
  const auto base = run(sc);
  sc.parameters = {{"salt.l_threonate.brain_uptake_factor", 1.0, {}}};
  const auto one = run(sc);
  EXPECT_DOUBLE_EQ(at(one, "csf_mg", 12), at(base, "csf_mg", 12));
  EXPECT_DOUBLE_EQ(at(one, "serum_mg_total", 12), at(base, "serum_mg_total", 12));
  sc.parameters = {{"salt.l_threonate.brain_uptake_factor", 1.1, {}}};
  const auto raised = run(sc);
  const double rise = at(raised, "csf_mg", 12) / at(base, "csf_mg", 12) - 1;
  EXPECT_NEAR(rise, 0.10, 0.01);  // at steady state the CSF level scales with secretion
  EXPECT_NEAR(at(raised, "serum_mg_total", 12), at(base, "serum_mg_total", 12), 1e-3);
}

}  // namespace
}  // namespace magsim
