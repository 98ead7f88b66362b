// Event datasets (engine/fit/dataset.cpp, app/dataset_loading.cpp, `magsim dataset`): a dataset with
// every CMT kind read back into scenarios and observations, and malformed datasets
// (tests/bad_datasets) refused at FILE:ROW:COL with exit code 2.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "app/dataset_loading.hpp"
#include "app/scenario_loading.hpp"
#include "engine/fit/dataset.hpp"
#include "engine/model/errors.hpp"
#include "models/magnesium/magnesium.hpp"
#include "tests/expected_errors.hpp"
#include "tests/temp_files.hpp"

namespace {

namespace fs = std::filesystem;
using magsim::engine::ScenarioError;
using magsim::testing::ExpectedError;
using magsim::testing::slurp;
using magsim::testing::TempDir;
using magsim::testing::write;

const fs::path kSource = MAGSIM_SOURCE_DIR;
const std::string kMagsim = std::string(MAGSIM_BINARY_DIR) + "/bin/magsim";
const double kMgMolarMass = 24.305;  // g/mol
const double kMgSulfateHeptahydrateFraction = 24.305 / 246.47;  // g Mg per g MgSO4.7H2O

struct Outcome {
  int code;
  std::string out, err;
};

Outcome magsim(const std::string& args) {
  TempDir dir;
  const std::string cmd = kMagsim + " " + args + " >" + (dir / "out").string() + " 2>" +
                          (dir / "err").string();
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
}

magsim::app::LoadedScenario scenario_of(const magsim::engine::fit::DatasetSubject& s) {
  return magsim::app::load_scenario_text(s.scenario_yaml, s.scenario_name, {});
}

const magsim::engine::fit::DatasetSubject& subject(const magsim::engine::fit::Dataset& d, const std::string& id) {
  for (const auto& s : d.subjects)
    if (s.id == id) return s;
  throw std::runtime_error("no ID " + id);
}

// ---- tests/datasets: every CMT kind ------------------------------------------------------------

class GoodDataset : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    loaded_ = new magsim::app::LoadedDataset(
        magsim::app::load_dataset((kSource / "tests/datasets/mapping.yaml").string(), ""));
  }
  static void TearDownTestSuite() { delete loaded_; }
  static const magsim::engine::fit::Dataset& d() { return loaded_->dataset; }
  static magsim::app::LoadedDataset* loaded_;
};
magsim::app::LoadedDataset* GoodDataset::loaded_ = nullptr;

TEST_F(GoodDataset, EveryIdBecomesAScenarioThatMagsimCheckAccepts) {
  ASSERT_EQ(d().subjects.size(), 3u);
  EXPECT_EQ(d().subjects[0].id, "1");
  EXPECT_EQ(d().subjects[1].id, "2");
  EXPECT_EQ(d().subjects[2].id, "3");
  for (const auto& s : d().subjects) {
    EXPECT_NO_THROW(scenario_of(s)) << s.scenario_yaml;
    EXPECT_EQ(s.scenario_yaml.rfind("# magsim scenario made from ID " + s.id, 0), 0u);
  }
  EXPECT_EQ(d().file, (kSource / "tests/datasets/patients.csv").string());
}

TEST_F(GoodDataset, AddlAndIiExpandToRepeatedSupplementDoses) {
  const auto sc = scenario_of(subject(d(), "1")).scenario;
  ASSERT_EQ(sc.supplements.size(), 1u);
  EXPECT_EQ(sc.supplements[0].form, "citrate");
  EXPECT_EQ(sc.supplements[0].timing.at_h, (std::vector<double>{0, 12, 24, 36}));
  EXPECT_NEAR(sc.supplements[0].dose_mmol, 150 / kMgMolarMass, 1e-12);
  EXPECT_EQ(subject(d(), "1").doses, 4u);
  // The last dose (36 h) is after the last observation (30 h): a day is added after it.
  EXPECT_DOUBLE_EQ(sc.duration_h, 60);
}

