#include "engine/fit/fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "engine/model/errors.hpp"
#include "engine/solve/forward_sensitivity.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"

namespace magsim::engine::fit {
namespace {

constexpr double kLogitLimit = 30;     // |phi| of a logit parameter: theta within 1e-13 of a bound
constexpr double kProblemStep = 1e-4;  // central-difference step on phi for dp/dphi

std::vector<std::string> direction_names(const FitSpec& spec) {
  std::vector<std::string> names;
  for (const auto& p : spec.parameters)
    if (p.model_index >= 0) names.push_back(p.name);
  return names;
}

// The sample nearest to t (samples are few: the observation times).
size_t sample_at(const MemorySink& sink, double t) {
  size_t best = 0;
  for (size_t i = 1; i < sink.time.size(); ++i)
    if (std::abs(sink.time[i] - t) < std::abs(sink.time[best] - t)) best = i;
  if (sink.time.empty() || std::abs(sink.time[best] - t) > 1e-6 * std::max(1.0, std::abs(t)))
    throw std::logic_error("fit: no sample at an observation time");
  return best;
}

// A Problem that samples exactly at the observations' times (and 0 and the end).
void sample_observations(Problem& p, const std::vector<Observation>& obs) {
  double end = p.duration_h;
  std::vector<double> times;
  for (const auto& o : obs) {
    end = std::max(end, o.time_h);
    times.push_back(o.time_h);
    if (o.interval()) times.push_back(o.start_h);
  }
  p.duration_h = end;
  p.output_interval_h = end;
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  p.output_times_h.clear();
  for (double t : times)
    if (t > 0 && t < end) p.output_times_h.push_back(t);
}

}  // namespace

Transform transform_from(const std::string& name) {
  if (name == "log") return Transform::Log;
  if (name == "logit") return Transform::Logit;
  if (name == "none") return Transform::None;
  throw std::invalid_argument("transform '" + name + "' is not one of log, logit, none");
}

const char* transform_name(Transform t) {
  switch (t) {
    case Transform::Log: return "log";
    case Transform::Logit: return "logit";
    case Transform::None: return "none";
  }
  return "?";
}

struct FitObjective::SubjectEval {
  bool ok = true;
  std::string failure;
  double ofv = 0;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;
  std::vector<Prediction> predictions;
};

FitObjective::FitObjective(const Model& model, const FitSpec& spec) : model_(model), spec_(spec) {
  for (size_t j = 0; j < spec.parameters.size(); ++j)
    if (spec.parameters[j].model_index >= 0) model_params_.push_back(static_cast<int>(j));
  sensitivity_model_ = std::make_unique<ForwardSensitivityModel>(model, direction_names(spec));
}

FitObjective::~FitObjective() = default;

Eigen::VectorXd FitObjective::to_phi(const std::vector<double>& theta) const {
  Eigen::VectorXd phi(static_cast<Eigen::Index>(theta.size()));
  for (size_t j = 0; j < theta.size(); ++j) {
    const auto& p = spec_.parameters[j];
    const double t = theta[j];
    double v = t;
    switch (p.transform) {
      case Transform::Log: v = std::log(t); break;
      case Transform::Logit:
        v = std::clamp(std::log((t - p.lower) / (p.upper - t)), -kLogitLimit, kLogitLimit);
        break;
      case Transform::None: break;
    }
    phi[static_cast<Eigen::Index>(j)] = v;
  }
  return phi;
}

std::vector<double> FitObjective::to_theta(const Eigen::VectorXd& phi) const {
  std::vector<double> theta(static_cast<size_t>(phi.size()));
  for (size_t j = 0; j < theta.size(); ++j) {
    const auto& p = spec_.parameters[j];
    const double v = phi[static_cast<Eigen::Index>(j)];
    switch (p.transform) {
      case Transform::Log: theta[j] = std::exp(v); break;
      case Transform::Logit: theta[j] = p.lower + (p.upper - p.lower) / (1 + std::exp(-v)); break;
      case Transform::None: theta[j] = v; break;
    }
  }
  return theta;
}

Eigen::VectorXd FitObjective::dtheta_dphi(const Eigen::VectorXd& phi) const {
  const auto theta = to_theta(phi);
  Eigen::VectorXd d(phi.size());
  for (size_t j = 0; j < theta.size(); ++j) {
    const auto& p = spec_.parameters[j];
    double v = 1;
    if (p.transform == Transform::Log) v = theta[j];
    if (p.transform == Transform::Logit) v = (theta[j] - p.lower) * (p.upper - theta[j]) / (p.upper - p.lower);
    d[static_cast<Eigen::Index>(j)] = v;
  }
  return d;
}

Eigen::VectorXd FitObjective::lower_phi() const {
  Eigen::VectorXd lo(static_cast<Eigen::Index>(spec_.parameters.size()));
  for (size_t j = 0; j < spec_.parameters.size(); ++j) {
    const auto& p = spec_.parameters[j];
    double v = p.lower;
    if (p.transform == Transform::Log) v = p.lower > 0 ? std::log(p.lower) : -700.0;
    if (p.transform == Transform::Logit) v = -kLogitLimit;
    lo[static_cast<Eigen::Index>(j)] = v;
  }
  return lo;
}

Eigen::VectorXd FitObjective::upper_phi() const {
  Eigen::VectorXd hi(static_cast<Eigen::Index>(spec_.parameters.size()));
  for (size_t j = 0; j < spec_.parameters.size(); ++j) {
    const auto& p = spec_.parameters[j];
    double v = p.upper;
    if (p.transform == Transform::Log) v = std::isfinite(p.upper) ? std::log(p.upper) : 700.0;
    if (p.transform == Transform::Logit) v = kLogitLimit;
    hi[static_cast<Eigen::Index>(j)] = v;
  }
  return hi;
}

double FitObjective::prior_ofv(const Eigen::VectorXd& phi) const {
  const auto theta = to_theta(phi);
  double ofv = 0;
  for (size_t j = 0; j < theta.size(); ++j) {
    const auto& p = spec_.parameters[j];
    if (!p.prior.active) continue;
    const double median = std::isnan(p.prior.median) ? spec_.subjects.front().typical[j] : p.prior.median;
    const double z = (std::log(theta[j]) - std::log(median)) / p.prior.omega;
    ofv += z * z;
  }
  return ofv;
}

FitObjective::SubjectEval FitObjective::evaluate_subject(size_t s, const Eigen::VectorXd& phi,
                                                         bool derivatives) const {
  const Subject& subject = spec_.subjects[s];
  const auto np = static_cast<Eigen::Index>(spec_.parameters.size());
  const auto k = static_cast<int>(model_params_.size());
  const bool with_sensitivities = derivatives && k > 0;
  SubjectEval out;
  out.gradient = Eigen::VectorXd::Zero(np);
  out.hessian = Eigen::MatrixXd::Zero(np, np);
  const auto theta = to_theta(phi);
  Problem problem = subject.problem(theta);
  sample_observations(problem, subject.observations);
  MemorySink sink;
  if (with_sensitivities) {
    // dp/dphi (and the start's, for a given or measured start) by central differences of the
    // scenario's own mapping: exact for parameters it copies, as the fit's overrides are.
    std::vector<std::vector<double>> v, dx0, dclamp;
    for (int d = 0; d < k; ++d) {
      const auto j = static_cast<Eigen::Index>(model_params_[static_cast<size_t>(d)]);
      Eigen::VectorXd up = phi, down = phi;
      up[j] += kProblemStep;
      down[j] -= kProblemStep;
      const Problem pu = subject.problem(to_theta(up));
      const Problem pd = subject.problem(to_theta(down));
      std::vector<double> dv(problem.parameters.size()), di(problem.initial_state.size()),
          dc(problem.clamped_states.size());
      for (size_t i = 0; i < dv.size(); ++i)
        dv[i] = (pu.parameters[i] - pd.parameters[i]) / (2 * kProblemStep);
      if (problem.initial == InitialKind::Given && pu.initial_state.size() == di.size())
        for (size_t i = 0; i < di.size(); ++i)
          di[i] = (pu.initial_state[i] - pd.initial_state[i]) / (2 * kProblemStep);
      if (pu.clamped_states.size() == dc.size())
        for (size_t i = 0; i < dc.size(); ++i)
          dc[i] = (pu.clamped_states[i].value - pd.clamped_states[i].value) / (2 * kProblemStep);
      v.push_back(std::move(dv));
      if (!di.empty()) dx0.push_back(std::move(di));
      dclamp.push_back(std::move(dc));
    }
    const Problem augmented = sensitivity_model_->augment(problem, v, dx0, dclamp);
    simulate(*sensitivity_model_, augmented, sink, spec_.cancel);
  } else {
    simulate(model_, problem, sink, spec_.cancel);
  }
  ++simulations_;

  const auto nout = static_cast<int>(model_.info().outputs.size());
  const Eigen::VectorXd dtheta = dtheta_dphi(phi);
  const size_t width = sink.outputs.size() / std::max<size_t>(sink.time.size(), 1);
  for (size_t o = 0; o < subject.observations.size(); ++o) {
    const Observation& ob = subject.observations[o];
    const SeriesError* err = nullptr;
    for (const auto& e : spec_.errors)
      if (e.series == ob.series) err = &e;
    if (err == nullptr) throw std::logic_error("fit: no error model for series " + ob.series);
    const size_t end = sample_at(sink, ob.time_h);
    const size_t start = ob.interval() ? sample_at(sink, ob.start_h) : 0;
    auto value_of = [&](int column) {
      const double at_end = sink.outputs[end * width + static_cast<size_t>(column)];
      return ob.interval() ? at_end - sink.outputs[start * width + static_cast<size_t>(column)] : at_end;
    };
    const double f = value_of(err->output);
    ErrorModel em = err->model;
    if (err->additive_parameter >= 0) em.additive = theta[static_cast<size_t>(err->additive_parameter)];
    if (err->proportional_parameter >= 0)
      em.proportional = theta[static_cast<size_t>(err->proportional_parameter)];
    Term term;
    try {
      term = observation_term(em, ob.value, f, ob.censored);
    } catch (const std::domain_error& e) {
      out.ok = false;
      out.failure = ob.where + ": " + e.what();
      return out;
    }
    out.ofv += term.ofv;
    Prediction pr;
    pr.subject = static_cast<int>(s);
    pr.observation = static_cast<int>(o);
    pr.predicted = f;
    pr.sd = term.sd;
    pr.weighted_residual = term.weighted;
    pr.ofv = term.ofv;
    out.predictions.push_back(pr);
    if (!derivatives) continue;
    // Chain rule: c_f = df/dphi, c_a = e_a dtheta_a/dphi_a, c_b likewise.
    Eigen::VectorXd c[3] = {Eigen::VectorXd::Zero(np), Eigen::VectorXd::Zero(np), Eigen::VectorXd::Zero(np)};
    for (int d = 0; d < k; ++d) {
      const int column = (d + 1) * nout + err->output;
      c[0][model_params_[static_cast<size_t>(d)]] = value_of(column);
    }
    if (err->additive_parameter >= 0)
      c[1][err->additive_parameter] = dtheta[err->additive_parameter];
    if (err->proportional_parameter >= 0)
      c[2][err->proportional_parameter] = dtheta[err->proportional_parameter];
    out.gradient += term.d_f * c[0] + term.d_a * c[1] + term.d_b * c[2];
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        if (term.fisher[a][b] != 0) out.hessian += term.fisher[a][b] * c[a] * c[b].transpose();
  }
  return out;
}

Evaluation FitObjective::operator()(const Eigen::VectorXd& phi, bool derivatives) const {
  const size_t ns = spec_.subjects.size();
  std::vector<SubjectEval> evals(ns);
  std::vector<std::string> errors(ns);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t s = next++; s < ns; s = next++) {
      try {
        evals[s] = evaluate_subject(s, phi, derivatives);
      } catch (const std::exception& e) {
        evals[s].ok = false;
        evals[s].failure = "subject " + spec_.subjects[s].id + ": " + e.what();
      }
    }
  };
  const int threads = std::max(1, std::min<int>(spec_.threads, static_cast<int>(ns)));
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  Evaluation e;
  const auto np = static_cast<Eigen::Index>(spec_.parameters.size());
  e.ok = true;
  e.gradient = Eigen::VectorXd::Zero(np);
  e.hessian = Eigen::MatrixXd::Zero(np, np);
  for (auto& s : evals) {
    if (!s.ok) {
      e.ok = false;
      e.failure = s.failure;
      return e;
    }
    e.ofv += s.ofv;
    if (derivatives) {
      e.gradient += s.gradient;
      e.hessian += s.hessian;
    }
  }
  // Priors: ((ln theta - ln median)/omega)^2 on each parameter that has one.
  const auto theta = to_theta(phi);
  const Eigen::VectorXd dtheta = dtheta_dphi(phi);
  for (size_t j = 0; j < theta.size(); ++j) {
    const auto& p = spec_.parameters[j];
    if (!p.prior.active) continue;
    const double median = std::isnan(p.prior.median) ? spec_.subjects.front().typical[j] : p.prior.median;
    const double w = 1 / (p.prior.omega * p.prior.omega);
    const double z = std::log(theta[j]) - std::log(median);
    e.ofv += z * z * w;
    if (derivatives) {
      const double dlog = dtheta[static_cast<Eigen::Index>(j)] / theta[j];
      e.gradient[static_cast<Eigen::Index>(j)] += 2 * z * w * dlog;
      e.hessian(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j)) += 2 * w * dlog * dlog;
    }
  }
  if (!std::isfinite(e.ofv)) {
    e.ok = false;
    e.failure = "the objective is not finite";
  }
  return e;
}

