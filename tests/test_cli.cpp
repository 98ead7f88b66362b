// The command line as a user meets it: exit codes, error format, atomic output, interruption.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/temp_files.hpp"

namespace {

namespace fs = std::filesystem;

using magsim::testing::slurp;
using magsim::testing::TempDir;
using magsim::testing::write;

const std::string kMagsim = std::string(MAGSIM_BINARY_DIR) + "/bin/magsim";
const std::string kSource = MAGSIM_SOURCE_DIR;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

// Runs magsim with a shell command line suffix; captures stdout and stderr.
Outcome magsim(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("magsim_cli_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto out = dir / "out.txt", err = dir / "err.txt";
  const std::string cmd =
      kMagsim + " " + args + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}


const char* kShortScenario =
    "name: short\n"
    "description: two days on the default diet\n"
    "duration: 2 d\n"
    "supplements:\n"
    "  - {form: citrate, dose: 150 mg, times: [\"08:00\"]}\n";

TEST(Cli, RunWritesTheFileAndPrintsASummaryWithUnits) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  const auto r = magsim("run " + (dir / "s.yaml").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "s.h5")) << "default output sits next to the scenario";
  EXPECT_NE(r.out.find("serum Mg, start"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mmol/L"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("urine Mg, last 24 h"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mass-balance error"), std::string::npos) << r.out;
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "left behind: " << e.path();
}

TEST(Cli, RunFileReadsInH5pyAndXarrayWithEverySpecSeries) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  const auto r = magsim("run " + (dir / "s.yaml").string() + " --quiet");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string file = (dir / "s.h5").string();
  const std::string check = std::string(MAGSIM_PYTHON) + " " + kSource +
                            "/tests/python/check_hdf5.py " + file + " && " + MAGSIM_PYTHON + " " +
                            kSource + "/tests/python/check_spec_series.py " + file;
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
}

TEST(Cli, OutputTimesAreInTheFileAndH5pyReadsItAsBefore) {
  TempDir dir;
  write(dir / "s.yaml", std::string(kShortScenario) +
                            "output: {interval: 6 h, times: [0.5 h, 2 h, 6 h, 25 h]}\n");
  const auto r = magsim("run " + (dir / "s.yaml").string() + " --quiet");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string file = (dir / "s.h5").string();
  const std::string check =
      std::string(MAGSIM_PYTHON) + " " + kSource + "/tests/python/check_hdf5.py " + file +
      " && " + MAGSIM_PYTHON + " -c \"import h5py,sys; t=list(h5py.File(sys.argv[1])['series/time'][:]); "
      "sys.exit(0 if t==[0,0.5,2,6,12,18,24,25,30,36,42,48] else print(t) or 1)\" " + file;
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
}

