// magsim run: parse a scenario, simulate it, stream the series to a run file (HDF5, CSV or
// netCDF-4, by app::run_format_for), print a summary.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "app/output_budget.hpp"
#include "app/run_output.hpp"
#include "app/scenario_loading.hpp"
#include "app/text_output.hpp"
#include "app/model.hpp"
#include "app/simulate.hpp"

namespace magsim::cli {
namespace {

const char* kRunUsage =
    "usage: magsim run SCENARIO.yaml [-o OUT.h5|OUT.csv|OUT.nc] [--format FORMAT]\n"
    "                  [--set PATH=VALUE]... [--quiet]\n"
    "\n"
    "Simulate one scenario and write its time series (default: the scenario's path with .h5),\n"
    "then print a summary. The file appears only when the run is complete. The extension of\n"
    "OUT chooses the format: .h5 or .hdf5 HDF5 (series, parameters, schedule, scenario, results),\n"
    ".csv a table (names row, units row, one row per time; run details as trailing # lines),\n"
    ".nc netCDF-4 (xarray.open_dataset(OUT) shows the series). Other extensions are refused.\n"
    "Every clinical threshold of serum Mg crossed (hypomagnesemia, above the therapeutic\n"
    "range, loss of reflexes, respiratory paralysis, cardiac conduction, cardiac arrest) prints\n"
    "a warning on stderr, even with --quiet; the exit code stays 0.\n"
    "\n"
    "  -o, --output OUT        where to write the result\n"
    "  --format FORMAT         hdf5, csv or netcdf, whatever the extension of OUT\n"
    "  --set PATH=VALUE        change the scenario before running, e.g.\n"
    "                          --set subject.egfr='30 mL/min/1.73m2' --set duration='2 w'\n"
    "  -q, --quiet             no progress or summary\n";

// Set by SIGINT/SIGTERM; the integrator polls it and stops, and the writer removes its
// temporary file, so an interrupted run leaves nothing at the output path.
std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }


}  // namespace

std::string default_output_path(const std::string& input_path, const std::string& extension) {
  const auto dot = input_path.find_last_of('.');
  const auto slash = input_path.find_last_of('/');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_ext ? input_path.substr(0, dot) : input_path) + extension;
}

int run_command(const Args& args) {
  if (wants_help(args, kRunUsage)) return kOk;
  std::string scenario_path, output_path;
  std::optional<app::RunFormat> format;
  std::vector<std::string> sets;
  bool quiet = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(std::string(what) + " needs a value");
      return args[++i];
    };
    try {
      if (a == "-o" || a == "--output") {
        output_path = value("-o");
      } else if (a.rfind("--output=", 0) == 0) {
        output_path = a.substr(9);
      } else if (a == "--format") {
        format = app::parse_run_format(value("--format"));
      } else if (a.rfind("--format=", 0) == 0) {
        format = app::parse_run_format(a.substr(9));
      } else if (a == "--set") {
        sets.push_back(value("--set"));
      } else if (a.rfind("--set=", 0) == 0) {
        sets.push_back(a.substr(6));
      } else if (a == "-q" || a == "--quiet") {
        quiet = true;
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option '" + a + "'");
      } else if (scenario_path.empty()) {
        scenario_path = a;
      } else {
        throw std::invalid_argument("unexpected argument '" + a + "'");
      }
    } catch (const std::invalid_argument& e) {
      std::cerr << "magsim run: error: " << e.what() << "\n" << kRunUsage;
      return kBadInput;
    }
  }
  if (scenario_path.empty()) {
    std::cerr << "magsim run: error: no scenario file given\n" << kRunUsage;
    return kBadInput;
  }
  if (output_path.empty())
    output_path = default_output_path(scenario_path, app::run_format_extension(format.value_or(app::RunFormat::Hdf5)));
  if (!app::input_at_output_path(output_path, {scenario_path}).empty()) {
    std::cerr << "magsim run: error: the output " << output_path << " is the scenario file itself; "
              << "give another -o\n";
    return kBadInput;
  }
  // A path that is not a regular file (a device, a FIFO, a link) is refused whatever its name.
  try {
    app::check_output_path(output_path, "output");
  } catch (const std::exception& e) {
    std::cerr << "magsim run: error: " << e.what() << "\n";
    return kFailure;
  }
  app::RunFormat chosen;
  try {
    chosen = app::run_format_for(output_path, format);
  } catch (const std::invalid_argument& e) {
    std::cerr << "magsim run: error: " << e.what() << "\n";
    return kBadInput;
  }

  auto maybe_loaded = app::load_scenario_or_report(scenario_path, sets);
  if (!maybe_loaded) return kBadInput;
  auto& loaded = *maybe_loaded;
  const auto& problem = loaded.problem;

  // Refused before anything is written: a run whose file cannot fit would fill the disk.
  auto estimate = app::estimate_output(loaded);
  if (chosen == app::RunFormat::Csv) estimate = app::as_text_table(estimate);
  if (const auto why = app::file_does_not_fit(estimate, output_path); !why.empty()) {
    std::cerr << "magsim run: error: " << why << "\n";
    return kBadInput;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    const auto writer = app::open_run_writer(output_path, chosen, app::run_metadata(loaded, scenario_path));
    app::write_run_inputs(*writer, loaded);
    auto summary = app::make_run_summary(loaded);
    ProgressSink progress(problem.duration_h, quiet);
    app::TeeSink sinks({writer.get(), &summary, &progress});
    const auto stats = app::simulate(loaded, sinks, &g_cancel);
    app::write_run_results(*writer, loaded, stats, summary);
    writer->commit();
    // A toxic or deficient exposure is a valid result (exit 0), but never a silent one.
    for (const auto& w : summary.warnings()) std::cerr << "warning: " << w << "\n";
    if (!quiet) summary.print(std::cout, stats, output_path);
  } catch (const app::SimulationError& e) {
    if (g_cancel.load()) {
      std::cerr << "magsim run: interrupted; " << output_path << " was not written\n";
      return kFailure;
    }
    std::cerr << scenario_path << ": error: " << e.what() << "\n";
    return kNumericalFailure;
  } catch (const std::exception& e) {
    std::cerr << "magsim run: error: " << e.what() << "\n";
    return kFailure;
  }
  return kOk;
}

}  // namespace magsim::cli
