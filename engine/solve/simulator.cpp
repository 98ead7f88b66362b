// Segment-wise integration (our explicit Runge-Kutta pairs, or Boost.Odeint's Rosenbrock method
// for stiff problems), and the steady-state solver.
//
// Inside the integrator the state is scaled by each state's declared typical magnitude
// (z = x / scale), so one absolute tolerance fits amounts of 0.01 mmol and 600 mmol alike.
#include "engine/solve/simulator.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <boost/numeric/odeint.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <sstream>
#include <type_traits>

#include "engine/model/errors.hpp"
#include "engine/solve/runge_kutta.hpp"
#include "engine/solve/envelope.hpp"

namespace magsim::engine {
namespace {

namespace odeint = boost::numeric::odeint;
using Vec = boost::numeric::ublas::vector<double>;
using Mat = boost::numeric::ublas::matrix<double>;

// Everything the right-hand side needs during a run, owned by simulate(); the odeint functors
// hold a pointer to it because odeint copies systems freely.
struct Workspace {
  const Model* model = nullptr;
  const double* parameters = nullptr;
  std::vector<double> scale;         // per state
  std::vector<double> signals;       // current signal values
  std::vector<double> route_rates;   // current route rates
  std::vector<double> state_input;   // per state: sum over routes of coefficient * rate
  std::vector<double> x, f, jac;     // scratch, unscaled
  std::vector<char> frozen;          // per state: held fixed (clamped steady state); empty: none
  std::vector<double> intake_share;  // per route: the share of its dose that counts as intake
  long rhs_evaluations = 0;
  long jacobian_evaluations = 0;

  size_t n() const { return scale.size(); }

  void update_state_input() {
    std::fill(state_input.begin(), state_input.end(), 0.0);
    const auto& routes = model->info().routes;
    for (size_t r = 0; r < routes.size(); ++r)
      if (route_rates[r] != 0)
        for (const auto& target : routes[r].targets)
          state_input[static_cast<size_t>(target.state)] += target.share(parameters) * route_rates[r];
  }

  template <class State>
  void unscale(const State& z) {
    for (size_t i = 0; i < n(); ++i) x[i] = z[i] * scale[i];
  }

  // On any indexable state: odeint's uBLAS vectors or raw arrays (our Runge-Kutta pairs).
  template <class In, class Out>
  void rhs(const In& z, Out& dz, double t) {
    unscale(z);
    model->rhs(t, x.data(), parameters, signals.data(), f.data());
    for (size_t i = 0; i < n(); ++i) dz[i] = (f[i] + state_input[i]) / scale[i];
    for (size_t i = 0; i < frozen.size(); ++i)
      if (frozen[i]) dz[i] = 0;
    ++rhs_evaluations;
  }

  void jacobian(const Vec& z, Mat& J, double t, Vec& dfdt) {
    unscale(z);
    model->jacobian(t, x.data(), parameters, signals.data(), jac.data());
    const size_t m = n();
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < m; ++j)
        J(i, j) = i < frozen.size() && frozen[i] ? 0.0 : jac[i * m + j] * scale[j] / scale[i];
      // Models are autonomous within a segment: time enters only through signals and routes.
      dfdt[i] = 0.0;
    }
    ++jacobian_evaluations;
  }
};

struct RhsFunctor {
  Workspace* w;
  void operator()(const Vec& z, Vec& dz, double t) const { w->rhs(z, dz, t); }
  void operator()(const double* z, double* dz, double t) const { w->rhs(z, dz, t); }
};
struct JacobianFunctor {
  Workspace* w;
  void operator()(const Vec& z, Mat& J, double t, Vec& dfdt) const { w->jacobian(z, J, t, dfdt); }
};

Workspace make_workspace(const Model& model, const std::vector<double>& parameters) {
  const auto& info = model.info();
  Workspace w;
  w.model = &model;
  w.parameters = parameters.data();
  const size_t n = info.states.size();
  for (const auto& s : info.states) w.scale.push_back(s.scale > 0 ? s.scale : 1.0);
  w.signals.resize(info.signals.size());
  for (size_t i = 0; i < info.signals.size(); ++i) w.signals[i] = info.signals[i].default_value;
  w.route_rates.assign(info.routes.size(), 0.0);
  w.state_input.assign(n, 0.0);
  w.x.assign(n, 0.0);
  w.f.assign(n, 0.0);
  w.jac.assign(n * n, 0.0);
  w.intake_share.assign(info.routes.size(), 0.0);
  for (size_t r = 0; r < info.routes.size(); ++r)
    for (const auto& target : info.routes[r].targets)
      if (target.state == info.intake_state) w.intake_share[r] += target.share(parameters.data());
  return w;
}

