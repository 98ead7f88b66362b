// Directions of the magnesium model's main mechanisms, each against the physiology it protects:
// filtration, acid-dependent dissolution of oxide under a PPI, the acute and reversible
// magnesiuria of a loop diuretic, thiazide TRPM6 down-regulation over weeks, saturable gut uptake
// (split doses), the up-regulation of TRPM6 in deficiency, and a Mg-poor diet lowering plasma far
// more than cell Mg (Shils 1969). Whole runs from steady state with
// the default parameters; each comparison is between two runs that differ in one input only.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/memory_sink.hpp"
#include "engine/simulator.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim {
namespace {

namespace mg = models::magnesium;

int output(const std::string& name) {
  const int k = mg::model().info().find_output(name);
  EXPECT_GE(k, 0) << name;
  return k;
}

engine::Scenario subject(double mg_per_day = 325, double egfr = 100) {
  engine::Scenario sc;
  sc.file = "test";
  sc.subject.sex = "female";
  sc.subject.age_y = 40;
  sc.subject.weight_kg = 70;
  sc.subject.height_cm = 170;
  sc.subject.egfr_ml_min_173 = egfr;
  sc.diet.schedule = {{0, mg_per_day / 24.305 / 24.0}};
  sc.diet.meals_h = {7.5, 12.5, 19.0};
  sc.duration_h = 72;
  sc.output.interval_h = 0.5;
  return sc;
}

engine::MemorySink run(const engine::Scenario& sc) {
  engine::MemorySink sink;
  engine::simulate(mg::model(), mg::make_problem(sc), sink);
  return sink;
}

// Value of an output at the sample nearest to t.
double at(const engine::MemorySink& s, const std::string& name, double t) {
  const int k = output(name);
  size_t best = 0;
  for (size_t i = 0; i < s.time.size(); ++i)
    if (std::abs(s.time[i] - t) < std::abs(s.time[best] - t)) best = i;
  return s.output(best, k);
}

double between(const engine::MemorySink& s, const std::string& cumulative, double t0, double t1) {
  return at(s, cumulative, t1) - at(s, cumulative, t0);
}

engine::Medication daily_drug(const std::string& drug, double dose_mg, double start_h) {
  engine::Medication m;
  m.drug = drug;
  m.dose_mg = dose_mg;
  m.timing.times_of_day_h = {8};
  m.timing.start_h = start_h;
  return m;
}

TEST(PhysiologyDirections, HigherGfrExcretesMoreUrineMgAtTheSameIntakeAcutely) {
  // The same body, filtering more: the kidney excretes more before balance is regained.
  auto low = subject(325, 60);
  low.initial = "default";
  auto high = low;
  high.subject.egfr_ml_min_173 = 120;
  EXPECT_GT(between(run(high), "cum_urine", 0, 24), between(run(low), "cum_urine", 0, 24));
}

TEST(PhysiologyDirections, PpiCutsOxideAbsorptionMoreThanCitrate) {
  // Oxide needs gastric acid to dissolve; a PPI removes most of it (Lindberg 1990; PHYSIOLOGY.md).
  auto absorbed = [](const std::string& form, bool ppi) {
    auto sc = subject(300);
    sc.duration_h = 96;
    if (ppi) sc.medications = {daily_drug("omeprazole", 20, -365 * 24.0)};
    const double base = between(run(sc), "cum_absorbed", 0, 96);
    engine::Supplement s;
    s.form = form;
    s.dose_mmol = 12;
    s.with_meal = true;
    s.timing.at_h = {32};
    sc.supplements = {s};
    return between(run(sc), "cum_absorbed", 0, 96) - base;
  };
  const double oxide_ratio = absorbed("oxide", true) / absorbed("oxide", false);
  const double citrate_ratio = absorbed("citrate", true) / absorbed("citrate", false);
  EXPECT_LT(oxide_ratio, 0.9);
  EXPECT_LT(oxide_ratio, citrate_ratio);
}

TEST(PhysiologyDirections, LoopDiureticRaisesUrineMgWithinHoursThenItReturnsToBaseline) {
  // Furosemide blocks NKCC2 and with it paracellular TAL reabsorption (de Baaij 2015): urine Mg
  // rises within hours of a dose and falls back as the drug is cleared (t1/2 ~1.5 h).
  auto sc = subject();
  sc.duration_h = 48;
  const auto base = run(sc);
  engine::Medication m;
  m.drug = "furosemide";
  m.route = "iv";
  m.dose_mg = 40;
  m.timing.at_h = {10};
  sc.medications = {m};
  const auto dosed = run(sc);
  const double rate0 = at(base, "urine_mg_rate", 11);
  EXPECT_GT(at(dosed, "urine_mg_rate", 11), 2.0 * rate0);  // within the first hour
  EXPECT_GT(between(dosed, "cum_urine", 10, 16), between(base, "cum_urine", 10, 16) + 0.3);
  // A day later the drug is gone and the kidney repays the loss: the rate is no higher than in the
  // undosed run (the lower ECF Mg is conserved), so the net extra loss by 48 h is smaller than the
  // acute one.
  EXPECT_LT(at(dosed, "urine_mg_rate", 40), at(base, "urine_mg_rate", 40));
  EXPECT_GT(at(dosed, "urine_mg_rate", 40), 0.5 * at(base, "urine_mg_rate", 40));
  EXPECT_LT(between(dosed, "cum_urine", 10, 48) - between(base, "cum_urine", 10, 48),
            between(dosed, "cum_urine", 10, 16) - between(base, "cum_urine", 10, 16));
  EXPECT_LT(at(dosed, "loop_tal_inhibition", 40), 1.0);  // %
}

TEST(PhysiologyDirections, ThiazideLowersSerumMgOverWeeks) {
  // DCT TRPM6 down-regulation builds over weeks (Nijenhuis 2005; Pak 2000; Kieboom 2018).
  auto sc = subject();
  sc.duration_h = 28 * 24;
  sc.output.interval_h = 6;
  const auto base = run(sc);
  sc.medications = {daily_drug("hydrochlorothiazide", 50, 0)};
  const auto dosed = run(sc);
  const double fall_day2 = at(base, "serum_mg_total", 48) - at(dosed, "serum_mg_total", 48);
  const double fall_day28 = at(base, "serum_mg_total", 28 * 24) - at(dosed, "serum_mg_total", 28 * 24);
  EXPECT_GT(fall_day28, 0.01);        // V8: -0.01 to -0.08 mmol/L
  EXPECT_LT(fall_day28, 0.08);
  EXPECT_GT(fall_day28, 2 * fall_day2);  // slow, not acute
}

TEST(PhysiologyDirections, SplitDosesAreAbsorbedBetterThanOneLargeDose) {
  // Saturable transcellular uptake: relative uptake is higher from several small doses
  // (Schuchardt & Hahn 2017; Fine 1991).
  auto sc = subject();
  sc.duration_h = 96;
  const double base = between(run(sc), "cum_absorbed", 0, 96);
  auto dose = [](double mmol, std::vector<double> at) {
    engine::Supplement s;
    s.form = "citrate";
    s.dose_mmol = mmol;
    s.timing.at_h = at;
    return s;
  };
  sc.supplements = {dose(15, {34})};
  const double single = between(run(sc), "cum_absorbed", 0, 96) - base;
  sc.supplements = {dose(5, {34, 40, 46})};
  const double split = between(run(sc), "cum_absorbed", 0, 96) - base;
  EXPECT_GT(split, 1.1 * single);
}

TEST(PhysiologyDirections, DeficiencyUpRegulatesTranscellularUptakeOverDays) {
  // A near Mg-free diet (as in Shils 1969's depletion studies) lowers ionized Mg; TRPM6
  // expression (gut and DCT) rises over days (Groenestege 2006).
  auto sc = subject(325);
  sc.diet.schedule = {{0, 325 / 24.305 / 24.0}, {24, 25 / 24.305 / 24.0}};
  sc.duration_h = 24 + 21 * 24;
  sc.output.interval_h = 6;
  const auto s = run(sc);
  const double e0 = at(s, "trpm6_expression", 12);
  const double e2 = at(s, "trpm6_expression", 24 + 2 * 24);
  const double e21 = at(s, "trpm6_expression", 24 + 21 * 24);
  EXPECT_NEAR(e0, 100.0, 10.0);  // % of the replete reference
  EXPECT_GT(e2, e0);
  EXPECT_GT(e21, e2);             // still rising after days: slow adaptation, not instant
  EXPECT_GT(at(s, "gut_trpm6_activity", 24 + 21 * 24), at(s, "gut_trpm6_activity", 12));
  EXPECT_GT(e21, e0 + 3.0);  // percentage points of the replete reference
  // the same subject without the adaptation keeps its transporter level
  auto fixed = sc;
  fixed.parameters = {{"trpm6.max_upregulation", 1.0, {}}};
  EXPECT_NEAR(at(run(fixed), "trpm6_expression", sc.duration_h), 100.0, 1e-6);
}

TEST(Depletion, PlasmaFallsFarMoreThanCellMgOnAMagnesiumPoorDiet) {
  // Shils 1969 (Mg-deficient purified diet): plasma Mg falls progressively over months toward
  // 1/3-1/4 of control, red-cell Mg more slowly (~2/3 after 3 months), urine Mg to very low
  // values within days, while muscle Mg is defended and bone gives some Mg.
  auto sc = subject(300);
  sc.diet.schedule = {{0, 300 / 24.305 / 24.0}, {24, 12 / 24.305 / 24.0}};
  sc.duration_h = 24 + 70 * 24;
  sc.output.interval_h = 24;
  const auto s = run(sc);
  const double end = sc.duration_h;
  const double serum0 = at(s, "serum_mg_total", 0), serum70 = at(s, "serum_mg_total", end);
  const double rbc0 = at(s, "rbc_mg", 0), rbc70 = at(s, "rbc_mg", end);
  const double tissue0 = at(s, "tissue_mg", 0), tissue70 = at(s, "tissue_mg", end);
  EXPECT_LT(at(s, "urine_mg_rate", 24 + 7 * 24), 0.5);    // mmol/d: renal conservation within days
  EXPECT_LT(serum70, 0.70 * serum0);                       // plasma falls substantially over weeks
  EXPECT_LT(serum70, at(s, "serum_mg_total", 24 + 28 * 24));  // and is still falling after a month
  EXPECT_LT(rbc70, 0.95 * rbc0);                           // red cells lose Mg ...
  EXPECT_GT(rbc70 / rbc0, serum70 / serum0);               // ... but less than plasma
  EXPECT_GT(tissue70, 0.95 * tissue0);                     // soft tissue defends its Mg
  EXPECT_LT(at(s, "bone_mg", end), at(s, "bone_mg", 0));   // exchangeable bone gives some Mg
  // without the cells' defence (set-point efflux and deficit-driven uptake) the soft-tissue pools
  // buffer the ECF and plasma falls less
  auto undefended = sc;
  undefended.parameters = {{"tissue.efflux_set_point_hill", 0.0, {}}, {"tissue.uptake_deficit_gain", 0.0, {}}};
  const auto u = run(undefended);
  EXPECT_GT(at(u, "serum_mg_total", end), serum70 + 0.03);
  EXPECT_LT(at(u, "tissue_mg", end) - at(u, "tissue_mg", 0), tissue70 - tissue0);
}

}  // namespace
}  // namespace magsim
