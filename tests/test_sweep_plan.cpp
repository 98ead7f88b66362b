// What these tests protect: a sweep file means what it says (runs cross point x grid x arm with the
// arm fastest; the edits of run i build its scenario), a virtual subject is a pure function of
// (seed, subject) and honours its distributions, every mistake in a sweep file is reported at its
// place (tests/bad_sweeps/*.yaml), and a run's record depends on nothing but its index.
//
// Statistical bounds are 5 standard errors under the claimed distribution, at fixed seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "app/sweep.hpp"
#include "engine/model/errors.hpp"
#include "engine/sweep/population.hpp"
#include "engine/scenario/parser.hpp"
#include "models/magnesium/magnesium.hpp"
#include "tests/expected_errors.hpp"

namespace magsim {
namespace {

namespace fs = std::filesystem;
using engine::sweep::CovariateSpec;

std::string sweep_path(const std::string& name) {
  return std::string(MAGSIM_SOURCE_DIR) + "/tests/sweeps/" + name;
}

// ---- populations --------------------------------------------------------------------------------

TEST(Population, SubjectsArePureFunctionsOfSeedAndIndex) {
  const engine::sweep::PopulationSampler a(models::magnesium::reference_population(), 7);
  const engine::sweep::PopulationSampler b(models::magnesium::reference_population(), 7);
  const engine::sweep::PopulationSampler c(models::magnesium::reference_population(), 8);
  // b draws in reverse order: subject 3 must not depend on what was drawn before it.
  std::vector<std::vector<engine::sweep::CovariateValue>> rev;
  for (int s = 9; s >= 0; --s) rev.push_back(b.covariates(static_cast<std::uint64_t>(s)));
  for (int s = 0; s < 10; ++s) {
    const auto x = a.covariates(static_cast<std::uint64_t>(s));
    const auto& y = rev[static_cast<std::size_t>(9 - s)];
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t k = 0; k < x.size(); ++k) {
      EXPECT_EQ(x[k].number, y[k].number);
      EXPECT_EQ(x[k].text, y[k].text);
      EXPECT_EQ(x[k].edit, y[k].edit);
    }
    EXPECT_EQ(a.multipliers(static_cast<std::uint64_t>(s)),
              b.multipliers(static_cast<std::uint64_t>(s)));
  }
  EXPECT_NE(a.covariates(0)[1].number, c.covariates(0)[1].number) << "seed must matter";
}

TEST(Population, DistributionsBoundsPrevalencesAndTheAgeDependenceOfEgfr) {
  const auto& spec = models::magnesium::reference_population();
  const engine::sweep::PopulationSampler p(spec, 3);
  auto index = [&](const std::string& name) {
    for (std::size_t k = 0; k < spec.covariates.size(); ++k)
      if (spec.covariates[k].name == name) return k;
    ADD_FAILURE() << "no covariate " << name;
    return std::size_t{0};
  };
  const std::size_t age = index("age"), egfr = index("egfr"), ppi = index("ppi"),
                    sex = index("sex"), weight = index("weight");
  const int n = 20000;
  double ppi_count = 0, female = 0, sa = 0, se = 0, saa = 0, sae = 0;
  std::vector<double> log_weight;
  for (int s = 0; s < n; ++s) {
    const auto v = p.covariates(static_cast<std::uint64_t>(s));
    for (std::size_t k = 0; k < v.size(); ++k) {
      const CovariateSpec& c = spec.covariates[k];
      if (c.kind != CovariateSpec::Kind::Categorical && c.kind != CovariateSpec::Kind::Flag) {
        ASSERT_GE(v[k].number, c.lower) << c.name;
        ASSERT_LE(v[k].number, c.upper) << c.name;
      }
    }
    ppi_count += v[ppi].number;
    female += v[sex].text == "female";
    EXPECT_EQ(v[ppi].edit.empty(), v[ppi].number == 0);
    if (v[ppi].number == 1) {
      EXPECT_EQ(v[ppi].edit.rfind("medications[+]={drug: omeprazole", 0), 0u) << v[ppi].edit;
    }
    sa += v[age].number;
    se += v[egfr].number;
    saa += v[age].number * v[age].number;
    sae += v[age].number * v[egfr].number;
    log_weight.push_back(std::log(v[weight].number));
  }
  const double prev = spec.covariates[ppi].prevalence;
  EXPECT_NEAR(ppi_count / n, prev, 5 * std::sqrt(prev * (1 - prev) / n));
  EXPECT_NEAR(female / n, 0.51, 5 * std::sqrt(0.25 / n));
  // eGFR falls with age: the regression slope is near the declared -0.9 per year (the log-normal
  // spread around the median and the truncation make it a little flatter, never positive).
  const double slope = (sae / n - sa / n * se / n) / (saa / n - sa / n * sa / n);
  EXPECT_LT(slope, -0.6);
  EXPECT_GT(slope, -1.1);
  // Weight: log-normal with the declared median (80 kg); the median of the draws within 5 SE.
  std::nth_element(log_weight.begin(), log_weight.begin() + n / 2, log_weight.end());
  const double sigma = std::sqrt(std::log1p(0.23 * 0.23));
  EXPECT_NEAR(log_weight[n / 2], std::log(80.0), 5 * 1.2533 * sigma / std::sqrt(n));
}

TEST(Population, BadSpecsAreClearErrors) {
  engine::sweep::PopulationSpec spec = models::magnesium::reference_population();
  spec.covariates[1].depends_on = "no_such";
  EXPECT_THROW(engine::sweep::PopulationSampler(spec, 1), std::invalid_argument);
  spec = models::magnesium::reference_population();
  spec.variability.correlation = Eigen::MatrixXd::Constant(2, 2, 1.5);
  try {
    engine::sweep::PopulationSampler(spec, 1);
    FAIL() << "a correlation above 1 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("positive definite"), std::string::npos) << e.what();
  }
}

TEST(Population, NormalQuantileInvertsTheCdf) {
  for (double p : {1e-10, 0.01, 0.3, 0.5, 0.8, 0.999}) {
    const double z = engine::sweep::normal_quantile(p);
    EXPECT_NEAR(0.5 * std::erfc(-z / std::sqrt(2.0)), p, 1e-12 * std::max(1.0, 1 / p) * p);
  }
}

// ---- appending to a list with --set -------------------------------------------------------------

TEST(ScenarioAppend, PlusIndexAppendsAnItemAndCreatesTheList) {
  const auto& vocab = models::magnesium::vocabulary();
  const std::string item = "medications[+]={drug: omeprazole, dose: 20 mg, times: ['07:00']}";
  const auto s1 = engine::parse_scenario_text("duration: 1 d\n", "x.yaml", vocab, {item});
  ASSERT_EQ(s1.medications.size(), 1u);
  EXPECT_EQ(s1.medications[0].drug, "omeprazole");
  const auto s2 = engine::parse_scenario_text("duration: 1 d\n", "x.yaml", vocab, {item, item});
  EXPECT_EQ(s2.medications.size(), 2u);
  try {
    engine::parse_scenario_text("duration: 1 d\n", "x.yaml", vocab, {"duration[+]=2 d"});
    FAIL() << "appended to a scalar";
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.file(), "--set");
    EXPECT_EQ(e.column(), 9);
  }
}