TEST_F(GoodDataset, InfusionsFromRateFromDurWithRateMinus2AndIvPush) {
  const auto sc = scenario_of(subject(d(), "2")).scenario;
  ASSERT_EQ(sc.infusions.size(), 3u);
  // AMT 4 g salt at RATE 1 g/h: over 4 h.
  EXPECT_NEAR(sc.infusions[0].loading_mmol, 4000 * kMgSulfateHeptahydrateFraction / kMgMolarMass, 1e-3);
  EXPECT_DOUBLE_EQ(sc.infusions[0].loading_over_h, 4);
  EXPECT_DOUBLE_EQ(sc.infusions[0].start_h, 0);
  // RATE -2, DUR 0.5 h.
  EXPECT_DOUBLE_EQ(sc.infusions[1].loading_over_h, 0.5);
  EXPECT_DOUBLE_EQ(sc.infusions[1].start_h, 5);
  // No RATE or DUR: given at once.
  EXPECT_DOUBLE_EQ(sc.infusions[2].loading_over_h, 0);
  EXPECT_DOUBLE_EQ(sc.infusions[2].start_h, 6);
  ASSERT_EQ(sc.injections.size(), 1u);
  EXPECT_EQ(sc.injections[0].route, "im");
  EXPECT_EQ(sc.injections[0].at_h, (std::vector<double>{7, 11}));
  EXPECT_DOUBLE_EQ(sc.injections[0].salt_dose_mg, 5000);
  ASSERT_EQ(sc.medications.size(), 1u);
  EXPECT_EQ(sc.medications[0].drug, "omeprazole");
  EXPECT_DOUBLE_EQ(sc.medications[0].dose_mg, 20);
  EXPECT_EQ(sc.medications[0].timing.at_h, (std::vector<double>{8, 32, 56}));
  EXPECT_EQ(subject(d(), "2").doses, 3u + 2u + 3u);
}

TEST_F(GoodDataset, CovariatesWithValueMapsAndUnitsOverrideTheBase) {
  const auto s1 = scenario_of(subject(d(), "1")).scenario.subject;
  EXPECT_EQ(s1.sex, "female");
  EXPECT_DOUBLE_EQ(s1.age_y, 67);  // the first value; row 7 says 68 (a warning)
  EXPECT_DOUBLE_EQ(s1.weight_kg, 70);
  EXPECT_DOUBLE_EQ(s1.egfr_ml_min_173, 52);
  EXPECT_DOUBLE_EQ(s1.height_cm, 170);  // from the base scenario
  const auto s2 = scenario_of(subject(d(), "2")).scenario.subject;
  EXPECT_EQ(s2.sex, "male");
  EXPECT_DOUBLE_EQ(s2.weight_kg, 82);
  const auto s3 = scenario_of(subject(d(), "3")).scenario;
  EXPECT_DOUBLE_EQ(s3.subject.age_y, 50);  // missing covariates: the base's value
  EXPECT_DOUBLE_EQ(s3.duration_h, 48);     // the base's duration, longer than the data
  bool changes = false, unused = false;
  for (const auto& w : loaded_->warnings) {
    changes |= w.find("patients.csv:7:13: warning: covariate AGE of ID 1 changes to '68'") != std::string::npos;
    unused |= w.find("column SITE is not used") != std::string::npos;
  }
  EXPECT_TRUE(changes);
  EXPECT_TRUE(unused);
}

TEST_F(GoodDataset, ObservationsAreConvertedToTheSeriesUnitWithBlqAndIntervals) {
  const auto& obs = subject(d(), "1").observations;
  ASSERT_EQ(obs.size(), 3u);  // the MDV 1 row is skipped
  EXPECT_EQ(obs[0].series, "serum_mg_total");
  EXPECT_DOUBLE_EQ(obs[0].time_h, 2);
  EXPECT_TRUE(std::isnan(obs[0].start_h));
  EXPECT_NEAR(obs[0].value, 2.1 * 10 / kMgMolarMass, 1e-12);  // 2.1 mg/dL in mmol/L
  EXPECT_FALSE(obs[0].censored);
  EXPECT_EQ(obs[0].where, (kSource / "tests/datasets/patients.csv").string() + ":4:10");
  EXPECT_TRUE(obs[1].censored);
  EXPECT_NEAR(obs[1].value, 0.5 * 10 / kMgMolarMass, 1e-12);  // the LLOQ, from DV
  EXPECT_EQ(obs[2].series, "cum_urine");
  EXPECT_DOUBLE_EQ(obs[2].time_h, 30);
  EXPECT_DOUBLE_EQ(obs[2].start_h, 6);  // the mapping's 24 h window
  EXPECT_DOUBLE_EQ(obs[2].value, 3.9);
  // A window from the DUR column (12 h) instead of the mapping's.
  const auto& obs2 = subject(d(), "2").observations;
  ASSERT_EQ(obs2.size(), 2u);
  EXPECT_DOUBLE_EQ(obs2[1].start_h, 48);
  EXPECT_DOUBLE_EQ(obs2[1].time_h, 60);
  // Every observation time and window start is an output time of the scenario.
  const auto sc = scenario_of(subject(d(), "1")).scenario;
  EXPECT_EQ(sc.output.times_h, (std::vector<double>{2, 6, 30}));
  EXPECT_EQ(d().series_units[0], (std::pair<std::string, std::string>{"serum_mg_total", "mmol/L"}));
}

