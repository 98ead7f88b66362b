// The sweep's files: the resume journal must keep every finished run through a SIGKILL and a
// torn last write, and refuse another sweep's journal; the HDF5 sweep file must read back
// bit-exactly, never replace a good file with a half-written one, and a merge of shard files must
// give the same results as the file one process writes for the whole sweep.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/io/sweep_file.hpp"
#include "engine/sweep/random_stream.hpp"
#include "engine/io/sweep_journal.hpp"
#include "engine/sweep/record.hpp"

namespace fs = std::filesystem;
using magsim::engine::sweep::encode_record;
using magsim::engine::io::merge_sweep_files;
using magsim::engine::io::read_sweep_file;
using magsim::engine::sweep::RunRecord;
using magsim::engine::sweep::RunStatus;
using magsim::engine::io::SweepFileAttributes;
using magsim::engine::io::SweepFileContents;
using magsim::engine::io::SweepJournal;
using magsim::engine::sweep::SweepLayout;
using magsim::engine::io::write_sweep_file;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A sweep of `runs` runs: one numeric and one text input, two summaries and, with `times` > 0,
// two kept series of `times` samples.
SweepLayout toy_layout(std::uint64_t runs, std::size_t times = 4) {
  SweepLayout l;
  l.runs = runs;
  l.inputs = {{"supplements[0].dose", "mmol", "oral Mg dose per intake", true},
              {"supplements[0].salt", "", "salt form", false}};
  l.summaries = {{"serum_mg_total.mean", "mmol/L", "mean total serum Mg", true},
                 {"cum_urine.final", "mmol", "urinary Mg over the run", true}};
  if (times > 0) {
    l.series = {{"serum_mg_total", "mmol/L", "total serum Mg", true},
                {"urine_mg_rate", "mmol/d", "urinary excretion", true}};
    for (std::size_t t = 0; t < times; ++t) l.series_time_h.push_back(0.5 * static_cast<double>(t));
  }
  l.sweep_file = "sweeps/dose.yaml";
  l.sweep_text = "base: citrate.yaml\ngrid:\n  supplements[0].dose: [5, 10, 20] mmol\n";
  l.sweep_resolved = l.sweep_text + "runs: " + std::to_string(runs) + "\n";
  l.base_file = "scenarios/citrate.yaml";
  l.base_text = "name: citrate\nduration: 2 d\n";
  l.fingerprint = magsim::engine::sweep::fingerprint_of(l.sweep_resolved);
  return l;
}

// A reproducible value with all 64 bits in play (incompressible, unlike round numbers).
double noise(std::uint64_t a, std::uint64_t b) {
  return static_cast<double>(magsim::engine::sweep::mix64(a * 1000003 + b) >> 11) * 0x1p-53;
}

// Run i: every 5th fails (message, NaN summaries, no series), the rest succeed; one summary of
// run 2 is NaN and run 3 carries -0.0, to check that bits, not just values, survive.
RunRecord toy_record(std::uint64_t i, const SweepLayout& l) {
  RunRecord r;
  r.index = i;
  r.inputs = {{5.0 * static_cast<double>(i % 4 + 1), ""},
              {0, i % 2 ? "citrate" : "Mg\u00b2\u207a oxide"}};
  r.wall_time_s = 0.01 * static_cast<double>(i + 1);
  if (i % 5 == 4) {
    r.status = RunStatus::Failed;
    r.message =
        "solver failed at t = 3.5 h: step size below 1e-12 h (run " + std::to_string(i) + ")";
    r.summaries = {kNaN, kNaN};
    return r;
  }
  r.status = RunStatus::Ok;
  r.summaries = {0.8 + noise(i, 0), i == 3 ? -0.0 : 10 * noise(i, 1)};
  if (i == 2) r.summaries[1] = kNaN;
  for (std::size_t s = 0; s < l.series.size(); ++s) {
    std::vector<double> v;
    for (std::size_t t = 0; t < l.series_time_h.size(); ++t) v.push_back(noise(i, 100 * s + t));
    r.series.push_back(std::move(v));
  }
  return r;
}