double invariant(const ModelInfo& info, const std::vector<double>& x) {
  double c = 0;
  for (size_t i = 0; i < info.conserved_weights.size(); ++i) c += info.conserved_weights[i] * x[i];
  return c;
}

// Magnitude that the mass-balance error is measured against: everything taken in, or the body
// content, whichever is larger.
double invariant_magnitude(const ModelInfo& info, const std::vector<double>& x) {
  double body = 0;
  for (size_t i = 0; i < info.conserved_weights.size(); ++i)
    if (info.conserved_weights[i] > 0 && info.states[i].kind == StateKind::Dynamic)
      body += info.conserved_weights[i] * std::abs(x[i]);
  const double intake = info.intake_state >= 0 ? std::abs(x[static_cast<size_t>(info.intake_state)]) : 0;
  return std::max({body, intake, 1e-300});
}

std::string describe_state(const ModelInfo& info, const std::vector<double>& x) {
  std::ostringstream os;
  os << "state:";
  for (size_t i = 0; i < x.size() && i < info.states.size(); ++i)
    os << " " << info.states[i].name << "=" << x[i];
  return os.str();
}

}  // namespace

SampleClock::SampleClock(double duration_h, double interval_h, std::vector<double> extra_h)
    : duration_(duration_h), interval_(interval_h), eps_(1e-9 * std::max(1.0, duration_h)) {
  if (!(duration_h > 0) || !(interval_h > 0) || !std::isfinite(duration_h))
    throw std::invalid_argument("duration and output interval must be positive");
  const double count = std::floor(duration_h / interval_h + 1e-9);
  if (!(count <= kMaxSamples))
    throw std::length_error("an output interval of " + message_number(interval_h) + " h over " +
                            message_number(duration_h) + " h is more than 1e12 samples");
  grid_last_ = static_cast<long long>(count);
  for (double x : extra_h)
    if (x > 0 && x < duration_h) extra_.push_back(x);
  std::sort(extra_.begin(), extra_.end());
  pending_ = pull();  // 0
  resolve();
}

// The next time of the grid (0, dt, 2 dt, ..., then the end unless the grid reached it) merged
// with the extra times, before removing near-duplicates.
double SampleClock::pull() {
  double grid = std::numeric_limits<double>::infinity();
  if (grid_k_ <= grid_last_) {
    grid = static_cast<double>(grid_k_) * interval_;
    // The grid's last point is the end when it lies within eps of it.
    if (grid_k_ == grid_last_ && duration_ - grid <= eps_) grid = duration_;
  } else if (!end_done_) {
    grid = duration_;
  }
  const double extra = next_extra_ < extra_.size() ? extra_[next_extra_]
                                                   : std::numeric_limits<double>::infinity();
  if (extra < grid) {
    ++next_extra_;
    return extra;
  }
  if (grid_k_ <= grid_last_) {
    if (grid == duration_) end_done_ = true;
    ++grid_k_;
  } else if (!end_done_) {
    end_done_ = true;
  }
  return grid;
}

// Looks past `pending_` for candidates within eps of it: they are the same sample (the end, if
// one of them is the end, stays exact).
void SampleClock::resolve() {
  for (;;) {
    ahead_ = pull();
    if (!(ahead_ - pending_ <= eps_)) return;
    if (ahead_ == duration_) pending_ = ahead_;
  }
}

void SampleClock::advance() {
  pending_ = ahead_;
  if (std::isfinite(pending_)) resolve();
}

double SampleClock::count_estimate(double duration_h, double interval_h, std::size_t extra) {
  return std::floor(duration_h / interval_h + 1e-9) + 2.0 + static_cast<double>(extra);
}

std::vector<double> sample_times(double duration_h, double interval_h,
                                 const std::vector<double>& extra_h) {
  std::vector<double> t;
  for (SampleClock c(duration_h, interval_h, extra_h); !c.done(); c.advance()) t.push_back(c.peek());
  return t;
}