// ---- units and the CSV's quoting ---------------------------------------------------------------

TEST(Dataset, TimesInDaysAndAmountsInMmolAreConvertedByTheirMappingUnits) {
  TempDir dir;
  write(dir / "m.yaml",
        "units: {time: d}\n"
        "cmt: {1: {supplement: oxide, amount: mmol}, 2: {observe: serum_mg_ionized, unit: mEq/L}}\n"
        "covariates: {WT: {field: weight, unit: g}}\n");
  write(dir / "d.csv",
        "id,time,amt,ii,addl,cmt,dv,wt\n"
        "A,0,10,0.5,2,1,.,70000\n"
        "A,1.5,.,.,.,2,1.2,70000\n");
  const auto d = magsim::app::load_dataset((dir / "m.yaml").string(), (dir / "d.csv").string()).dataset;
  ASSERT_EQ(d.subjects.size(), 1u);
  const auto sc = scenario_of(d.subjects[0]).scenario;
  EXPECT_EQ(sc.supplements[0].timing.at_h, (std::vector<double>{0, 12, 24}));
  EXPECT_DOUBLE_EQ(sc.supplements[0].dose_mmol, 10);
  EXPECT_DOUBLE_EQ(sc.subject.weight_kg, 70);
  ASSERT_EQ(d.subjects[0].observations.size(), 1u);
  EXPECT_DOUBLE_EQ(d.subjects[0].observations[0].time_h, 36);
  EXPECT_DOUBLE_EQ(d.subjects[0].observations[0].value, 0.6);  // 1.2 mEq/L of Mg2+ = 0.6 mmol/L
  EXPECT_NE(d.subjects[0].scenario_yaml.find("dose: 10 mmol, at: [0 d, 0.5 d, 1 d]"), std::string::npos)
      << d.subjects[0].scenario_yaml;
}

TEST(Dataset, QuotedFieldsFollowRfc4180AndRowsCountFileLines) {
  TempDir dir;
  write(dir / "m.yaml",
        "units: {time: h}\n"
        "cmt: {1: {supplement: citrate, amount: mg}}\n");
  // A quoted field with a comma, a doubled quote and a line break; a CRLF line; a comment.
  write(dir / "d.csv",
        "ID,TIME,AMT,CMT,NOTE\r\n"
        "1,0,100,1,\"took it, \"\"late\"\"\n"
        "with water\"\n"
        "# a comment\n"
        "\n"
        "1,5,abc,1,x\n");
  try {
    magsim::app::load_dataset((dir / "m.yaml").string(), (dir / "d.csv").string());
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.line(), 6) << e.formatted();  // line 6 of the file, although the 3rd record
    EXPECT_EQ(e.column(), 3) << e.formatted();
    EXPECT_NE(std::string(e.what()).find("expected a number in column AMT, got 'abc'"), std::string::npos);
  }
}

TEST(Dataset, IntervalDurTakesEachRowsWindowFromItsDurCell) {
  TempDir dir;
  write(dir / "m.yaml",
        "units: {time: h}\n"
        "cmt: {5: {observe: cum_urine, unit: mg, interval: DUR}}\n");
  write(dir / "d.csv", "ID,TIME,CMT,DV,DUR\n1,30,5,97.22,6\n1,40,5,24.305,.\n");
  try {
    magsim::app::load_dataset((dir / "m.yaml").string(), (dir / "d.csv").string());
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.line(), 3) << e.formatted();  // no window for the second row
    EXPECT_EQ(e.column(), 5) << e.formatted();
    EXPECT_NE(std::string(e.what()).find("give its window"), std::string::npos) << e.what();
  }
  write(dir / "d.csv", "ID,TIME,CMT,DV,DUR\n1,30,5,97.22,6\n");
  const auto d = magsim::app::load_dataset((dir / "m.yaml").string(), (dir / "d.csv").string()).dataset;
  const auto& o = d.subjects[0].observations.at(0);
  EXPECT_DOUBLE_EQ(o.start_h, 24);
  EXPECT_NEAR(o.value, 4, 1e-12);  // 97.22 mg of Mg in mmol
}