// Records are equal if they encode to the same bytes (NaN == NaN, -0.0 != 0.0).
bool same_record(const RunRecord& a, const RunRecord& b) {
  return encode_record(a) == encode_record(b);
}

// The record as the file gives it back: NaN / "" for what a run does not have.
RunRecord as_stored(RunRecord r, const SweepLayout& l) {
  if (r.series.empty() && !l.series.empty())
    r.series.assign(l.series.size(), std::vector<double>(l.series_time_h.size(), kNaN));
  return r;
}

RunRecord not_run(std::uint64_t i, const SweepLayout& l) {
  RunRecord r;
  r.index = i;
  r.inputs.resize(l.inputs.size());
  for (std::size_t c = 0; c < l.inputs.size(); ++c)
    r.inputs[c].number = l.inputs[c].numeric ? kNaN : 0;
  r.summaries.assign(l.summaries.size(), kNaN);
  r.wall_time_s = kNaN;
  return as_stored(r, l);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void append_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

// Writes the whole sweep (shard k of `shards` when shards > 0: only runs with i % shards == k).
void write_toy_file(const std::string& path, const SweepLayout& l, int shards = 0, int k = 0,
                    double wall_offset_s = 0) {
  SweepFileAttributes attrs;
  attrs.shard = shards ? std::to_string(k + 1) + "/" + std::to_string(shards) : "";
  attrs.magsim_version = "0.1.0-test";
  attrs.wall_time_s = 12.5 + k;
  attrs.execution = "2 threads";
  attrs.extra = {
      {"model", std::string("magnesium"), ""}, {"rtol", 1e-6, ""}, {"max_step", 0.25, "h"}};
  write_sweep_file(
      path, l,
      [&](std::uint64_t i) -> std::optional<RunRecord> {
        if (shards && static_cast<int>(i % static_cast<std::uint64_t>(shards)) != k)
          return std::nullopt;
        RunRecord r = toy_record(i, l);
        r.wall_time_s += wall_offset_s;  // wall times are not part of a run's result
        return r;
      },
      attrs);
}

// The parts of two sweep files that are the sweep's result: layout and records without wall times.
void expect_same_results(const SweepFileContents& a, const SweepFileContents& b) {
  EXPECT_EQ(a.layout.runs, b.layout.runs);
  EXPECT_EQ(a.layout.fingerprint, b.layout.fingerprint);
  ASSERT_EQ(a.records.size(), b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    RunRecord x = a.records[i], y = b.records[i];
    x.wall_time_s = y.wall_time_s = 0;
    EXPECT_TRUE(same_record(x, y)) << "run " << i;
  }
}

}  // namespace

