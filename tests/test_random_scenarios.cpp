// Property test over random scenarios from a fixed seed: whatever the doses, salts, kidney
// function, drugs and conditions, the magnesium model keeps every amount non-negative (within
// the solver's tolerance), conserves Mg (intake = body change + urine + feces) to 1e-8 relative,
// and keeps serum Mg within physically possible bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim {
namespace {

namespace mg = models::magnesium;

template <class T>
const T& pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

engine::Scenario random_scenario(std::mt19937& rng, int index) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto in = [&](double lo, double hi) { return lo + (hi - lo) * u(rng); };
  engine::Scenario sc;
  sc.file = "random_" + std::to_string(index);
  sc.subject.sex = u(rng) < 0.5 ? "female" : "male";
  sc.subject.age_y = in(18, 95);
  sc.subject.weight_kg = in(40, 140);
  if (u(rng) < 0.5) sc.subject.height_cm = in(145, 200);
  sc.subject.egfr_ml_min_173 = in(10, 150);
  if (u(rng) < 0.3) sc.subject.albumin_g_per_L = in(20, 50);
  const std::vector<std::string> conditions{"crohns", "chronic_diarrhea", "ileal_resection", "alcohol_use_disorder"};
  for (const auto& c : conditions)
    if (u(rng) < 0.15) sc.subject.conditions.push_back(c);
  if (sc.subject.sex == "female" && sc.subject.age_y < 45 && u(rng) < 0.3) sc.subject.conditions.push_back("pregnancy");

  sc.duration_h = in(24, 21 * 24);
  sc.output.interval_h = 2;
  sc.diet.schedule = {{0, in(50, 600) / 24.305 / 24}};
  if (u(rng) < 0.3) sc.diet.schedule.push_back({in(0, sc.duration_h), in(0, 600) / 24.305 / 24});
  if (u(rng) < 0.8) sc.diet.meals_h = {7.5, 12.5, 19.0};

  const std::vector<std::string> salts{"oxide", "citrate", "chloride", "glycinate", "sulfate", "lactate", "hydroxide"};
  const int n_sup = std::uniform_int_distribution<int>(0, 2)(rng);
  for (int k = 0; k < n_sup; ++k) {
    engine::Supplement s;
    s.form = pick(rng, salts);
    s.dose_mmol = in(1, 40);
    s.with_meal = u(rng) < 0.5;
    if (u(rng) < 0.5) {
      s.timing.times_of_day_h = {8, 20};
      s.timing.start_h = u(rng) < 0.5 ? -1000 : in(0, sc.duration_h);
    } else {
      s.timing.at_h = {in(0, sc.duration_h)};
    }
    sc.supplements.push_back(s);
  }
  if (u(rng) < 0.25) {
    engine::Infusion inf;
    inf.loading_mmol = in(0, 20);
    inf.loading_over_h = in(0, 1);
    inf.rate_mmol_per_h = in(0, 6);
    inf.start_h = in(0, sc.duration_h);
    inf.duration_h = in(1, 24);
    sc.infusions.push_back(inf);
  }
  struct DrugChoice {
    const char* name;
    const char* route;
    double lo, hi;
  };
  const std::vector<DrugChoice> drugs{
      {"omeprazole", "oral", 10, 40},   {"esomeprazole", "oral", 20, 40}, {"pantoprazole", "oral", 20, 80},
      {"lansoprazole", "oral", 15, 30}, {"furosemide", "oral", 20, 120}, {"furosemide", "iv", 20, 80},
      {"bumetanide", "oral", 1, 4},     {"torsemide", "oral", 10, 40},   {"hydrochlorothiazide", "oral", 12.5, 50},
      {"chlorthalidone", "oral", 12.5, 25}, {"cisplatin", "iv", 50, 150}, {"gentamicin", "iv", 200, 500}};
  const int n_drug = std::uniform_int_distribution<int>(0, 2)(rng);
  for (int k = 0; k < n_drug; ++k) {
    const auto& d = pick(rng, drugs);
    engine::Medication m;
    m.drug = d.name;
    m.route = d.route;
    m.dose_mg = in(d.lo, d.hi);
    if (std::string(d.name) == "cisplatin" || u(rng) < 0.3) {
      m.timing.at_h = {in(0, sc.duration_h)};
    } else {
      m.timing.times_of_day_h = {8};
      m.timing.start_h = u(rng) < 0.5 ? -2000 : in(0, sc.duration_h);
    }
    sc.medications.push_back(m);
  }
  return sc;
}

TEST(RandomScenarios, AmountsStayNonNegativeMassIsConservedAndSerumStaysPossible) {
  std::mt19937 rng(20240611);
  const auto& info = mg::model().info();
  const int serum = info.find_output("serum_mg_total");
  ASSERT_GE(serum, 0);
  for (int trial = 0; trial < 40; ++trial) {
    const engine::Scenario sc = random_scenario(rng, trial);
    SCOPED_TRACE(sc.file + ": egfr " + std::to_string(sc.subject.egfr_ml_min_173) + ", " +
                 std::to_string(sc.supplements.size()) + " supplements, " + std::to_string(sc.medications.size()) +
                 " drugs, " + std::to_string(sc.infusions.size()) + " infusions, " +
                 std::to_string(sc.subject.conditions.size()) + " conditions");
    engine::MemorySink sink;
    const auto stats = engine::simulate(mg::model(), mg::make_problem(sc), sink);
    EXPECT_LE(stats.mass_balance_relative_error, 1e-8);
    for (size_t i = 0; i < sink.time.size(); ++i) {
      for (size_t j = 0; j < info.states.size(); ++j) {
        // non-negative beyond the absolute tolerance the solver is allowed on this state
        const double tol = 1e-6 * info.states[j].scale;
        ASSERT_GE(sink.state(i, j), -tol) << info.states[j].name << " at t = " << sink.time[i] << " h";
      }
      const double s = sink.output(i, serum);
      ASSERT_GT(s, 0.1) << "t = " << sink.time[i] << " h";
      ASSERT_LT(s, 10.0) << "t = " << sink.time[i] << " h";
    }
  }
}

}  // namespace
}  // namespace magsim
