// The HDF5 file of a sweep (docs/sweeps.md, "The sweep file"): one row per run, in run order,
// whatever threads, ranks or shards computed the runs.
//
//   /sweep/run               uint64 (N): run index, units "1"; the dimension scale "run" attached
//                            to dim 0 of every per-run dataset below
//   /sweep/inputs/<name>     (N) float64 with units, description; a text input (sex, salt form,
//                            arm) is a variable-length UTF-8 string with description (and units
//                            only if the layout gives one)
//   /sweep/summary/<name>    (N) float64 with units, description; NaN where not computed
//   /sweep/status            (N) variable-length strings "ok" / "failed" / "not_run"
//   /sweep/message           (N) variable-length strings: why a run failed, "" otherwise
//   /sweep/wall_time         (N) float64, units "s"; NaN for runs not run
//   /sweep/series/time       (T) float64, units "h", the dimension scale "time"   } only with
//   /sweep/series/<name>     (N, T) float64, units, description; chunked (a chunk  } kept series
//                            ~128 KiB), shuffle + deflate 4; time attached to dim 1
//   /sweep/definition/sweep_file   scalar string: the sweep file as given
//   /sweep/definition/resolved     scalar string: the resolved sweep
//   /scenario/base                 scalar string: the base scenario as given
//   /  (root attributes)     magsim_version, fingerprint, runs, runs_ok, runs_failed,
//                            runs_not_run (uint64), shard ("" or "I/N"), sweep_file,
//                            base_scenario (paths as given), wall_time (+ wall_time_units "s"),
//                            execution ("2 threads", "3 MPI ranks"), and the caller's extras
//
// A run not run (a shard's other runs, a cancelled sweep) has status "not_run", NaN numbers and
// "" texts. As in run files (hdf5_writer.hpp), a numeric root attribute with a unit is `<name>`
// plus a string attribute `<name>_units`; strings are UTF-8.
//
// Reading it elsewhere: h5py gives strings as bytes, `f["/sweep/status"].asstr()[:]` decodes
// them; `pandas.DataFrame({k: f["/sweep/summary"][k][:] for k in f["/sweep/summary"]})` is a
// table of summaries. xarray.open_dataset(path, group=G) reads every group G (sweep,
// sweep/inputs, sweep/summary, sweep/series) with its default engine (netCDF-C) and with
// engine="h5netcdf": strings are variable-length because Debian 12's netCDF-C 4.9.0 crashes on
// fixed-length string arrays (Unidata/netcdf-c#2159). Files of older magsim versions, with
// fixed-length strings, are still read and merged.
//
// Writing goes to a temporary file next to the output, renamed onto it when complete: a failure
// leaves whatever was at the output path untouched and removes the temporary file.
//
// Threads: Debian's HDF5 1.10 is not thread-safe; no call here may run concurrently with any
// other HDF5 use in the process (see hdf5_file.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/sweep/record.hpp"

namespace magsim::engine::io {

// A root attribute beyond the standard ones (model name, solver settings, ...).
struct SweepFileAttribute {
  std::string name;
  std::variant<double, std::string> value;
  std::string unit;  // numbers only: written as `<name>_units`; "" for none
};

// How a sweep file was made: its root attributes other than those the layout and the records
// give.
struct SweepFileAttributes {
  std::string shard;           // "" for the whole sweep, "I/N" for one shard of it
  std::string magsim_version;  // "" writes this build's version
  double wall_time_s = std::numeric_limits<double>::quiet_NaN();  // the whole sweep, s
  std::string execution;  // what computed it: "2 threads", "3 MPI ranks"
  std::vector<SweepFileAttribute> extra;
};

// Gives the record of run `index`, or nullopt for a run not run. Called once per index, in
// order 0..N-1, so records can come from the journal one at a time. A record's empty `inputs`,
// `summaries` or `series` stands for "not known" (NaN / ""); otherwise their sizes must match
// the layout (and each series have T values).
using SweepRecordSource = std::function<std::optional<sweep::RunRecord>(std::uint64_t index)>;

// Writes the sweep file. Holds the per-run columns (inputs, summaries, status, message) in memory
// and the series only one chunk of rows at a time. Throws std::invalid_argument for a layout the
// file cannot hold (a name that is empty, has '/', repeats, or a series called "time"; series
// without times; an extra attribute with a standard name), std::runtime_error naming the path
// for a record that does not fit the layout and for I/O errors, and whatever `record_at` throws.
// Like the run writer, it wants 4 MiB free on the disk (and under RLIMIT_FSIZE) beyond what it
// writes, checked before every large write, so that a full disk is an error, not a crash.
void write_sweep_file(const std::string& path, const sweep::SweepLayout& layout,
                      const SweepRecordSource& record_at, const SweepFileAttributes& attrs);

struct SweepFileContents {
  sweep::SweepLayout layout;              // as reconstructed from the file
  std::vector<sweep::RunRecord> records;  // N, in run order; not_run rows included (NaN / "")
  SweepFileAttributes attributes;  // shard, version, wall time, execution, extras
};

// Reads a file written by write_sweep_file. Series are read only with `with_series` (else every
// record's `series` is empty). Throws std::runtime_error naming the path if the file is missing,
// not HDF5, or not a sweep file.
SweepFileContents read_sweep_file(const std::string& path, bool with_series = false);

struct MergeReport {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::uint64_t not_run = 0;
  std::size_t inputs = 0;  // files merged
};

// Merges sweep files of the same sweep (shards, partial runs) into one file at `out`, written
// like write_sweep_file with shard "". Each run is taken from the input that ran it; a run that
// two inputs ran must be bitwise identical in both (inputs, summaries, status, message, series;
// wall times may differ). The result has wall_time = the longest of the inputs' wall times
// (shards run side by side), execution "merged from K files (...)", and the first input's extra
// attributes. Reads series a row at a time. Throws std::runtime_error naming the files if they
// are of different sweeps (fingerprint or run count) or disagree on a run, and as
// write_sweep_file does.
MergeReport merge_sweep_files(const std::string& out, const std::vector<std::string>& inputs,
                              const std::string& magsim_version);

}  // namespace magsim::engine::io