// ---- plans --------------------------------------------------------------------------------------

TEST(SweepPlan, RunsCrossGridAndArmsWithTheArmFastest) {
  const app::PreparedSweep s = app::prepare_sweep(sweep_path("small_grid.yaml"));
  ASSERT_EQ(s.layout.runs, 12u);  // 3 doses x 2 eGFRs x 2 arms
  const auto& cols = s.layout.inputs;
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[0].name, "supplements[0].dose");
  EXPECT_EQ(cols[0].unit, "mg");
  EXPECT_EQ(cols[2].name, "arm");
  EXPECT_FALSE(cols[2].numeric);
  const auto r5 = s.plan->run(5);  // dose 150 mg, eGFR 30, oxide
  EXPECT_EQ(r5.inputs[0].number, 150);
  EXPECT_EQ(r5.inputs[1].number, 30);
  EXPECT_EQ(r5.inputs[2].text, "oxide");
  const std::vector<std::string>& e = r5.edits;
  EXPECT_NE(std::find(e.begin(), e.end(), "supplements[0].form=oxide"), e.end());
  EXPECT_NE(std::find(e.begin(), e.end(), "supplements[0].dose=150 mg"), e.end());
  EXPECT_THROW(s.plan->run(12), std::out_of_range);
  // The summary unit of a threshold metric is hours; its column name holds no '/'.
  EXPECT_EQ(s.layout.summaries[5].name, "serum_mg_total.time_above(0.95 mmol per L)");
  EXPECT_EQ(s.layout.summaries[5].unit, "h");
  EXPECT_EQ(s.layout.series.size(), 2u);
  EXPECT_EQ(s.layout.series_time_h.size(), 49u);  // 4 d every 2 h
}

