// The run file: what Hdf5RunWriter writes must read back bit-exactly, carry its units and
// metadata, open as it is in h5py and xarray, and never leave a half-written file at the output
// path.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/io/run_reader.hpp"
#include "engine/io/run_writer.hpp"
#include "engine/version_info.hpp"

namespace fs = std::filesystem;
using magsim::engine::EventRecord;
using magsim::engine::io::Hdf5RunWriter;
using magsim::engine::ModelInfo;
using magsim::engine::ParameterInfo;
using magsim::engine::io::read_run_file;
using magsim::engine::io::RunFile;
using magsim::engine::io::RunMetadata;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Three outputs and two states; values chosen exact in binary so Python can recompute them.
ModelInfo toy_model() {
  ModelInfo m;
  m.name = "toy";
  m.version = "0.3";
  m.states = {{"x0", "mmol", "first pool"}, {"x1", "mg", "second pool"}};
  m.outputs = {{"a", "mmol/L", "a concentration"},
               {"b", "mmol/d", "a rate that goes negative"},
               {"c", "%", "a fraction, in per cent"}};
  m.parameters = {{"renal.gfr_scale", 1.0, "1", 0.1, 2.0, "assumed", "scales GFR"},
                  {"gut.k_abs", 0.35, "1/h", 0.0, kInf, "Fine 1991, table 2", ""}};
  return m;
}

void toy_sample(std::size_t i, double& t, double y[3], double x[2]) {
  const double d = static_cast<double>(i);
  t = d / 4;
  y[0] = 1.5 * d;
  y[1] = -d;
  y[2] = d * d / 1024;
  x[0] = d + 0.5;
  x[1] = 2 * d;
}

RunMetadata toy_metadata() {
  RunMetadata meta;
  meta.scenario_file = "scenarios/toy.yaml";
  meta.scenario_given = "name: toy\nduration: 1 d\n";
  meta.scenario_resolved = "name: toy\nduration: 1 d\noutput: {interval: 15 min}\n";
  meta.solver_method = "bdf";
  meta.rtol = 1e-6;
  meta.atol = 1e-9;
  meta.max_step_h = 2.5;
  return meta;
}

std::vector<EventRecord> toy_events() {
  return {{8.0, "bolus", "oral.citrate", 6.17, "mmol"},
          {48.0, "infusion_start", "iv", 4.0, "mmol/h"},
          {72.0, "infusion_stop", "iv", -4.0, "mmol/h"}};
}

