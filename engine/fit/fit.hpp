// Fitting a model to observations: maximum a posteriori (one subject, a population prior) or
// maximum likelihood of parameters shared by every subject (pooled), by bounded
// Levenberg-Marquardt on the parameters' transforms with gradients from forward sensitivities
// (engine/solve/forward_sensitivity.hpp); standard errors and correlations from the Fisher
// information; profile-likelihood confidence intervals. Generic: a subject is a function from
// parameter values to a Problem plus its observations; nothing here knows the model's meaning.
//
// The objective is OFV = sum over observations of -2 log L (engine/fit/likelihood.hpp) plus, for
// each parameter with a prior, ((ln theta - ln median) / omega)^2 (a log-normal prior; with it the
// minimum is the MAP estimate).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "engine/fit/likelihood.hpp"
#include "engine/fit/optimizer.hpp"
#include "engine/model/model.hpp"
#include "engine/fit/observation.hpp"
#include "engine/model/problem.hpp"

namespace magsim::engine {
class ForwardSensitivityModel;
}

namespace magsim::engine::fit {

// How a parameter is estimated: phi = ln theta (log), ln((theta - lo)/(hi - theta)) (logit),
// or theta itself (none).
enum class Transform { Log, Logit, None };
Transform transform_from(const std::string& name);  // "log", "logit", "none"; invalid_argument
const char* transform_name(Transform t);

struct Prior {
  bool active = false;
  // Median of the log-normal prior; NaN: each subject's typical value (the value its scenario
  // gives without the fit, covariates included).
  double median = std::numeric_limits<double>::quiet_NaN();
  double omega = 0;  // SD of ln theta (from a CV: sqrt(ln(1 + CV^2)))
  std::string source;
};

struct Parameter {
  std::string name;  // a model parameter, or "error.SERIES.additive" / "error.SERIES.proportional"
  std::string unit;
  int model_index = -1;  // index into the model's parameters; -1 for an error-model parameter
  Transform transform = Transform::Log;
  double lower = 0;  // bounds on theta, in `unit`
  double upper = std::numeric_limits<double>::infinity();
  double initial = std::numeric_limits<double>::quiet_NaN();  // NaN: the typical value
  bool fixed = false;  // held at `initial` (used by the profile)
  Prior prior;
};

struct SeriesError {
  std::string series;
  int output = -1;  // index into the model's outputs
  ErrorModel model;
  int additive_parameter = -1;      // index into FitSpec::parameters when estimated
  int proportional_parameter = -1;  // ditto
};

struct Subject {
  std::string id;
  std::vector<Observation> observations;
  // The run for the model parameters' values: `values[j]` for FitSpec::parameters[j] (error-model
  // entries are present but unused). Must give the same schedule for any values.
  std::function<Problem(const std::vector<double>& values)> problem;
  std::vector<double> typical;  // per FitSpec parameter: the value without the fit (prior median)
};

struct FitSpec {
  std::vector<Parameter> parameters;
  std::vector<SeriesError> errors;  // one per observed series
  std::vector<Subject> subjects;    // MAP: one; pooled: any number sharing the parameters
  int threads = 1;
  int multistart = 1;       // starts: the given one, then random ones inside the bounds
  unsigned long seed = 1;   // for the random starts
  OptimizerOptions optimizer;
  const std::atomic<bool>* cancel = nullptr;
};

struct Prediction {
  int subject = 0, observation = 0;
  double predicted = 0;
  double sd = 0;
  double weighted_residual = 0;  // (observed - predicted)/sd; log-normal: on the log; censored: 0
  double ofv = 0;                // this observation's term
};

struct FitResult {
  std::vector<double> estimate;  // theta, per parameter
  std::vector<double> phi;       // transformed
  std::vector<double> se;        // of theta (delta method); NaN if not estimable (on a bound, singular)
  std::vector<double> se_phi;
  std::vector<double> ci_lower, ci_upper;  // Wald 95 % on the transformed scale, back-transformed
  Eigen::MatrixXd covariance_phi;          // of phi: 2 H^-1 (H: Hessian of the OFV)
  Eigen::MatrixXd correlation;
  std::vector<bool> at_bound;
  double ofv = 0;
  double prior_ofv = 0;  // the priors' part of ofv
  int observations = 0;
  bool converged = false;
  std::string message;
  int iterations = 0, evaluations = 0, simulations = 0;
  double projected_gradient = 0;
  std::vector<double> start_ofv;  // per start (multistart), the OFV reached (NaN: failed)
  int best_start = 0;
  std::vector<Prediction> predictions;
  double wall_seconds = 0;
};

// The objective and its derivatives at transformed values phi, for tests and the profile.
class FitObjective {
 public:
  FitObjective(const Model& model, const FitSpec& spec);
  ~FitObjective();
  Evaluation operator()(const Eigen::VectorXd& phi, bool derivatives) const;
  // Predictions at phi (no derivatives), for reports.
  std::vector<Prediction> predictions(const Eigen::VectorXd& phi) const;
  double prior_ofv(const Eigen::VectorXd& phi) const;
  long simulations() const { return simulations_; }

  Eigen::VectorXd to_phi(const std::vector<double>& theta) const;
  std::vector<double> to_theta(const Eigen::VectorXd& phi) const;
  Eigen::VectorXd lower_phi() const;
  Eigen::VectorXd upper_phi() const;
  // d theta / d phi per parameter at phi
  Eigen::VectorXd dtheta_dphi(const Eigen::VectorXd& phi) const;

 private:
  struct SubjectEval;
  SubjectEval evaluate_subject(size_t s, const Eigen::VectorXd& phi, bool derivatives) const;

  const Model& model_;
  const FitSpec& spec_;
  std::vector<int> model_params_;  // FitSpec indices of the model parameters (directions)
  std::unique_ptr<ForwardSensitivityModel> sensitivity_model_;
  mutable std::atomic<long> simulations_{0};
};

// Minimises the OFV from the initial values (and random starts with multistart > 1); SEs,
// correlations and Wald intervals at the best. Throws std::runtime_error when no start can be
// evaluated. A fit that stops unconverged still returns its best point, with converged = false.
FitResult fit(const Model& model, const FitSpec& spec);

struct ProfilePoint {
  double value = 0;      // theta of the profiled parameter
  double delta_ofv = 0;  // OFV minus the fit's minimum (others re-optimised)
  bool converged = false;
};
struct Profile {
  int parameter = -1;
  std::vector<ProfilePoint> points;  // in increasing value
  double lower = std::numeric_limits<double>::quiet_NaN();  // 95 % CI: delta_ofv = 3.84
  double upper = std::numeric_limits<double>::quiet_NaN();  // NaN: not reached (open side)
  bool identifiable = true;  // false: delta_ofv stays below 3.84 on a side up to its limit
  std::string note;
};

// Profiles parameter `j` around `best` (a fit of the same spec): steps outwards on the
// transformed scale (the first half an SE, or 0.2 without one, each next 1.3 times longer: ten
// steps reach 21 SEs, or 8.5 on a log scale) until delta OFV passes 3.84 (the chi-square 95 %
// point, 1 d.f.), the parameter's bound, or `max_steps` per side. A side that never gets there
// leaves the interval open and the parameter flagged as not identifiable (within its bounds).
Profile profile(const Model& model, const FitSpec& spec, const FitResult& best, int j,
                int max_steps = 10);

inline constexpr double kChiSquare95 = 3.841458820694124;  // 1 degree of freedom

}  // namespace magsim::engine::fit