// Each test gets its own empty directory, removed afterwards.
class SweepFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("magsim_sweep_files_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

// ---- journal ------------------------------------------------------------------------------------

TEST_F(SweepFiles, JournalGivesBackEveryRecordBitExactly) {
  const SweepLayout l = toy_layout(10);
  {
    SweepJournal j = SweepJournal::create(path("sweep.journal"), l);
    for (std::uint64_t i : {7, 0, 4, 3, 2}) j.append(toy_record(i, l));
    EXPECT_EQ(j.completed(), 5u);
    EXPECT_TRUE(j.has(4));
    EXPECT_FALSE(j.has(1));
    EXPECT_FALSE(j.read(1).has_value());
    EXPECT_FALSE(j.has(10));
    for (std::uint64_t i : {7, 0, 4, 3, 2}) EXPECT_TRUE(same_record(*j.read(i), toy_record(i, l)));
    // Run 7 again (a resumed sweep recomputed it): the last entry counts, once.
    RunRecord again = toy_record(7, l);
    again.wall_time_s = 99;
    j.append(again);
    EXPECT_EQ(j.completed(), 5u);
    EXPECT_EQ(j.read(7)->wall_time_s, 99);
  }
  SweepJournal j = SweepJournal::resume(path("sweep.journal"), l);
  EXPECT_EQ(j.completed(), 5u);
  EXPECT_EQ(j.dropped_bytes(), 0u);
  for (std::uint64_t i : {0, 4, 3, 2}) EXPECT_TRUE(same_record(*j.read(i), toy_record(i, l)));
  EXPECT_EQ(j.read(7)->wall_time_s, 99);
  EXPECT_TRUE(std::isnan(j.read(4)->summaries[0])) << "the failed run's NaN summary";
  EXPECT_EQ(j.read(4)->message, toy_record(4, l).message);

  EXPECT_THROW(j.append(toy_record(10, l)), std::invalid_argument) << "index out of range";
  RunRecord nothing;
  nothing.index = 1;
  EXPECT_THROW(j.append(nothing), std::invalid_argument) << "a not_run record";

  SweepJournal moved = std::move(j);
  EXPECT_EQ(moved.completed(), 5u);
  moved.remove();
  EXPECT_FALSE(fs::exists(path("sweep.journal")));
  EXPECT_FALSE(moved.has(0));
  EXPECT_THROW(moved.append(toy_record(1, l)), std::logic_error);
}

namespace {
// The bytes of the journal entry of `r`, taken from a scratch journal at `p`.
std::string journal_entry(const std::string& p, const SweepLayout& l, const RunRecord& r) {
  SweepJournal::create(p, l);
  const std::size_t header = static_cast<std::size_t>(fs::file_size(p));
  SweepJournal::create(p, l).append(r);
  return file_bytes(p).substr(header);
}
}  // namespace

TEST_F(SweepFiles, JournalResumeDropsATornTailAndAppendsAfterTheLastGoodEntry) {
  const SweepLayout l = toy_layout(10);
  const std::string p = path("sweep.journal");
  {
    SweepJournal j = SweepJournal::create(p, l);
    for (std::uint64_t i : {0, 1, 2}) j.append(toy_record(i, l));
  }
  const std::string good = file_bytes(p);
  const std::string entry3 = journal_entry(path("scratch.journal"), l, toy_record(3, l));

  // Killed halfway through writing run 3's entry.
  append_bytes(p, entry3.substr(0, entry3.size() / 2));
  {
    SweepJournal j = SweepJournal::resume(p, l);
    EXPECT_EQ(j.completed(), 3u);
    EXPECT_EQ(j.dropped_bytes(), entry3.size() / 2);
    EXPECT_EQ(file_bytes(p), good) << "the torn entry is cut off the file";
    j.append(toy_record(3, l));
    j.append(toy_record(4, l));
  }
  {
    SweepJournal j = SweepJournal::resume(p, l);
    EXPECT_EQ(j.completed(), 5u);
    EXPECT_EQ(j.dropped_bytes(), 0u);
    for (std::uint64_t i = 0; i < 5; ++i) EXPECT_TRUE(same_record(*j.read(i), toy_record(i, l)));
  }

  // A whole entry whose payload was damaged (one bit), then garbage: both dropped.
  const std::string five_good = file_bytes(p);
  std::string damaged = journal_entry(path("scratch.journal"), l, toy_record(5, l));
  damaged[damaged.size() - 20] ^= 0x10;
  append_bytes(p, damaged + "\x07not an entry at all");
  {
    SweepJournal j = SweepJournal::resume(p, l);
    EXPECT_EQ(j.completed(), 5u);
    EXPECT_FALSE(j.has(5));
    EXPECT_EQ(file_bytes(p), five_good);
  }
  // A zero-filled tail (what a filesystem may show after a power cut) is no entry either.
  append_bytes(p, std::string(64, '\0'));
  EXPECT_EQ(SweepJournal::resume(p, l).completed(), 5u);
  EXPECT_EQ(file_bytes(p), five_good);
}

// Issue 11, item 12: only a damaged last entry is a torn write. A damaged entry with intact
// ones after it was cut off as "torn" with every good run after it; it is corruption, refused
// with the entry's number and byte, and the file is left as it is.
TEST_F(SweepFiles, JournalCorruptionMidFileIsNotATornWriteAndNamesTheEntry) {
  const SweepLayout l = toy_layout(10);
  const std::string p = path("sweep.journal");
  const std::string header = [&] {
    SweepJournal::create(p, l);
    return file_bytes(p);
  }();
  std::vector<std::string> entries;
  for (std::uint64_t i = 0; i < 5; ++i)
    entries.push_back(journal_entry(path("scratch.journal"), l, toy_record(i, l)));
  const auto write = [&](const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  };
  const std::size_t third = header.size() + entries[0].size() + entries[1].size();
  for (const char* damage : {"payload", "length"}) {
    std::string bytes = header;
    for (const auto& e : entries) bytes += e;
    if (std::string(damage) == "payload")
      bytes[third + entries[2].size() - 20] ^= 0x10;  // one bit in run 2's payload
    else
      bytes[third + 5] = '\x7f';  // run 2's length, now far beyond the file
    write(bytes);
    try {
      SweepJournal::resume(p, l);
      ADD_FAILURE() << damage << ": a journal damaged in the middle was resumed";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("is corrupt: entry 3 (at byte " + std::to_string(third) + ")"),
                std::string::npos)
          << damage << ": " << what;
      EXPECT_NE(what.find("intact entries follow it"), std::string::npos) << what;
      EXPECT_EQ(what.find("torn"), std::string::npos) << what;
    }
    EXPECT_EQ(file_bytes(p), bytes) << damage << ": the file must be left as it is";
  }
  // The same damage in the last entry is a torn write: cut off, the rest resumed.
  std::string bytes = header + entries[0] + entries[1] + entries[2];
  bytes[bytes.size() - 20] ^= 0x10;
  write(bytes);
  const SweepJournal j = SweepJournal::resume(p, l);
  EXPECT_EQ(j.completed(), 2u);
  EXPECT_EQ(j.dropped_bytes(), entries[2].size());
}

