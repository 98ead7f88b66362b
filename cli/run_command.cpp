// magsim run: parse a scenario, simulate it, stream the series to HDF5, print a summary.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "app/output_budget.hpp"
#include "app/run_output.hpp"
#include "app/scenario_loading.hpp"
#include "app/model.hpp"
#include "engine/io/run_writer.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::cli {
namespace {

const char* kRunUsage =
    "usage: magsim run SCENARIO.yaml [-o OUT.h5] [--set PATH=VALUE]... [--quiet]\n"
    "\n"
    "Simulate one scenario and write its time series to HDF5 (default: the scenario's path\n"
    "with .h5), then print a summary. The file appears only when the run is complete.\n"
    "Every clinical threshold of serum Mg crossed (hypomagnesemia, above the therapeutic\n"
    "range, loss of reflexes, respiratory paralysis, cardiac conduction, cardiac arrest) prints\n"
    "a warning on stderr, even with --quiet; the exit code stays 0.\n"
    "\n"
    "  -o, --output OUT.h5     where to write the result\n"
    "  --set PATH=VALUE        change the scenario before running, e.g.\n"
    "                          --set subject.egfr='30 mL/min/1.73m2' --set duration='2 w'\n"
    "  -q, --quiet             no progress or summary\n";

// Set by SIGINT/SIGTERM; the integrator polls it and stops, and the writer removes its
// temporary file, so an interrupted run leaves nothing at the output path.
std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }


}  // namespace

std::string default_output_path(const std::string& input_path) {
  const auto dot = input_path.find_last_of('.');
  const auto slash = input_path.find_last_of('/');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_ext ? input_path.substr(0, dot) : input_path) + ".h5";
}

int run_command(const Args& args) {
  if (wants_help(args, kRunUsage)) return kOk;
  std::string scenario_path, output_path;
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
  if (output_path.empty()) output_path = default_output_path(scenario_path);
  if (!app::input_at_output_path(output_path, {scenario_path}).empty()) {
    std::cerr << "magsim run: error: the output " << output_path << " is the scenario file itself; "
              << "give another -o\n";
    return kBadInput;
  }

  auto maybe_loaded = app::load_scenario_or_report(scenario_path, sets);
  if (!maybe_loaded) return kBadInput;
  auto& loaded = *maybe_loaded;
  const auto& model = models::magnesium::model();
  const auto& problem = loaded.problem;

  // Refused before anything is written: a run whose file cannot fit would fill the disk.
  if (const auto why = app::file_does_not_fit(app::estimate_output(loaded), output_path); !why.empty()) {
    std::cerr << "magsim run: error: " << why << "\n";
    return kBadInput;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    engine::io::Hdf5RunWriter writer(output_path, app::run_metadata(loaded, scenario_path));
    app::write_run_inputs(writer, loaded);
    auto summary = app::make_run_summary(loaded);
    ProgressSink progress(problem.duration_h, quiet);
    engine::TeeSink sinks({&writer, &summary, &progress});
    const auto stats = engine::simulate(model, problem, sinks, &g_cancel);
    app::write_run_results(writer, loaded, stats, summary);
    writer.commit();
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
