// Fit files (YAML): which data, which parameters to estimate and how, the residual error models
// and the method. Every mistake is a ScenarioError at the offending key or value.
//
//   name: patient-42                       # optional; description: ... likewise
//   scenario: patient.yaml                 # one subject's scenario (relative to this file) ...
//   observations:                          # ... and what was measured on it:
//     - {series: serum_mg_total, at: 14 d, value: 0.62 mmol/L}
//     - {series: cum_urine, from: 13 d, to: 14 d, value: 1.1 mmol}      # a 24-h urine
//     - {series: serum_mg_total, at: 20 d, below: 0.3 mmol/L}           # below the LLOQ (M3)
//   dataset: mapping.yaml                  # or an event dataset (its mapping file), every ID
//   subjects: ["7", "12"]                  # optional: only these IDs of the dataset
//   method: map                            # map (each subject, population prior) | pooled (ML)
//   estimate:                              # model parameters, by `magsim params` name
//     gut.absorption_scale: {prior: population}
//     renal.tal_tm_per_gfr: {transform: log, lower: 0.3 mmol/L, upper: 0.7 mmol/L}
//     exchange.fast_content: {initial: 0.2 mmol/kg, prior: {cv: 0.4, source: "..."}}
//   error:                                 # one entry per observed series
//     serum_mg_total: {model: proportional, proportional: 0.05}
//     cum_urine: {model: combined, additive: 0.3 mmol, proportional: 0.2, estimate: [proportional]}
//   options: {multistart: 4, seed: 1, max_iterations: 100}
#pragma once

#include <string>
#include <vector>

#include "engine/fit/fit.hpp"
#include "engine/fit/observation.hpp"
#include "engine/scenario/scenario.hpp"

namespace magsim::engine::fit {

struct FitPriorSpec {
  enum class Kind { Default, None, Population, Given } kind = Kind::Default;
  double median = std::numeric_limits<double>::quiet_NaN();  // Given: NaN = the subject's typical value
  double cv = 0;                                             // Given
  std::string source;
  SourceMark mark;
};

struct FitParameterSpec {
  std::string name;  // a model parameter
  fit::Transform transform = fit::Transform::Log;
  bool transform_given = false;
  double lower = std::numeric_limits<double>::quiet_NaN();  // NaN: the parameter's plausible range
  double upper = std::numeric_limits<double>::quiet_NaN();
  double initial = std::numeric_limits<double>::quiet_NaN();  // NaN: the subject's typical value
  FitPriorSpec prior;
  SourceMark mark;  // of the name
};

struct FitErrorSpec {
  std::string series;
  fit::ErrorModel model;
  bool estimate_additive = false, estimate_proportional = false;
  std::string additive_unit;  // the series' unit (log-normal: "1")
  SourceMark mark;
};

struct FitDefinition {
  std::string file;  // as given, for messages
  std::string text;  // the file's text (after --set edits)
  std::string name, description;
  std::string method = "map";  // "map" | "pooled"
  SourceMark method_mark;
  // Data: a scenario and observations, or a dataset's mapping file (paths resolved against the
  // fit file's folder).
  std::string scenario_path;
  SourceMark scenario_mark;
  std::vector<Observation> observations;
  std::string dataset_path;
  SourceMark dataset_mark;
  std::vector<std::string> subjects;  // dataset IDs to fit; empty: all
  std::vector<SourceMark> subject_marks;  // of each of `subjects`
  std::vector<FitParameterSpec> estimate;
  std::vector<FitErrorSpec> errors;
  int multistart = 1;
  unsigned long seed = 1;
  int max_iterations = 100;
  SourceMark mark_estimate, mark_error;
};

// The model's table is needed for parameter names, output names and units.
FitDefinition parse_fit_file(const std::string& path, const ModelInfo& info);
FitDefinition parse_fit_text(const std::string& text, const std::string& file, const ModelInfo& info);

}  // namespace magsim::engine::fit
