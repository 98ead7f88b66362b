// The magnesium model: its declared table, the exactness of its Jacobian, conservation of Mg,
// the healthy steady state against published physiology (validation case V1), and the directions
// of its main mechanisms. Tolerances are stated where they are used.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/model/errors.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "models/magnesium/model_internals.hpp"
#include "models/magnesium/renal.hpp"
#include "models/magnesium/serum_speciation.hpp"
#include "models/magnesium/whole_body.hpp"

namespace magsim {
namespace {

namespace mg = models::magnesium;
using mg::kNumStates;

const engine::ModelInfo& info() { return mg::model().info(); }

std::vector<double> defaults() {
  std::vector<double> p;
  for (const auto& pi : info().parameters) p.push_back(pi.value);
  return p;
}

int output_index(const std::string& name) {
  for (size_t i = 0; i < info().outputs.size(); ++i)
    if (info().outputs[i].name == name) return static_cast<int>(i);
  ADD_FAILURE() << "no output " << name;
  return 0;
}

// A plausible state away from the reference: every pool perturbed, food and salt in the gut,
// drugs on board.
std::vector<double> random_state(std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0.6, 1.4);
  std::vector<double> x = mg::reference_state(defaults());
  for (int i = 0; i < kNumStates; ++i) x[i] = (x[i] > 0 ? x[i] : 1.0) * u(rng);
  x[mg::st::ppi_pump_inhibition] = 0.5 * u(rng);
  x[mg::st::thiazide_dct_downregulation] = 0.2 * u(rng);
  x[mg::st::tubular_damage] = 0.1 * u(rng);
  return x;
}

engine::Scenario healthy_scenario(double mg_per_day = 325) {
  engine::Scenario sc;
  sc.file = "test";
  sc.subject.sex = "female";
  sc.subject.weight_kg = 70;
  sc.subject.height_cm = 170;
  sc.subject.egfr_ml_min_173 = 100;
  sc.diet.schedule = {{0, mg_per_day / 24.305 / 24.0}};
  sc.diet.meals_h = {7.5, 12.5, 19.0};
  sc.duration_h = 48;
  sc.output.interval_h = 0.5;
  return sc;
}

struct DayBalance {
  double serum_total, ionized_fraction, urine, absorbed, fecal, intake, fe_mg;
};

// Starts at steady state, runs with meals, and sums or averages the last day.
DayBalance last_day(const engine::Scenario& sc) {
  const auto problem = mg::make_problem(sc);
  engine::MemorySink sink;
  engine::simulate(mg::model(), problem, sink);
  const size_t n = sink.time.size();
  size_t i0 = 0;
  for (size_t i = 0; i < n; ++i)
    if (sink.time[i] <= sc.duration_h - 24.0 + 1e-9) i0 = i;
  auto diff = [&](const char* name) {
    const int k = output_index(name);
    return sink.output(n - 1, k) - sink.output(i0, k);
  };
  double serum = 0, ionized = 0, fe = 0;
  for (size_t i = i0; i < n; ++i) {
    serum += sink.output(i, output_index("serum_mg_total"));
    ionized += sink.output(i, output_index("serum_mg_ionized"));
    fe += sink.output(i, output_index("fe_mg"));
  }
  const double m = static_cast<double>(n - i0);
  return {serum / m, ionized / serum, diff("cum_urine"), diff("cum_absorbed"), diff("cum_fecal"),
          diff("cum_intake"), fe / m};
}

TEST(MagnesiumParameters, EveryParameterHasUnitRangeContainingValueAndSource) {
  const auto& ps = info().parameters;
  ASSERT_EQ(static_cast<int>(ps.size()), mg::kNumParameters);
  for (const auto& p : ps) {
    EXPECT_FALSE(p.name.empty());
    EXPECT_NE(p.name.find('.'), std::string::npos) << p.name << ": names are group.name";
    EXPECT_FALSE(p.unit.empty()) << p.name;
    EXPECT_FALSE(p.source.empty()) << p.name;
    EXPECT_TRUE(std::isfinite(p.min) && std::isfinite(p.max)) << p.name;
    EXPECT_LE(p.min, p.value) << p.name;
    EXPECT_GE(p.max, p.value) << p.name;
  }
}

TEST(MagnesiumModelTable, StatesOutputsAndRoutesAreDeclaredWithUnits) {
  ASSERT_EQ(static_cast<int>(info().states.size()), kNumStates);
  for (const auto& s : info().states) {
    EXPECT_FALSE(s.unit.empty()) << s.name;
    EXPECT_FALSE(s.description.empty()) << s.name;
    EXPECT_GT(s.scale, 0) << s.name;
  }
  for (const char* name : {"serum_mg_total", "serum_mg_ionized", "serum_mg_ultrafilterable", "rbc_mg", "tissue_mg",
                           "bone_mg", "gut_lumen_mg", "absorption_rate", "secretion_rate", "urine_mg_rate",
                           "fecal_mg_rate", "fe_mg", "gfr", "cum_intake", "cum_absorbed", "cum_secreted",
                           "cum_urine", "cum_fecal", "fecal_soluble_mg_rate", "diarrhea", "gastric_ph"})
    output_index(name);
  for (const auto& o : info().outputs) EXPECT_FALSE(o.unit.empty()) << o.name;
  EXPECT_EQ(info().intake_state, mg::st::cum_intake);
}

TEST(MagnesiumVocabulary, EveryOralSaltAndEffectiveDrugRouteHasAModelRoute) {
  auto has_route = [](const std::string& n) {
    for (const auto& r : info().routes)
      if (r.name == n) return true;
    return false;
  };
  const auto& v = mg::vocabulary();
  for (const auto& s : v.salts)
    if (s.oral) {
      EXPECT_TRUE(has_route("oral." + (s.alias_of.empty() ? s.name : s.alias_of))) << s.name;
    }
  EXPECT_TRUE(has_route("iv"));
  EXPECT_TRUE(has_route("oral.food"));
  for (const auto& d : v.drugs) {
    if (d.chelates_with_mg) continue;  // no Mg effect: recorded as events only
    for (const auto& route : d.routes) EXPECT_TRUE(has_route("drug." + d.name + "." + route)) << d.name << " " << route;
  }
}

TEST(MagnesiumNumerics, DualJacobianMatchesCentralDifferences) {
  const auto p = defaults();
  std::mt19937 rng(7);
  for (int trial = 0; trial < 4; ++trial) {
    const auto x = random_state(rng);
    const double signals[] = {trial % 2 == 0 ? 0.0 : 1.0};
    std::vector<double> jac(kNumStates * kNumStates);
    mg::model().jacobian(0, x.data(), p.data(), signals, jac.data());
    for (int j = 0; j < kNumStates; ++j) {
      const double h = 1e-6 * std::max(std::abs(x[j]), 1e-3);
      auto xp = x, xm = x;
      xp[j] += h;
      xm[j] -= h;
      std::vector<double> fp(kNumStates), fm(kNumStates);
      mg::model().rhs(0, xp.data(), p.data(), signals, fp.data());
      mg::model().rhs(0, xm.data(), p.data(), signals, fm.data());
      for (int i = 0; i < kNumStates; ++i) {
        const double fd = (fp[i] - fm[i]) / (2 * h);
        const double exact = jac[i * kNumStates + j];
        // relative 1e-6, with an absolute floor for entries that are zero analytically
        EXPECT_NEAR(exact, fd, 1e-6 * std::max(std::abs(fd), 1.0))
            << "d " << info().states[i].name << " / d " << info().states[j].name;
      }
    }
  }
}

TEST(MagnesiumMassBalance, RightHandSideConservesDeclaredInvariant) {
  const auto& w = info().conserved_weights;
  ASSERT_EQ(static_cast<int>(w.size()), kNumStates);
  const auto p = defaults();
  std::mt19937 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    const auto x = random_state(rng);
    const double signals[] = {static_cast<double>(trial % 3)};
    std::vector<double> f(kNumStates);
    mg::model().rhs(0, x.data(), p.data(), signals, f.data());
    double sum = 0, scale = 0;
    for (int i = 0; i < kNumStates; ++i) {
      sum += w[i] * f[i];
      scale += std::abs(w[i] * f[i]);
    }
    EXPECT_LE(std::abs(sum), 1e-12 * std::max(scale, 1.0));
  }
}