// The promise of the journal: what append() wrote survives the process being killed outright.
TEST_F(SweepFiles, JournalKeepsEveryAppendedRunThroughSigkill) {
  const SweepLayout l = toy_layout(100);
  const std::string p = path("sweep.journal");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    SweepJournal j = SweepJournal::create(p, l);
    for (std::uint64_t i = 0; i < 37; ++i) j.append(toy_record(i, l));
    ::raise(SIGKILL);
    ::_exit(0);  // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  SweepJournal j = SweepJournal::resume(p, l);
  EXPECT_EQ(j.completed(), 37u);
  for (std::uint64_t i = 0; i < 37; ++i) EXPECT_TRUE(same_record(*j.read(i), toy_record(i, l)));
  EXPECT_FALSE(j.has(37));
}

TEST_F(SweepFiles, JournalOfAnotherSweepIsRefused) {
  const SweepLayout l = toy_layout(10);
  const std::string p = path("sweep.journal");
  SweepJournal::create(p, l).append(toy_record(0, l));

  SweepLayout other = l;
  other.fingerprint = "0123456789abcdef";
  try {
    SweepJournal::resume(p, other);
    FAIL() << "a journal of another sweep was resumed";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(p), std::string::npos) << m;
    EXPECT_NE(m.find("different sweep"), std::string::npos) << m;
    EXPECT_NE(m.find(l.fingerprint), std::string::npos) << m;
    EXPECT_NE(m.find("0123456789abcdef"), std::string::npos) << m;
    EXPECT_NE(m.find("--resume"), std::string::npos) << m;
  }
  SweepLayout more_runs = l;
  more_runs.runs = 11;
  EXPECT_THROW(SweepJournal::resume(p, more_runs), std::runtime_error);

  std::ofstream(path("not.journal")) << "runs: 10\n";
  try {
    SweepJournal::resume(path("not.journal"), l);
    FAIL() << "a text file was taken for a journal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a magsim sweep journal"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(SweepJournal::resume(path("missing.journal"), l), std::runtime_error);
  EXPECT_THROW(SweepJournal::create(path("no/such/dir/sweep.journal"), l), std::runtime_error);

  // While one journal object owns the file, nobody else may append to it or replace it.
  SweepJournal owner = SweepJournal::resume(p, l);
  EXPECT_THROW(SweepJournal::resume(p, l), std::runtime_error);
  EXPECT_THROW(SweepJournal::create(p, l), std::runtime_error);
  EXPECT_EQ(owner.completed(), 1u);
}

