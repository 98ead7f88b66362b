#include "app/sensitivity.hpp"

#include <algorithm>
#include <limits>

#include "app/model.hpp"

namespace magsim::app {

SensitivityResult sensitivities(const LoadedScenario& loaded, const Metric& metric, double rtol,
                                const SensitivityOptions& options) {
  const auto& m = model();
  engine::Problem problem = loaded.problem;
  problem.solver.rtol = rtol;
  problem.solver.atol = std::min(problem.solver.atol, rtol * 1e-2);
  return engine::local_sensitivities(
      m, problem,
      [&](const engine::Problem& p) { return metric_value(m, p, loaded, metric); }, options);
}

Table sensitivity_table(const SensitivityResult& result, const Metric& metric, double rtol,
                        const std::string& scenario_file, std::size_t top) {
  const auto& info = model().info();
  Table table;
  table.attributes = {{"metric", false, 0, "", metric.name},
                      {"metric_value", true, result.baseline, metric.unit, ""},
                      {"relative_step", true, result.relative_step, "1", ""},
                      {"rtol", true, rtol, "1", ""},
                      {"scenario_file", false, 0, "", scenario_file}};
  engine::io::TableColumn rank{"rank", "1", "rank by |sensitivity|", false, {}, {}};
  engine::io::TableColumn name{"parameter", "", "parameter name", true, {}, {}};
  engine::io::TableColumn value{"value", "", "parameter value used, in unit", false, {}, {}};
  engine::io::TableColumn units{"unit", "", "unit of value", true, {}, {}};
  engine::io::TableColumn sens{"sensitivity", "1", "d ln y / d ln p (NaN: skipped, see note)",
                               false, {}, {}};
  engine::io::TableColumn note{"note", "", "why there is no sensitivity", true, {}, {}};
  for (const auto& row : result.rows) {
    if (top > 0 && rank.numbers.size() >= top) break;
    const auto& p = info.parameters[static_cast<std::size_t>(row.parameter)];
    rank.numbers.push_back(static_cast<double>(rank.numbers.size() + 1));
    name.texts.push_back(p.name);
    value.numbers.push_back(row.value);
    units.texts.push_back(p.unit);
    sens.numbers.push_back(row.skipped.empty() ? row.sensitivity
                                               : std::numeric_limits<double>::quiet_NaN());
    note.texts.push_back(row.skipped);
  }
  table.columns = {rank, name, value, units, sens, note};
  return table;
}

void check_table_path(const std::string& path) { (void)engine::io::table_format_for(path); }

std::string table_tsv(const Table& table) {
  return engine::io::table_text(table, engine::io::TableFormat::Tsv);
}

void write_table(const std::string& path, const Table& table, const std::string& what) {
  engine::io::write_table(path, table, what);
}

}  // namespace magsim::app
