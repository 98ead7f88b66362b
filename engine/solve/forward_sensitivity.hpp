// Forward sensitivities: how a run's states and outputs change along a few directions in
// parameter space, integrated with the run itself.
//
// For directions v_1..v_K in the model's parameter space (v_k = dp/dphi_k, the change of every
// parameter per unit change of the k-th fitted quantity phi_k), the sensitivities
// S_k = dx/dphi_k obey the variational equations
//     dS_k/dt = (df/dx) S_k + (df/dp) v_k,
// whose right-hand side is the directional derivative of f along (S_k, v_k). This wrapper is an
// ordinary Model whose states are x followed by S_1..S_K, so the simulator integrates all of them
// with one error control, from a steady-state start (the base model's steady state, then
// (df/dx) S + (df/dp) v = 0 solved for S), through doses (a dose's share that depends on a parameter moves S
// by amount x d share/dphi), histories and segments, without knowing it is doing so.
//
// The directional derivatives are central differences along (S_k, v_k) with a step scaled so the
// perturbation is 1e-6 of every state's declared scale and of every parameter's value: the model
// interface gives f, not df/dp. Their relative error is ~1e-9, far below what a fit needs; the
// test compares the integrated sensitivities with finite differences of whole runs.
//
// Not differentiated: a schedule that itself depends on the parameters (a dose's amount computed
// from a parameter, e.g. a salt's Mg content); the caller keeps such parameters out of the
// directions. Clamped states (a measured start) are data: their sensitivity starts at 0.
#pragma once

#include <vector>

#include "engine/model/model.hpp"
#include "engine/model/problem.hpp"

namespace magsim::engine {

class ForwardSensitivityModel : public Model {
 public:
  // `direction_names` name the K directions (used in state and output names: "d(x)/d(name)").
  ForwardSensitivityModel(const Model& base, std::vector<std::string> direction_names);

  const ModelInfo& info() const override { return info_; }
  const Model& base() const { return base_; }
  int directions() const { return k_; }

  // Parameters: the base model's p (n_p values), then v_1..v_K (n_p values each).
  void rhs(double t, const double* x, const double* p, const double* signals,
           double* dxdt) const override;
  // Block-diagonal: df/dx on every block. The coupling of S to x (second derivatives of f) is
  // left out: exact for S given x, which is all Newton and the integrators' error control need.
  void jacobian(double t, const double* x, const double* p, const double* signals,
                double* jac) const override;
  // The base outputs y, then dy/dphi_k (the base outputs' count each) for k = 1..K.
  void outputs(double t, const double* x, const double* p, const double* signals,
               double* y) const override;

  // The augmented problem: parameters p then the directions v_k; the base initial state (or
  // guess) followed by its sensitivities d x0/dphi_k (`initial`, K vectors of n; empty: zeros,
  // right for a start that does not depend on the parameters; a steady-state start solves for
  // them anyway); clamped states held, their sensitivities at `clamped` (K vectors, one value
  // per clamped state; empty: zeros, i.e. measured values taken as exact).
  Problem augment(const Problem& base, const std::vector<std::vector<double>>& directions,
                  const std::vector<std::vector<double>>& initial = {},
                  const std::vector<std::vector<double>>& clamped = {}) const;

  // Index of output `base_output`'s sensitivity along direction k in the augmented outputs.
  int output_sensitivity(int base_output, int k) const { return (k + 1) * m_ + base_output; }

 private:
  void steady_start(const Problem& base, Problem& augmented,
                    const std::vector<std::vector<double>>& clamped) const;
  template <class Evaluate>
  void directional(const double* x, const double* p, int width, double* out, Evaluate g) const;
  // The step of the central difference along (s, v).
  double step(const double* x, const double* s, const double* p, const double* v) const;

  const Model& base_;
  int k_, n_, np_, m_;
  ModelInfo info_;
};

}  // namespace magsim::engine