// ---- HDF5 sweep file ----------------------------------------------------------------------------

TEST_F(SweepFiles, FileReadsBackBitExactly) {
  const SweepLayout l = toy_layout(12, 5);
  std::vector<std::uint64_t> asked;
  SweepFileAttributes attrs;
  attrs.shard = "2/3";
  attrs.magsim_version = "0.1.0-test";
  attrs.wall_time_s = 42.25;
  attrs.execution = "3 MPI ranks";
  attrs.extra = {{"model", std::string("magnesium"), ""}, {"max_step", 0.25, "h"}};
  write_sweep_file(
      path("sweep.h5"), l,
      [&](std::uint64_t i) -> std::optional<RunRecord> {
        asked.push_back(i);
        if (i == 6 || i == 11) return std::nullopt;  // not run
        return toy_record(i, l);
      },
      attrs);
  std::vector<std::uint64_t> order(12);
  for (std::uint64_t i = 0; i < 12; ++i) order[i] = i;
  EXPECT_EQ(asked, order) << "records are asked for once each, in run order";
  EXPECT_EQ(listing(), std::vector<std::string>{"sweep.h5"}) << "no temporary file left";

  const SweepFileContents f = read_sweep_file(path("sweep.h5"), true);
  EXPECT_EQ(f.layout.runs, 12u);
  EXPECT_EQ(f.layout.fingerprint, l.fingerprint);
  ASSERT_EQ(f.layout.inputs.size(), 2u);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(f.layout.inputs[c].name, l.inputs[c].name);
    EXPECT_EQ(f.layout.inputs[c].unit, l.inputs[c].unit);
    EXPECT_EQ(f.layout.inputs[c].description, l.inputs[c].description);
    EXPECT_EQ(f.layout.inputs[c].numeric, l.inputs[c].numeric);
  }
  ASSERT_EQ(f.layout.summaries.size(), 2u);
  EXPECT_EQ(f.layout.summaries[1].name, "cum_urine.final");
  EXPECT_EQ(f.layout.summaries[1].unit, "mmol");
  ASSERT_EQ(f.layout.series.size(), 2u);
  EXPECT_EQ(f.layout.series[1].unit, "mmol/d");
  EXPECT_EQ(f.layout.series_time_h, l.series_time_h);
  EXPECT_EQ(f.layout.sweep_file, l.sweep_file);
  EXPECT_EQ(f.layout.sweep_text, l.sweep_text);
  EXPECT_EQ(f.layout.sweep_resolved, l.sweep_resolved);
  EXPECT_EQ(f.layout.base_file, l.base_file);
  EXPECT_EQ(f.layout.base_text, l.base_text);

  EXPECT_EQ(f.attributes.shard, "2/3");
  EXPECT_EQ(f.attributes.magsim_version, "0.1.0-test");
  EXPECT_EQ(f.attributes.wall_time_s, 42.25);
  EXPECT_EQ(f.attributes.execution, "3 MPI ranks");
  ASSERT_EQ(f.attributes.extra.size(), 2u);
  EXPECT_EQ(f.attributes.extra[0].name, "model");
  EXPECT_EQ(std::get<std::string>(f.attributes.extra[0].value), "magnesium");
  EXPECT_EQ(f.attributes.extra[1].name, "max_step");
  EXPECT_EQ(std::get<double>(f.attributes.extra[1].value), 0.25);
  EXPECT_EQ(f.attributes.extra[1].unit, "h");

  ASSERT_EQ(f.records.size(), 12u);
  for (std::uint64_t i = 0; i < 12; ++i) {
    const RunRecord want = i == 6 || i == 11 ? not_run(i, l) : as_stored(toy_record(i, l), l);
    EXPECT_TRUE(same_record(f.records[i], want)) << "run " << i;
  }
  EXPECT_EQ(f.records[4].status, RunStatus::Failed);
  EXPECT_EQ(f.records[4].message, toy_record(4, l).message);
  EXPECT_EQ(f.records[1].inputs[1].text, "citrate");
  EXPECT_EQ(f.records[0].inputs[1].text, "Mg\u00b2\u207a oxide") << "UTF-8 text input";
  EXPECT_TRUE(std::signbit(f.records[3].summaries[1])) << "-0.0 kept";

  // Without series the columns are the same and no series is read.
  const SweepFileContents lean = read_sweep_file(path("sweep.h5"));
  EXPECT_TRUE(lean.records[0].series.empty());
  EXPECT_EQ(lean.records[0].summaries, f.records[0].summaries);
}

