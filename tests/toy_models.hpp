// Small models with closed-form solutions, for testing the engine without any physiology.
#pragma once

#include <cmath>

#include "engine/model/dual.hpp"
#include "engine/model/model.hpp"

namespace magsim::testing {

// One compartment, first-order elimination: dA/dt = -k A, plus route "iv" (bolus or infusion)
// into A. Accumulators count what went in and out, so A + out - in is conserved.
class OneCompartment : public engine::Model {
 public:
  enum State { kAmount, kIn, kOut, kStates };
  OneCompartment() {
    using engine::StateKind;
    info_.name = "one_compartment";
    info_.version = "1";
    info_.states = {{"amount", "mmol", "amount in the compartment", StateKind::Dynamic, 1.0, 0.0},
                    {"cum_in", "mmol", "given", StateKind::Accumulator, 1.0, 0.0},
                    {"cum_out", "mmol", "eliminated", StateKind::Accumulator, 1.0, 0.0}};
    info_.parameters = {{"k", 0.3, "1/h", 0.0, 10.0, "test", ""}};
    info_.outputs = {{"amount", "mmol", "amount"}, {"elimination_rate", "mmol/h", "k A"}};
    info_.routes = {{"iv", "mmol", "into the compartment", {{kAmount, 1.0}, {kIn, 1.0}}}};
    info_.conserved_weights = {1.0, -1.0, 1.0};
    info_.intake_state = kIn;
  }
  const engine::ModelInfo& info() const override { return info_; }
  void rhs(double, const double* x, const double* p, const double*, double* f) const override {
    f[kAmount] = -p[0] * x[kAmount];
    f[kIn] = 0;
    f[kOut] = p[0] * x[kAmount];
  }
  void jacobian(double, const double*, const double* p, const double*, double* J) const override {
    for (int i = 0; i < 9; ++i) J[i] = 0;
    J[0] = -p[0];
    J[2 * 3 + 0] = p[0];
  }
  void outputs(double, const double* x, const double* p, const double*, double* y) const override {
    y[0] = x[kAmount];
    y[1] = p[0] * x[kAmount];
  }

 private:
  engine::ModelInfo info_;
};

// Saturable (Michaelis-Menten) elimination with a peripheral compartment and a signal that
// scales elimination: dA/dt = -Vmax s A/(Km + A) - k12 A + k21 B, dB/dt = k12 A - k21 B.
// With a constant input R < Vmax s: A* = R Km / (Vmax s - R), B* = k12 A* / k21.
class Saturable : public engine::Model {
 public:
  enum State { kA, kB, kIn, kOut, kStates };
  Saturable() {
    using engine::StateKind;
    info_.name = "saturable";
    info_.version = "1";
    info_.states = {{"a", "mmol", "central", StateKind::Dynamic, 1.0, 1.0},
                    {"b", "mmol", "peripheral", StateKind::Dynamic, 10.0, 1.0},
                    {"cum_in", "mmol", "given", StateKind::Accumulator, 1.0, 0.0},
                    {"cum_out", "mmol", "eliminated", StateKind::Accumulator, 1.0, 0.0}};
    info_.parameters = {{"vmax", 2.0, "mmol/h", 0, 100, "test", ""},
                        {"km", 0.5, "mmol", 0, 100, "test", ""},
                        {"k12", 0.4, "1/h", 0, 100, "test", ""},
                        {"k21", 0.05, "1/h", 0, 100, "test", ""}};
    info_.outputs = {{"a", "mmol", "central"}, {"b", "mmol", "peripheral"}};
    info_.routes = {{"iv", "mmol", "into the central compartment", {{kA, 1.0}, {kIn, 1.0}}}};
    info_.signals = {{"gain", "1", "scales elimination", 1.0}};
    info_.conserved_weights = {1.0, 1.0, -1.0, 1.0};
    info_.intake_state = kIn;
  }
  const engine::ModelInfo& info() const override { return info_; }
  template <class T>
  void eval(const T* x, const double* p, const double* s, T* f) const {
    const T elim = p[0] * s[0] * x[kA] / (p[1] + x[kA]);
    const T transfer = p[2] * x[kA] - p[3] * x[kB];
    f[kA] = -elim - transfer;
    f[kB] = transfer;
    f[kIn] = T(0.0);
    f[kOut] = elim;
  }
  void rhs(double, const double* x, const double* p, const double* s, double* f) const override {
    eval(x, p, s, f);
  }
  void jacobian(double, const double* x, const double* p, const double* s,
                double* J) const override {
    using D = engine::Dual<kStates>;
    D xd[kStates], fd[kStates];
    for (int i = 0; i < kStates; ++i) xd[i] = D::variable(x[i], i);
    eval(xd, p, s, fd);
    for (int i = 0; i < kStates; ++i)
      for (int j = 0; j < kStates; ++j) J[i * kStates + j] = fd[i].d[j];
  }
  void outputs(double, const double* x, const double*, const double*, double* y) const override {
    y[0] = x[kA];
    y[1] = x[kB];
  }

 private:
  engine::ModelInfo info_;
};

}  // namespace magsim::testing
