// The fit file (HDF5) that `magsim fit` writes and `magsim.open_fit` reads back: what was
// estimated, how well, and every observation with its prediction and residual.
//
//   /                      attrs: magsim_version, git_revision, model, model_version, created,
//                                 method ("map" | "pooled"), fit_file (its text), name
//   /subjects              table: id (string), observations (int)
//   /estimations/E/        one group per estimation, E = 0, 1, ... (MAP: one per subject;
//                          pooled: one); attrs: subjects (ids, comma-separated), ofv, prior_ofv,
//                          converged (0/1), message, iterations, evaluations, simulations,
//                          projected_gradient, wall_seconds, best_start
//     estimates            table, one row per parameter: name, unit, transform, estimate, se,
//                          rse_percent, ci_lower, ci_upper (Wald 95 %), profile_lower,
//                          profile_upper (NaN when not profiled or open), identifiable
//                          (1/0/-1 not profiled), at_bound (0/1), initial, lower, upper,
//                          prior_median (NaN: none), prior_cv (0: none)
//     correlation          float64 [P x P] (NaN where not estimable); attrs: names
//     covariance_phi       float64 [P x P], on the transformed scale
//     starts_ofv           float64 [starts]
//     predictions          table, one row per observation: subject (string id), series, unit,
//                          time_h, start_h (NaN: point), observed, predicted, censored (0/1),
//                          sd, weighted_residual, ofv, where
//     profiles/NAME        table: value, delta_ofv, converged; attrs: lower, upper,
//                          identifiable, note, units (of value, lower and upper)
// Every table is a group of 1-D datasets, one per column, with a `units` attribute on each
// numeric column ("1" for unitless), so h5py and pandas read it without a compound type.
#pragma once

#include <string>
#include <vector>

#include "engine/fit/fit.hpp"
#include "engine/fit/observation.hpp"

namespace magsim::engine::io {

struct FitRecordSubject {
  std::string id;
  std::vector<fit::Observation> observations;
  std::vector<std::string> units;  // per observation: its series' unit
};

struct FitRecordEstimation {
  std::vector<int> subjects;  // indices into FitRecord::subjects
  const fit::FitResult* result = nullptr;
  std::vector<const fit::Profile*> profiles;
  std::vector<double> initial;  // per parameter, the starting value used (theta)
  std::vector<double> typical;  // per parameter, the subject's own value (a prior's median when it has none of its own)
};

struct FitRecord {
  std::string magsim_version, git_revision, model, model_version, created;
  std::string method, name, fit_file_text;
  std::vector<fit::Parameter> parameters;  // names, units, transforms, bounds, priors
  std::vector<FitRecordSubject> subjects;
  std::vector<FitRecordEstimation> estimations;
};

// Writes `record` to `path` (a temporary name the caller renames into place). Throws
// std::runtime_error naming the file and HDF5's reason.
void write_fit_file(const std::string& path, const FitRecord& record);

}  // namespace magsim::engine::io
