// The contract between the engine and a physiological model.
//
// A model declares, in one table (ModelInfo), its named states, parameters, derived outputs,
// dose routes and input signals, each with units. The integrator, the writers, the CLI and the
// bindings read that table; nothing outside a model hard-codes a state or parameter name.
// The engine knows nothing about what the states mean.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace magsim::engine {

// Dynamic states take part in the steady-state solve; accumulators (cumulative urine, intake, ...)
// only integrate fluxes and never feed back into the right-hand side.
enum class StateKind { Dynamic, Accumulator };

struct StateInfo {
  std::string name;
  std::string unit;
  std::string description;
  StateKind kind = StateKind::Dynamic;
  double scale = 1.0;    // typical magnitude, in `unit`: scales absolute tolerances and Newton norms
  double initial = 0.0;  // default start (and steady-state first guess), in `unit`
  // false for an amount (negative = the integration failed); true for a quantity that may take
  // either sign, such as a sensitivity dx/dp (engine/solve/forward_sensitivity.hpp)
  bool signed_value = false;
};

struct ParameterInfo {
  std::string name;  // "group.name", e.g. "renal.gfr_scale"
  double value = 0;  // default, in `unit`
  std::string unit;  // "1" for dimensionless
  double min = -std::numeric_limits<double>::infinity();  // plausible range, in `unit`
  double max = std::numeric_limits<double>::infinity();
  std::string source;  // where the value comes from
  std::string note;    // why, or "fitted to ..."
};

struct OutputInfo {
  std::string name;
  std::string unit;
  std::string description;
};

// A dose route: a bolus of `amount` (in `unit`) adds share*amount to each target state at once;
// a rate (in `unit`/h) adds share*rate to each target's derivative. Routes let the engine apply
// doses and infusions without knowing what they are. A share is a fixed coefficient, or the
// coefficient times a parameter p (or times 1 - p), so that how a dose splits between states is
// model data a scenario can change (e.g. the soluble fraction of a salt).
struct RouteTarget {
  int state = -1;
  double coefficient = 1.0;
  int parameter = -1;       // >= 0: the share also depends on this parameter
  bool complement = false;  // with a parameter: coefficient * (1 - p) instead of coefficient * p
  double share(const double* p) const {
    if (parameter < 0) return coefficient;
    const double v = p[parameter];
    return coefficient * (complement ? 1.0 - v : v);
  }
};
struct RouteInfo {
  std::string name;  // e.g. "oral.citrate", "iv", "drug.omeprazole.oral"
  std::string unit;  // amount unit of a bolus ("mmol", "mg")
  std::string description;
  std::vector<RouteTarget> targets;
};

// A piecewise-constant external input (e.g. "meal": number of meals being digested).
struct SignalInfo {
  std::string name;
  std::string unit;
  std::string description;
  double default_value = 0;
};

struct ModelInfo {
  std::string name;
  std::string version;
  std::vector<StateInfo> states;
  std::vector<ParameterInfo> parameters;
  std::vector<OutputInfo> outputs;
  std::vector<RouteInfo> routes;
  std::vector<SignalInfo> signals;
  // sum_i conserved_weights[i] * x[i] is invariant under the right-hand side and every route
  // (e.g. body + urine + feces - cumulative intake). Empty: the model declares no invariant.
  std::vector<double> conserved_weights;
  // Index of the state that counts everything taken in (for the relative mass-balance error);
  // -1 if none.
  int intake_state = -1;

  int find_state(const std::string& n) const;
  int find_parameter(const std::string& n) const;
  int find_output(const std::string& n) const;
  int find_route(const std::string& n) const;
  int find_signal(const std::string& n) const;
  std::vector<double> default_parameters() const;
};

// A model is immutable after construction and shared between any number of simulations
// (threads included): all per-run data travels in the arguments.
class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelInfo& info() const = 0;

  // dxdt = f(t, x; p, signals), without route inputs (the engine adds those).
  virtual void rhs(double t, const double* x, const double* p, const double* signals,
                   double* dxdt) const = 0;

  // d f / d x, row-major n x n (jac[i*n + j] = d f_i / d x_j).
  virtual void jacobian(double t, const double* x, const double* p, const double* signals,
                        double* jac) const = 0;

  // Derived outputs, in the order of info().outputs.
  virtual void outputs(double t, const double* x, const double* p, const double* signals,
                       double* y) const = 0;
};

}  // namespace magsim::engine
