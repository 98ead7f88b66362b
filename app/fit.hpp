// Fitting the magnesium model to a patient's or a cohort's data: a fit file (engine/fit/definition.hpp)
// becomes subjects (scenario + observations), each estimated parameter a `parameters:` override
// of the subject's scenario, the priors the reference population's between-subject variability;
// engine/fit/fit.hpp does the estimation. Shared by `magsim fit`, `magsim profile` and the Python
// bindings; writes the fit's files (engine/io/fit_file.hpp for the HDF5 file, the forecast scenarios,
// the Markdown report).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/fit/fit.hpp"
#include "engine/fit/definition.hpp"
#include "engine/scenario/scenario.hpp"

namespace magsim::app {

struct FitSubjectData {
  std::string id;
  engine::Scenario scenario;  // as read (the estimates are not in it)
  std::string scenario_text;  // its YAML text
  std::vector<engine::fit::Observation> observations;
};

// One estimation: MAP gives one per subject, pooled one for all.
struct FitEstimation {
  std::vector<int> subjects;  // indices into FitSession::subjects
  engine::fit::FitResult result;
  std::vector<engine::fit::Profile> profiles;  // filled by profile(); one per parameter asked
};

struct FitOptions {
  int threads = 1;      // subjects (pooled) or fits (MAP over several subjects) in parallel
  int multistart = -1;  // < 0: the fit file's
  std::function<void(const std::string&)> progress;  // one line per event (may be empty)
  const std::atomic<bool>* cancel = nullptr;
};

struct FitSession {
  engine::fit::FitDefinition definition;
  std::vector<FitSubjectData> subjects;
  engine::fit::FitSpec spec;  // parameters and error models (subjects filled per estimation)
  std::vector<FitEstimation> estimations;
  double wall_seconds = 0;
  std::vector<std::string> input_files;  // the fit file, its scenario or dataset mapping and CSV
};

// Reads the fit file (and its scenario or dataset); throws engine::ScenarioError with FILE:LINE:COL
// (or FILE:ROW:COL for a dataset) for anything wrong with them.
FitSession load_fit(const std::string& fit_file);
FitSession load_fit_text(const std::string& text, const std::string& name);

// Estimates (fills session.estimations). Throws engine::SimulationError when no start of a fit
// can be simulated.
void run_fit(FitSession& session, const FitOptions& options);

// Profile-likelihood intervals of the named parameters (all estimated ones when empty) for every
// estimation; run_fit first.
void run_profiles(FitSession& session, const std::vector<std::string>& parameters,
                  const FitOptions& options);

// Per FitSpec parameter, the subject's own value (its scenario without the fit, covariates
// included): the start and the prior's median when the fit file gives none.
std::vector<double> typical_values(const FitSession& session, size_t subject);

// The subject's scenario (YAML text) with every estimate as a `parameters:` override, headed by
// a comment naming the fit: `magsim run` forecasts from it.
std::string forecast_scenario(const FitSession& session, size_t estimation, size_t subject);

// The fit as Markdown: data, method, estimates with units, SEs, intervals and correlations,
// convergence, goodness of fit per series, and the figures `figure_dir` will hold (drawn by
// tools/plot_fit.py from the HDF5 file).
std::string fit_report(const FitSession& session, const std::string& h5_name);

// Writes OUT.h5 (engine/io/fit_file.hpp), one forecast scenario per subject (OUT.ID.yaml) and, with
// `report_dir`, REPORT_DIR/fit.md; all through temporary files renamed into place.
struct FitFiles {
  std::string h5;
  std::vector<std::string> scenarios;
  std::string report;
};
FitFiles write_fit_outputs(const FitSession& session, const std::string& out_h5,
                           const std::string& report_dir);

// The files write_fit_outputs writes for `out_h5`: OUT.h5, then OUT.ID.yaml for each subject (the
// ID made file-safe as there).
std::vector<std::string> fit_output_paths(const FitSession& session, const std::string& out_h5);

// "OUTPUT is INPUT" for the first of those outputs that is one of the session's input files
// (which writing it would replace), "" when none is.
std::string fit_output_onto_input(const FitSession& session, const std::string& out_h5);

}  // namespace magsim::app
