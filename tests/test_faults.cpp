// Regression tests for what the fault suite (tools/test_faults) found: a full disk at each step of
// writing a run or sweep file, a sweep into a special file, and temporaries of killed sweeps. The
// full disk is tests/faults/enospc_shim.c, preloaded: writes under one directory fail with ENOSPC
// once the files there have grown by a given number of bytes.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/temp_files.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kMagsim = std::string(MAGSIM_BINARY_DIR) + "/bin/magsim";
const std::string kShim = MAGSIM_ENOSPC_SHIM;

using magsim::testing::slurp;
using magsim::testing::TempDir;
using magsim::testing::write;

struct Outcome {
  bool exited = false;  // false: killed by a signal (a crash)
  int code = -1;        // exit code, or the signal
  std::string err;
};

// Runs magsim with `args` and extra environment variables; stderr is captured in `err_file`
// (outside any directory the shim watches).
Outcome magsim(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               const fs::path& err_file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(err, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(kMagsim.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kMagsim.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Outcome o;
  o.exited = WIFEXITED(status);
  o.code = o.exited ? WEXITSTATUS(status) : WTERMSIG(status);
  o.err = slurp(err_file);
  return o;
}

// The shim's environment: the files under `dir` may grow by `budget` bytes in all.
std::map<std::string, std::string> full_disk(const fs::path& dir, long long budget) {
  // verify_asan_link_order: a sanitizer build of magsim accepts a library preloaded before its
  // runtime (the shim's symbols are all it adds).
  return {{"LD_PRELOAD", kShim},
          {"ASAN_OPTIONS", std::string(std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS")
                                                                   : "") +
                               ":verify_asan_link_order=0"},
          {"MAGSIM_FAULT_DIR", dir.string()},
          {"MAGSIM_FAULT_ENOSPC_AFTER", std::to_string(budget)}};
}

// The most the files under `dir` grow by while magsim runs `args`: the smallest budget with which
// it succeeds.
long long bytes_needed(const std::vector<std::string>& args, const fs::path& dir,
                       const fs::path& scratch) {
  auto env = full_disk(dir, 1LL << 62);
  env["MAGSIM_FAULT_REPORT"] = (scratch / "report").string();
  const Outcome o = magsim(args, env, scratch / "measure.err");
  EXPECT_TRUE(o.exited && o.code == 0) << o.err;
  return std::stoll(slurp(scratch / "report"));
}

std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.find(".tmp.") != std::string::npos || n.find(".journal") != std::string::npos)
      names.push_back(n);
  }
  return names;
}

const char* kScenario =
    "name: short\n"
    "description: two days on the default diet\n"
    "duration: 2 d\n"
    "supplements:\n"
    "  - {form: citrate, dose: 150 mg, times: [\"08:00\"]}\n";

const char* kSweep =
    "base: s.yaml\n"
    "sweep:\n"
    "  grid:\n"
    "    supplements[0].dose: [\"100 mg\", \"200 mg\", \"300 mg\"]\n"
    "summary: [serum_mg_total.final]\n"
    "keep_series: [serum_mg_total]\n";