TEST(SweepPlan, SampledValuesStayInTheirRangesAndPopulationsPairTheArms) {
  const app::PreparedSweep lhs = app::prepare_sweep(sweep_path("latin_hypercube.yaml"));
  ASSERT_EQ(lhs.layout.runs, 16u);
  for (std::uint64_t i = 0; i < 16; ++i) {
    const auto r = lhs.plan->run(i);
    EXPECT_GE(r.inputs[1].number, 50);
    EXPECT_LT(r.inputs[1].number, 800);
    EXPECT_GE(r.inputs[2].number, 20);
    EXPECT_LT(r.inputs[2].number, 120);
  }
  const app::PreparedSweep pop = app::prepare_sweep(sweep_path("small_population.yaml"));
  ASSERT_EQ(pop.layout.runs, 24u);
  for (std::uint64_t subject = 0; subject < 12; ++subject) {
    const auto a = pop.plan->run(2 * subject), b = pop.plan->run(2 * subject + 1);
    EXPECT_EQ(a.inputs.back().text, "no_ppi");
    EXPECT_EQ(b.inputs.back().text, "ppi");
    for (std::size_t k = 0; k + 1 < a.inputs.size(); ++k) {
      EXPECT_EQ(a.inputs[k].number, b.inputs[k].number) << "subject differs between arms";
      EXPECT_EQ(a.inputs[k].text, b.inputs[k].text);
    }
    EXPECT_EQ(b.edits.size(), a.edits.size() + 1);
    EXPECT_EQ(b.edits.back().rfind("medications[+]=", 0), 0u);
  }
}

TEST(SweepPlan, SetOnTheCommandLineEditsTheSweepFile) {
  const app::PreparedSweep s =
      app::prepare_sweep(sweep_path("small_population.yaml"), {"sweep.population.n=3"});
  EXPECT_EQ(s.layout.runs, 6u);
  const app::PreparedSweep full = app::prepare_sweep(sweep_path("small_population.yaml"));
  EXPECT_NE(s.layout.fingerprint, full.layout.fingerprint);
  try {
    app::prepare_sweep(sweep_path("small_population.yaml"), {"sweep.population.n=-1"});
    FAIL() << "n = -1 accepted";
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.file(), "--set");
  }
}

TEST(SweepRun, ARecordDependsOnlyOnItsIndex) {
  const app::PreparedSweep s = app::prepare_sweep(sweep_path("small_grid.yaml"));
  engine::sweep::RunRecord a = app::compute_run(s, 7);
  app::compute_run(s, 3);
  engine::sweep::RunRecord b = app::compute_run(s, 7);
  ASSERT_EQ(a.status, engine::sweep::RunStatus::Ok) << a.message;
  a.wall_time_s = b.wall_time_s = 0;
  EXPECT_EQ(engine::sweep::encode_record(a), engine::sweep::encode_record(b));
  ASSERT_EQ(a.series.size(), 2u);
  EXPECT_EQ(a.series[0].size(), s.layout.series_time_h.size());
  EXPECT_EQ(a.series[0].back(), a.summaries[0]) << "series end = serum_mg_total.final";
}