TEST(Cli, BadScenarioGivesFileLineColumnAndExitCode2) {
  TempDir dir;
  write(dir / "bad.yaml", "duration: 2 d\nsuplements: []\n");
  const auto r = magsim("run " + (dir / "bad.yaml").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find((dir / "bad.yaml").string() + ":2:1: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'supplements'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "bad.h5"));
}

TEST(Cli, MissingFileIsBadInput) {
  const auto r = magsim("check /nonexistent/scenario.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("/nonexistent/scenario.yaml:1:1: error:"), std::string::npos) << r.err;
}

// The fuzzing work found `magsim check /dev/zero` (and a sweep whose base is /dev/zero) reading
// until std::bad_alloc: an input file is read up to 64 MiB and refused beyond.
TEST(Cli, EndlessInputFileIsRefusedAtTheSizeLimitNotReadUntilMemoryRunsOut) {
  const auto r = magsim("check /dev/zero");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("/dev/zero:1:1: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("larger than 64 MiB"), std::string::npos) << r.err;
  TempDir dir;
  write(dir / "sweep.yaml",
        "base: /dev/zero\nsweep: {grid: {duration: [1 d, 2 d]}}\nsummary: [serum_mg_total.final]\n");
  const auto s = magsim("sweep " + (dir / "sweep.yaml").string() + " -o " + (dir / "o.h5").string());
  EXPECT_EQ(s.code, 2) << s.err;
  EXPECT_NE(s.err.find("larger than 64 MiB"), std::string::npos) << s.err;
  EXPECT_FALSE(fs::exists(dir / "o.h5"));
}

TEST(Cli, SetOverridesAValueWithUnitChecks) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  const auto ok = magsim("run " + (dir / "s.yaml").string() + " -o " + (dir / "o.h5").string() +
                         " --set 'duration=1 d' --quiet");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(dir / "o.h5"));
  const auto bad = magsim("run " + (dir / "s.yaml").string() + " --set 'duration=1 mg'");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("error:"), std::string::npos) << bad.err;
}

TEST(Cli, FailedRunLeavesAnExistingOutputUntouched) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  write(dir / "out.h5", "previous result");
  // A parameter override that makes the model impossible to integrate is awkward to find; an
  // unwritable output directory is a failure after parsing that must not touch anything.
  const auto bad = magsim("run " + (dir / "s.yaml").string() + " -o " +
                          (dir / "missing_dir" / "out.h5").string());
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_NE(bad.err.find("missing_dir"), std::string::npos) << bad.err;
  std::ifstream f(dir / "out.h5");
  std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "previous result");
}

// Issue 11, item 5: `-o /dev/null` as root replaced the device with an HDF5 file; a FIFO or a
// symbolic link at the output path was replaced too. Only regular files are ever replaced.
TEST(Cli, OutputThatIsNotARegularFileIsRefusedAndLeftAsItWas) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  const auto devnull = magsim("run " + (dir / "s.yaml").string() + " -o /dev/null");
  EXPECT_EQ(devnull.code, 1);
  EXPECT_NE(devnull.err.find("not a regular file"), std::string::npos) << devnull.err;
  EXPECT_TRUE(fs::is_character_file("/dev/null"));

  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  const auto fifo = magsim("run " + (dir / "s.yaml").string() + " -o " + (dir / "fifo").string());
  EXPECT_EQ(fifo.code, 1);
  EXPECT_NE(fifo.err.find("not a regular file"), std::string::npos) << fifo.err;
  EXPECT_TRUE(fs::is_fifo(dir / "fifo"));

  write(dir / "target.h5", "previous result");
  fs::create_symlink(dir / "target.h5", dir / "link.h5");
  const auto link = magsim("run " + (dir / "s.yaml").string() + " -o " + (dir / "link.h5").string());
  EXPECT_EQ(link.code, 1);
  EXPECT_NE(link.err.find("symbolic link"), std::string::npos) << link.err;
  EXPECT_TRUE(fs::is_symlink(dir / "link.h5"));
  EXPECT_EQ(slurp(dir / "target.h5"), "previous result");
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

// Issue 11, item 6: `magsim run s.yaml -o s.yaml` overwrote the scenario with HDF5; the same for a
// sweep onto its sweep file or its base scenario.
TEST(Cli, OutputThatIsAnInputIsRefusedAndTheInputKept) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  const auto run = magsim("run " + (dir / "s.yaml").string() + " -o " + dir.path().string() + "/./s.yaml");
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("is the scenario file itself"), std::string::npos) << run.err;
  EXPECT_EQ(slurp(dir / "s.yaml"), kShortScenario);

  const std::string sweep_text = "base: s.yaml\nsweep:\n  grid:\n    supplements[0].dose: [\"100 mg\", \"200 mg\"]\nsummary: [serum_mg_total.final]\n";
  write(dir / "sw.yaml", sweep_text);
  for (const char* target : {"s.yaml", "sw.yaml"}) {
    const auto sweep = magsim("sweep " + (dir / "sw.yaml").string() + " -q -o " + (dir / target).string());
    EXPECT_EQ(sweep.code, 2) << target;
    EXPECT_NE(sweep.err.find("is an input"), std::string::npos) << sweep.err;
  }
  EXPECT_EQ(slurp(dir / "s.yaml"), kShortScenario);
  EXPECT_EQ(slurp(dir / "sw.yaml"), sweep_text);
}