// Writes a complete toy run of n samples; commits unless told not to (the writer is then
// destroyed uncommitted on return).
void write_toy_run(const std::string& path, std::size_t n, bool commit = true,
                   RunMetadata meta = toy_metadata()) {
  const ModelInfo m = toy_model();
  Hdf5RunWriter w(path, std::move(meta));
  w.write_parameters(m.parameters, {0.8, 0.35});
  w.write_events(toy_events());
  w.begin(m);
  double t, y[3], x[2];
  for (std::size_t i = 0; i < n; ++i) {
    toy_sample(i, t, y, x);
    w.sample(t, y, x);
  }
  w.end();
  w.set_attribute("wall_time", 0.125, "s");
  w.set_attribute("mass_balance_error", 3e-15, "");
  w.set_attribute("note", "written by test_hdf5_writer");
  if (commit) w.commit();
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Runs tests/python/check_hdf5.py; returns its exit status and output.
int run_python_check(const std::string& file, const std::string& extra, std::string& output) {
  const std::string cmd = std::string(MAGSIM_PYTHON) + " " + MAGSIM_SOURCE_DIR +
                          "/tests/python/check_hdf5.py '" + file + "' " + extra + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

// Each test gets its own empty directory, removed afterwards.
class Hdf5Writer : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("magsim_hdf5_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> directory_listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};
using Hdf5Reader = Hdf5Writer;

TEST_F(Hdf5Writer, ToyRunRoundTripsBitExactly) {
  const std::size_t n = 10000;  // two full chunks and a partial one
  write_toy_run(path("run.h5"), n);
  const RunFile run = read_run_file(path("run.h5"));

  ASSERT_EQ(run.series_names, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(run.time.size(), n);
  double t, y[3], x[2];
  for (std::size_t i = 0; i < n; ++i) {
    toy_sample(i, t, y, x);
    ASSERT_EQ(bits(run.time[i]), bits(t)) << "time at row " << i;
    ASSERT_EQ(bits(run.series.at("a")[i]), bits(y[0])) << "a at row " << i;
    ASSERT_EQ(bits(run.series.at("b")[i]), bits(y[1])) << "b at row " << i;
    ASSERT_EQ(bits(run.series.at("c")[i]), bits(y[2])) << "c at row " << i;
  }
}

TEST_F(Hdf5Writer, SpecialFloatingPointValuesSurviveBitExactly) {
  std::uint64_t nan_payload_bits = 0x7ff80000deadbeefULL;
  double nan_payload;
  std::memcpy(&nan_payload, &nan_payload_bits, sizeof nan_payload);
  const std::vector<double> values = {0.0,
                                      -0.0,
                                      kInf,
                                      -kInf,
                                      nan_payload,
                                      std::numeric_limits<double>::denorm_min(),
                                      std::numeric_limits<double>::max(),
                                      std::numeric_limits<double>::lowest(),
                                      0.1};
  ModelInfo m = toy_model();
  {
    Hdf5RunWriter w(path("special.h5"), toy_metadata());
    w.begin(m);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double y[3] = {values[i], values[values.size() - 1 - i], 1.0};
      const double x[2] = {0, 0};
      w.sample(static_cast<double>(i), y, x);
    }
    w.commit();
  }
  const RunFile run = read_run_file(path("special.h5"));
  ASSERT_EQ(run.series.at("a").size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(bits(run.series.at("a")[i]), bits(values[i])) << "row " << i;
    EXPECT_EQ(bits(run.series.at("b")[i]), bits(values[values.size() - 1 - i])) << "row " << i;
  }
}

TEST_F(Hdf5Writer, SeriesCarryUnitsAndDescriptionsFromTheModelTable) {
  write_toy_run(path("run.h5"), 10);
  const RunFile run = read_run_file(path("run.h5"));
  EXPECT_EQ(run.units.at("time"), "h");
  EXPECT_FALSE(run.descriptions.at("time").empty());
  for (const auto& o : toy_model().outputs) {
    EXPECT_EQ(run.units.at(o.name), o.unit) << o.name;
    EXPECT_EQ(run.descriptions.at(o.name), o.description) << o.name;
  }
}

TEST_F(Hdf5Writer, RootAttributesRecordBuildModelSolverAndCallerValues) {
  write_toy_run(path("run.h5"), 10);
  const RunFile run = read_run_file(path("run.h5"));
  const auto& s = run.string_attributes;
  const auto& d = run.numeric_attributes;
  EXPECT_EQ(s.at("magsim_version"), magsim::engine::kVersion);
  EXPECT_EQ(s.at("git_revision"), magsim::engine::kGitRevision);
  EXPECT_EQ(s.at("model"), "toy");
  EXPECT_EQ(s.at("model_version"), "0.3");
  EXPECT_EQ(s.at("scenario_file"), "scenarios/toy.yaml");
  EXPECT_EQ(s.at("solver_method"), "bdf");
  EXPECT_EQ(d.at("rtol"), 1e-6);
  EXPECT_EQ(d.at("atol"), 1e-9);
  EXPECT_EQ(d.at("max_step"), 2.5);
  EXPECT_EQ(s.at("max_step_units"), "h");
  // A number with a unit keeps it in a companion "<name>_units"; without a unit, no companion.
  EXPECT_EQ(d.at("wall_time"), 0.125);
  EXPECT_EQ(s.at("wall_time_units"), "s");
  EXPECT_EQ(d.at("mass_balance_error"), 3e-15);
  EXPECT_EQ(s.count("mass_balance_error_units"), 0u);
  EXPECT_EQ(s.at("note"), "written by test_hdf5_writer");
}

TEST_F(Hdf5Writer, SetAttributeReplacesAnEarlierValueAndItsUnit) {
  {
    Hdf5RunWriter w(path("run.h5"), toy_metadata());
    w.begin(toy_model());
    w.set_attribute("wall_time", 1.0, "s");
    w.set_attribute("wall_time", 2.0, "");
    w.set_attribute("solver_method", "rk45");
    w.commit();
  }
  const RunFile run = read_run_file(path("run.h5"));
  EXPECT_EQ(run.numeric_attributes.at("wall_time"), 2.0);
  EXPECT_EQ(run.string_attributes.count("wall_time_units"), 0u);
  EXPECT_EQ(run.string_attributes.at("solver_method"), "rk45");
}

TEST_F(Hdf5Writer, ParametersKeepValueUsedDefaultUnitRangeAndSource) {
  write_toy_run(path("run.h5"), 10);
  const RunFile run = read_run_file(path("run.h5"));
  ASSERT_EQ(run.parameters.size(), 2u);
  const auto& p = run.parameters[0];
  EXPECT_EQ(p.name, "renal.gfr_scale");
  EXPECT_EQ(p.value, 0.8);
  EXPECT_EQ(p.default_value, 1.0);
  EXPECT_EQ(p.unit, "1");
  EXPECT_EQ(p.min, 0.1);
  EXPECT_EQ(p.max, 2.0);
  EXPECT_EQ(p.source, "assumed");
  EXPECT_EQ(p.note, "scales GFR");
  const auto& q = run.parameters[1];
  EXPECT_EQ(q.name, "gut.k_abs");
  EXPECT_EQ(q.unit, "1/h");
  EXPECT_EQ(q.max, kInf);  // an open range stays open
  EXPECT_EQ(q.source, "Fine 1991, table 2");
}

TEST_F(Hdf5Writer, EventsRoundTripInScheduleOrder) {
  write_toy_run(path("run.h5"), 10);
  const RunFile run = read_run_file(path("run.h5"));
  const auto expected = toy_events();
  ASSERT_EQ(run.events.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(run.events[i].time_h, expected[i].time_h);
    EXPECT_EQ(run.events[i].kind, expected[i].kind);
    EXPECT_EQ(run.events[i].what, expected[i].what);
    EXPECT_EQ(run.events[i].amount, expected[i].amount);
    EXPECT_EQ(run.events[i].unit, expected[i].unit);
  }
}

TEST_F(Hdf5Writer, ScenarioTextIsStoredAsGivenAndResolvedIncludingUtf8) {
  RunMetadata meta = toy_metadata();
  meta.scenario_given = "name: caf\xc3\xa9\n# 5 \xc2\xb5mol\n";
  write_toy_run(path("run.h5"), 10, true, meta);
  const RunFile run = read_run_file(path("run.h5"));
  EXPECT_EQ(run.scenario_given, meta.scenario_given);
  EXPECT_EQ(run.scenario_resolved, meta.scenario_resolved);
}

TEST_F(Hdf5Writer, FileReadsAsSpecifiedWithH5pyAndXarray) {
  write_toy_run(path("run.h5"), 10000);
  std::string output;
  const int status = run_python_check(path("run.h5"), "--toy-samples 10000", output);
  EXPECT_EQ(status, 0) << output;
}

TEST_F(Hdf5Writer, RunWithoutSamplesOrEventsStillReadsEverywhere) {
  {
    Hdf5RunWriter w(path("empty.h5"), toy_metadata());
    w.write_parameters({}, {});
    w.write_events(std::vector<EventRecord>{});
    w.begin(toy_model());
    w.end();
    w.commit();
  }
  const RunFile run = read_run_file(path("empty.h5"));
  EXPECT_TRUE(run.time.empty());
  EXPECT_EQ(run.series_names.size(), 3u);
  EXPECT_TRUE(run.events.empty());
  EXPECT_TRUE(run.parameters.empty());
  std::string output;
  EXPECT_EQ(run_python_check(path("empty.h5"), "", output), 0) << output;
}

TEST_F(Hdf5Writer, CommitWritesEmptyEventsAndParametersWhenNoneWereGiven) {
  {
    Hdf5RunWriter w(path("run.h5"), toy_metadata());
    w.begin(toy_model());
    const double y[3] = {1, 2, 3}, x[2] = {0, 0};
    w.sample(0.0, y, x);
    w.commit();
  }
  std::string output;
  EXPECT_EQ(run_python_check(path("run.h5"), "", output), 0) << output;
}

TEST_F(Hdf5Writer, VariableSelectionKeepsNamedOutputsAndStatesInGivenOrder) {
  RunMetadata meta = toy_metadata();
  meta.variables = {"c", "x1", "a", "c"};
  write_toy_run(path("run.h5"), 100, true, meta);
  const RunFile run = read_run_file(path("run.h5"));
  ASSERT_EQ(run.series_names, (std::vector<std::string>{"c", "x1", "a"}));
  EXPECT_EQ(run.units.at("x1"), "mg");
  double t, y[3], x[2];
  toy_sample(99, t, y, x);
  EXPECT_EQ(run.series.at("x1")[99], x[1]);
  EXPECT_EQ(run.series.at("c")[99], y[2]);
}

TEST_F(Hdf5Writer, UnknownVariableIsRejectedNamingItAndTheModelsOutputs) {
  RunMetadata meta = toy_metadata();
  meta.variables = {"a", "serum_mg"};
  Hdf5RunWriter w(path("run.h5"), meta);
  try {
    w.begin(toy_model());
    FAIL() << "begin() accepted an unknown variable";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'serum_mg'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("a, b, c"), std::string::npos) << msg;
  }
}

TEST_F(Hdf5Writer, SeriesAreChunkedCompressedAndTheBufferStaysOneChunk) {
  const ModelInfo m = toy_model();
  Hdf5RunWriter w(path("run.h5"), toy_metadata());
  w.begin(m);
  double t, y[3], x[2];
  const std::size_t n = 10 * Hdf5RunWriter::kChunkRows + 17;
  for (std::size_t i = 0; i < n; ++i) {
    toy_sample(i, t, y, x);
    w.sample(t, y, x);
    ASSERT_LE(w.buffer_capacity_rows(), Hdf5RunWriter::kChunkRows) << "after sample " << i;
  }
  EXPECT_EQ(w.samples_written(), n);
  w.commit();

  const RunFile run = read_run_file(path("run.h5"));
  EXPECT_EQ(run.time.size(), n);
  for (const auto& name : run.series_names) {
    EXPECT_EQ(run.chunk_rows.at(name), Hdf5RunWriter::kChunkRows) << name;
    EXPECT_TRUE(run.compressed.at(name)) << name;
  }
}

TEST_F(Hdf5Writer, CommittedRunReplacesAnExistingFileAndLeavesNoTemporaryFile) {
  { std::ofstream(path("run.h5")) << "an older result"; }
  write_toy_run(path("run.h5"), 50);
  EXPECT_EQ(read_run_file(path("run.h5")).time.size(), 50u);
  EXPECT_EQ(directory_listing(), (std::vector<std::string>{"run.h5"}));
}

TEST_F(Hdf5Writer, TemporaryFileSitsNextToTheOutputUntilCommit) {
  Hdf5RunWriter w(path("run.h5"), toy_metadata());
  const fs::path tmp(w.temporary_path());
  EXPECT_EQ(tmp.parent_path(), dir_);
  EXPECT_EQ(tmp.filename().string().rfind(".run.h5.tmp.", 0), 0u) << tmp;
  EXPECT_TRUE(fs::exists(tmp));
  EXPECT_FALSE(fs::exists(path("run.h5")));
  w.begin(toy_model());
  w.commit();
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_TRUE(fs::exists(path("run.h5")));
}

TEST_F(Hdf5Writer, AbandonedRunLeavesNoFile) {
  write_toy_run(path("run.h5"), 5000, /*commit=*/false);
  EXPECT_TRUE(directory_listing().empty());
}

TEST_F(Hdf5Writer, AbandonedRunLeavesExistingFileUntouched) {
  write_toy_run(path("run.h5"), 300);
  const std::string before = file_bytes(path("run.h5"));
  ASSERT_FALSE(before.empty());
  RunMetadata meta = toy_metadata();
  meta.solver_method = "something else";
  write_toy_run(path("run.h5"), 9000, /*commit=*/false, meta);
  EXPECT_EQ(file_bytes(path("run.h5")), before);
  EXPECT_EQ(directory_listing(), (std::vector<std::string>{"run.h5"}));
}

TEST_F(Hdf5Writer, ExceptionInTheMiddleOfARunLeavesExistingFileUntouched) {
  { std::ofstream(path("run.h5"), std::ios::binary) << "previous result\n"; }
  const std::string before = file_bytes(path("run.h5"));
  try {
    Hdf5RunWriter w(path("run.h5"), toy_metadata());
    w.begin(toy_model());
    double t, y[3], x[2];
    for (std::size_t i = 0; i < 6000; ++i) {
      toy_sample(i, t, y, x);
      w.sample(t, y, x);
    }
    throw std::runtime_error("solver failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(file_bytes(path("run.h5")), before);
  EXPECT_EQ(directory_listing(), (std::vector<std::string>{"run.h5"}));
}

TEST_F(Hdf5Writer, MissingOrUnwritableDirectoryGivesClearErrorNamingThePath) {
  auto expect_error = [](const std::string& out, const std::string& fragment) {
    ::testing::internal::CaptureStderr();
    try {
      Hdf5RunWriter w(out, toy_metadata());
      ADD_FAILURE() << "no error for " << out;
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(out), std::string::npos) << msg;
      EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    }
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "HDF5 printed to stderr";
  };
  expect_error(path("no/such/dir/run.h5"), "does not exist");
  { std::ofstream(path("plain_file")) << "x"; }
  expect_error(path("plain_file/run.h5"), "is not a directory");
  if (::geteuid() != 0) {  // root may write anywhere
    fs::create_directory(dir_ / "locked");
    fs::permissions(dir_ / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    expect_error(path("locked/run.h5"), "not writable");
  }
}

TEST_F(Hdf5Writer, OutputPathThatIsADirectoryIsRejectedBeforeTheRun) {
  fs::create_directory(dir_ / "out.h5");
  try {
    Hdf5RunWriter w(path("out.h5"), toy_metadata());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

// A full disk, simulated with a file-size limit (EFBIG instead of ENOSPC; the same HDF5 path).
// The writer outlives the limit, as it outlives a full disk in the CLI: the error is reported,
// the existing file stays, the temporary file goes, and no HDF5 identifier is left dangling
// (HDF5 1.10 would crash at exit on one).
TEST_F(Hdf5Writer, FullDiskGivesErrorNamingThePathAndLeavesExistingFileUntouched) {
  { std::ofstream(path("run.h5"), std::ios::binary) << "previous result\n"; }
  const std::string before = file_bytes(path("run.h5"));
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  std::string message;
  {
    const ModelInfo m = toy_model();
    Hdf5RunWriter w(path("run.h5"), toy_metadata());
    w.begin(m);
    rlimit small = saved;
    small.rlim_cur = 32 * 1024;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    ::testing::internal::CaptureStderr();
    try {
      double t, y[3], x[2];
      for (std::size_t i = 0; i < 200000; ++i) {
        toy_sample(i, t, y, x);
        w.sample(t, y, x);
      }
      w.commit();
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "HDF5 printed to stderr";
    ::setrlimit(RLIMIT_FSIZE, &saved);
    EXPECT_THROW(w.commit(), std::runtime_error) << "a failed writer must not commit";
  }
  std::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(message.empty()) << "a run larger than the size limit was written without error";
  EXPECT_NE(message.find(path("run.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(file_bytes(path("run.h5")), before);
  EXPECT_EQ(directory_listing(), (std::vector<std::string>{"run.h5"}));
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

// The same when the data fits but the room to finish the file does not: commit() refuses before
// the final flush, which HDF5 1.10 could not recover from.
TEST_F(Hdf5Writer, NoRoomToFinishTheFileFailsCommitCleanly) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  std::string message;
  {
    Hdf5RunWriter w(path("run.h5"), toy_metadata());
    w.begin(toy_model());
    const double y[3] = {1, 2, 3}, x[2] = {0, 0};
    w.sample(0.0, y, x);
    rlimit small = saved;
    small.rlim_cur = 1024 * 1024;  // far more than this file needs, less than the reserve
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    try {
      w.commit();
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &saved);
  }
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find(path("run.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_TRUE(directory_listing().empty());
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

TEST_F(Hdf5Writer, CallsAfterCommitAreRejected) {
  Hdf5RunWriter w(path("run.h5"), toy_metadata());
  w.begin(toy_model());
  w.commit();
  const double y[3] = {0, 0, 0}, x[2] = {0, 0};
  EXPECT_THROW(w.sample(1.0, y, x), std::logic_error);
  EXPECT_THROW(w.set_attribute("late", 1.0, "s"), std::logic_error);
  EXPECT_THROW(w.commit(), std::logic_error);
}

TEST_F(Hdf5Writer, NoHdf5HandleOutlivesAWriterOrAReaderOnAnyPath) {
  auto open_objects = [] { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); };
  ASSERT_EQ(open_objects(), 0);
  write_toy_run(path("run.h5"), 5000);  // committed
  EXPECT_EQ(open_objects(), 0);
  write_toy_run(path("gone.h5"), 5000, /*commit=*/false);  // abandoned mid-chunk
  EXPECT_EQ(open_objects(), 0);
  {
    RunMetadata meta = toy_metadata();
    meta.variables = {"nope"};
    Hdf5RunWriter w(path("bad.h5"), meta);
    EXPECT_THROW(w.begin(toy_model()), std::invalid_argument);
  }
  EXPECT_EQ(open_objects(), 0);
  (void)read_run_file(path("run.h5"));
  EXPECT_EQ(open_objects(), 0);
  const std::string bytes = file_bytes(path("run.h5"));
  { std::ofstream(path("cut.h5"), std::ios::binary) << bytes.substr(0, bytes.size() / 2); }
  EXPECT_THROW(read_run_file(path("cut.h5")), std::runtime_error);
  EXPECT_EQ(open_objects(), 0);
}

TEST_F(Hdf5Reader, MissingFileGivesClearError) {
  try {
    read_run_file(path("absent.h5"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path("absent.h5")), std::string::npos) << e.what();
  }
}

TEST_F(Hdf5Reader, NonHdf5FileGivesClearError) {
  { std::ofstream(path("text.h5")) << "not hdf5"; }
  try {
    read_run_file(path("text.h5"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path("text.h5")), std::string::npos) << msg;
    EXPECT_NE(msg.find("not an HDF5 file"), std::string::npos) << msg;
  }
}

TEST_F(Hdf5Reader, TruncatedFileGivesErrorWithoutHdf5Printing) {
  write_toy_run(path("run.h5"), 10000);
  const std::string bytes = file_bytes(path("run.h5"));
  { std::ofstream(path("cut.h5"), std::ios::binary) << bytes.substr(0, bytes.size() / 3); }
  ::testing::internal::CaptureStderr();
  EXPECT_THROW(read_run_file(path("cut.h5")), std::runtime_error);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}
