// The validation report of `magsim validate --report DIR`: the qualification report a reviewer
// reads (DIR/validation.md), and the data its figures are drawn from (DIR/data/ID.json, drawn by
// tools/plot_validation.py into DIR/ID.png). Text only: this file writes no files and runs
// nothing, so that the report's content can be tested without simulating or plotting.
//
// validation.md holds, in order: a header (magsim version and git revision, model, date, how many
// cases pass, the suite's worst mass-balance error) with a one-line-per-case summary; one section
// per case (id, title and verdict, source, case file, `expected`, `explanation`, `note`, the table
// of quantities with simulated value, expected range, source and result, any quantity that could
// not be computed, and the figure ID.png); last, "Known limits", the Markdown of
// tests/validation/known_limits.md included verbatim. Links stay inside DIR (the figures) or the
// document (the summary's anchors); case files are named by their path in the repository.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model.hpp"
#include "engine/validation/cases.hpp"

namespace magsim::engine::validation {

// One printed quantity (a quantity with a label) of one case, as text.
struct TableRow {
  std::string id, quantity, simulated, expected, source, result;  // result: pass, FAIL or info
};
std::vector<TableRow> table_rows(const std::vector<CaseResult>& results);
std::vector<TableRow> table_rows(const CaseResult& result);

struct ReportContext {
  std::string magsim_version, git_revision;  // e.g. "0.1.0", "88913f9cb278"
  std::string model_name, model_version;
  std::string date;                // when the report was made, e.g. "2025-06-01 14:03 UTC"
  std::string cases_dir = "tests/validation";  // how the report names the case files' folder
  std::string known_limits;        // Markdown, included verbatim
  bool has_known_limits = false;   // false: the report says the file was not found
};

// The figure of a case, relative to the report's directory.
std::string figure_file(const CaseSpec& spec);

// DIR/validation.md.
std::string markdown_report(const std::vector<CaseResult>& results, const SuiteFacts& suite,
                            const ReportContext& context);

// DIR/data/ID.json: everything tools/plot_validation.py draws for one case. Published values are
// converted to each panel's unit (check_plots has accepted them before the runs).
std::string case_json(const CaseResult& result, const ModelInfo& info);

}  // namespace magsim::engine::validation