// Issue 11, item 1: a self-referencing alias in a --set value overflowed the stack (run and sweep);
// now it is a positioned error with exit 2.
TEST(Cli, SelfReferencingAliasInASetValueIsBadInputNotACrash) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  const auto run = magsim("run " + (dir / "s.yaml").string() + " -q -o " + (dir / "o.h5").string() +
                          " --set 'description=&a [*a]'");
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_NE(run.err.find("--set:1:13: error:"), std::string::npos) << run.err;
  write(dir / "sw.yaml", "base: s.yaml\nsweep:\n  grid:\n    supplements[0].dose: [\"100 mg\"]\nsummary: [serum_mg_total.final]\n");
  const auto sweep = magsim("sweep " + (dir / "sw.yaml").string() + " -q -o " + (dir / "o.h5").string() +
                            " --set 'sweep.grid.supplements[0].dose=&a [*a]'");
  EXPECT_EQ(sweep.code, 2) << sweep.err;
  EXPECT_NE(sweep.err.find("nests more than 64 levels"), std::string::npos) << sweep.err;
}

// Issue 11, item 8: SIGKILLed runs left their temporaries forever. The next run into the same path
// removes those a dead process of this host left, and never another host's or a live process's.
TEST(Cli, NextRunRemovesTemporariesOfDeadProcessesOnly) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  char buf[256] = {};
  ASSERT_EQ(::gethostname(buf, sizeof buf - 1), 0);
  std::string host(buf);
  for (char& c : host)
    if (c == '.' || c == '/') c = '_';
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ::waitpid(dead, nullptr, 0);  // reaped: its pid names no process now
  const std::string prefix = ".out.h5.tmp.";
  const auto stale = dir / (prefix + host + "." + std::to_string(dead) + ".0");
  const auto live = dir / (prefix + host + "." + std::to_string(::getpid()) + ".7");
  const auto other_host = dir / (prefix + "elsewhere." + std::to_string(dead) + ".0");
  for (const auto& p : {stale, live, other_host}) write(p, "partial");
  const auto r = magsim("run " + (dir / "s.yaml").string() + " -q -o " + (dir / "out.h5").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other_host));
  EXPECT_TRUE(fs::exists(dir / "out.h5"));
}

TEST(Cli, InterruptedRunLeavesNoFileAndKeepsThePreviousOne) {
  TempDir dir;
  write(dir / "long.yaml",
        "name: long\ndescription: long enough to interrupt\nduration: 100 y\n"
        "output: {interval: 10 min}\n");
  write(dir / "long.h5", "previous result");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execl(kMagsim.c_str(), kMagsim.c_str(), "run", (dir / "long.yaml").c_str(), "--quiet",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the run has started writing its temporary file, then interrupt it.
  bool started = false;
  for (int i = 0; i < 200 && !started; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    for (const auto& e : fs::directory_iterator(dir.path()))
      if (e.path().string().find(".tmp") != std::string::npos) started = true;
  }
  EXPECT_TRUE(started) << "no temporary file appeared";
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream f(dir / "long.h5");
  std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "previous result");
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "left behind: " << e.path();
}

TEST(Cli, CheckWarnsAboutSupplementAboveUpperLevelAndExitsZero) {
  TempDir dir;
  write(dir / "s.yaml",
        "duration: 1 d\nsupplements:\n  - {form: citrate, dose: 250 mg, times: [\"08:00\", "
        "\"20:00\"]}\n");
  const auto r = magsim("check " + (dir / "s.yaml").string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("350"), std::string::npos) << r.err;
}