TEST(Dataset, ClinicalWarningsOfASubjectsScenarioPointAtTheDoseRow) {
  TempDir dir;
  write(dir / "m.yaml", "units: {time: h}\ncmt: {1: {supplement: oxide, amount: mg}}\n"
                        "covariates: {EGFR: {field: egfr, unit: mL/min/1.73m2}}\n");
  write(dir / "d.csv", "ID,TIME,AMT,CMT,EGFR\n1,0,100,1,40\n1,2,900,1,40\n");
  const auto loaded = magsim::app::load_dataset((dir / "m.yaml").string(), (dir / "d.csv").string());
  bool found = false;
  for (const auto& w : loaded.warnings)
    if (w.rfind((dir / "d.csv").string() + ":", 0) == 0 && w.find(": warning: ") != std::string::npos &&
        w.find("(ID 1)") != std::string::npos)
      found = true;
  EXPECT_TRUE(found) << ::testing::PrintToString(loaded.warnings);
}

// ---- hostile sizes -----------------------------------------------------------------------------

TEST(Dataset, RowCountIsBounded) {
  TempDir dir;
  write(dir / "m.yaml", "units: {time: h}\ncmt: {1: {supplement: citrate, amount: mg}}\n");
  {
    std::ofstream f(dir / "d.csv");
    f << "ID,TIME,EVID,CMT,AMT\n";
    for (std::size_t i = 0; i <= magsim::engine::fit::dataset_limits::max_rows; ++i) f << "1,0,2,1,.\n";
  }
  try {
    magsim::app::load_dataset((dir / "m.yaml").string(), (dir / "d.csv").string());
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.line(), static_cast<int>(magsim::engine::fit::dataset_limits::max_rows) + 2);
    EXPECT_EQ(e.column(), 1);
    EXPECT_NE(std::string(e.what()).find("more than 1000000 data rows"), std::string::npos);
  }
}

TEST(Dataset, AFileAbove64MiBIsRefusedUnread) {
  TempDir dir;
  write(dir / "m.yaml", "units: {time: h}\ncmt: {1: {supplement: citrate, amount: mg}}\n");
  {
    std::ofstream f(dir / "d.csv");
  }
  ASSERT_EQ(::truncate((dir / "d.csv").c_str(), (64 << 20) + 1), 0);  // sparse
  const Outcome o = magsim("dataset check " + (dir / "m.yaml").string() + " " + (dir / "d.csv").string());
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("d.csv:1:1: error: cannot read dataset: it is larger than 64 MiB"),
            std::string::npos)
      << o.err;
}

TEST(Dataset, DosesPerSubjectAreBoundedAcrossRows) {
  TempDir dir;
  write(dir / "m.yaml", "units: {time: min}\ncmt: {1: {supplement: citrate, amount: mg}}\n");
  write(dir / "d.csv", "ID,TIME,AMT,II,ADDL,CMT\n1,0,1,1,60000,1\n1,1,1,1,60000,1\n");
  try {
    magsim::app::load_dataset((dir / "m.yaml").string(), (dir / "d.csv").string());
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 5);
    EXPECT_NE(std::string(e.what()).find("(60001 before this row)"), std::string::npos) << e.what();
  }
}

// ---- tests/bad_datasets ------------------------------------------------------------------------
// NAME.csv: read with common/mapping.yaml; NAME.yaml: a mapping whose dataset is common/data.csv.
// The first line of each is "# expect: ROW:COL: <message substring>", in that file.

const fs::path kBad = kSource / "tests" / "bad_datasets";

std::vector<ExpectedError> bad_datasets() {
  auto v = magsim::testing::expected_errors(kBad, ".csv");
  const auto m = magsim::testing::expected_errors(kBad, ".yaml");
  v.insert(v.end(), m.begin(), m.end());
  return v;
}

std::pair<std::string, std::string> arguments(const ExpectedError& b) {
  if (fs::path(b.file).extension() == ".csv") return {(kBad / "common" / "mapping.yaml").string(), b.file};
  return {b.file, ""};
}

class BadDatasets : public ::testing::TestWithParam<ExpectedError> {};

TEST_P(BadDatasets, ErrorPointsAtRowAndColumn) {
  const ExpectedError& b = GetParam();
  ASSERT_GT(b.line, 0) << b.file << ": first line must be '# expect: ROW:COL: message'";
  const auto [mapping, csv] = arguments(b);
  try {
    magsim::app::load_dataset(mapping, csv);
    FAIL() << b.file << " was read without error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), b.file) << e.formatted();
    EXPECT_EQ(e.line(), b.line) << e.formatted();
    EXPECT_EQ(e.column(), b.column) << e.formatted();
    EXPECT_NE(std::string(e.what()).find(b.message), std::string::npos) << e.formatted();
  }
}