// The root attributes the rest of magsim and users rely on, read with the HDF5 C API.
TEST_F(SweepFiles, FileCarriesCountsAndChunkedCompressedSeries) {
  const SweepLayout l = toy_layout(500, 100);
  write_toy_file(path("sweep.h5"), l, 3, 0);  // a shard: runs 0, 3, 6, ...
  const hid_t file = H5Fopen(path("sweep.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  auto u64 = [&](const char* name) {
    std::uint64_t v = 0;
    const hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_UINT64, &v);
    H5Aclose(a);
    return v;
  };
  // Runs 0..499 with i % 3 == 0: 167 runs, of which those with i % 5 == 4 failed.
  std::uint64_t failed = 0;
  for (std::uint64_t i = 0; i < 500; i += 3) failed += i % 5 == 4;
  EXPECT_EQ(u64("runs"), 500u);
  EXPECT_EQ(u64("runs_failed"), failed);
  EXPECT_EQ(u64("runs_ok"), 167u - failed);
  EXPECT_EQ(u64("runs_not_run"), 500u - 167u);

  const hid_t ds = H5Dopen2(file, "/sweep/series/urine_mg_rate", H5P_DEFAULT);
  ASSERT_GE(ds, 0);
  const hid_t dcpl = H5Dget_create_plist(ds);
  hsize_t chunk[2] = {0, 0};
  ASSERT_EQ(H5Pget_chunk(dcpl, 2, chunk), 2);
  EXPECT_EQ(chunk[1], 100u) << "a chunk holds whole rows";
  const double chunk_kib = static_cast<double>(chunk[0] * chunk[1] * sizeof(double)) / 1024;
  EXPECT_GE(chunk_kib, 64);
  EXPECT_LE(chunk_kib, 256);
  bool deflate = false, shuffle = false;
  for (int f = 0; f < H5Pget_nfilters(dcpl); ++f) {
    unsigned flags = 0, config = 0;
    std::size_t n = 0;
    const H5Z_filter_t id =
        H5Pget_filter2(dcpl, static_cast<unsigned>(f), &flags, &n, nullptr, 0, nullptr, &config);
    deflate = deflate || id == H5Z_FILTER_DEFLATE;
    shuffle = shuffle || id == H5Z_FILTER_SHUFFLE;
  }
  EXPECT_TRUE(deflate);
  EXPECT_TRUE(shuffle);
  H5Pclose(dcpl);
  H5Dclose(ds);
  H5Fclose(file);
}

