// magsim run: parse a scenario, simulate it, stream the series to HDF5, print a summary.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/run_summary.hpp"
#include "cli/scenario_loading.hpp"
#include "engine/errors.hpp"
#include "engine/hdf5_writer.hpp"
#include "engine/simulator.hpp"
#include "engine/version_info.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::cli {
namespace {

const char* kRunUsage =
    "usage: magsim run SCENARIO.yaml [-o OUT.h5] [--set PATH=VALUE]... [--quiet]\n"
    "\n"
    "Simulate one scenario and write its time series to HDF5 (default: the scenario's path\n"
    "with .h5), then print a summary. The file appears only when the run is complete.\n"
    "\n"
    "  -o, --output OUT.h5     where to write the result\n"
    "  --set PATH=VALUE        change the scenario before running, e.g.\n"
    "                          --set subject.egfr='30 mL/min/1.73m2' --set duration='2 w'\n"
    "  -q, --quiet             no progress or summary\n";

// Set by SIGINT/SIGTERM; the integrator polls it and stops, and the writer removes its
// temporary file, so an interrupted run leaves nothing at the output path.
std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }

std::string default_output(const std::string& scenario_path) {
  const auto dot = scenario_path.find_last_of('.');
  const auto slash = scenario_path.find_last_of('/');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_ext ? scenario_path.substr(0, dot) : scenario_path) + ".h5";
}

const char* method_name(engine::Method m) {
  return m == engine::Method::Rosenbrock4 ? "rosenbrock4" : "dopri5";
}

}  // namespace

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
  if (output_path.empty()) output_path = default_output(scenario_path);

  auto maybe_loaded = load_scenario_or_report(scenario_path, sets);
  if (!maybe_loaded) return kBadInput;
  auto& loaded = *maybe_loaded;
  const auto& model = models::magnesium::model();
  const auto& info = model.info();
  const auto& problem = loaded.problem;

  engine::RunMetadata meta;
  meta.magsim_version = engine::kVersion;
  meta.git_revision = engine::kGitRevision;
  meta.model_name = info.name;
  meta.model_version = info.version;
  meta.scenario_file = scenario_path;
  meta.scenario_given = loaded.scenario.source_text;
  meta.scenario_resolved = loaded.resolved_text;
  meta.solver_method = method_name(problem.solver.method);
  meta.rtol = problem.solver.rtol;
  meta.atol = problem.solver.atol;
  meta.max_step_h = problem.solver.max_step_h;
  meta.variables = loaded.scenario.output.variables;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    engine::Hdf5RunWriter writer(output_path, meta);
    writer.write_parameters(info.parameters, problem.parameters);
    writer.write_events(problem.schedule.events);
    // On disk now; the records (one per dose) need not occupy memory during a long run.
    std::vector<engine::EventRecord>().swap(loaded.problem.schedule.events);
    RunSummary summary(problem.duration_h);
    if (!loaded.scenario.infusions.empty()) {
      double start = problem.duration_h, dose = 0;
      for (const auto& inf : loaded.scenario.infusions) {
        start = std::min(start, inf.start_h);
        dose += inf.loading_mmol + inf.rate_mmol_per_h * inf.duration_h;
      }
      summary.set_infusion(start, dose);
    }
    ProgressSink progress(problem.duration_h, quiet);
    engine::TeeSink sinks({&writer, &summary, &progress});
    const auto stats = engine::simulate(model, problem, sinks, &g_cancel);
    writer.set_attribute("wall_time", stats.wall_seconds, "s");
    writer.set_attribute("mass_balance_error", stats.mass_balance_error, "mmol");
    writer.set_attribute("mass_balance_relative_error", stats.mass_balance_relative_error, "1");
    writer.set_attribute("steady_state_stage", stats.steady_state_stage);
    writer.set_attribute("steps", static_cast<double>(stats.steps), "1");
    writer.set_attribute("duration", problem.duration_h, "h");
    if (std::isfinite(summary.retention_percent()))
      writer.set_attribute("retention", summary.retention_percent(), "%");
    writer.commit();
    if (!quiet) summary.print(std::cout, stats, output_path);
  } catch (const engine::SimulationError& e) {
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
