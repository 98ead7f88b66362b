// magsim sensitivity: normalized local sensitivities of one endpoint to every parameter.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <limits>
#include <thread>

#include "cli/commands.hpp"
#include "app/metrics.hpp"
#include "app/run_output.hpp"
#include "app/scenario_loading.hpp"
#include "app/model.hpp"
#include "app/sensitivity.hpp"
#include "app/text_output.hpp"

namespace magsim::cli {
namespace {

const char* kSensitivityUsage =
    "usage: magsim sensitivity SCENARIO.yaml --metric METRIC [--tsv | -o FILE] [options]\n"
    "\n"
    "Normalized local sensitivities S = d ln y / d ln p of one endpoint y to every model\n"
    "parameter p, ranked by |S|, by forward differences: each parameter in turn is raised by a\n"
    "relative step and the scenario (steady-state start included) is simulated again.\n"
    "S = 0.5 means a 1 % rise of p raises y by 0.5 %.\n"
    "\n"
    "  --metric METRIC        the endpoint, in the metric language of sweep summaries:\n"
    "                         SERIES.initial|final|min|max|mean|last_24h,\n"
    "                         SERIES.time_below(X UNIT), SERIES.time_above(X UNIT),\n"
    "                         urine_mg.last_24h|total (also fecal_mg, intake_mg, absorbed_mg),\n"
    "                         absorbed_fraction, net_absorbed_fraction, retention,\n"
    "                         mass_balance_error; e.g. serum_mg_total.time_below(0.7 mmol/L)\n"
    "                         (--output METRIC is the older name)\n"
    "  --tsv                  print the table tab-separated (# lines: metric, value, settings;\n"
    "                         then a row of names, a row of units, one row per parameter)\n"
    "  -o FILE                write the table to FILE instead: .tsv, .csv or .h5 (HDF5)\n"
    "  --step H               relative step (default 1e-4)\n"
    "  --rtol R               solver tolerance for these runs (default 1e-10, so that solver\n"
    "                         error stays far below the step's effect)\n"
    "  --threads N            runs in parallel (default: all cores)\n"
    "  --top K                print only the K largest (default: all)\n"
    "  --set PATH=VALUE       change the scenario first, as in `magsim run`\n"
    "  -q, --quiet            no progress\n";

}  // namespace

int sensitivity_command(const Args& args) {
  if (wants_help(args, kSensitivityUsage)) return kOk;
  std::string path, output, table_path;
  bool tsv = false;
  std::vector<std::string> sets;
  app::SensitivityOptions options;
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double rtol = 1e-10;
  size_t top = 0;
  bool quiet = false;
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const auto& a = args[i];
      auto value = [&]() -> const std::string& {
        if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
        return args[++i];
      };
      if (a == "--metric" || a == "--output") output = value();
      else if (a == "-o") table_path = value();
      else if (a == "--tsv") tsv = true;
      else if (a == "--step") options.relative_step = std::stod(value());
      else if (a == "--rtol") rtol = std::stod(value());
      else if (a == "--threads") options.threads = std::stoi(value());
      else if (a == "--top") top = static_cast<size_t>(std::stoul(value()));
      else if (a == "--set") sets.push_back(value());
      else if (a == "-q" || a == "--quiet") quiet = true;
      else if (!a.empty() && a[0] != '-' && path.empty()) path = a;
      else throw std::invalid_argument("unexpected argument '" + a + "'");
    }
    if (path.empty()) throw std::invalid_argument("no scenario file given");
    if (output.empty()) throw std::invalid_argument("--metric METRIC is required");
    if (tsv && !table_path.empty()) throw std::invalid_argument("give --tsv or -o FILE, not both");
    if (!table_path.empty()) app::check_table_path(table_path);
    if (!(options.relative_step > 0 && options.relative_step < 0.5))
      throw std::invalid_argument("--step must be in (0, 0.5)");
    if (!(rtol > 0 && rtol < 1)) throw std::invalid_argument("--rtol must be in (0, 1)");
    if (options.threads < 1) throw std::invalid_argument("--threads must be at least 1");
  } catch (const std::exception& e) {  // std::stod & co. throw invalid_argument/out_of_range
    std::cerr << "magsim sensitivity: error: " << e.what() << "\n" << kSensitivityUsage;
    return kBadInput;
  }

  auto maybe_loaded = app::load_scenario_or_report(path, sets);
  if (!maybe_loaded) return kBadInput;
  auto& loaded = *maybe_loaded;
  const auto& info = app::model().info();
  app::Metric metric;
  try {
    metric = app::parse_metric(output, info);
  } catch (const app::MetricError& e) {
    // The metric, and a caret under what is wrong.
    std::cerr << "magsim sensitivity: error: --metric " << output << "\n"
              << std::string(std::string("magsim sensitivity: error: --metric ").size() +
                                 std::min(e.offset(), output.size()),
                             ' ')
              << "^ " << e.what() << "\n";
    return kBadInput;
  }
  if (!table_path.empty()) {
    try {
      if (!app::input_at_output_path(table_path, {path}).empty())
        throw std::runtime_error("cannot write '" + table_path + "': it is the scenario file");
      app::check_output_path(table_path, "sensitivity table");
    } catch (const std::exception& e) {
      std::cerr << "magsim sensitivity: error: " << e.what() << "\n";
      return kBadInput;
    }
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (!quiet)
    options.progress = [tty](int done, int total) {
      if (tty)
        std::fprintf(stderr, "\rsensitivity: %d of %d runs ", done, total);
      else if (done % 20 == 0 || done == total)
        std::fprintf(stderr, "sensitivity: %d of %d runs\n", done, total);
      if (tty && done == total) std::fprintf(stderr, "\n");
    };

  app::SensitivityResult result;
  try {
    result = app::sensitivities(loaded, metric, rtol, options);
  } catch (const app::SimulationError& e) {
    std::cerr << path << ": error: " << e.what() << "\n";
    return kNumericalFailure;
  }
  const std::string& unit = metric.unit;
  if (tsv || !table_path.empty()) {
    const app::Table table = app::sensitivity_table(result, metric, rtol, path, top);
    try {
      if (tsv)
        std::cout << app::table_tsv(table);
      else
        app::write_table(table_path, table, "sensitivity table");
    } catch (const std::exception& e) {
      std::cerr << "magsim sensitivity: error: " << e.what() << "\n";
      return kFailure;
    }
    if (tsv) return kOk;
  }
  std::printf("endpoint %s = %.6g %s (relative step %g, rtol %g)\n", output.c_str(),
              result.baseline, unit.c_str(), result.relative_step, rtol);
  std::printf("%4s  %-36s %12s %-12s %12s\n", "rank", "parameter", "value", "unit",
              "d ln y/d ln p");
  size_t rank = 0;
  for (const auto& row : result.rows) {
    if (top > 0 && rank >= top) break;
    ++rank;
    const auto& p = info.parameters[static_cast<size_t>(row.parameter)];
    if (row.skipped.empty())
      std::printf("%4zu  %-36s %12.5g %-12s %+12.4f\n", rank, p.name.c_str(), row.value,
                  p.unit.c_str(), row.sensitivity);
    else
      std::printf("%4zu  %-36s %12.5g %-12s %12s  (%s)\n", rank, p.name.c_str(), row.value,
                  p.unit.c_str(), "-", row.skipped.c_str());
  }
  if (!table_path.empty()) std::printf("wrote %s\n", table_path.c_str());
  return kOk;
}

}  // namespace magsim::cli