TEST(MagnesiumMassBalance, EveryRouteConservesDeclaredInvariant) {
  const auto& w = info().conserved_weights;
  for (const auto& r : info().routes) {
    double sum = 0;
    // at the declared shares and at shares a scenario may set (a parameter-linked share and its
    // complement go to states of equal weight, so any value conserves)
    for (double v : {-1.0, 0.0, 0.3, 1.0, 2.0}) {
      std::vector<double> p = info().default_parameters();
      for (const auto& t : r.targets)
        if (t.parameter >= 0) p[t.parameter] = v;
      double sum = 0;
      for (const auto& t : r.targets) sum += w[t.state] * t.share(p.data());
      EXPECT_NEAR(sum, 0.0, 1e-15) << r.name << " at share " << v;
    }
  }
  // drug states carry no Mg
  for (int i = mg::st::ppi_gut; i < kNumStates; ++i) EXPECT_EQ(w[i], 0.0) << info().states[i].name;
}

TEST(SerumSpeciation, ReferenceSerumIsAboutSeventyPercentUltrafilterable) {
  const auto p = defaults();
  const auto c = mg::subject_constants(p.data());
  const auto x = mg::reference_state(p);
  const auto s = mg::serum_speciation(x[mg::st::ecf], c, p.data());
  EXPECT_NEAR(s.ionized, p[mg::par::serum_reference_ionized], 1e-12);
  EXPECT_NEAR(s.ultrafilterable / s.total, 0.70, 0.05);  // Ryschon 1996
  EXPECT_NEAR(s.protein_bound / s.total, 0.30, 0.05);    // Boron tbl 36-8
  // Less albumin: same ionized Mg, lower total (why hypoalbuminemia lowers total serum Mg).
  auto low = p;
  low[mg::par::serum_albumin] = 25;
  const auto s2 = mg::serum_speciation(x[mg::st::ecf], mg::subject_constants(low.data()), low.data());
  EXPECT_LT(s2.total - s2.ionized, s.total - s.ionized);
}

