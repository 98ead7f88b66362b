// A bounded Levenberg-Marquardt minimiser for objectives that come with a gradient and a
// positive semidefinite Hessian approximation (Gauss-Newton / Fisher scoring), such as a
// -2 log-likelihood. Box bounds are handled by projection with an active set: a coordinate at a
// bound whose gradient pushes outwards is held for the step. Generic: nothing here knows models.
#pragma once

#include <functional>
#include <string>

#include <Eigen/Dense>

namespace magsim::engine::fit {

struct Evaluation {
  bool ok = false;
  std::string failure;  // why not ok (e.g. the simulation failed at this point)
  double ofv = 0;
  Eigen::VectorXd gradient;  // only when derivatives were asked for
  Eigen::MatrixXd hessian;   // ditto: symmetric positive semidefinite approximation
};

// Evaluates at x; with `derivatives`, also the gradient and Hessian approximation.
using Objective = std::function<Evaluation(const Eigen::VectorXd& x, bool derivatives)>;

struct OptimizerOptions {
  int max_iterations = 100;
  double ofv_tolerance = 1e-7;       // |change of OFV| on an accepted step ...
  double step_tolerance = 1e-6;      // ... with every |step| below this: converged
  double gradient_tolerance = 1e-6;  // or the projected gradient's largest |component| below this
  // or the Newton decrement g' H^-1 g / 2 (how far the quadratic model says the objective can
  // still fall) below this: in OFV units, where 3.84 is significant, 1e-6 is nothing
  double decrement_tolerance = 1e-6;
  // when no step lowers the objective any more (its noise, from the integrator's tolerances, is
  // reached): converged if the decrement is below this
  double noise_decrement = 1e-3;
  // after a step that did better than its quadratic model (ratio > 0.75), up to this many
  // doublings of it while the objective keeps falling
  int max_extensions = 4;
  std::function<void(int iteration, double ofv)> progress;  // after each iteration (may be empty)
};

struct OptimizerResult {
  Eigen::VectorXd x;
  double ofv = 0;
  bool converged = false;
  std::string message;  // how it stopped, in words
  int iterations = 0;
  int evaluations = 0;
  double projected_gradient = 0;  // largest |component| at x, bound-active ones excluded
  double decrement = 0;           // Newton decrement at x (free coordinates)
  Eigen::VectorXd gradient;       // at x
  Eigen::MatrixXd hessian;        // at x
  std::vector<bool> at_bound;     // per coordinate: ended on a bound
};

// Throws std::runtime_error if the objective cannot be evaluated at `start` (clipped to bounds).
OptimizerResult minimize(const Objective& objective, Eigen::VectorXd start,
                         const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                         const OptimizerOptions& options = {});

}  // namespace magsim::engine::fit