namespace {

class Integrator : private EnvelopeHost {
 public:
  Integrator(const Model& model, const Problem& problem, SampleSink& sink,
             const std::atomic<bool>* cancel)
      : model_(model),
        info_(model.info()),
        problem_(problem),
        sink_(sink),
        cancel_(cancel),
        w_(make_workspace(model, problem.parameters)),
        timeline_(problem.schedule),
        samples_(problem.duration_h, problem.output_interval_h, problem.output_times_h),
        y_(info_.outputs.size()) {}

  RunStats run();

 private:
  // EnvelopeHost: the hooks of the envelope method.
  void integrate_exact(std::vector<double>& x, double from, double to) override {
    integrate(x, from, to, true);
  }
  void skip_timeline(double from, double to) override;
  double next_sample() const override { return samples_.done() ? kNoTime : samples_.peek(); }
  void advance_sample() override { samples_.advance(); }
  void redirect_samples(SampleSink* sink) override { redirect_ = sink; }
  SampleSink& run_sink() override { return sink_; }
  const std::vector<double>& signals() const override { return w_.signals; }
  void outputs(double t, const double* x, const double* signals, double* y) const override {
    model_.outputs(t, x, problem_.parameters.data(), signals, y);
  }

  // Integrates [from, to], applying the events inside; samples only when `sampled`.
  template <class Stepper, class System>
  void integrate_segments(Stepper stepper, System system, std::vector<double>& x, double from,
                          double to, bool sampled);
  void integrate(std::vector<double>& x, double from, double to, bool sampled);
  void emit(double t, const std::vector<double>& x);
  void apply_events_at(double t, std::vector<double>& x);
  void deliver_rates_over(double span_h, std::vector<double>& x);
  void check_state(double t, const std::vector<double>& x) const;
  double intake_rate() const;
  void check_cancel(double t) const {
    if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed))
      throw SimulationError("integration", t, "cancelled");
  }

  const Model& model_;
  const ModelInfo& info_;
  const Problem& problem_;
  SampleSink& sink_;
  SampleSink* redirect_ = nullptr;  // when set, samples go here instead of sink_
  const std::atomic<bool>* cancel_;
  Workspace w_;
  TimelineCursor timeline_;
  SampleClock samples_;
  std::vector<double> y_;
  RunStats stats_;
  // The intake the schedule prescribes from t = 0, summed from the timeline itself (bolus
  // amounts, rates times segment lengths), independently of what the integrator did with it.
  bool counting_ = false;
  double prescribed_intake_ = 0;
};

void Integrator::emit(double t, const std::vector<double>& x) {
  model_.outputs(t, x.data(), problem_.parameters.data(), w_.signals.data(), y_.data());
  (redirect_ != nullptr ? *redirect_ : sink_).sample(t, y_.data(), x.data());
}

void Integrator::skip_timeline(double from, double to) {
  std::vector<double> unused(info_.states.size(), 0.0);  // boluses land nowhere
  for (double t = from; t < to;) {
    const double next = timeline_.next_time();
    const double tb = std::min(next, to);
    if (counting_) prescribed_intake_ += intake_rate() * (tb - t);
    if (next < to) apply_events_at(next, unused);
    t = tb;
  }
}

void Integrator::apply_events_at(double t, std::vector<double>& x) {
  bool rates_changed = false;
  while (!timeline_.done() && timeline_.next_time() <= t) {
    const TimelineChange c = timeline_.pop();
    // Before the run (or its history): part of the steady-state start.
    if (c.time_h < problem_.history_start_h) continue;
    const auto k = static_cast<size_t>(c.target);
    switch (c.kind) {
      case SeriesAction::Kind::Bolus:
        for (const auto& target : info_.routes[k].targets)
          x[static_cast<size_t>(target.state)] += target.share(problem_.parameters.data()) * c.amount;
        if (counting_) prescribed_intake_ += w_.intake_share[k] * c.amount;
        break;
      case SeriesAction::Kind::Rate:
        w_.route_rates[k] += c.amount;
        rates_changed = true;
        break;
      case SeriesAction::Kind::Signal:
        w_.signals[k] += c.amount;
        break;
    }
  }
  if (rates_changed) {
    // Deltas that cancel leave round-off: an infusion that has stopped is exactly off.
    for (double& r : w_.route_rates)
      if (std::abs(r) < 1e-12) r = 0;
    w_.update_state_input();
  }
  for (double& s : w_.signals)
    if (std::abs(s) < 1e-12) s = 0;
}

double Integrator::intake_rate() const {
  double r = 0;
  for (size_t k = 0; k < w_.route_rates.size(); ++k) r += w_.intake_share[k] * w_.route_rates[k];
  return r;
}