TEST(HealthyAdult, SteadyStateMatchesPublishedBalance) {
  // The start is the steady state of day-averaged inputs; three days with meals settle the gut
  // and fast pools onto the daily cycle before the last day is measured.
  auto sc = healthy_scenario(325);
  sc.duration_h = 96;
  const auto d = last_day(sc);
  // V1 (IOM 1997; Greenway 1996; Elisaf 1997; Nielsen 2016; Sabatier 2003)
  EXPECT_GE(d.serum_total, 0.75);
  EXPECT_LE(d.serum_total, 0.95);
  EXPECT_GE(d.ionized_fraction, 0.58);
  EXPECT_LE(d.ionized_fraction, 0.68);
  EXPECT_GE(d.urine, 3.0);
  EXPECT_LE(d.urine, 5.0);
  EXPECT_GE(d.fe_mg, 1.0);
  EXPECT_LE(d.fe_mg, 5.0);
  EXPECT_GE(d.absorbed / d.intake, 0.30);
  EXPECT_LE(d.absorbed / d.intake, 0.50);
  // at steady state, net absorption (intake - feces) equals urinary excretion (within 5 %)
  EXPECT_NEAR(d.intake - d.fecal, d.urine, 0.05 * d.urine);
}

TEST(HealthyAdult, SteadyStateBodyPoolsMatchReferenceComposition) {
  const auto problem = mg::make_problem(healthy_scenario(325));
  const auto ss = engine::find_steady_state(mg::model(), problem.parameters, problem.schedule.steady_route_rates,
                                            problem.schedule.steady_signals, problem.initial_state, problem.solver);
  std::vector<double> y(info().outputs.size());
  const double signals[] = {problem.schedule.steady_signals[0]};
  mg::model().outputs(0, ss.state.data(), problem.parameters.data(), signals, y.data());
  const double body = y[output_index("total_body_mg")];
  EXPECT_NEAR(body, 1000, 150);                                // IOM 1997: ~1000 mmol
  EXPECT_NEAR(y[output_index("bone_mg")] / body, 0.57, 0.07);  // 50-65 %
  EXPECT_NEAR(y[output_index("rbc_mg")], 2.2, 0.3);            // 1.9-2.5 mmol/L cells
  EXPECT_NEAR(y[output_index("ecf_mg")] / body, 0.01, 0.005);  // ~1 %
}

