// The literature validation suite bound to the magnesium model: case files read and checked,
// their runs simulated on threads, each quantity judged against its published range, and the
// qualification report. `magsim validate` is this plus argument parsing, the table on stdout and
// the figures.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/validation/cases.hpp"
#include "engine/validation/report.hpp"

namespace magsim::app {

struct ValidationSuite {
  std::vector<engine::validation::CaseSpec> specs;
  std::vector<engine::validation::PreparedRun> prepared;
  std::vector<engine::validation::RunData> data;  // one per prepared run
  engine::validation::SuiteFacts facts;
  std::vector<engine::validation::CaseResult> results;  // point into specs and data

  int passed() const;
  bool all_pass() const { return passed() == static_cast<int>(results.size()); }
  std::vector<engine::validation::TableRow> table_rows() const;
};

// Every case file (*.yaml) of `cases_dir`, or only the cases `wanted` (in that order, each once).
// Throws ScenarioError (FILE:LINE:COL) for a bad case file or an id used twice, and
// std::invalid_argument for an id in `wanted` that no file has or a directory with no cases.
std::vector<engine::validation::CaseSpec> read_validation_cases(
    const std::string& cases_dir, const std::vector<std::string>& wanted = {});

// Prepares every run of the cases (ScenarioError for a scenario the model refuses), calls
// `on_start(cases, runs)` once they are known, simulates them on `threads` threads and judges
// every quantity. Held by pointer: the results point into the suite.
std::unique_ptr<ValidationSuite> run_validation(
    std::vector<engine::validation::CaseSpec> specs, int threads,
    const std::function<void(std::size_t cases, std::size_t runs)>& on_start = {});

// Writes DIR/validation.md and DIR/data/ID.json per case (the figures' input). `cases_label`
// names the cases directory in the report; the known limits are read from
// CASES_DIR/known_limits.md when it exists.
void write_validation_report(const ValidationSuite& suite, const std::string& dir,
                             const std::string& cases_dir, const std::string& cases_label);

}  // namespace magsim::app
