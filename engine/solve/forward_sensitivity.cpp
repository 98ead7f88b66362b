#include "engine/solve/forward_sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <Eigen/Dense>

#include "engine/solve/simulator.hpp"

namespace magsim::engine {
namespace {

constexpr double kRelativeStep = 1e-6;

// Per-thread scratch, so that the model stays immutable and shareable between threads.
struct Scratch {
  std::vector<double> xp, xm, pp, pm, fp, fm;
  void size(size_t n, size_t np, size_t m) {
    xp.resize(n);
    xm.resize(n);
    pp.resize(np);
    pm.resize(np);
    fp.resize(std::max(n, m));
    fm.resize(std::max(n, m));
  }
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

ForwardSensitivityModel::ForwardSensitivityModel(const Model& base,
                                                 std::vector<std::string> direction_names)
    : base_(base),
      k_(static_cast<int>(direction_names.size())),
      n_(static_cast<int>(base.info().states.size())),
      np_(static_cast<int>(base.info().parameters.size())),
      m_(static_cast<int>(base.info().outputs.size())) {
  const ModelInfo& b = base.info();
  info_.name = b.name + "+sensitivities";
  info_.version = b.version;
  info_.states = b.states;
  info_.parameters = b.parameters;
  info_.outputs = b.outputs;
  info_.signals = b.signals;
  info_.intake_state = b.intake_state;
  info_.conserved_weights = b.conserved_weights;
  if (!info_.conserved_weights.empty()) info_.conserved_weights.resize(static_cast<size_t>(n_ * (k_ + 1)), 0.0);
  for (int k = 0; k < k_; ++k) {
    const std::string& d = direction_names[static_cast<size_t>(k)];
    for (const auto& s : b.states) {
      StateInfo t = s;
      t.name = "d(" + s.name + ")/d(" + d + ")";
      t.initial = 0;
      t.signed_value = true;
      info_.states.push_back(t);
    }
    for (const auto& q : b.parameters) {
      ParameterInfo t;
      t.name = "d(" + q.name + ")/d(" + d + ")";
      t.unit = q.unit;
      info_.parameters.push_back(t);
    }
    for (const auto& o : b.outputs) info_.outputs.push_back({"d(" + o.name + ")/d(" + d + ")", o.unit, ""});
  }
  info_.routes = b.routes;
  for (auto& r : info_.routes) {
    const std::vector<RouteTarget> own = r.targets;
    for (const auto& t : own) {
      if (t.parameter < 0) continue;
      for (int k = 0; k < k_; ++k) {
        RouteTarget s;
        s.state = (k + 1) * n_ + t.state;
        s.coefficient = t.complement ? -t.coefficient : t.coefficient;
        s.parameter = (k + 1) * np_ + t.parameter;
        r.targets.push_back(s);
      }
    }
  }
}

double ForwardSensitivityModel::step(const double* x, const double* s, const double* p,
                                     const double* v) const {
  double reach = 1.0;  // largest relative move per unit step
  const auto& states = base_.info().states;
  for (int i = 0; i < n_; ++i) {
    const double scale = states[static_cast<size_t>(i)].scale > 0 ? states[static_cast<size_t>(i)].scale : 1.0;
    reach = std::max(reach, std::abs(s[i]) / std::max(scale, std::abs(x[i])));
  }
  for (int j = 0; j < np_; ++j)
    if (v[j] != 0) reach = std::max(reach, std::abs(v[j]) / std::max(std::abs(p[j]), 1e-300));
  return kRelativeStep / reach;
}

// For each direction k, out[(k + 1) * width + i] = the central difference of g along
// (S_k, v_k): one pair of evaluations of g per direction. `g` is the base model's rhs or outputs.
template <class Evaluate>
void ForwardSensitivityModel::directional(const double* x, const double* p, int width,
                                          double* out, Evaluate g) const {
  Scratch& w = scratch();
  w.size(static_cast<size_t>(n_), static_cast<size_t>(np_), static_cast<size_t>(m_));
  for (int k = 0; k < k_; ++k) {
    const double* s = x + (k + 1) * n_;
    const double* v = p + (k + 1) * np_;
    const double h = step(x, s, p, v);
    for (int i = 0; i < n_; ++i) {
      w.xp[static_cast<size_t>(i)] = x[i] + h * s[i];
      w.xm[static_cast<size_t>(i)] = x[i] - h * s[i];
    }
    for (int j = 0; j < np_; ++j) {
      w.pp[static_cast<size_t>(j)] = p[j] + h * v[j];
      w.pm[static_cast<size_t>(j)] = p[j] - h * v[j];
    }
    g(w.xp.data(), w.pp.data(), w.fp.data());
    g(w.xm.data(), w.pm.data(), w.fm.data());
    double* d = out + (k + 1) * width;
    for (int i = 0; i < width; ++i)
      d[i] = (w.fp[static_cast<size_t>(i)] - w.fm[static_cast<size_t>(i)]) / (2 * h);
  }
}

void ForwardSensitivityModel::rhs(double t, const double* x, const double* p, const double* signals,
                                  double* dxdt) const {
  base_.rhs(t, x, p, signals, dxdt);
  directional(x, p, n_, dxdt, [&](const double* xs, const double* ps, double* f) {
    base_.rhs(t, xs, ps, signals, f);
  });
}

void ForwardSensitivityModel::jacobian(double t, const double* x, const double* p,
                                       const double* signals, double* jac) const {
  const int big = n_ * (k_ + 1);
  std::fill(jac, jac + static_cast<size_t>(big) * static_cast<size_t>(big), 0.0);
  thread_local std::vector<double> j0;
  j0.resize(static_cast<size_t>(n_) * static_cast<size_t>(n_));
  base_.jacobian(t, x, p, signals, j0.data());
  for (int b = 0; b <= k_; ++b)
    for (int i = 0; i < n_; ++i)
      for (int j = 0; j < n_; ++j)
        jac[static_cast<size_t>(b * n_ + i) * static_cast<size_t>(big) + static_cast<size_t>(b * n_ + j)] =
            j0[static_cast<size_t>(i * n_ + j)];
}

void ForwardSensitivityModel::outputs(double t, const double* x, const double* p,
                                      const double* signals, double* y) const {
  base_.outputs(t, x, p, signals, y);
  directional(x, p, m_, y, [&](const double* xs, const double* ps, double* out) {
    base_.outputs(t, xs, ps, signals, out);
  });
}

Problem ForwardSensitivityModel::augment(const Problem& base,
                                         const std::vector<std::vector<double>>& directions,
                                         const std::vector<std::vector<double>>& initial,
                                         const std::vector<std::vector<double>>& clamped) const {
  if (static_cast<int>(directions.size()) != k_)
    throw std::invalid_argument("forward sensitivities: wrong number of directions");
  Problem p = base;
  for (const auto& v : directions) {
    if (static_cast<int>(v.size()) != np_)
      throw std::invalid_argument("forward sensitivities: a direction has the wrong length");
    p.parameters.insert(p.parameters.end(), v.begin(), v.end());
  }
  if (p.initial_state.empty())
    for (const auto& s : base_.info().states) p.initial_state.push_back(s.initial);
  if (!initial.empty() && static_cast<int>(initial.size()) != k_)
    throw std::invalid_argument("forward sensitivities: wrong number of initial sensitivities");
  if (!clamped.empty() && static_cast<int>(clamped.size()) != k_)
    throw std::invalid_argument("forward sensitivities: wrong number of clamped sensitivities");
  for (int k = 0; k < k_; ++k) {
    if (initial.empty()) {
      p.initial_state.insert(p.initial_state.end(), static_cast<size_t>(n_), 0.0);
    } else {
      const auto& d = initial[static_cast<size_t>(k)];
      if (static_cast<int>(d.size()) != n_)
        throw std::invalid_argument("forward sensitivities: an initial sensitivity has the wrong length");
      p.initial_state.insert(p.initial_state.end(), d.begin(), d.end());
    }
  }
  std::vector<std::vector<double>> clamp_sens(static_cast<size_t>(k_), std::vector<double>(base.clamped_states.size(), 0.0));
  for (int k = 0; k < k_; ++k)
    for (size_t c = 0; c < base.clamped_states.size(); ++c) {
      double value = 0;
      if (!clamped.empty()) {
        const auto& d = clamped[static_cast<size_t>(k)];
        if (d.size() != base.clamped_states.size())
          throw std::invalid_argument("forward sensitivities: clamped sensitivities have the wrong length");
        value = d[c];
      }
      clamp_sens[static_cast<size_t>(k)][c] = value;
      p.clamped_states.push_back({(k + 1) * n_ + base.clamped_states[c].state, value});
    }
  if (base.initial == InitialKind::SteadyState) steady_start(base, p, clamp_sens);
  return p;
}

// The steady state of x by the engine's own solver on the base model, then its sensitivities by
// one linear solve each: at f(x*) + u(p) = 0, (df/dx) S + (df/dp) v + (du/dp) v = 0 on the dynamic
// states that are not held (held ones are at their given sensitivity; accumulators at 0). The
// augmented problem then starts from this state as given, which is both exact and far cheaper
// than Newton on the augmented system.
void ForwardSensitivityModel::steady_start(const Problem& base, Problem& p,
                                           const std::vector<std::vector<double>>& clamped) const {
  const ModelInfo& b = base_.info();
  const auto ss = find_steady_state(base_, base.parameters, base.schedule.steady_route_rates,
                                    base.schedule.steady_signals,
                                    std::vector<double>(p.initial_state.begin(), p.initial_state.begin() + n_),
                                    base.solver, base.clamped_states);
  std::vector<double> signals = base.schedule.steady_signals;
  if (signals.empty())
    for (const auto& s : b.signals) signals.push_back(s.default_value);
  const size_t big = static_cast<size_t>(n_ * (k_ + 1));
  std::vector<double> xa(big, 0.0), fa(big, 0.0), input(big, 0.0);
  std::copy(ss.state.begin(), ss.state.end(), xa.begin());
  for (int k = 0; k < k_; ++k)
    for (size_t c = 0; c < base.clamped_states.size(); ++c)
      xa[static_cast<size_t>((k + 1) * n_ + base.clamped_states[c].state)] = clamped[static_cast<size_t>(k)][c];
  // The S part of f_aug at S = 0 (clamped S in place) is (df/dx) S_c + (df/dp) v.
  rhs(0.0, xa.data(), p.parameters.data(), signals.data(), fa.data());
  const auto& rates = base.schedule.steady_route_rates;
  for (size_t r = 0; r < info_.routes.size() && r < rates.size(); ++r)
    for (const auto& t : info_.routes[r].targets) input[static_cast<size_t>(t.state)] += rates[r] * t.share(p.parameters.data());
  std::vector<double> jac(static_cast<size_t>(n_) * static_cast<size_t>(n_));
  base_.jacobian(0.0, ss.state.data(), base.parameters.data(), signals.data(), jac.data());
  std::vector<char> held(static_cast<size_t>(n_), 0);
  for (const auto& c : base.clamped_states) held[static_cast<size_t>(c.state)] = 1;
  std::vector<int> dyn;
  for (int i = 0; i < n_; ++i)
    if (b.states[static_cast<size_t>(i)].kind == StateKind::Dynamic && !held[static_cast<size_t>(i)]) dyn.push_back(i);
  const auto m = static_cast<Eigen::Index>(dyn.size());
  Eigen::MatrixXd j(m, m);
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index c = 0; c < m; ++c)
      j(a, c) = jac[static_cast<size_t>(dyn[static_cast<size_t>(a)] * n_ + dyn[static_cast<size_t>(c)])];
  const auto lu = j.fullPivLu();
  p.initial_state.assign(big, 0.0);
  std::copy(ss.state.begin(), ss.state.end(), p.initial_state.begin());
  for (int k = 0; k < k_; ++k) {
    Eigen::VectorXd rhs_k(m);
    for (Eigen::Index a = 0; a < m; ++a) {
      const size_t i = static_cast<size_t>((k + 1) * n_ + dyn[static_cast<size_t>(a)]);
      rhs_k[a] = -(fa[i] + input[i]);
    }
    const Eigen::VectorXd s = lu.solve(rhs_k);
    for (Eigen::Index a = 0; a < m; ++a)
      p.initial_state[static_cast<size_t>((k + 1) * n_ + dyn[static_cast<size_t>(a)])] = s[a];
    for (size_t c = 0; c < base.clamped_states.size(); ++c)
      p.initial_state[static_cast<size_t>((k + 1) * n_ + base.clamped_states[c].state)] = clamped[static_cast<size_t>(k)][c];
  }
  p.initial = InitialKind::Given;
  p.clamped_states.clear();
}

}  // namespace magsim::engine