TEST(SweepRun, TimeAboveAThresholdIsZeroOrTheWholeRunAtTheExtremes) {
  const std::string base = std::string(MAGSIM_SOURCE_DIR) + "/scenarios/healthy_adult.yaml";
  const std::string text = "base: " + base + R"(
set: {duration: 2 d, output: {interval: 3 h}}
sweep:
  grid: {subject.egfr: ["90 mL/min/1.73m2"]}
summary: [serum_mg_total.time_above(0.1 mmol/L), serum_mg_total.time_below(0.1 mmol/L),
          serum_mg_total.time_below(30 mg/dL), absorbed_fraction, retention,
          net_absorbed_fraction]
)";
  const app::PreparedSweep s = app::prepare_sweep_text(text, "inline.yaml");
  const engine::sweep::RunRecord r = app::compute_run(s, 0);
  ASSERT_EQ(r.status, engine::sweep::RunStatus::Ok) << r.message;
  EXPECT_DOUBLE_EQ(r.summaries[0], 48.0);
  EXPECT_DOUBLE_EQ(r.summaries[1], 0.0);
  EXPECT_DOUBLE_EQ(r.summaries[2], 48.0);  // 30 mg/dL = 12.3 mmol/L: always below
  EXPECT_GT(r.summaries[3], 20.0);
  EXPECT_LT(r.summaries[3], 70.0);
  EXPECT_TRUE(std::isnan(r.summaries[4])) << "no infusion, no retention";
  // Net absorption is true absorption less the secreted Mg that leaves in the feces.
  EXPECT_GT(r.summaries[5], 10.0);
  EXPECT_LT(r.summaries[5], r.summaries[3]);
}

TEST(SweepRun, ANumericalFailureIsARecordWithTheIntegratorsMessage) {
  const app::PreparedSweep s = app::prepare_sweep(sweep_path("failing_run.yaml"));
  ASSERT_EQ(s.layout.runs, 4u);
  for (std::uint64_t i = 0; i < 4; ++i) {
    const engine::sweep::RunRecord r = app::compute_run(s, i);
    if (i % 2 == 1) {
      EXPECT_EQ(r.status, engine::sweep::RunStatus::Failed);
      EXPECT_NE(r.message.find("failed at t = "), std::string::npos) << r.message;
      EXPECT_TRUE(std::isnan(r.summaries[0]));
    } else {
      EXPECT_EQ(r.status, engine::sweep::RunStatus::Ok) << r.message;
      EXPECT_LT(r.summaries[1], 1e-10);  // mass balance
    }
  }
}

// ---- tests/bad_sweeps: each file's first line is "# expect: LINE:COL: <message substring>" ----

using magsim::testing::ExpectedError;

std::vector<ExpectedError> bad_sweeps() {
  return magsim::testing::expected_errors(fs::path(MAGSIM_SOURCE_DIR) / "tests" / "bad_sweeps");
}

class BadSweeps : public ::testing::TestWithParam<ExpectedError> {};

TEST_P(BadSweeps, ErrorPointsAtTheMistakeWithAClearMessage) {
  const ExpectedError& b = GetParam();
  ASSERT_GT(b.line, 0) << b.file << ": first line must be '# expect: LINE:COL: message'";
  try {
    app::prepare_sweep(b.file);
    FAIL() << b.file << " was accepted";
  } catch (const engine::ScenarioError& e) {
    EXPECT_EQ(e.file(), b.file);
    EXPECT_EQ(e.line(), b.line) << e.formatted();
    EXPECT_EQ(e.column(), b.column) << e.formatted();
    EXPECT_NE(std::string(e.what()).find(b.message), std::string::npos) << e.formatted();
  }
}

INSTANTIATE_TEST_SUITE_P(Files, BadSweeps, ::testing::ValuesIn(bad_sweeps()),
                         [](const auto& info) { return magsim::testing::test_name(info.param); });

TEST(BadSweeps, AtLeastTwentyFilesAreChecked) { EXPECT_GE(bad_sweeps().size(), 20u); }

}  // namespace
}  // namespace magsim
