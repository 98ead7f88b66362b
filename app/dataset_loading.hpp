// Event datasets for the magnesium model: engine::fit::read_dataset with the model's outputs and
// vocabulary, then every subject's scenario loaded as `magsim check` loads a file, so that a
// value the scenario refuses (an implausible dose, an age of 150 y) is reported at the CSV cell
// it came from. Shared by `magsim dataset` and magsim.read_dataset.
#pragma once

#include <string>
#include <vector>

#include "app/text_output.hpp"
#include "engine/fit/dataset.hpp"

namespace magsim::app {

using engine::fit::Dataset;

struct LoadedDataset {
  engine::fit::Dataset dataset;
  // The dataset's warnings, each subject's (time-varying covariates) and the clinical warnings
  // of `magsim check` for its scenario, formatted "FILE:ROW:COL: warning: ...".
  std::vector<std::string> warnings;
};

// Throws engine::ScenarioError (FILE:ROW:COL of the CSV, or FILE:LINE:COL of the mapping or base
// scenario) for anything wrong.
LoadedDataset load_dataset(const std::string& mapping_path, const std::string& csv_path_or_empty);

// The observations of a subject as CSV text: series,time_h,start_h,value,unit,censored,where.
std::string observations_csv(const engine::fit::Dataset& dataset, const engine::fit::DatasetSubject& subject);

}  // namespace magsim::app