// A piece of a segment too short for the integrator to resolve next to the time it starts at
// (below the relative resolution of t): what the routes deliver over it goes in at once, as a
// bolus, so that no dose is lost however short its infusion.
void Integrator::deliver_rates_over(double span_h, std::vector<double>& x) {
  if (!(span_h > 0)) return;
  for (size_t i = 0; i < x.size(); ++i)
    if (w_.frozen.empty() || !w_.frozen[i]) x[i] += w_.state_input[i] * span_h;
}

// Amounts cannot be negative: a dynamic state clearly below zero (beyond the tolerance the
// integrator was asked for) or a value that is not finite means the integration has failed.
void Integrator::check_state(double t, const std::vector<double>& x) const {
  for (size_t i = 0; i < x.size(); ++i) {
    const auto& s = info_.states[i];
    const double floor = -std::max(1e-6, 10 * problem_.solver.atol) * w_.scale[i];
    if (!std::isfinite(x[i]) || (s.kind == StateKind::Dynamic && !s.signed_value && x[i] < floor)) {
      std::ostringstream msg;
      msg << "state '" << s.name << "' became " << x[i] << " " << s.unit
          << (std::isfinite(x[i]) ? " (an amount cannot be negative)" : "")
          << "; the solver settings (solver.rtol " << problem_.solver.rtol << ", atol "
          << problem_.solver.atol << ") or the inputs are outside what the model can integrate; "
          << describe_state(info_, x);
      throw SimulationError("integration", t, msg.str());
    }
  }
}

// Clips the next step to `dt`: odeint's steppers restart there; ours keep their derivative.
template <class Stepper>
void clip_step(Stepper& stepper, double dt) {
  stepper.initialize(stepper.current_state(), stepper.current_time(), dt);
}
void clip_step(ExplicitRungeKutta& stepper, double dt) { stepper.set_step(dt); }

// Tries the controller rejected: ours counts them; odeint's Rosenbrock dense output evaluates the
// Jacobian once per try, so its rejections are the Jacobians beyond one per accepted step.
template <class Stepper>
long rejected_tries(const Stepper&, long jacobians, long accepted) {
  return jacobians - accepted;
}
long rejected_tries(const ExplicitRungeKutta& stepper, long, long) {
  return stepper.rejected_steps();
}

template <class Stepper, class System>
void Integrator::integrate_segments(Stepper stepper, System system, std::vector<double>& x,
                                    double from, double to, bool sampled) {
  const size_t n = x.size();
  const double end = to;
  using State = std::decay_t<decltype(stepper.current_state())>;
  State z(n), zs(n);
  const long jacobians_before = w_.jacobian_evaluations, steps_before = stats_.steps;
  std::vector<double> xs(n);
  double t = from;
  double dt = problem_.solver.first_step_h;
  const double max_step = problem_.solver.max_step_h;
  while (t < end) {
    // Segments end at the next event (events at t were applied before), or at the end.
    const double next_change = timeline_.next_time();
    const double tb = next_change > t && next_change < end ? next_change : end;
    const double eps = 1e-10 * std::max(1.0, std::abs(tb));
    if (counting_) prescribed_intake_ += intake_rate() * (tb - t);
    if (!(tb - t > eps)) {
      deliver_rates_over(tb - t, x);
    } else {
      for (size_t i = 0; i < n; ++i) z[i] = x[i] / w_.scale[i];
      stepper.initialize(z, t, std::min({dt, tb - t, max_step}));
      ++stats_.segments;
      double last_free_dt = dt;
      while (tb - stepper.current_time() > eps) {
        check_cancel(stepper.current_time());
        const double remaining = tb - stepper.current_time();
        if (stepper.current_time_step() > remaining) {
          last_free_dt = stepper.current_time_step();
          clip_step(stepper, remaining);
        }
        std::pair<double, double> span;
        try {
          span = stepper.do_step(system);
        } catch (const std::exception& e) {
          w_.unscale(stepper.current_state());
          throw SimulationError("integration", stepper.current_time(),
                                std::string(e.what()) + "; " + describe_state(info_, w_.x));
        }
        ++stats_.steps;
        w_.unscale(stepper.current_state());
        check_state(span.second, w_.x);
        if (stepper.current_time_step() < 1e-13 * std::max(1.0, std::abs(tb)))
          throw SimulationError("integration", span.second, "step size underflow");
        while (sampled && !samples_.done() && samples_.peek() <= span.second &&
               samples_.peek() < tb - eps) {
          stepper.calc_state(samples_.peek(), zs);
          for (size_t i = 0; i < n; ++i) xs[i] = zs[i] * w_.scale[i];
          emit(samples_.peek(), xs);
          samples_.advance();
        }
      }
      const auto& zc = stepper.current_state();
      for (size_t i = 0; i < n; ++i) x[i] = zc[i] * w_.scale[i];
      deliver_rates_over(tb - stepper.current_time(), x);
      // Next segment starts with the step size the controller wanted, not the clipped one.
      dt = std::max(stepper.current_time_step(), last_free_dt);
    }
    t = tb;
    if (tb < end) apply_events_at(tb, x);
    while (sampled && !samples_.done() && samples_.peek() <= tb + eps) {
      emit(samples_.peek(), x);
      samples_.advance();
    }
  }
  stats_.rejected_steps += rejected_tries(stepper, w_.jacobian_evaluations - jacobians_before,
                                          stats_.steps - steps_before);
}