TEST_F(SweepFiles, FailedWriteLeavesTheOldFileUntouched) {
  const SweepLayout l = toy_layout(40, 3000);
  write_toy_file(path("sweep.h5"), l);
  const std::string before = file_bytes(path("sweep.h5"));

  // The source of records fails halfway (e.g. the journal cannot be read).
  try {
    write_sweep_file(path("sweep.h5"), l,
                     [&](std::uint64_t i) -> std::optional<RunRecord> {
                       if (i == 20) throw std::runtime_error("journal unreadable");
                       return toy_record(i, l);
                     },
                     {});
    FAIL() << "the failure of the record source was swallowed";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "journal unreadable");
  }
  EXPECT_EQ(file_bytes(path("sweep.h5")), before);
  EXPECT_EQ(listing(), std::vector<std::string>{"sweep.h5"});

  // A record that does not fit the layout.
  EXPECT_THROW(write_sweep_file(path("sweep.h5"), l,
                                [&](std::uint64_t i) -> std::optional<RunRecord> {
                                  RunRecord r = toy_record(i, l);
                                  if (i == 3) r.summaries.push_back(1.0);
                                  return r;
                                },
                                {}),
               std::runtime_error);
  EXPECT_EQ(file_bytes(path("sweep.h5")), before);

  // The disk "fills up" (a file size limit) while the series are written.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 256 * 1024;
  std::string message;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  ::testing::internal::CaptureStderr();
  try {
    write_toy_file(path("sweep.h5"), l);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "HDF5 printed to stderr";
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(message.empty()) << "a file larger than the size limit was written without error";
  EXPECT_NE(message.find(path("sweep.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(file_bytes(path("sweep.h5")), before);
  EXPECT_EQ(listing(), std::vector<std::string>{"sweep.h5"});
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0) << "no HDF5 object left open";

  // A directory that is not there, and one that is a file.
  EXPECT_THROW(write_toy_file(path("no/such/dir/sweep.h5"), l), std::runtime_error);
  try {
    write_toy_file(path("sweep.h5") + "/inside.h5", l);
    FAIL() << "wrote into a regular file as if it were a directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
  }
  EXPECT_EQ(file_bytes(path("sweep.h5")), before);
}

TEST_F(SweepFiles, LayoutTheFileCannotHoldIsRejectedBeforeWriting) {
  SweepLayout l = toy_layout(3);
  l.summaries.push_back({"a/b", "1", "", true});
  EXPECT_THROW(write_toy_file(path("sweep.h5"), l), std::invalid_argument);
  l = toy_layout(3);
  l.series.push_back({"time", "h", "", true});
  EXPECT_THROW(write_toy_file(path("sweep.h5"), l), std::invalid_argument);
  l = toy_layout(3);
  l.inputs.push_back(l.inputs[0]);
  EXPECT_THROW(write_toy_file(path("sweep.h5"), l), std::invalid_argument);
  SweepFileAttributes clash;
  clash.extra = {{"runs", 3.0, ""}};
  EXPECT_THROW(write_sweep_file(
                   path("sweep.h5"), toy_layout(3),
                   [](std::uint64_t) { return std::optional<RunRecord>(); }, clash),
               std::invalid_argument);
  EXPECT_TRUE(listing().empty());
}

TEST_F(SweepFiles, NotASweepFileIsRefusedWithItsPath) {
  std::ofstream(path("text.h5")) << "not hdf5";
  for (const std::string name : {"text.h5", "missing.h5"}) {
    try {
      read_sweep_file(path(name));
      FAIL() << name << " was read as a sweep file";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path(name)), std::string::npos) << e.what();
    }
  }
  const hid_t f = H5Fcreate(path("empty.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  try {
    read_sweep_file(path("empty.h5"));
    FAIL() << "an empty HDF5 file was read as a sweep file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a magsim sweep file"), std::string::npos) << e.what();
  }
}

// ---- merge --------------------------------------------------------------------------------------

