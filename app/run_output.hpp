// What a finished run writes besides its series, the same from the CLI and from Python:
// metadata, parameters, events and the root attributes with units.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/run_summary.hpp"
#include "app/scenario_loading.hpp"
#include "engine/io/run_writer.hpp"
#include "engine/solve/simulator.hpp"

namespace magsim::app {

// The file formats of a run: HDF5 (.h5, .hdf5), CSV (.csv) and netCDF-4 (.nc).
enum class RunFormat { Hdf5, Csv, NetCdf };

// The format named by --format ("hdf5", "csv", "netcdf"; also "h5", "nc"); throws
// std::invalid_argument listing the formats for any other name.
RunFormat parse_run_format(const std::string& name);

// The format of a run written to `path`: `explicit_format` when given (--format overrides the
// extension), else by the extension (case-insensitive). Throws std::invalid_argument for any
// other extension, saying which ones are known and that --format can override.
RunFormat run_format_for(const std::string& path, const std::optional<RunFormat>& explicit_format);

// The usual extension of a format: ".h5", ".csv", ".nc".
const char* run_format_extension(RunFormat format);

// The writer for `format`, its temporary file already created beside `path` (errors as the
// writers': "cannot write output '<path>': ...").
std::unique_ptr<engine::io::RunWriter> open_run_writer(const std::string& path, RunFormat format,
                                                   engine::io::RunMetadata metadata);

engine::io::RunMetadata run_metadata(const LoadedScenario& loaded, const std::string& scenario_file);

// Parameters and the event table, written before the run starts.
void write_run_inputs(engine::io::RunWriter& writer, const LoadedScenario& loaded);

// One root attribute of a run file: a number with its unit, or a text.
struct RunAttribute {
  std::string name;
  bool numeric = true;
  double number = 0;
  std::string unit;  // for numbers ("1" for dimensionless)
  std::string text;  // for texts
};

// The root attributes a finished run adds (wall time, mass balance, solver statistics,
// retention; SERIES_peak / _peak_time / _trough / _trough_time of each series with clinical
// thresholds, and alert_ID_level / _time_beyond of each threshold and alert_ID_first of each one crossed, with
// units;
// `warnings`, one line per threshold crossed), in writing order: the one list the file and the Python Result both use.
std::vector<RunAttribute> run_result_attributes(const LoadedScenario& loaded,
                                                const engine::RunStats& stats,
                                                const RunSummary& summary);

// Writes run_result_attributes() as root attributes.
void write_run_results(engine::io::RunWriter& writer, const LoadedScenario& loaded,
                       const engine::RunStats& stats, const RunSummary& summary);

// A summary collector set up for this scenario (infusions enable the retention test).
RunSummary make_run_summary(const LoadedScenario& loaded);

// The input among `inputs` that `output` would overwrite (the same file, through any path that
// names it, or the same path when neither exists yet), or "" if none: `run`, `sweep` and
// `merge` refuse to write their result over their own input.
std::string input_at_output_path(const std::string& output, const std::vector<std::string>& inputs);

}  // namespace magsim::app