void Integrator::integrate(std::vector<double>& x, double from, double to, bool sampled) {
  const auto& s = problem_.solver;
  const RhsFunctor rhs{&w_};
  const JacobianFunctor jac{&w_};
  if (s.method == Method::Rosenbrock4) {
    integrate_segments(
        odeint::make_dense_output(s.atol, s.rtol, s.max_step_h, odeint::rosenbrock4<double>()),
        std::make_pair(rhs, jac), x, from, to, sampled);
  } else {
    // envelope integrates its exact days with dop853.
    const auto pair = s.method == Method::Dopri5 ? RungeKuttaPair::DormandPrince54
                                                 : RungeKuttaPair::DormandPrince853;
    integrate_segments(ExplicitRungeKutta(pair, x.size(), s.atol, s.rtol, s.max_step_h),
                       RhsFunction(rhs), x, from, to, sampled);
  }
}

RunStats Integrator::run() {
  const auto wall_start = std::chrono::steady_clock::now();
  const size_t n = info_.states.size();
  if (problem_.parameters.size() != info_.parameters.size())
    throw std::invalid_argument("problem has " + std::to_string(problem_.parameters.size()) +
                                " parameters, model declares " +
                                std::to_string(info_.parameters.size()));
  if (!(problem_.duration_h > 0) || !(problem_.output_interval_h > 0))
    throw std::invalid_argument("duration and output interval must be positive");

  std::vector<double> guess = problem_.initial_state;
  if (guess.empty())
    for (const auto& s : info_.states) guess.push_back(s.initial);
  if (guess.size() != n)
    throw std::invalid_argument("initial state has " + std::to_string(guess.size()) +
                                " values, model declares " + std::to_string(n) + " states");
  if (!(problem_.history_start_h <= 0) || !std::isfinite(problem_.history_start_h))
    throw std::invalid_argument("history start must be at or before t = 0");
  std::vector<double> x = guess;
  if (problem_.initial == InitialKind::SteadyState) {
    const auto ss = find_steady_state(model_, problem_.parameters,
                                      problem_.schedule.steady_route_rates,
                                      problem_.schedule.steady_signals, guess, problem_.solver,
                                      problem_.clamped_states);
    x = ss.state;
    stats_.steady_state_residual = ss.residual;
    stats_.steady_state_stage = ss.stage;
  } else if (!problem_.clamped_states.empty()) {
    throw std::invalid_argument("clamped states need a steady-state start");
  }
  if (problem_.history_start_h < 0) {
    // The history: from its start's steady state through its doses to t = 0, unsampled; then
    // the cumulative balances restart so that the run counts from t = 0.
    stats_.history_start_state = x;
    apply_events_at(problem_.history_start_h, x);
    integrate(x, problem_.history_start_h, 0.0, false);
    for (size_t i = 0; i < n; ++i)
      if (info_.states[i].kind == StateKind::Accumulator) x[i] = stats_.history_start_state[i];
  }
  stats_.initial_state = x;
  const double invariant_start = invariant(info_, x);

  sink_.begin(info_);
  counting_ = true;
  apply_events_at(0.0, x);
  while (!samples_.done() && samples_.peek() <= 0.0) {
    emit(0.0, x);
    samples_.advance();
  }

  if (problem_.solver.method == Method::Envelope) {
    const EnvelopeStats e = envelope_integrate(*this, info_, problem_, x, 0.0, problem_.duration_h);
    stats_.envelope_strides = e.strides;
    stats_.skipped_days = e.skipped_days;
    stats_.reconstructed_samples = e.reconstructed_samples;
  } else {
    integrate(x, 0.0, problem_.duration_h, true);
  }
  sink_.end();

  stats_.final_state = x;
  // Mass balance: the conserved total drifts by no more than round-off, and the intake the body
  // received (its accumulator) is what the schedule prescribed.
  stats_.prescribed_intake = prescribed_intake_;
  if (info_.intake_state >= 0) {
    const auto k = static_cast<size_t>(info_.intake_state);
    stats_.intake_error = std::abs(x[k] - stats_.initial_state[k] - prescribed_intake_);
  }
  stats_.mass_balance_error = std::abs(invariant(info_, x) - invariant_start) + stats_.intake_error;
  stats_.mass_balance_relative_error =
      stats_.mass_balance_error / invariant_magnitude(info_, x);
  stats_.rhs_evaluations = w_.rhs_evaluations;
  stats_.jacobian_evaluations = w_.jacobian_evaluations;
  stats_.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return stats_;
}

