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
#include "engine/io/atomic_file.hpp"
#include "engine/io/table_file.hpp"
#include "engine/model/errors.hpp"
#include "engine/solve/sensitivity.hpp"
#include "models/magnesium/magnesium.hpp"

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
  engine::SensitivityOptions options;
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
    if (!table_path.empty()) (void)engine::io::table_format_for(table_path);
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
  const auto& model = models::magnesium::model();
  const auto& info = model.info();
  app::Metric metric;
  try {
    metric = app::parse_metric(output, info);
  } catch (const engine::MetricError& e) {
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
      (void)engine::io::check_output_path(table_path, "sensitivity table");
    } catch (const std::exception& e) {
      std::cerr << "magsim sensitivity: error: " << e.what() << "\n";
      return kBadInput;
    }
  }
  auto problem = loaded.problem;
  problem.solver.rtol = rtol;
  problem.solver.atol = std::min(problem.solver.atol, rtol * 1e-2);
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (!quiet)
    options.progress = [tty](int done, int total) {
      if (tty)
        std::fprintf(stderr, "\rsensitivity: %d of %d runs ", done, total);
      else if (done % 20 == 0 || done == total)
        std::fprintf(stderr, "sensitivity: %d of %d runs\n", done, total);
      if (tty && done == total) std::fprintf(stderr, "\n");
    };

  engine::SensitivityResult result;
  try {
    result = engine::local_sensitivities(
        model, problem,
        [&](const engine::Problem& p) { return app::metric_value(model, p, loaded, metric); },
        options);
  } catch (const app::SimulationError& e) {
    std::cerr << path << ": error: " << e.what() << "\n";
    return kNumericalFailure;
  }
  const std::string& unit = metric.unit;
  if (tsv || !table_path.empty()) {
    engine::io::Table table;
    table.attributes = {{"metric", false, 0, "", output},
                        {"metric_value", true, result.baseline, unit, ""},
                        {"relative_step", true, result.relative_step, "1", ""},
                        {"rtol", true, rtol, "1", ""},
                        {"scenario_file", false, 0, "", path}};
    engine::io::TableColumn rank{"rank", "1", "rank by |sensitivity|", false, {}, {}};
    engine::io::TableColumn name{"parameter", "", "parameter name", true, {}, {}};
    engine::io::TableColumn value{"value", "", "parameter value used, in unit", false, {}, {}};
    engine::io::TableColumn units{"unit", "", "unit of value", true, {}, {}};
    engine::io::TableColumn sens{"sensitivity", "1", "d ln y / d ln p (NaN: skipped, see note)",
                             false, {}, {}};
    engine::io::TableColumn note{"note", "", "why there is no sensitivity", true, {}, {}};
    for (const auto& row : result.rows) {
      if (top > 0 && rank.numbers.size() >= top) break;
      const auto& p = info.parameters[static_cast<size_t>(row.parameter)];
      rank.numbers.push_back(static_cast<double>(rank.numbers.size() + 1));
      name.texts.push_back(p.name);
      value.numbers.push_back(row.value);
      units.texts.push_back(p.unit);
      sens.numbers.push_back(row.skipped.empty() ? row.sensitivity
                                                 : std::numeric_limits<double>::quiet_NaN());
      note.texts.push_back(row.skipped);
    }
    table.columns = {rank, name, value, units, sens, note};
    try {
      if (tsv)
        std::cout << engine::io::table_text(table, engine::io::TableFormat::Tsv);
      else
        engine::io::write_table(table_path, table, "sensitivity table");
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