TEST(RenalHandling, HigherGfrExcretesMoreAtTheSameSerum) {
  const auto p = defaults();
  const mg::RenalModifiers<double> none{0, 0, 0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  const auto low = mg::renal_handling(0.53, 0.60, 4.0, none, p.data());
  const auto high = mg::renal_handling(0.53, 0.60, 8.0, none, p.data());
  EXPECT_GT(high.urine, low.urine);
  EXPECT_GT(high.filtered, low.filtered);
}

TEST(RenalHandling, LoopDiureticAndThiazideRaiseExcretionAtTheSameSerum) {
  const auto p = defaults();
  const auto base = mg::renal_handling(0.53, 0.60, 6.0, mg::RenalModifiers<double>{0, 0, 0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, p.data());
  const auto loop = mg::renal_handling(0.53, 0.60, 6.0, mg::RenalModifiers<double>{0.5, 0, 0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, p.data());
  const auto thz = mg::renal_handling(0.53, 0.60, 6.0, mg::RenalModifiers<double>{0, 0.3, 0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, p.data());
  EXPECT_GT(loop.urine, 2 * base.urine);
  EXPECT_GT(thz.urine, base.urine);
}

TEST(RenalHandling, FractionalExcretionRisesAndSerumRisesAsGfrFalls) {
  double last_fe = 0, last_serum = 0;
  for (double egfr : {90.0, 60.0, 30.0, 15.0}) {
    auto sc = healthy_scenario(300);
    sc.subject.egfr_ml_min_173 = egfr;
    const auto d = last_day(sc);
    EXPECT_GT(d.fe_mg, last_fe) << egfr;
    EXPECT_GT(d.serum_total, last_serum) << egfr;
    if (egfr >= 60) {
      EXPECT_LE(d.serum_total, 0.95) << egfr;  // V11: normal at 90 and 60
    }
    last_fe = d.fe_mg;
    last_serum = d.serum_total;
  }
}

// Absorption of one 12 mmol dose taken with breakfast, on or off omeprazole 20 mg/d.
double absorbed_from_dose(const std::string& form, bool on_ppi) {
  auto sc = healthy_scenario(300);
  sc.duration_h = 96;
  engine::Supplement s;
  s.form = form;
  s.dose_mmol = 12;
  s.with_meal = true;
  s.timing.at_h = {32};
  if (on_ppi) {
    engine::Medication m;
    m.drug = "omeprazole";
    m.dose_mg = 20;
    m.timing.times_of_day_h = {7};
    m.timing.start_h = -365 * 24;
    sc.medications = {m};
  }
  auto run = [&](double dose) {
    sc.supplements = {s};
    sc.supplements[0].dose_mmol = dose;
    engine::MemorySink sink;
    engine::simulate(mg::model(), mg::make_problem(sc), sink);
    return sink.output(sink.time.size() - 1, output_index("cum_absorbed"));
  };
  return run(12) - run(0);
}

TEST(GutAbsorption, PpiCutsOxideAbsorptionMoreThanCitrate) {
  const double citrate_off = absorbed_from_dose("citrate", false);
  const double citrate_on = absorbed_from_dose("citrate", true);
  const double oxide_off = absorbed_from_dose("oxide", false);
  const double oxide_on = absorbed_from_dose("oxide", true);
  EXPECT_LT(oxide_on, oxide_off);
  EXPECT_LT(oxide_on / oxide_off, citrate_on / citrate_off);
}

TEST(GutAbsorption, FractionalAbsorptionFallsAsLoadRises) {
  // Fine 1991: absorbed amount keeps rising while the absorbed fraction falls.
  double last_amount = 0, last_fraction = 1;
  for (double load : {2.0, 10.0, 20.0, 40.0}) {
    auto sc = healthy_scenario(300);
    sc.duration_h = 72;
    engine::Supplement s;
    s.form = "acetate";
    s.with_meal = true;
    s.timing.at_h = {32};
    auto run = [&](double dose) {
      s.dose_mmol = dose;
      sc.supplements = {s};
      engine::MemorySink sink;
      engine::simulate(mg::model(), mg::make_problem(sc), sink);
      return sink.output(sink.time.size() - 1, output_index("cum_absorbed"));
    };
    const double amount = run(load) - run(0);
    EXPECT_GT(amount, last_amount) << load;
    EXPECT_LT(amount / load, last_fraction) << load;
    last_amount = amount;
    last_fraction = amount / load;
  }
}

TEST(ScenarioMapping, PregnancyInAMaleSubjectIsRejectedWithItsPosition) {
  auto sc = healthy_scenario();
  sc.subject.sex = "male";
  sc.subject.conditions = {"pregnancy"};
  sc.subject.mark = {7, 3};
  try {
    mg::make_problem(sc);
    FAIL() << "expected a ScenarioError";
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.line(), 7);
    EXPECT_EQ(e.column(), 3);
  }
}

TEST(ScenarioMapping, ParameterOverridesWinOverSubjectAndConditions) {
  auto sc = healthy_scenario();
  sc.subject.conditions = {"pregnancy"};
  sc.parameters = {{"renal.gfr_scale", 1.0, {}}, {"pregnancy.volume_factor", 1.2, {}}};
  const auto pr = mg::make_problem(sc);
  EXPECT_DOUBLE_EQ(pr.parameters[mg::par::renal_gfr_scale], 1.0);
  EXPECT_DOUBLE_EQ(pr.parameters[mg::par::body_ecf_volume_per_kg], 0.20 * 1.2);
}

TEST(ScenarioMapping, MealsBecomeFoodBolusesAndMealSignalPulses) {
  auto sc = healthy_scenario(243.05);  // 10 mmol/d
  sc.duration_h = 24;
  const auto pr = mg::make_problem(sc);
  double food = 0;
  int meals = 0;
  double signal_sum = 0;
  engine::for_each_change(pr.schedule, [&](const engine::TimelineChange& c) {
    if (c.kind == engine::SeriesAction::Kind::Bolus) {
      food += c.amount;
      ++meals;
    } else if (c.kind == engine::SeriesAction::Kind::Signal) {
      signal_sum += c.amount;
    }
  });
  EXPECT_EQ(meals, 3);
  EXPECT_NEAR(food, 10.0, 1e-9);
  EXPECT_NEAR(signal_sum, 0.0, 1e-12);  // every meal ends within the day
  EXPECT_NEAR(pr.schedule.steady_route_rates[0] * 24, 10.0, 1e-9);
  EXPECT_GT(pr.schedule.steady_signals[0], 0.0);
}

TEST(ScenarioMapping, DailyDosesInForceAtZeroEnterTheSteadyInputs) {
  auto sc = healthy_scenario();
  engine::Medication m;
  m.drug = "omeprazole";
  m.dose_mg = 20;
  m.timing.times_of_day_h = {7};
  m.timing.start_h = -100;
  sc.medications = {m};
  const auto pr = mg::make_problem(sc);
  int route = -1;
  for (size_t r = 0; r < info().routes.size(); ++r)
    if (info().routes[r].name == "drug.omeprazole.oral") route = static_cast<int>(r);
  ASSERT_GE(route, 0);
  EXPECT_NEAR(pr.schedule.steady_route_rates[route], 20.0 / 24.0, 1e-12);
}

}  // namespace
}  // namespace magsim

TEST(OutputTimes, LabDrawsAreSampledBetweenTheIntervalSamples) {
  magsim::engine::Scenario sc;
  sc.diet = magsim::engine::default_diet();
  sc.duration_h = 8;
  sc.output.interval_h = 1;
  sc.output.times_h = {0.5, 2, 2.25};
  magsim::engine::Infusion inf;
  inf.loading_mmol = 16;
  inf.loading_over_h = 1.0 / 3;
  inf.rate_mmol_per_h = 4;
  inf.duration_h = 7;
  sc.infusions.push_back(inf);
  magsim::engine::MemorySink sink;
  const auto stats = magsim::engine::simulate(magsim::models::magnesium::model(),
                                              magsim::models::magnesium::make_problem(sc), sink);
  EXPECT_EQ(sink.time, (std::vector<double>{0, 0.5, 1, 2, 2.25, 3, 4, 5, 6, 7, 8}));
  EXPECT_LT(stats.mass_balance_relative_error, 1e-9);
  // The 0.5 h draw sees the loading dose (given over the first 20 min).
  const int k = magsim::models::magnesium::model().info().find_output("serum_mg_total");
  ASSERT_GE(k, 0);
  EXPECT_GT(sink.output(1, k), sink.output(0, k));
}
