// Fit files that must be refused (tests/bad_fits): each mistake at FILE:LINE:COL with a clear
// message, through app::load_fit and through `magsim fit` (exit code 2, nothing written).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "app/fit.hpp"
#include "engine/model/errors.hpp"
#include "tests/expected_errors.hpp"
#include "tests/magsim_cli.hpp"
#include "tests/temp_files.hpp"

namespace {

namespace fs = std::filesystem;
using magsim::engine::ScenarioError;
using magsim::testing::ExpectedError;
using magsim::testing::run_magsim;
using magsim::testing::TempDir;
using magsim::testing::write;

// Every NAME.yaml there is a fit file whose first line is "# expect: LINE:COL: <message
// substring>", the error in that file; they fit common/patient.yaml (two days of oral citrate)
// or the dataset common/mapping.yaml + common/data.csv (IDs 1 and 2).
const fs::path kBad = fs::path(MAGSIM_SOURCE_DIR) / "tests" / "bad_fits";

std::vector<ExpectedError> bad_fits() { return magsim::testing::expected_errors(kBad); }

// The error app::load_fit throws for the fit file (a test failure when it accepts the file).
ScenarioError load_error(const std::string& fit_file) {
  try {
    magsim::app::load_fit(fit_file);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << fit_file << " was accepted";
  return ScenarioError(fit_file, 0, 0, "(accepted)");
}

class BadFits : public ::testing::TestWithParam<ExpectedError> {};

TEST_P(BadFits, ErrorPointsAtTheMistakeWithAClearMessage) {
  const ExpectedError& b = GetParam();
  ASSERT_GT(b.line, 0) << b.file << ": first line must be '# expect: LINE:COL: message'";
  const ScenarioError e = load_error(b.file);
  EXPECT_EQ(e.file(), b.file) << e.formatted();
  EXPECT_EQ(e.line(), b.line) << e.formatted();
  EXPECT_EQ(e.column(), b.column) << e.formatted();
  EXPECT_NE(std::string(e.what()).find(b.message), std::string::npos) << e.formatted();
}

TEST_P(BadFits, CliPrintsFileLineColumnExitsWith2AndWritesNothing) {
  const ExpectedError& b = GetParam();
  TempDir out;
  const auto r = run_magsim("fit " + b.file + " -o " + (out / "fit.h5").string());
  EXPECT_EQ(r.code, 2) << r.err;
  const std::string where = b.file + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": error: ";
  const auto at = r.err.find(where);
  ASSERT_NE(at, std::string::npos) << "want: " << where << "\ngot: " << r.err;
  const std::string message = r.err.substr(at + where.size(), r.err.find('\n', at) - at - where.size());
  EXPECT_NE(message.find(b.message), std::string::npos) << "want: " << b.message << "\ngot: " << message;
  EXPECT_TRUE(fs::is_empty(out.path())) << "a refused fit wrote into " << out.path();
}

INSTANTIATE_TEST_SUITE_P(Files, BadFits, ::testing::ValuesIn(bad_fits()),
                         [](const auto& info) { return magsim::testing::test_name(info.param); });

TEST(BadFits, AtLeastThirtyFilesAreChecked) { EXPECT_GE(bad_fits().size(), 30u); }

// A mistake inside the scenario a fit names is the scenario's: reported at its line, not at the
// fit file's `scenario:` (only a scenario that cannot be read at all is the fit file's).
TEST(BadFits, MistakeInTheScenarioIsReportedInTheScenario) {
  TempDir dir;
  write(dir / "patient.yaml", "duration: 2 d\nsuplements: []\n");
  write(dir / "fit.yaml",
        "scenario: patient.yaml\n"
        "observations: [{series: serum_mg_total, at: 12 h, value: 0.84 mmol/L}]\n"
        "estimate: {renal.tal_tm_per_gfr: {prior: none}}\n"
        "error: {serum_mg_total: {model: additive, additive: 0.05 mmol/L}}\n");
  const ScenarioError e = load_error((dir / "fit.yaml").string());
  EXPECT_EQ(e.formatted().rfind((dir / "patient.yaml").string() + ":2:1: error: unknown key 'suplements'", 0), 0u)
      << e.formatted();
  EXPECT_NE(std::string(e.what()).find("did you mean 'supplements'"), std::string::npos) << e.formatted();
}

// Likewise a mistake in the dataset a fit names: at the CSV's row and column.
TEST(BadFits, MistakeInTheDatasetIsReportedInTheDataset) {
  TempDir dir;
  write(dir / "mapping.yaml",
        "dataset: data.csv\nunits: {time: h}\n"
        "cmt: {1: {supplement: citrate, amount: mg}, 10: {observe: serum_mg_total, unit: mmol/L}}\n");
  write(dir / "data.csv", "ID,TIME,AMT,CMT,DV\n1,0,300,1,.\n1,12,.,99,0.84\n");
  write(dir / "fit.yaml",
        "dataset: mapping.yaml\n"
        "estimate: {renal.tal_tm_per_gfr: {prior: none}}\n"
        "error: {serum_mg_total: {model: additive, additive: 0.05 mmol/L}}\n");
  const ScenarioError e = load_error((dir / "fit.yaml").string());
  EXPECT_EQ(e.file(), (dir / "data.csv").string()) << e.formatted();
  EXPECT_EQ(e.line(), 3) << e.formatted();
  EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.formatted();
}

// A log-normal error model and a DV of 0 in the dataset: the CSV's cell, exit 2, not a fit that
// fails to start (exit 3).
TEST(BadFits, ZeroObservationOfALogNormalSeriesIsReportedAtItsCell) {
  TempDir dir;
  write(dir / "mapping.yaml",
        "dataset: data.csv\nunits: {time: h}\n"
        "cmt: {1: {supplement: citrate, amount: mg}, 10: {observe: serum_mg_total, unit: mmol/L}}\n");
  write(dir / "data.csv", "ID,TIME,AMT,CMT,DV\n1,0,300,1,.\n1,12,.,10,0.84\n1,24,.,10,0\n");
  write(dir / "fit.yaml",
        "dataset: mapping.yaml\n"
        "estimate: {renal.tal_tm_per_gfr: {prior: none}}\n"
        "error: {serum_mg_total: {model: lognormal, additive: 0.1}}\n");
  const ScenarioError e = load_error((dir / "fit.yaml").string());
  EXPECT_EQ(e.formatted().rfind((dir / "data.csv").string() + ":4:", 0), 0u) << e.formatted();
  EXPECT_NE(std::string(e.what()).find("needs observations above 0"), std::string::npos) << e.formatted();
  const auto r = run_magsim("fit -q " + (dir / "fit.yaml").string());
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace
