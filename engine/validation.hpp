// Validation cases as data: a case file names its source and tolerance, the scenarios to run and
// the quantities to compute from the runs; this file parses such files, runs them and checks the
// quantities against their expected ranges. Generic over series names: nothing here knows what a
// series means, only its name and unit in the model's table.
//
// Case file (YAML), in short:
//
//   id: V4
//   title: citrate vs oxide, single 25 mmol fasting load
//   source: Lindberg 1990
//   expected: 0-4 h urinary Mg increment citrate >= 10x oxide      # as the literature says it
//   note: how the row was read                                      # optional
//   runs:
//     none:    {scenario: {...a scenario in the SPEC format, block style...}}
//     citrate: {base: none, set: ["supplements[0].form=citrate"]}   # --set edits of another run
//   plot: {series: cum_urine, runs: [none, citrate], baseline: none, from: 0 h, to: 8 h}
//   quantities:
//     q_name:
//       label: 0-4 h urine increment          # printed; a quantity without label is a step
//       change: {series: cum_urine, run: citrate, baseline: none, from: 6 h, to: 10 h}
//       unit: mmol                             # display unit, needed with expect
//       expect: {min: 0.1 mmol, max: 2 mmol, monotonic: increasing}   # bounds carry units
//                                              # unless the unit is dimensionless (1, %)
//
// Operations (exactly one per quantity); `run:` may be `runs: [a, b, ...]`, giving one value per
// run (a sequence), and `baseline: R` subtracts run R's series sample by sample:
//   value:        {series, run, at}             series at a time (linear interpolation)
//   mean/min/max: {series, run, from, to}       time-weighted mean, minimum, maximum in a window
//   change:       {series, run, from, to}       S(to) - S(from), e.g. a cumulative amount
//   average_rate: {series, run, from, to}       (S(to) - S(from)) / (to - from), per h
//   time_to:      {series, run, from, to, reach: 0.8, of: other}  first time S - S(from) reaches
//                                               reach * other (or reach alone, in S's unit)
//   difference: [a, b]   ratio: [a, b]           element-wise, scalars broadcast; a, b name
//                                               other quantities
//   sequence: [a, b, ...]                       scalars joined into one sequence
//   element: {of: a, index: -1}                 one element of a sequence (negative: from the end)
//   mass_balance: {runs: case | suite | [a, ...]}  worst relative mass-balance error of those runs
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/memory_sink.hpp"
#include "engine/model.hpp"
#include "engine/problem.hpp"
#include "engine/scenario.hpp"
#include "engine/vocabulary.hpp"

namespace magsim::engine::validation {

// One scenario of a case: its own text (lines padded so that parse errors carry the case file's
// line and column), or another run's text with --set edits.
struct RunSpec {
  std::string name;
  std::string scenario_text;    // empty when `base` is used
  std::string base;             // name of the run whose scenario this one edits
  std::vector<std::string> sets;
  std::vector<SourceMark> set_marks;  // where each --set string starts (column of its first char)
  std::vector<bool> set_quoted;
  SourceMark mark;
};

enum class Op {
  Value, Mean, Min, Max, Change, AverageRate, TimeTo,
  Difference, Ratio, Sequence, Element, MassBalance
};

struct Expectation {
  double min = -std::numeric_limits<double>::infinity();  // in the quantity's display unit
  double max = std::numeric_limits<double>::infinity();
  std::string min_text, max_text;  // as written, for messages
  int monotonic = 0;               // +1 strictly increasing, -1 strictly decreasing, 0 none
  bool any() const { return monotonic != 0 || min_text.size() || max_text.size(); }
};

struct QuantitySpec {
  std::string name;
  std::string label;   // empty: an intermediate step, not printed
  std::string unit;    // display unit; empty: the computed unit
  std::string source;  // empty: the case's source
  Op op = Op::Value;
  std::string series;
  std::vector<std::string> runs;
  std::string baseline;
  double at_h = 0, from_h = 0, to_h = 0;
  double reach = 0;
  std::string of;                      // time_to: the quantity `reach` is a fraction of
  std::vector<std::string> operands;   // difference, ratio, sequence, element
  int index = 0;                       // element
  std::string scope;                   // mass_balance: "case", "suite" or "" (runs listed)
  Expectation expect;
  SourceMark mark;
};

struct PlotSpec {
  std::string series;
  std::vector<std::string> runs;
  std::string baseline;
  double from_h = std::numeric_limits<double>::quiet_NaN();
  double to_h = std::numeric_limits<double>::quiet_NaN();
  std::string unit;  // display unit; empty: the series' unit
};

struct CaseSpec {
  std::string file;
  std::string id, title, source, expected, note;
  std::vector<RunSpec> runs;
  std::vector<QuantitySpec> quantities;  // in file order; operands refer to earlier ones
  bool has_plot = false;
  PlotSpec plot;
  bool uses_suite_mass_balance() const;
};

// Throws ScenarioError ("file:line:col: error: ...") for anything wrong in the case file itself.
// Scenario texts are parsed later, by run_case, with the model's vocabulary.
CaseSpec parse_case_text(const std::string& text, const std::string& filename);
CaseSpec parse_case_file(const std::string& path);

// The case files (*.yaml) in a directory, in natural order (V2 before V10).
std::vector<std::string> list_case_files(const std::string& directory);

// What one run produced.
struct RunData {
  std::string name;
  MemorySink samples;
  double mass_balance_relative_error = 0;
  std::string error;  // non-empty: the run failed with this message (then samples are empty)
};

struct QuantityResult {
  const QuantitySpec* spec = nullptr;
  std::vector<double> values;  // in `unit`
  std::string unit;
  std::string error;           // could not be computed (missing series, failed run, ...)
  bool checked = false;        // has an expectation
  bool pass = false;
};

// Suite-wide facts some cases check (V13: the worst mass-balance error of every run).
struct SuiteFacts {
  double worst_mass_balance = 0;
  std::string worst_run;  // "V4/citrate"
  int runs = 0;
};

// Computes every quantity of `spec` from the runs (by name); `info` gives series names and units.
std::vector<QuantityResult> evaluate_case(const CaseSpec& spec, const ModelInfo& info,
                                          const std::map<std::string, const RunData*>& runs,
                                          const SuiteFacts& suite);

// How to turn a scenario into something to simulate, for the model at hand.
struct ModelBinding {
  const Model* model = nullptr;
  const Vocabulary* vocabulary = nullptr;
  std::function<Problem(const Scenario&)> make_problem;
};

struct PreparedRun {
  std::string case_id;
  std::string name;
  Problem problem;
};

// Parses every run's scenario and builds its Problem; throws ScenarioError pointing into the case
// file (or into the --set string of a run, located in the case file).
std::vector<PreparedRun> prepare_runs(const CaseSpec& spec, const ModelBinding& binding);

// Simulates runs on `threads` worker threads (each run is independent; the model is immutable).
// A run that fails numerically records its message instead of throwing.
std::vector<RunData> simulate_runs(const Model& model, const std::vector<PreparedRun>& runs,
                                   int threads);

struct CaseResult {
  const CaseSpec* spec = nullptr;
  std::vector<QuantityResult> quantities;
  std::map<std::string, const RunData*> runs;
  bool pass() const;
};

// Text of a value list, e.g. "0.842" or "0.80, 0.82, 0.88"; an expectation, e.g. "0.75-0.95".
std::string format_values(const std::vector<double>& values);
std::string format_expectation(const Expectation& e, const std::string& unit);

}  // namespace magsim::engine::validation