// ---- steady state ------------------------------------------------------------------------

struct NewtonOutcome {
  bool converged = false;
  double residual = 0;
  int iterations = 0;
};

// Scaled residual of the dynamic states: max_i |f_i + input_i| / scale_i, in 1/h.
double dynamic_residual(Workspace& w, const std::vector<size_t>& dyn, const std::vector<double>& x,
                        std::vector<double>& r) {
  w.model->rhs(0.0, x.data(), w.parameters, w.signals.data(), w.f.data());
  double m = 0;
  for (size_t k = 0; k < dyn.size(); ++k) {
    const size_t i = dyn[k];
    r[k] = (w.f[i] + w.state_input[i]) / w.scale[i];
    if (!std::isfinite(r[k])) return std::numeric_limits<double>::infinity();
    m = std::max(m, std::abs(r[k]));
  }
  return m;
}

constexpr double kSteadyTolerance = 1e-9;  // scaled residual, 1/h

NewtonOutcome newton(Workspace& w, const std::vector<size_t>& dyn, std::vector<double>& x,
                     int max_iterations) {
  const size_t m = dyn.size();
  const size_t n = x.size();
  std::vector<double> r(m), r_trial(m), x_trial(n);
  Eigen::MatrixXd J(m, m);
  Eigen::VectorXd rhs(m);
  NewtonOutcome out;
  out.residual = dynamic_residual(w, dyn, x, r);
  for (out.iterations = 0; out.iterations < max_iterations; ++out.iterations) {
    if (out.residual < kSteadyTolerance) {
      out.converged = true;
      return out;
    }
    w.model->jacobian(0.0, x.data(), w.parameters, w.signals.data(), w.jac.data());
    for (size_t a = 0; a < m; ++a) {
      for (size_t b = 0; b < m; ++b)
        J(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) =
            w.jac[dyn[a] * n + dyn[b]] * w.scale[dyn[b]] / w.scale[dyn[a]];
      rhs[static_cast<Eigen::Index>(a)] = -r[a];
    }
    const Eigen::VectorXd dz = J.fullPivLu().solve(rhs);
    if (!dz.allFinite()) return out;
    // Backtracking: accept the first step that keeps amounts non-negative and lowers the residual.
    double lambda = 1.0;
    bool accepted = false;
    for (int halvings = 0; halvings < 40 && !accepted; ++halvings, lambda *= 0.5) {
      x_trial = x;
      bool nonnegative = true;
      for (size_t a = 0; a < m; ++a) {
        const size_t i = dyn[a];
        x_trial[i] = x[i] + lambda * dz[static_cast<Eigen::Index>(a)] * w.scale[i];
        if (x_trial[i] < 0 && x[i] >= 0 && !w.model->info().states[i].signed_value) nonnegative = false;
      }
      if (!nonnegative) continue;
      const double trial = dynamic_residual(w, dyn, x_trial, r_trial);
      if (trial < (1.0 - 1e-4 * lambda) * out.residual || trial < kSteadyTolerance) {
        x.swap(x_trial);
        r.swap(r_trial);
        out.residual = trial;
        accepted = true;
      }
    }
    if (!accepted) return out;
  }
  out.converged = out.residual < kSteadyTolerance;
  return out;
}

}  // namespace

