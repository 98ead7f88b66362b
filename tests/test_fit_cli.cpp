// `magsim fit` and `magsim profile` as a user meets them: help and usage errors, a small MAP fit
// end to end (fit file, forecast scenario that `magsim check` accepts), profile intervals, and
// outputs that must be refused (the fit's own inputs, a missing directory, a directory, a device).
// Each fit here is one parameter to three serum values over two days: well under a second.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/magsim_cli.hpp"
#include "tests/temp_files.hpp"

namespace {

namespace fs = std::filesystem;
using magsim::testing::run_magsim;
using magsim::testing::slurp;
using magsim::testing::TempDir;
using magsim::testing::write;

const char* kPatient =
    "name: patient\n"
    "description: two days of 300 mg elemental Mg as citrate each morning\n"
    "duration: 2 d\n"
    "subject: {sex: female, age: 60 y, weight: 70 kg, egfr: 60 mL/min/1.73m2}\n"
    "supplements:\n"
    "  - {form: citrate, dose: 300 mg, times: [\"08:00\"]}\n";

// Serum a little below what the typical renal threshold (0.48 mmol/L) gives: the estimate moves.
std::string fit_text(const std::string& scenario = "patient.yaml") {
  return "name: patient threshold\n"
         "scenario: " + scenario + "\n"
         "observations:\n"
         "  - {series: serum_mg_total, at: 12 h, value: 0.84 mmol/L}\n"
         "  - {series: serum_mg_total, at: 24 h, value: 0.85 mmol/L}\n"
         "  - {series: serum_mg_total, at: 36 h, value: 0.86 mmol/L}\n"
         "estimate:\n"
         "  renal.tal_tm_per_gfr: {prior: none}\n"
         "error:\n"
         "  serum_mg_total: {model: proportional, proportional: 0.02}\n";
}

// A folder with patient.yaml and fit.yaml.
struct FitFolder {
  TempDir dir;
  FitFolder() {
    write(dir / "patient.yaml", kPatient);
    write(dir / "fit.yaml", fit_text());
  }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

bool has_temporary(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) return true;
  return false;
}

TEST(FitCli, HelpExitsZero) {
  for (const char* cmd : {"fit --help", "profile --help", "fit -h"}) {
    const auto r = run_magsim(cmd);
    EXPECT_EQ(r.code, 0) << cmd << "\n" << r.err;
    EXPECT_NE(r.out.find("usage: magsim " + std::string(cmd).substr(0, std::string(cmd).find(' '))),
              std::string::npos)
        << cmd << "\n" << r.out;
  }
}

TEST(FitCli, NoFitFileIsBadInput) {
  for (const char* cmd : {"fit", "profile"}) {
    const auto r = run_magsim(cmd);
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_NE(r.err.find("error: no fit file given"), std::string::npos) << r.err;
  }
}

TEST(FitCli, UnknownOptionAndSecondFileAreBadInput) {
  FitFolder f;
  const auto unknown = run_magsim("fit " + (f / "fit.yaml") + " --frobnicate");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown option '--frobnicate'"), std::string::npos) << unknown.err;
  // --multistart belongs to fit, not profile.
  const auto profile = run_magsim("profile " + (f / "fit.yaml") + " --multistart 2");
  EXPECT_EQ(profile.code, 2);
  EXPECT_NE(profile.err.find("unknown option '--multistart'"), std::string::npos) << profile.err;
  const auto two = run_magsim("fit " + (f / "fit.yaml") + " " + (f / "patient.yaml"));
  EXPECT_EQ(two.code, 2);
  EXPECT_NE(two.err.find("unexpected argument"), std::string::npos) << two.err;
  const auto threads = run_magsim("fit " + (f / "fit.yaml") + " --threads 0");
  EXPECT_EQ(threads.code, 2);
  EXPECT_NE(threads.err.find("--threads needs a whole number from 1 to 9999"), std::string::npos) << threads.err;
  EXPECT_FALSE(fs::exists(f / "fit.h5"));
}

TEST(FitCli, SmallMapFitWritesTheFitFileAndAForecastScenarioThatChecks) {
  FitFolder f;
  const auto r = run_magsim("fit " + (f / "fit.yaml") + " -o " + (f / "out.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("magsim fit: 1 subject, 1 parameters, method map"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("converged"), std::string::npos) << r.out;
  // The printed estimate, with its unit.
  std::smatch printed;
  ASSERT_TRUE(std::regex_search(r.out, printed, std::regex(R"(renal\.tal_tm_per_gfr +([0-9.]+) +mmol/L)"))) << r.out;
  const double shown = std::stod(printed[1]);
  EXPECT_GT(shown, 0.25);
  EXPECT_LT(shown, 0.47) << "serum below the typical model's: the threshold estimate falls from 0.48";

  const std::string h5 = slurp(f / "out.h5");
  ASSERT_GE(h5.size(), 8u);
  EXPECT_EQ(h5.substr(0, 8), std::string("\x89HDF\r\n\x1a\n", 8)) << "out.h5 is not an HDF5 file";
  const std::string forecast = f / "out.patient.yaml";
  ASSERT_TRUE(fs::exists(forecast)) << r.out;
  EXPECT_NE(r.out.find("forecast scenario: " + forecast), std::string::npos) << r.out;
  const std::string text = slurp(forecast);
  std::smatch written;
  ASSERT_TRUE(std::regex_search(text, written,
                                std::regex(R"(\nparameters:.*\n  renal\.tal_tm_per_gfr: ([0-9.eE+-]+) mmol/L\n)")))
      << text;
  EXPECT_NEAR(std::stod(written[1]), shown, 1e-3) << text;
  EXPECT_EQ(slurp(f / "patient.yaml"), kPatient) << "the input scenario is untouched";

  const auto check = run_magsim("check " + forecast);
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_NE(check.err.find("ok, 0 warnings"), std::string::npos) << check.err;
  EXPECT_FALSE(has_temporary(f.dir.path()));
}

TEST(FitCli, DefaultOutputSitsBesideTheFitFile) {
  FitFolder f;
  const auto r = run_magsim("fit -q " + (f / "fit.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(f / "fit.h5"));
  EXPECT_TRUE(fs::exists(f / "fit.patient.yaml"));
}

TEST(FitCli, ProfilePrintsAProfileIntervalAroundTheEstimate) {
  FitFolder f;
  const auto r = run_magsim("profile " + (f / "fit.yaml") + " -o " + (f / "out.h5"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("profile of renal.tal_tm_per_gfr: 95 % CI "), std::string::npos) << r.err;
  // parameter, estimate, unit, RSE %, Wald interval, profile interval
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.out, m,
      std::regex(R"(renal\.tal_tm_per_gfr +([0-9.]+) +mmol/L +[0-9.]+ +([0-9.]+) - ([0-9.]+) +([0-9.]+) - ([0-9.]+))")))
      << r.out;
  const double estimate = std::stod(m[1]), lower = std::stod(m[4]), upper = std::stod(m[5]);
  EXPECT_LT(lower, estimate);
  EXPECT_GT(upper, estimate);
  EXPECT_EQ(r.out.find("NOT IDENTIFIABLE"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(f / "out.h5"));
}

TEST(FitCli, ProfileOfAParameterNotEstimatedIsBadInput) {
  FitFolder f;
  const auto r = run_magsim("profile -q " + (f / "fit.yaml") + " --parameter gut.absorption_scale -o " + (f / "out.h5"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(f / "fit.yaml" + ":7:1: error: 'gut.absorption_scale' is not estimated in this fit"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(f / "out.h5"));
}

TEST(FitCli, OutputOntoTheFitFileIsRefusedAndTheFileKept) {
  FitFolder f;
  const auto r = run_magsim("fit " + (f / "fit.yaml") + " -o " + f.dir.path().string() + "/./fit.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is the fit file itself"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(f / "fit.yaml"), fit_text());
}

// The forecast scenario OUT.ID.yaml was written over the fit's inputs: fit.yaml fitting
// fit.patient.yaml (subject "patient") replaced that scenario with the forecast, and a fit file
// named x.patient.yaml with -o x.h5 replaced itself.
TEST(FitCli, ForecastScenarioOntoAnInputIsRefusedAndTheInputsKept) {
  FitFolder f;
  write(f.dir / "fit.patient.yaml", kPatient);
  write(f.dir / "fit.yaml", fit_text("fit.patient.yaml"));
  const auto scenario = run_magsim("fit -q " + (f / "fit.yaml"));
  EXPECT_EQ(scenario.code, 2) << scenario.err;
  EXPECT_NE(scenario.err.find("an input of the fit; give another -o"), std::string::npos) << scenario.err;
  EXPECT_EQ(slurp(f / "fit.patient.yaml"), kPatient);
  EXPECT_FALSE(fs::exists(f / "fit.h5"));

  write(f.dir / "x.patient.yaml", fit_text());
  const auto itself = run_magsim("fit -q " + (f / "x.patient.yaml") + " -o " + (f / "x.h5"));
  EXPECT_EQ(itself.code, 2) << itself.err;
  EXPECT_NE(itself.err.find("an input of the fit"), std::string::npos) << itself.err;
  EXPECT_EQ(slurp(f / "x.patient.yaml"), fit_text());
  EXPECT_FALSE(fs::exists(f / "x.h5"));

  const auto onto_scenario = run_magsim("fit -q " + (f / "fit.yaml") + " -o " + (f / "fit.patient.yaml"));
  EXPECT_EQ(onto_scenario.code, 2) << onto_scenario.err;
  EXPECT_EQ(slurp(f / "fit.patient.yaml"), kPatient);
}

TEST(FitCli, OutputIntoAMissingDirectoryFailsBeforeTheFitAndLeavesNothing) {
  FitFolder f;
  const auto r = run_magsim("fit " + (f / "fit.yaml") + " -o " + (f / "missing/out.h5"));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("missing' does not exist"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("OFV"), std::string::npos) << "refused before fitting: " << r.out;
  EXPECT_FALSE(fs::exists(f / "missing"));
  EXPECT_FALSE(has_temporary(f.dir.path()));
  EXPECT_FALSE(fs::exists(f / "out.patient.yaml"));
  EXPECT_FALSE(fs::exists(f / "missing.patient.yaml"));
}

TEST(FitCli, OutputThatIsADirectoryOrADeviceIsRefused) {
  FitFolder f;
  fs::create_directory(f.dir / "out.h5");
  const auto dir = run_magsim("fit " + (f / "fit.yaml") + " -o " + (f / "out.h5"));
  EXPECT_EQ(dir.code, 1) << dir.err;
  EXPECT_NE(dir.err.find("it is a directory"), std::string::npos) << dir.err;
  EXPECT_TRUE(fs::is_directory(f / "out.h5"));
  EXPECT_TRUE(fs::is_empty(f / "out.h5"));
  EXPECT_FALSE(fs::exists(f / "out.patient.yaml"));

  const auto devnull = run_magsim("fit " + (f / "fit.yaml") + " -o /dev/null");
  EXPECT_EQ(devnull.code, 1) << devnull.err;
  EXPECT_NE(devnull.err.find("not a regular file"), std::string::npos) << devnull.err;
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_FALSE(has_temporary(f.dir.path()));
}

}  // namespace