TEST(Cli, RunWarnsOnStderrForEveryThresholdCrossedAndStillExitsZero) {
  TempDir dir;
  write(dir / "s.yaml",
        "duration: 12 h\noutput: {interval: 6 min}\nsubject: {weight: 70 kg}\n"
        "infusions:\n  - {form: sulfate, rate: 300 mmol/h, start: 1 h, duration: 1 h}\n");
  const auto r = magsim("run " + (dir / "s.yaml").string() + " --quiet");
  EXPECT_EQ(r.code, 0) << "an overdose simulated is a valid result: " << r.err;
  EXPECT_TRUE(fs::exists(dir / "s.h5"));
  for (const char* line :
       {"warning: total serum Mg above 3 mmol/L (above the therapeutic range for eclampsia) "
        "first at 1.",
        "warning: total serum Mg above 3.5 mmol/L (loss of patellar reflexes) first at 1.",
        "warning: total serum Mg above 5 mmol/L (respiratory depression and paralysis) first at",
        "warning: total serum Mg above 7.5 mmol/L (altered cardiac conduction) first at",
        "warning: total serum Mg above 12.5 mmol/L (cardiac arrest) first at"})
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "\n" << r.err;
  EXPECT_NE(r.err.find(" h in all; peak "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hypomagnesemia"), std::string::npos) << r.err;
  const auto summary = magsim("run " + (dir / "s.yaml").string());
  EXPECT_NE(summary.out.find("serum_mg_total, peak"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("time above 3.5 mmol/L"), std::string::npos) << summary.out;
}

TEST(Cli, RunOfAHealthyScenarioPrintsNoThresholdWarning) {
  TempDir dir;
  write(dir / "s.yaml", kShortScenario);
  const auto r = magsim("run " + (dir / "s.yaml").string() + " --quiet");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning:"), std::string::npos) << r.err;
}

TEST(Cli, CheckWarnsAboutAnIvInfusionWithFailingKidneys) {
  TempDir dir;
  write(dir / "s.yaml",
        "duration: 2 d\nsubject: {egfr: 10 mL/min/1.73m2}\ninfusions:\n"
        "  - {form: sulfate, loading: {salt_amount: 4 g, over: 20 min}, salt_rate: 1 g/h, "
        "duration: 24 h}\n");
  const auto r = magsim("check " + (dir / "s.yaml").string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("s.yaml:4:5: warning: IV Mg maintenance infusion (infusions[0]) with eGFR 10"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("or more at steady state"), std::string::npos) << r.err;
}

TEST(Cli, CheckResolvedPrintsElementalEquivalents) {
  TempDir dir;
  write(dir / "s.yaml",
        "duration: 1 d\nsupplements:\n  - {form: oxide, salt_dose: 500 mg, at: 1 h}\n");
  const auto r = magsim("check --resolved " + (dir / "s.yaml").string());
  EXPECT_EQ(r.code, 0) << r.err;
  // 500 mg MgO x 24.305/40.304 = 301.5 mg = 12.41 mmol elemental
  EXPECT_NE(r.out.find("12.4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("egfr"), std::string::npos) << "defaults are filled in: " << r.out;
}

TEST(Cli, ParamsListsEveryParameterWithUnitRangeAndSource) {
  const auto r = magsim("params --tsv");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "name\tvalue\tunit\tmin\tmax\tsource\tnote");
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    std::vector<std::string> cols;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, '\t')) cols.push_back(cell);
    ASSERT_GE(cols.size(), 6u) << line;
    EXPECT_FALSE(cols[2].empty()) << "unit of " << cols[0];
    EXPECT_FALSE(cols[5].empty()) << "source of " << cols[0];
  }
  EXPECT_GT(rows, 20);
}

TEST(Cli, VersionAndHelpExitZero) {
  const auto v = magsim("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("magsim 0."), std::string::npos) << v.out;
  for (const char* cmd : {"--help", "run --help", "check --help", "params --help"}) {
    const auto h = magsim(cmd);
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("usage: magsim"), std::string::npos) << cmd;
  }
}

TEST(Cli, UnknownCommandIsBadInput) { EXPECT_EQ(magsim("frobnicate").code, 2); }

}  // namespace
