// `magsim sensitivity`: normalized local sensitivities d ln y / d ln p of one metric (the metric
// language of app/metrics.hpp) to every model parameter, and the table they are written as.
#pragma once

#include <cstddef>
#include <string>

#include "app/metrics.hpp"
#include "app/scenario_loading.hpp"
#include "engine/io/table_file.hpp"
#include "engine/solve/sensitivity.hpp"

namespace magsim::app {

using engine::SensitivityOptions;
using engine::SensitivityResult;
using engine::SensitivityRow;
using engine::io::Table;

// Every parameter of `loaded` raised in turn by options.relative_step, each run simulated with
// solver tolerance `rtol` (atol no looser than rtol / 100) so that solver error stays far below
// the step's effect. Throws SimulationError when the baseline run fails; a failed perturbed run
// is reported in its row.
SensitivityResult sensitivities(const LoadedScenario& loaded, const Metric& metric, double rtol,
                                const SensitivityOptions& options);

// The result as a table (rank, parameter, value, unit, sensitivity, note; the metric, its value,
// the step, rtol and the scenario file as attributes), the `top` largest only when top > 0.
Table sensitivity_table(const SensitivityResult& result, const Metric& metric, double rtol,
                        const std::string& scenario_file, std::size_t top);

// Throws std::invalid_argument unless `path` ends in .tsv, .csv or .h5.
void check_table_path(const std::string& path);
// The table as tab-separated text (units row included).
std::string table_tsv(const Table& table);
// Writes the table to `path` in the format its extension names, atomically.
void write_table(const std::string& path, const Table& table, const std::string& what);

}  // namespace magsim::app