TEST_F(SweepFiles, MergedShardsEqualTheOneProcessFile) {
  const SweepLayout l = toy_layout(31, 7);
  write_toy_file(path("whole.h5"), l);
  std::vector<std::string> shards;
  for (int k = 0; k < 3; ++k) {
    shards.push_back(path("shard" + std::to_string(k) + ".h5"));
    write_toy_file(shards.back(), l, 3, k, 1.0 + k);  // other wall times: not part of the result
  }
  const auto report = merge_sweep_files(path("merged.h5"), shards, "0.1.0-test");
  EXPECT_EQ(report.inputs, 3u);
  EXPECT_EQ(report.failed, 6u);  // runs 4, 9, ..., 29
  EXPECT_EQ(report.ok, 25u);
  EXPECT_EQ(report.not_run, 0u);

  const SweepFileContents whole = read_sweep_file(path("whole.h5"), true);
  const SweepFileContents merged = read_sweep_file(path("merged.h5"), true);
  expect_same_results(whole, merged);
  EXPECT_EQ(merged.attributes.shard, "");
  EXPECT_EQ(merged.attributes.wall_time_s, 14.5) << "the longest shard";
  EXPECT_EQ(merged.attributes.execution, "merged from 3 files (2 threads)");
  EXPECT_EQ(merged.attributes.extra.size(), 3u);
  EXPECT_EQ(merged.layout.sweep_text, l.sweep_text);
  EXPECT_EQ(merged.layout.base_text, l.base_text);
  for (std::size_t c = 0; c < l.inputs.size(); ++c) {
    EXPECT_EQ(merged.layout.inputs[c].description, whole.layout.inputs[c].description);
    EXPECT_EQ(merged.layout.inputs[c].unit, whole.layout.inputs[c].unit);
  }

  // A run present in two inputs (the whole file and a shard) is accepted when identical; with
  // only two shards the third's runs stay not_run.
  const auto partial =
      merge_sweep_files(path("partial.h5"), {shards[0], path("whole.h5"), shards[1]}, "");
  EXPECT_EQ(partial.not_run, 0u);
  const auto two = merge_sweep_files(path("two.h5"), {shards[0], shards[2]}, "");
  EXPECT_EQ(two.not_run, 10u);  // runs 1, 4, ..., 28
  EXPECT_EQ(read_sweep_file(path("two.h5")).records[1].status, RunStatus::NotRun);
}

TEST_F(SweepFiles, MergeRefusesFilesOfDifferentSweeps) {
  const SweepLayout a = toy_layout(9);
  SweepLayout b = a;
  b.fingerprint = "fedcba9876543210";
  write_toy_file(path("a.h5"), a, 2, 0);
  write_toy_file(path("b.h5"), b, 2, 1);
  try {
    merge_sweep_files(path("ab.h5"), {path("a.h5"), path("b.h5")}, "");
    FAIL() << "files of two sweeps were merged";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path("a.h5")), std::string::npos) << m;
    EXPECT_NE(m.find(path("b.h5")), std::string::npos) << m;
    EXPECT_NE(m.find(a.fingerprint), std::string::npos) << m;
    EXPECT_NE(m.find("fedcba9876543210"), std::string::npos) << m;
  }
  EXPECT_FALSE(fs::exists(path("ab.h5")));
}

TEST_F(SweepFiles, MergeRefusesConflictingResultsForTheSameRun) {
  const SweepLayout l = toy_layout(9);
  write_toy_file(path("a.h5"), l);
  // The same sweep computed differently (a nondeterminism bug): run 5's series differ in one bit.
  write_sweep_file(path("b.h5"), l,
                   [&](std::uint64_t i) -> std::optional<RunRecord> {
                     RunRecord r = toy_record(i, l);
                     if (i == 5) r.series[1][2] = std::nextafter(r.series[1][2], 2.0);
                     return r;
                   },
                   {});
  try {
    merge_sweep_files(path("ab.h5"), {path("a.h5"), path("b.h5")}, "");
    FAIL() << "conflicting runs were merged";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("run 5 "), std::string::npos) << m;
    EXPECT_NE(m.find(path("a.h5")), std::string::npos) << m;
    EXPECT_NE(m.find(path("b.h5")), std::string::npos) << m;
    EXPECT_NE(m.find("urine_mg_rate"), std::string::npos) << m;
  }
  EXPECT_FALSE(fs::exists(path("ab.h5")));
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}