std::vector<Prediction> FitObjective::predictions(const Eigen::VectorXd& phi) const {
  std::vector<Prediction> all;
  for (size_t s = 0; s < spec_.subjects.size(); ++s) {
    auto e = evaluate_subject(s, phi, false);
    if (!e.ok) throw SimulationError("fit", 0, e.failure);
    all.insert(all.end(), e.predictions.begin(), e.predictions.end());
  }
  return all;
}

namespace {

Eigen::VectorXd random_start(const FitObjective& objective, const FitSpec& spec,
                             const Eigen::VectorXd& phi0, std::mt19937_64& rng) {
  const Eigen::VectorXd lo = objective.lower_phi(), hi = objective.upper_phi();
  Eigen::VectorXd x = phi0;
  for (Eigen::Index j = 0; j < x.size(); ++j) {
    const auto& p = spec.parameters[static_cast<size_t>(j)];
    if (p.fixed) continue;
    // Within the bounds when they are close; otherwise a factor of 3 either way (log), or two
    // prior SDs, around the initial value.
    double half = p.prior.active ? 2 * p.prior.omega : std::log(3.0);
    if (p.transform == Transform::Logit) half = 2;
    if (p.transform == Transform::None) half = 0.5 * std::abs(phi0[j]) + 1e-3;
    const double a = std::max(lo[j], phi0[j] - half), b = std::min(hi[j], phi0[j] + half);
    x[j] = std::uniform_real_distribution<double>(a, b)(rng);
  }
  return x;
}

// Where the parabola through (c, 0), (a, da), (b, db) (c the estimate, its minimum nearby)
// reaches the chi-square point, on the side of a and b; NaN if it does not.
double parabola_crossing(double c, double a, double da, double b, double db) {
  // delta(x) = p (x - c)^2 + q (x - c)
  const double u = a - c, v = b - c;
  const double det = u * u * v - v * v * u;
  if (det == 0) return std::numeric_limits<double>::quiet_NaN();
  const double p = (da * v - db * u) / det;
  const double q = (u * u * db - v * v * da) / det;
  if (p <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double disc = q * q + 4 * p * kChiSquare95;
  const double r1 = (-q + std::sqrt(disc)) / (2 * p), r2 = (-q - std::sqrt(disc)) / (2 * p);
  return c + (v > 0 ? std::max(r1, r2) : std::min(r1, r2));
}

}  // namespace

FitResult fit(const Model& model, const FitSpec& spec) {
  const auto started = std::chrono::steady_clock::now();
  if (spec.subjects.empty()) throw std::invalid_argument("fit: no subjects");
  FitObjective objective(model, spec);
  const auto np = static_cast<Eigen::Index>(spec.parameters.size());
  std::vector<double> initial(static_cast<size_t>(np));
  for (size_t j = 0; j < initial.size(); ++j)
    initial[j] = std::isnan(spec.parameters[j].initial) ? spec.subjects.front().typical[j]
                                                        : spec.parameters[j].initial;
  const Eigen::VectorXd phi0 = objective.to_phi(initial);
  Eigen::VectorXd lo = objective.lower_phi(), hi = objective.upper_phi();
  for (Eigen::Index j = 0; j < np; ++j)
    if (spec.parameters[static_cast<size_t>(j)].fixed) lo[j] = hi[j] = phi0[j];

  FitResult r;
  std::mt19937_64 rng(spec.seed);
  OptimizerResult best;
  bool have = false;
  std::string first_failure;
  for (int start = 0; start < std::max(1, spec.multistart); ++start) {
    const Eigen::VectorXd x0 = start == 0 ? phi0 : random_start(objective, spec, phi0, rng);
    try {
      OptimizerResult o = minimize(
          [&objective](const Eigen::VectorXd& x, bool d) { return objective(x, d); }, x0, lo, hi,
          spec.optimizer);
      r.start_ofv.push_back(o.ofv);
      const bool better = !have || (o.converged && !best.converged) ||
                          (o.converged == best.converged && o.ofv < best.ofv);
      if (better) {
        best = std::move(o);
        r.best_start = start;
        have = true;
      }
    } catch (const std::exception& e) {
      if (first_failure.empty()) first_failure = e.what();
      r.start_ofv.push_back(std::numeric_limits<double>::quiet_NaN());
    }
    if (spec.cancel != nullptr && spec.cancel->load()) break;
  }
  if (!have) throw std::runtime_error(first_failure);

  r.phi.assign(best.x.data(), best.x.data() + np);
  r.estimate = objective.to_theta(best.x);
  r.ofv = best.ofv;
  r.prior_ofv = objective.prior_ofv(best.x);
  r.converged = best.converged;
  r.message = best.message;
  r.iterations = best.iterations;
  r.evaluations = best.evaluations;
  r.projected_gradient = best.projected_gradient;
  r.at_bound = best.at_bound;
  for (Eigen::Index j = 0; j < np; ++j)
    if (spec.parameters[static_cast<size_t>(j)].fixed) r.at_bound[static_cast<size_t>(j)] = false;

  // Uncertainty: Cov(phi) = 2 H^-1 over the parameters that are free and off their bounds.
  std::vector<Eigen::Index> free;
  for (Eigen::Index j = 0; j < np; ++j)
    if (!spec.parameters[static_cast<size_t>(j)].fixed && !r.at_bound[static_cast<size_t>(j)]) free.push_back(j);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.covariance_phi = Eigen::MatrixXd::Constant(np, np, nan);
  r.correlation = Eigen::MatrixXd::Constant(np, np, nan);
  r.se.assign(static_cast<size_t>(np), nan);
  r.se_phi.assign(static_cast<size_t>(np), nan);
  r.ci_lower.assign(static_cast<size_t>(np), nan);
  r.ci_upper.assign(static_cast<size_t>(np), nan);
  const auto nf = static_cast<Eigen::Index>(free.size());
  if (nf > 0) {
    Eigen::MatrixXd h(nf, nf);
    for (Eigen::Index a = 0; a < nf; ++a)
      for (Eigen::Index b = 0; b < nf; ++b) h(a, b) = best.hessian(free[static_cast<size_t>(a)], free[static_cast<size_t>(b)]);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(h);
    const double top = eig.eigenvalues().maxCoeff();
    if (top > 0 && eig.eigenvalues().minCoeff() > 1e-10 * top) {
      const Eigen::MatrixXd cov = 2 * h.inverse();
      const Eigen::VectorXd dtheta = objective.dtheta_dphi(best.x);
      for (Eigen::Index a = 0; a < nf; ++a) {
        const Eigen::Index j = free[static_cast<size_t>(a)];
        for (Eigen::Index b = 0; b < nf; ++b) {
          const Eigen::Index i = free[static_cast<size_t>(b)];
          r.covariance_phi(j, i) = cov(a, b);
          r.correlation(j, i) = cov(a, b) / std::sqrt(cov(a, a) * cov(b, b));
        }
        const double se = std::sqrt(cov(a, a));
        r.se_phi[static_cast<size_t>(j)] = se;
        r.se[static_cast<size_t>(j)] = std::abs(dtheta[j]) * se;
        Eigen::VectorXd x = best.x;
        x[j] = best.x[j] - 1.959963984540054 * se;
        r.ci_lower[static_cast<size_t>(j)] = objective.to_theta(x)[static_cast<size_t>(j)];
        x[j] = best.x[j] + 1.959963984540054 * se;
        r.ci_upper[static_cast<size_t>(j)] = objective.to_theta(x)[static_cast<size_t>(j)];
      }
    }
  }
  r.predictions = objective.predictions(best.x);
  for (const auto& s : spec.subjects) r.observations += static_cast<int>(s.observations.size());
  r.simulations = static_cast<int>(objective.simulations());
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

Profile profile(const Model& model, const FitSpec& spec, const FitResult& best, int j, int max_steps) {
  if (j < 0 || static_cast<size_t>(j) >= spec.parameters.size())
    throw std::invalid_argument("profile: no such parameter");
  Profile prof;
  prof.parameter = j;
  FitSpec fixed = spec;
  fixed.multistart = 1;
  fixed.parameters[static_cast<size_t>(j)].fixed = true;
  FitObjective objective(model, spec);
  const Eigen::VectorXd lo = objective.lower_phi(), hi = objective.upper_phi();
  const double phi_hat = best.phi[static_cast<size_t>(j)];
  const double se = best.se_phi[static_cast<size_t>(j)];
  const double first = std::isfinite(se) && se > 0 ? std::clamp(0.5 * se, 0.01, 0.5) : 0.2;
  prof.points.push_back({best.estimate[static_cast<size_t>(j)], 0.0, best.converged});
  std::vector<std::string> open;
  for (int side : {-1, +1}) {
    std::vector<double> start = best.estimate;
    double step = first, phi = phi_hat, prev_phi = phi_hat, prev_delta = 0;
    bool crossed = false, hit_bound = false;
    for (int i = 0; i < max_steps; ++i) {
      phi += side * step;
      step *= 1.3;
      const bool at_limit = side < 0 ? phi <= lo[j] : phi >= hi[j];
      if (at_limit) phi = side < 0 ? lo[j] : hi[j];
      Eigen::VectorXd x = objective.to_phi(start);
      x[j] = phi;
      std::vector<double> theta = objective.to_theta(x);
      for (size_t q = 0; q < theta.size(); ++q) fixed.parameters[q].initial = theta[q];
      FitResult r;
      try {
        r = fit(model, fixed);
      } catch (const std::exception& e) {
        prof.note += std::string(side < 0 ? "lower" : "upper") + " side stopped: " + e.what() + "; ";
        break;
      }
      const double delta = r.ofv - best.ofv;
      prof.points.push_back({theta[static_cast<size_t>(j)], delta, r.converged});
      if (delta < -1e-3 && prof.note.find("lower objective") == std::string::npos)
        prof.note += "the profile found a lower objective (by " + message_number(-delta) + " at " +
                     message_number(theta[static_cast<size_t>(j)]) +
                     ") than the fit: the fit stopped at a local minimum; refit from there or with "
                     "multistart; ";
      start = r.estimate;
      if (delta >= kChiSquare95) {
        // The crossing lies in (prev_phi, phi]. Delta OFV is near-quadratic in phi, so a chord
        // would put it inside the true one (intervals too short): interpolate the parabola
        // through the estimate and the two points, check it with one more fit, and finish with
        // a chord over the bracket that is left.
        auto refit = [&](double at, double& d_out) {
          Eigen::VectorXd z = objective.to_phi(r.estimate);
          z[j] = at;
          const std::vector<double> t = objective.to_theta(z);
          for (size_t q = 0; q < t.size(); ++q) fixed.parameters[q].initial = t[q];
          const FitResult rr = fit(model, fixed);
          d_out = rr.ofv - best.ofv;
          prof.points.push_back({t[static_cast<size_t>(j)], d_out, rr.converged});
        };
        double a = prev_phi, da = prev_delta, b = phi, db = delta;
        const double guess = parabola_crossing(phi_hat, a, da, b, db);
        if (guess > std::min(a, b) && guess < std::max(a, b)) {
          double dg = 0;
          try {
            refit(guess, dg);
            if (dg >= kChiSquare95) {
              b = guess;
              db = dg;
            } else {
              a = guess;
              da = dg;
            }
          } catch (const std::exception&) {
          }
        }
        const double w = (kChiSquare95 - da) / (db - da);
        Eigen::VectorXd y = objective.to_phi(best.estimate);
        y[j] = a + w * (b - a);
        (side < 0 ? prof.lower : prof.upper) = objective.to_theta(y)[static_cast<size_t>(j)];
        crossed = true;
        break;
      }
      prev_phi = phi;
      prev_delta = delta;
      if (at_limit) {
        hit_bound = true;
        break;
      }
    }
    if (!crossed) {
      prof.identifiable = false;
      std::ostringstream o;
      o << (side < 0 ? "lower" : "upper") << " side: delta OFV reaches only "
        << message_number(prev_delta) << " at " << message_number(objective.to_theta([&] {
             Eigen::VectorXd y = objective.to_phi(best.estimate);
             y[j] = prev_phi;
             return y;
           }())[static_cast<size_t>(j)])
        << (hit_bound ? ", its bound" : "");
      open.push_back(o.str());
    }
  }
  std::sort(prof.points.begin(), prof.points.end(),
            [](const ProfilePoint& a, const ProfilePoint& b) { return a.value < b.value; });
  if (!prof.identifiable) {
    prof.note += "not identifiable from these data (flat profile: ";
    for (size_t i = 0; i < open.size(); ++i) prof.note += (i ? "; " : "") + open[i];
    prof.note += ")";
  }
  return prof;
}

}  // namespace magsim::engine::fit