// Fault suite, full disk by the shim: with room for all but the last byte, the final metadata
// flush failed, and HDF5 1.10 could not close the file; the abandoned file crashed the process
// at exit (SIGSEGV, exit 139 instead of 1). Now the file is closed into memory and deleted.
TEST(Faults, FullDiskAtTheFinalFlushOfARunExitsOneAndKeepsTheOldFile) {
  TempDir in, disk;
  write(in / "s.yaml", kScenario);
  const std::string out = (disk / "out.h5").string();
  const std::vector<std::string> args{"run", (in / "s.yaml").string(), "-q", "-o", out};
  const long long need = bytes_needed(args, disk.path(), in.path());
  fs::remove(out);
  write(out, "previous result");
  // The final flush writes several kB of metadata: fail it at its start, middle and end.
  for (long long budget : {need - 6000, need - 4000, need - 2500, need - 1}) {
    const Outcome o = magsim(args, full_disk(disk.path(), budget), in / "err");
    ASSERT_TRUE(o.exited) << "killed by signal " << o.code << " with " << budget << " bytes: "
                          << o.err;
    EXPECT_EQ(o.code, 1) << o.err;
    EXPECT_NE(o.err.find("No space left on device"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find(out), std::string::npos) << o.err;
    EXPECT_EQ(o.err.find("HDF5-DIAG"), std::string::npos) << o.err;
    EXPECT_EQ(slurp(out), "previous result");
    EXPECT_TRUE(leftovers(disk.path()).empty()) << leftovers(disk.path())[0];
  }
  const Outcome ok = magsim(args, full_disk(disk.path(), need), in / "err");
  EXPECT_TRUE(ok.exited && ok.code == 0) << ok.err;
}

// The same for a sweep's file (journal full earlier is a plain error: covered by the suite).
TEST(Faults, FullDiskAtTheFinalFlushOfASweepExitsOneAndKeepsTheJournal) {
  TempDir in, disk;
  write(in / "s.yaml", kScenario);
  write(in / "sw.yaml", kSweep);
  const std::string out = (disk / "out.h5").string();
  const std::vector<std::string> args{"sweep", (in / "sw.yaml").string(), "-q", "--threads", "1",
                                      "-o", out};
  const long long need = bytes_needed(args, disk.path(), in.path());
  fs::remove(out);
  write(out, "previous result");
  auto resume = args;
  resume.push_back("--resume");
  for (long long budget : {need - 6000, need - 4000, need - 2500, need - 1}) {
    const Outcome o = magsim(args, full_disk(disk.path(), budget), in / "err");
    ASSERT_TRUE(o.exited) << "killed by signal " << o.code << " with " << budget << " of " << need
                          << " bytes: " << o.err;
    EXPECT_EQ(o.code, 1) << o.err;
    EXPECT_NE(o.err.find("No space left on device"), std::string::npos) << o.err;
    EXPECT_EQ(slurp(out), "previous result");
    EXPECT_EQ(leftovers(disk.path()), std::vector<std::string>{"out.h5.journal"});
    fs::remove(disk / "out.h5.journal");
  }
  const Outcome o = magsim(args, full_disk(disk.path(), need - 1), in / "err");
  EXPECT_EQ(o.code, 1) << o.err;
  const Outcome ok = magsim(resume, {}, in / "err");
  EXPECT_TRUE(ok.exited && ok.code == 0) << ok.err;
  EXPECT_TRUE(leftovers(disk.path()).empty());
}

// Fault suite, full disk by the shim with no room at all: H5Fcreate failed to write its first
// bytes and left the empty temporary '.out.h5.tmp.HOST.PID.0' behind. Now the temporary is made
// and probed before HDF5 writes to it, and removed on failure.
TEST(Faults, FullDiskWhenTheTemporaryIsCreatedLeavesNoTemporary) {
  TempDir in, disk;
  write(in / "s.yaml", kScenario);
  write(in / "sw.yaml", kSweep);
  const std::string out = (disk / "out.h5").string();
  write(out, "previous result");
  for (long long budget : {0LL, 1LL, 100LL}) {
    const Outcome run =
        magsim({"run", (in / "s.yaml").string(), "-q", "-o", out}, full_disk(disk.path(), budget),
               in / "err");
    ASSERT_TRUE(run.exited) << run.err;
    EXPECT_EQ(run.code, 1) << run.err;
    EXPECT_NE(run.err.find("No space left on device"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("infinite loop closing library"), std::string::npos) << run.err;
    EXPECT_EQ(slurp(out), "previous result");
    EXPECT_TRUE(leftovers(disk.path()).empty()) << leftovers(disk.path())[0];
  }
  // A sweep's journal on a full disk: no journal and no temporary of it.
  const Outcome sweep = magsim({"sweep", (in / "sw.yaml").string(), "-q", "-o", out},
                               full_disk(disk.path(), 0), in / "err");
  EXPECT_EQ(sweep.code, 1) << sweep.err;
  EXPECT_NE(sweep.err.find("No space left on device"), std::string::npos) << sweep.err;
  EXPECT_TRUE(leftovers(disk.path()).empty()) << leftovers(disk.path())[0];
  EXPECT_EQ(slurp(out), "previous result");
}

// Fault suite, paths: `magsim sweep -o FIFO` (or a directory, a socket, a symbolic link) ran every
// run, made 'FIFO.journal' beside it, and only then refused the output, leaving the journal (so
// that the next sweep demanded --resume). Now the output is checked before the journal is made.
TEST(Faults, SweepIntoASpecialFileIsRefusedBeforeAnyRunAndLeavesNoJournal) {
  TempDir dir;
  write(dir / "s.yaml", kScenario);
  write(dir / "sw.yaml", kSweep);
  ASSERT_EQ(::mkfifo((dir / "fifo.h5").c_str(), 0600), 0);
  fs::create_directory(dir / "dir.h5");
  write(dir / "kept.h5", "previous result");
  fs::create_symlink(dir / "kept.h5", dir / "link.h5");
  fs::create_symlink(dir / "nowhere.h5", dir / "dangling.h5");
  for (const char* target : {"fifo.h5", "dir.h5", "link.h5", "dangling.h5"}) {
    const std::string path = (dir / target).string();
    const Outcome o = magsim({"sweep", (dir / "sw.yaml").string(), "-o", path}, {}, dir / "err");
    EXPECT_EQ(o.code, 1) << target << ": " << o.err;
    EXPECT_NE(o.err.find("cannot write sweep file '" + path + "'"), std::string::npos) << o.err;
    EXPECT_EQ(o.err.find("runs/s"), std::string::npos) << target << ": the sweep ran: " << o.err;
    EXPECT_TRUE(leftovers(dir.path()).empty()) << target << ": " << leftovers(dir.path())[0];
  }
  EXPECT_TRUE(fs::is_fifo(dir / "fifo.h5"));
  EXPECT_TRUE(fs::is_symlink(dir / "link.h5"));
  EXPECT_EQ(slurp(dir / "kept.h5"), "previous result");
}

// Found reading the code behind the suite: the sweep journal's header was written to
// 'OUT.journal.tmp.PID' and renamed; a sweep killed in between left that file forever. Its name
// now carries the host, and the next sweep into the same path removes it when its process is gone.
TEST(Faults, JournalTemporaryOfAKilledSweepIsRemovedByTheNextSweep) {
  TempDir dir;
  write(dir / "s.yaml", kScenario);
  write(dir / "sw.yaml", kSweep);
  char buf[256] = {};
  ASSERT_EQ(::gethostname(buf, sizeof buf - 1), 0);
  std::string host(buf);
  for (char& c : host)
    if (c == '.' || c == '/') c = '_';
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ::waitpid(dead, nullptr, 0);
  const auto stale = dir / (".out.h5.journal.tmp." + host + "." + std::to_string(dead) + ".0");
  const auto live = dir / (".out.h5.journal.tmp." + host + "." + std::to_string(::getpid()) + ".0");
  write(stale, "MGSWJRNL");
  write(live, "MGSWJRNL");
  const Outcome o = magsim({"sweep", (dir / "sw.yaml").string(), "-q", "-o",
                            (dir / "out.h5").string()}, {}, dir / "err");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(dir / "out.h5"));
}

}  // namespace
