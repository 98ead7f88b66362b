// Directions of the magnesium model's main mechanisms, each against the physiology it protects:
// filtration, acid-dependent dissolution of oxide under a PPI, the acute and reversible
// magnesiuria of a loop diuretic, thiazide TRPM6 down-regulation over weeks, saturable gut uptake
// (split doses), the up-regulation of TRPM6 in deficiency, and a Mg-poor diet lowering plasma far
// more than cell Mg (Shils 1969). Whole runs from steady state with
// the default parameters; each comparison is between two runs that differ in one input only.
#include <gtest/gtest.h>

#include <cmath>

#include <string>
#include <vector>

#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "tests/model_runs.hpp"

namespace magsim {
namespace {

namespace mg = models::magnesium;

using testing::at;
using testing::between;
using testing::run;
int output(const std::string& name) { return testing::output_index(name); }

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
  // Oxide needs gastric acid to dissolve; a PPI removes most of it (Lindberg 1990; models/magnesium/README.md).
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
  // A day later the magnesiuria is over: the rate is no longer above the undosed run's but below it:
  // the post-diuretic braking (Wilcox 1983, loop_adaptation), the loop's status adaptation and the
  // lower serum retain Mg and pay back the loss, so the net extra loss by 48 h is smaller than the
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


// --- Drugs added for issue 9 (models/magnesium/drugs.hpp) ---

engine::Medication iv_doses(const std::string& drug, double dose_mg, std::vector<double> at_h) {
  engine::Medication m;
  m.drug = drug;
  m.route = "iv";
  m.dose_mg = dose_mg;
  m.timing.at_h = std::move(at_h);
  return m;
}

double day_mean(const engine::MemorySink& s, const std::string& name, double day) {
  const int k = output(name);
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i < s.time.size(); ++i)
    if (s.time[i] >= (day - 1) * 24 && s.time[i] <= day * 24) {
      sum += s.output(i, k);
      ++n;
    }
  return n ? sum / n : 0.0;
}

TEST(Drugs, ChronicFurosemideAdapts) {
  // Kieboom 2018: chronic loop-diuretic users have serum Mg no lower than non-users. The kidney
  // adapts (distal hypertrophy, braking, proximal reabsorption: Wilcox 1983), and the adaptation
  // is what keeps serum up: without it the same regimen lowers serum by several hundredths.
  auto sc = subject(300);
  sc.duration_h = 120 * 24;
  sc.output.interval_h = 2;
  const auto none = run(sc);
  sc.medications = {daily_drug("furosemide", 40, 0)};
  const auto dosed = run(sc);
  auto off = sc;
  off.parameters = {{"loop.adaptation_proximal_gain", 0.0, {}}, {"loop.adaptation_distal_gain", 0.0, {}}};
  const auto unadapted = run(off);
  const double change = day_mean(dosed, "serum_mg_total", 120) - day_mean(none, "serum_mg_total", 120);
  const double change_unadapted = day_mean(unadapted, "serum_mg_total", 120) - day_mean(none, "serum_mg_total", 120);
  EXPECT_GT(change, -0.008);                  // Kieboom 2018: no fall
  EXPECT_LT(change_unadapted, change - 0.04);  // the adaptation is doing the work
  EXPECT_GT(day_mean(dosed, "loop_adaptation", 120), 5.0);  // % of full adaptation
  // The acute magnesiuria is still there after months: urine Mg up in the 6 h after the dose ...
  const double t = 119 * 24 + 8;
  EXPECT_GT(between(dosed, "cum_urine", t, t + 6), between(none, "cum_urine", t, t + 6) + 0.5);
  // ... and the day's urine is back near balance (braking between doses).
  EXPECT_NEAR(between(dosed, "cum_urine", t - 24, t), between(none, "cum_urine", t - 24, t), 0.4);
}

TEST(Drugs, CisplatinRaisesFemgAboveNormal) {
  // Lam & Adelstein 1986: FEMg 2.9-22.3 % with hypomagnesemia after cisplatin; the wasting lasts
  // for months (slow repair). Three cycles of 75 mg/m2 every 3 weeks.
  auto sc = subject(300);
  sc.duration_h = 16 * 7 * 24;
  sc.output.interval_h = 6;
  const auto none = run(sc);
  const double bsa = 0.007184 * std::pow(70.0, 0.425) * std::pow(170.0, 0.725);
  sc.medications = {iv_doses("cisplatin", 75 * bsa, {0, 21 * 24, 42 * 24})};
  const auto dosed = run(sc);
  const double day = 63;
  EXPECT_GT(day_mean(dosed, "fe_mg", day), 1.3 * day_mean(none, "fe_mg", day));
  EXPECT_LT(day_mean(dosed, "serum_mg_total", day), 0.75);  // hypomagnesemic range
  // still wasting 7 weeks after the last cycle
  EXPECT_GT(day_mean(dosed, "renal_tubular_damage", 112), 15.0);
  EXPECT_LT(day_mean(dosed, "serum_mg_total", 112), day_mean(none, "serum_mg_total", 112) - 0.05);
}

TEST(Drugs, CisplatinInjuryScalesWithDosePerBodySurface) {
  // The same mg/m2 injures a small and a large subject alike; the same mg injures the larger less.
  auto damage = [](double weight, double height, double dose_mg) {
    auto sc = subject(300);
    sc.subject.weight_kg = weight;
    sc.subject.height_cm = height;
    sc.duration_h = 72;
    sc.medications = {iv_doses("cisplatin", dose_mg, {1})};
    return at(run(sc), "renal_tubular_damage", 72);
  };
  auto bsa = [](double w, double h) { return 0.007184 * std::pow(w, 0.425) * std::pow(h, 0.725); };
  const double small = damage(55, 160, 75 * bsa(55, 160));
  const double large = damage(95, 190, 75 * bsa(95, 190));
  EXPECT_NEAR(small, large, 0.02 * small);
  EXPECT_LT(damage(95, 190, 75 * bsa(55, 160)), 0.9 * small);
}

TEST(Drugs, GentamicinCourseLowersSerumMg) {
  // Zaloga 1984: usual aminoglycoside courses cause hypomagnesemia with renal wasting in over a third.
  auto sc = subject(300);
  sc.duration_h = 14 * 24;
  sc.output.interval_h = 2;
  const auto none = run(sc);
  auto m = daily_drug("gentamicin", 350, 0);
  m.route = "iv";
  m.timing.stop_h = 10 * 24;
  sc.medications = {m};
  const auto dosed = run(sc);
  EXPECT_LT(day_mean(dosed, "serum_mg_total", 10), day_mean(none, "serum_mg_total", 10) - 0.05);
  EXPECT_GT(day_mean(dosed, "fe_mg", 10), day_mean(none, "fe_mg", 10));
}

TEST(Drugs, CalcineurinInhibitorWastesMgTacrolimusMoreThanCyclosporine) {
  // Navaneethan 2006: FEMg 7.4 % on tacrolimus; hypomagnesemia 30 % on tacrolimus vs 7.7 % on
  // cyclosporine (Elsayed 2021).
  auto sc = subject(300, 60);
  sc.duration_h = 6 * 7 * 24;
  sc.output.interval_h = 6;
  const auto none = run(sc);
  auto bid = [](const std::string& drug, double mg) {
    auto m = daily_drug(drug, mg, 0);
    m.timing.times_of_day_h = {8, 20};
    return m;
  };
  sc.medications = {bid("tacrolimus", 4)};
  const auto tac = run(sc);
  sc.medications = {bid("cyclosporine", 150)};
  const auto csa = run(sc);
  const double day = 42;
  EXPECT_GT(day_mean(tac, "fe_mg", day), day_mean(none, "fe_mg", day) + 1.0);
  EXPECT_LT(day_mean(tac, "serum_mg_total", day), day_mean(csa, "serum_mg_total", day));
  EXPECT_LT(day_mean(csa, "serum_mg_total", day), day_mean(none, "serum_mg_total", day));
}

TEST(Drugs, EgfrAntibodyLowersSerumProgressively) {
  // Tejpar 2007: a steady fall over months on weekly cetuximab, not a step.
  auto sc = subject(300);
  sc.duration_h = 12 * 7 * 24;
  sc.output.interval_h = 6;
  std::vector<double> weekly;
  for (int w = 1; w < 12; ++w) weekly.push_back(w * 7 * 24.0);
  sc.medications = {iv_doses("cetuximab", 720, {0}), iv_doses("cetuximab", 450, weekly)};
  const auto dosed = run(sc);
  const double s0 = day_mean(dosed, "serum_mg_total", 1), s4 = day_mean(dosed, "serum_mg_total", 28),
               s8 = day_mean(dosed, "serum_mg_total", 56), s12 = day_mean(dosed, "serum_mg_total", 84);
  EXPECT_LT(s4, s0 - 0.02);
  EXPECT_LT(s8, s4 - 0.02);
  EXPECT_LT(s12, s8);
  EXPECT_LT(s0 - s4, 2.5 * (s4 - s8));  // no early step then plateau
}

TEST(Drugs, Sglt2InhibitorRaisesSerumSlightly) {
  // Tang 2016: +0.04 to +0.10 mmol/L after >= 24 w; mechanism uncertain.
  auto sc = subject(300);
  sc.duration_h = 12 * 7 * 24;
  sc.output.interval_h = 6;
  const auto none = run(sc);
  sc.medications = {daily_drug("dapagliflozin", 10, 0)};
  const auto dosed = run(sc);
  const double rise = day_mean(dosed, "serum_mg_total", 84) - day_mean(none, "serum_mg_total", 84);
  EXPECT_GT(rise, 0.04);
  EXPECT_LT(rise, 0.15);
  EXPECT_LT(day_mean(dosed, "fe_mg", 84), day_mean(none, "fe_mg", 84));  // more reabsorbed
}

TEST(Drugs, EthanolCausesMagnesiuriaForHoursThenItPasses) {
  // Kalbfleisch 1963: urine Mg 167-260 % of control after ethanol; Norberg 2003: roughly
  // zero-order elimination, so a 1 g/kg drink is gone in ~10-12 h.
  auto sc = subject(300);
  sc.duration_h = 60;
  sc.output.interval_h = 0.25;
  const auto none = run(sc);
  engine::Medication m;
  m.drug = "ethanol";
  m.dose_mg = 70000;  // 70 g, 1 g/kg
  m.timing.at_h = {33};
  sc.medications = {m};
  const auto dosed = run(sc);
  EXPECT_GT(between(dosed, "cum_urine", 33, 37), 1.5 * between(none, "cum_urine", 33, 37));
  EXPECT_GT(at(dosed, "blood_ethanol", 34.5), 0.8);  // g/L, peak within ~1-2 h
  EXPECT_LT(at(dosed, "blood_ethanol", 47), 0.05);   // cleared within ~14 h
  // near zero order: the fall over the 2nd-4th hour is close to linear
  const double d1 = at(dosed, "blood_ethanol", 35) - at(dosed, "blood_ethanol", 36);
  const double d2 = at(dosed, "blood_ethanol", 37) - at(dosed, "blood_ethanol", 38);
  EXPECT_NEAR(d1, d2, 0.15 * d1);
  EXPECT_NEAR(at(dosed, "urine_mg_rate", 57), at(none, "urine_mg_rate", 57), 0.25 * at(none, "urine_mg_rate", 57));
}

TEST(Drugs, AlcoholUseDisorderLowersSerumMg) {
  // Elisaf 1995: hypomagnesemia in ~30 % of alcoholic patients, half with renal wasting.
  auto sc = subject(300);
  sc.duration_h = 24;
  const auto none = run(sc);
  sc.subject.conditions = {"alcohol_use_disorder"};
  const auto aud = run(sc);
  EXPECT_LT(at(aud, "serum_mg_total", 24), at(none, "serum_mg_total", 24) - 0.08);
  EXPECT_GT(at(aud, "serum_mg_total", 24), 0.70);  // the mean patient is not hypomagnesemic
  EXPECT_GT(at(aud, "fe_mg", 24), at(none, "fe_mg", 24));
}

}  // namespace
}  // namespace magsim
