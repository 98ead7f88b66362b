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
//   explanation: >                                                  # required in tests/validation
//     One Markdown paragraph for the report's reader: what was done in the study, what the model
//     must show and why that matters physiologically; where the case adapts the study, say so.
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
// Top-level keys: id, title, source, expected, runs, quantities (all required); note,
// explanation, plot (optional). Every case shipped in tests/validation must have an `explanation`
// (tests/test_validation.cpp checks it); `magsim validate --report DIR` prints it, with `expected`,
// `note`, the quantity table and the figure, in DIR/validation.md.
//
// plot: one panel of the case's figure (a map), or several panels (a list of such maps):
//   series: NAME        required; a series of the model (`magsim validate` checks it exists)
//   run: R | runs: [..] which runs to draw (default: every run of the case)
//   baseline: R         draw each run minus run R, sample by sample
//   from: T, to: T      the time window drawn (default: the whole run)
//   unit: U             the unit drawn (default: the series' unit); must convert from it
//   title: TEXT         the panel's title (default: the series' description)
//   published:          published observations drawn over the simulated curves, a list of:
//     - {at: 0.5 h, value: 1.84 mmol/L, error: 0.2 mmol/L, label: "Okusanya 2016 mean +- SD"}
//     - {at: 4 h, min: 1.4 mmol/L, max: 2.1 mmol/L, label: "Salinger 2013 range"}
//     - {from: 72 h, to: 96 h, min: 0.75 mmol/L, max: 0.95 mmol/L, label: "reference range"}
//     - {from: 83 d, to: 84 d, value: 0.9 mmol/L}            # a mean over a window
//   Each entry has a time, either `at: T` (a point) or `from: T` with `to: T` (a window), and
//   either `value: V` (optionally `error: E`, a +- half-width in the same kind of unit) or a range
//   `min: V` and/or `max: V`; `label: TEXT` is optional (shown in the legend). Times are like the
//   quantities' ("0.5 h", "3 d"); values carry a unit that converts to the panel's unit (same
//   dimension: mmol/L, umol/L; not mg/dL, whose conversion needs the element: write it in mmol/L
//   with 1 mmol = 24.305 mg). A bare number is accepted only when the panel's unit is
//   dimensionless (1, %). Published points are for the eye of the reader: they are drawn, never
//   checked; what is checked is a quantity's `expect`.
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

#include "engine/solve/memory_sink.hpp"
#include "engine/model/model.hpp"
#include "engine/model/problem.hpp"
#include "engine/scenario/scenario.hpp"
#include "engine/model/vocabulary.hpp"

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

// A number with its unit as written in the case file, and where it stands there; converted to a
// panel's unit when the model (and so the series' unit) is known.
struct MarkedQuantity {
  std::string text;  // empty: not given
  SourceMark mark;
  bool given() const { return !text.empty(); }
};

// One published observation drawn on a plot panel (see `published:` above).
struct PublishedPoint {
  double at_h = std::numeric_limits<double>::quiet_NaN();    // a point in time, or
  double from_h = std::numeric_limits<double>::quiet_NaN();  // a window
  double to_h = std::numeric_limits<double>::quiet_NaN();
  MarkedQuantity value, error, min, max;
  std::string label;
  SourceMark mark;
  bool window() const { return from_h == from_h; }
};

struct PlotSpec {
  std::string series;
  std::vector<std::string> runs;
  std::string baseline;
  double from_h = std::numeric_limits<double>::quiet_NaN();
  double to_h = std::numeric_limits<double>::quiet_NaN();
  std::string unit;   // display unit; empty: the series' unit
  std::string title;  // empty: the series' description
  std::vector<PublishedPoint> published;
  SourceMark mark, series_mark, unit_mark;
};

struct CaseSpec {
  std::string file;
  std::string id, title, source, expected, note;
  std::string explanation;  // Markdown paragraph for the report; empty: not given
  std::vector<RunSpec> runs;
  std::vector<QuantitySpec> quantities;  // in file order; operands refer to earlier ones
  std::vector<PlotSpec> plots;           // the figure's series panels, in file order
  bool uses_suite_mass_balance() const;
};

// Throws ScenarioError ("file:line:col: error: ...") for anything wrong in the case file itself.
// Scenario texts are parsed later, by run_case, with the model's vocabulary.
CaseSpec parse_case_text(const std::string& text, const std::string& filename);
CaseSpec parse_case_file(const std::string& path);

// The unit a plot panel is drawn in: its `unit`, else the series' unit in `info` ("" if the model
// has no such series).
std::string plot_unit(const PlotSpec& plot, const ModelInfo& info);

// Checks the plots of a case against the model: every series exists, the panel's unit converts
// from the series' unit and every published value to the panel's unit. Throws ScenarioError at
// the offending place in the case file. prepare_runs calls it.
void check_plots(const CaseSpec& spec, const ModelInfo& info);

// A published value (value, error, min or max of a PublishedPoint) in `unit`; NaN if not given.
// Throws ScenarioError (file:line:col of the value) if it does not convert.
double published_in(const MarkedQuantity& q, const std::string& unit, const std::string& file);

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