SteadyStateResult find_steady_state(const Model& model, const std::vector<double>& parameters,
                                    const std::vector<double>& route_rates,
                                    const std::vector<double>& signals,
                                    const std::vector<double>& guess,
                                    const SolverSettings& settings,
                                    const std::vector<ClampedState>& clamped) {
  const auto& info = model.info();
  Workspace w = make_workspace(model, parameters);
  if (!signals.empty()) {
    if (signals.size() != w.signals.size())
      throw std::invalid_argument("steady state: wrong number of signals");
    w.signals = signals;
  }
  if (!route_rates.empty()) {
    if (route_rates.size() != w.route_rates.size())
      throw std::invalid_argument("steady state: wrong number of route rates");
    w.route_rates = route_rates;
  }
  w.update_state_input();
  std::vector<double> x = guess;
  if (x.empty())
    for (const auto& s : info.states) x.push_back(s.initial);
  if (x.size() != info.states.size())
    throw std::invalid_argument("steady state: wrong number of guess values");
  if (!clamped.empty()) {
    w.frozen.assign(info.states.size(), 0);
    for (const auto& c : clamped) {
      if (c.state < 0 || static_cast<size_t>(c.state) >= info.states.size() ||
          info.states[static_cast<size_t>(c.state)].kind != StateKind::Dynamic ||
          !std::isfinite(c.value))
        throw std::invalid_argument("steady state: a clamped state must be a dynamic state "
                                    "with a finite value");
      w.frozen[static_cast<size_t>(c.state)] = 1;
      x[static_cast<size_t>(c.state)] = c.value;
    }
  }
  // Newton's unknowns: the dynamic states that are not held.
  std::vector<size_t> dyn;
  for (size_t i = 0; i < info.states.size(); ++i)
    if (info.states[i].kind == StateKind::Dynamic && (w.frozen.empty() || !w.frozen[i]))
      dyn.push_back(i);
  const std::vector<double> start = x;
  auto finish = [&](std::vector<double>& state, double residual, const char* stage) {
    for (size_t i = 0; i < state.size(); ++i)
      if (info.states[i].kind == StateKind::Accumulator) state[i] = start[i];
    return SteadyStateResult{state, residual, stage};
  };

  const NewtonOutcome first = newton(w, dyn, x, 50);
  if (first.converged) return finish(x, first.residual, "newton");

  // Fallback: let the body relax with the stiff integrator over ever longer horizons, and polish
  // with Newton from wherever it got to.
  const size_t n = x.size();
  std::vector<double> r(dyn.size());
  Vec z(n);
  x = start;
  double residual = dynamic_residual(w, dyn, x, r);
  double horizon_done = 0;
  for (double horizon = 24.0; horizon <= 24.0 * 365.25 * 200; horizon *= 4) {
    for (size_t i = 0; i < n; ++i) z[i] = x[i] / w.scale[i];
    try {
      odeint::integrate_adaptive(
          odeint::make_controlled(settings.atol, settings.rtol, odeint::rosenbrock4<double>()),
          std::make_pair(RhsFunctor{&w}, JacobianFunctor{&w}), z, 0.0, horizon,
          std::min(1e-2, horizon));
    } catch (const std::exception& e) {
      throw SimulationError("steady state (integration)", horizon_done,
                            std::string(e.what()) + " after Newton stalled at residual " +
                                message_number(first.residual) + " /h");
    }
    horizon_done += horizon;
    for (size_t i = 0; i < n; ++i) x[i] = z[i] * w.scale[i];
    residual = dynamic_residual(w, dyn, x, r);
    if (!std::isfinite(residual)) break;
    std::vector<double> polished = x;
    const NewtonOutcome again = newton(w, dyn, polished, 50);
    if (again.converged) return finish(polished, again.residual, "integration");
  }
  std::ostringstream msg;
  msg << "Newton stalled at scaled residual " << first.residual << " /h after "
      << first.iterations << " iterations; integrating for " << horizon_done
      << " h left residual " << residual << " /h (tolerance " << kSteadyTolerance << " /h)";
  throw SimulationError("steady state", 0.0, msg.str());
}

RunStats simulate(const Model& model, const Problem& problem, SampleSink& sink,
                  const std::atomic<bool>* cancel) {
  Integrator integrator(model, problem, sink, cancel);
  return integrator.run();
}

}  // namespace magsim::engine