TEST_P(BadDatasets, CliPrintsFileRowColumnAndExitsWith2) {
  const ExpectedError& b = GetParam();
  const auto [mapping, csv] = arguments(b);
  const Outcome o = magsim("dataset check " + mapping + " " + csv);
  EXPECT_EQ(o.code, 2) << o.err;
  const std::string want = b.file + ":" + std::to_string(b.line) + ":" +
                           std::to_string(b.column) + ": error: " + b.message;
  EXPECT_NE(o.err.find(want), std::string::npos) << "want: " << want << "\ngot: " << o.err;
}

INSTANTIATE_TEST_SUITE_P(Files, BadDatasets, ::testing::ValuesIn(bad_datasets()),
                         [](const auto& info) { return magsim::testing::test_name(info.param); });

TEST(BadDatasets, AtLeastThirtyFilesAreChecked) { EXPECT_GE(bad_datasets().size(), 30u); }

// ---- magsim dataset to-scenarios ---------------------------------------------------------------

TEST(DatasetCli, ToScenariosWritesAScenarioAndObservationsPerId) {
  TempDir dir;
  const Outcome o = magsim("dataset to-scenarios " + (kSource / "tests/datasets/mapping.yaml").string() +
                           " -o " + (dir / "out").string());
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("3 subjects, 12 doses, 6 observations"), std::string::npos) << o.out;
  const std::string yaml = slurp(dir / "out" / "2.yaml");
  EXPECT_EQ(yaml.rfind("# magsim scenario made from ID 2 of the dataset", 0), 0u) << yaml;
  EXPECT_NO_THROW(magsim::app::load_scenario((dir / "out" / "2.yaml").string(), {}));
  EXPECT_EQ(magsim("check " + (dir / "out" / "1.yaml").string()).code, 0);
  const std::string csv = slurp(dir / "out" / "1.observations.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "series,time_h,start_h,value,unit,censored,where");
  EXPECT_NE(csv.find("\ncum_urine,30,6,3.9,mmol,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nserum_mg_total,6,,0.205718987862579"), std::string::npos) << csv;
  EXPECT_TRUE(fs::exists(dir / "out" / "3.observations.csv"));
  // No temporary files left behind.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir / "out")) (void)e, ++files;
  EXPECT_EQ(files, 6u);
}

TEST(DatasetCli, ToScenariosRefusesToWriteOntoANonRegularFile) {
  TempDir dir;
  fs::create_directories(dir / "out" / "1.yaml");  // a directory where a scenario goes
  const Outcome o = magsim("dataset to-scenarios " + (kSource / "tests/datasets/mapping.yaml").string() +
                           " -o " + (dir / "out").string());
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_NE(o.err.find("1.yaml': it is a directory"), std::string::npos) << o.err;
  ASSERT_EQ(::mkfifo((dir / "out2").c_str(), 0644), 0);
  const Outcome p = magsim("dataset to-scenarios " + (kSource / "tests/datasets/mapping.yaml").string() +
                           " -o " + (dir / "out2").string());
  EXPECT_EQ(p.code, 1) << p.err;
  EXPECT_NE(p.err.find("is not a directory"), std::string::npos) << p.err;
}

TEST(DatasetCli, TheDataFileWithMapIsTheSameAsTheMappingFirst) {
  // `magsim dataset check DATA.csv --map MAPPING.yaml` (the form of the command table) and
  // `magsim dataset check MAPPING.yaml DATA.csv` read the same.
  const std::string mapping = (kSource / "tests/datasets/mapping.yaml").string();
  const std::string csv = (kSource / "tests/datasets/patients.csv").string();
  const Outcome a = magsim("dataset check " + csv + " --map " + mapping);
  const Outcome b = magsim("dataset check " + mapping + " " + csv);
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("3 subjects"), std::string::npos) << a.out;
  EXPECT_EQ(magsim("dataset check " + csv + " other.csv --map " + mapping).code, 2);
  EXPECT_EQ(magsim("dataset check " + csv + " --map").code, 2);
}

TEST(DatasetCli, UsageErrorsExitWith2AndHelpWith0) {
  EXPECT_EQ(magsim("dataset").code, 2);
  EXPECT_EQ(magsim("dataset frobnicate x.yaml").code, 2);
  EXPECT_EQ(magsim("dataset to-scenarios x.yaml").code, 2);  // no -o
  const Outcome h = magsim("dataset --help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("magsim dataset to-scenarios MAPPING.yaml [DATA.csv] -o DIR"), std::string::npos);
  EXPECT_NE(magsim("--help").out.find("dataset check MAPPING.yaml"), std::string::npos);
}

}  // namespace
