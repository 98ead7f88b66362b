// The C ABI of tools/peers/shim.h over magsim's own libraries: app::load_scenario for the
// problem, engine::find_steady_state for the start, engine::TimelineCursor for the schedule and
// the model's rhs/jacobian for the equations. What it adds is the scaling (z = x / scale) and the
// application of timeline changes at segment ends, which is what the engine's Integrator does
// between its segments (engine/solve/simulator.cpp), so that every peer solves the same problem.
#include "tools/peers/shim.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "app/model.hpp"
#include "app/scenario_loading.hpp"
#include "engine/model/schedule.hpp"
#include "engine/solve/sample_sink.hpp"
#include "engine/solve/simulator.hpp"

namespace eng = magsim::engine;

struct ms_case {
  const eng::Model* model = nullptr;
  eng::Problem problem;
  std::vector<double> scale, start;  // per state; start: unscaled steady state
  std::vector<double> route_rates, signals, state_input;
  std::vector<double> x, f, jac;  // scratch, unscaled
  std::unique_ptr<eng::TimelineCursor> timeline;
  long rhs_evaluations = 0, jacobian_evaluations = 0;

  std::size_t n() const { return scale.size(); }
  const eng::ModelInfo& info() const { return model->info(); }
  const double* p() const { return problem.parameters.data(); }

  void unscale(const double* z) {
    for (std::size_t i = 0; i < n(); ++i) x[i] = z[i] * scale[i];
  }
  void update_state_input() {
    std::fill(state_input.begin(), state_input.end(), 0.0);
    for (std::size_t r = 0; r < info().routes.size(); ++r)
      if (route_rates[r] != 0)
        for (const auto& target : info().routes[r].targets)
          state_input[static_cast<std::size_t>(target.state)] += target.share(p()) * route_rates[r];
  }
};

namespace {

void copy_message(const std::string& m, char* err, int errlen) {
  if (err == nullptr || errlen <= 0) return;
  const std::size_t k = std::min(m.size(), static_cast<std::size_t>(errlen - 1));
  std::memcpy(err, m.data(), k);
  err[k] = '\0';
}

}  // namespace

extern "C" {

ms_case* ms_open(const char* scenario, const char* const* sets, int nsets, char* err, int errlen) {
  try {
    std::vector<std::string> edits;
    for (int i = 0; i < nsets; ++i) edits.emplace_back(sets[i]);
    auto c = std::make_unique<ms_case>();
    c->model = &magsim::app::model();
    c->problem = magsim::app::load_scenario(scenario, edits).problem;
    if (c->problem.history_start_h < 0)
      throw std::invalid_argument("scenarios with a history are not supported by the peers' shim");
    const auto& info = c->info();
    const std::size_t n = info.states.size();
    for (const auto& s : info.states) c->scale.push_back(s.scale > 0 ? s.scale : 1.0);
    std::vector<double> guess = c->problem.initial_state;
    if (guess.empty())
      for (const auto& s : info.states) guess.push_back(s.initial);
    c->start = guess;
    if (c->problem.initial == eng::InitialKind::SteadyState)
      c->start = eng::find_steady_state(*c->model, c->problem.parameters,
                                        c->problem.schedule.steady_route_rates,
                                        c->problem.schedule.steady_signals, guess,
                                        c->problem.solver, c->problem.clamped_states)
                     .state;
    c->x.assign(n, 0.0);
    c->f.assign(n, 0.0);
    c->jac.assign(n * n, 0.0);
    c->state_input.assign(n, 0.0);
    return c.release();
  } catch (const magsim::app::ScenarioError& e) {
    copy_message(e.formatted(), err, errlen);
  } catch (const std::exception& e) {
    copy_message(e.what(), err, errlen);
  }
  return nullptr;
}

void ms_close(ms_case* c) { delete c; }

int ms_size(const ms_case* c) { return static_cast<int>(c->n()); }
double ms_duration(const ms_case* c) { return c->problem.duration_h; }
double ms_atol(const ms_case* c) { return c->problem.solver.atol; }
double ms_max_step(const ms_case* c) { return c->problem.solver.max_step_h; }

int ms_sample_times(const ms_case* c, double* out, int max) {
  const auto t = eng::sample_times(c->problem.duration_h, c->problem.output_interval_h,
                                   c->problem.output_times_h);
  for (std::size_t i = 0; i < t.size() && static_cast<int>(i) < max; ++i) out[i] = t[i];
  return static_cast<int>(t.size());
}

void ms_start(ms_case* c, double* z) {
  const auto& info = c->info();
  c->timeline = std::make_unique<eng::TimelineCursor>(c->problem.schedule);
  c->route_rates.assign(info.routes.size(), 0.0);
  c->signals.resize(info.signals.size());
  for (std::size_t i = 0; i < info.signals.size(); ++i) c->signals[i] = info.signals[i].default_value;
  c->update_state_input();
  for (std::size_t i = 0; i < c->n(); ++i) z[i] = c->start[i] / c->scale[i];
  ms_apply(c, 0.0, z);
}

double ms_next_break(const ms_case* c) {
  return std::min(c->timeline->next_time(), c->problem.duration_h);
}

void ms_apply(ms_case* c, double t, double* z) {
  bool rates_changed = false;
  while (!c->timeline->done() && c->timeline->next_time() <= t) {
    const eng::TimelineChange ch = c->timeline->pop();
    if (ch.time_h < 0) continue;  // before the run: part of the steady-state start
    const auto k = static_cast<std::size_t>(ch.target);
    switch (ch.kind) {
      case eng::SeriesAction::Kind::Bolus:
        for (const auto& target : c->info().routes[k].targets) {
          const auto i = static_cast<std::size_t>(target.state);
          z[i] += target.share(c->p()) * ch.amount / c->scale[i];
        }
        break;
      case eng::SeriesAction::Kind::Rate:
        c->route_rates[k] += ch.amount;
        rates_changed = true;
        break;
      case eng::SeriesAction::Kind::Signal:
        c->signals[k] += ch.amount;
        break;
    }
  }
  // As the Integrator: deltas that cancel leave round-off; what has stopped is exactly off.
  if (rates_changed) {
    for (double& r : c->route_rates)
      if (std::abs(r) < 1e-12) r = 0;
    c->update_state_input();
  }
  for (double& s : c->signals)
    if (std::abs(s) < 1e-12) s = 0;
}

void ms_deliver(ms_case* c, double span_h, double* z) {
  if (!(span_h > 0)) return;
  for (std::size_t i = 0; i < c->n(); ++i) z[i] += c->state_input[i] * span_h / c->scale[i];
}

void ms_rhs(ms_case* c, double t, const double* z, double* dz) {
  c->unscale(z);
  c->model->rhs(t, c->x.data(), c->p(), c->signals.data(), c->f.data());
  for (std::size_t i = 0; i < c->n(); ++i) dz[i] = (c->f[i] + c->state_input[i]) / c->scale[i];
  ++c->rhs_evaluations;
}

void ms_jacobian(ms_case* c, double t, const double* z, double* jac) {
  c->unscale(z);
  c->model->jacobian(t, c->x.data(), c->p(), c->signals.data(), c->jac.data());
  const std::size_t n = c->n();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) jac[i * n + j] = c->jac[i * n + j] * c->scale[j] / c->scale[i];
  ++c->jacobian_evaluations;
}

int ms_output_index(const ms_case* c, const char* name) { return c->info().find_output(name); }

double ms_output(ms_case* c, double t, const double* z, int k) {
  c->unscale(z);
  std::vector<double> y(c->info().outputs.size());
  c->model->outputs(t, c->x.data(), c->p(), c->signals.data(), y.data());
  return y[static_cast<std::size_t>(k)];
}

long ms_rhs_evaluations(const ms_case* c) { return c->rhs_evaluations; }
long ms_jacobian_evaluations(const ms_case* c) { return c->jacobian_evaluations; }

int ms_run_magsim(ms_case* c, int k, double* out, int max, double* seconds, char* err, int errlen) {
  // Keeps output k only, as the peers do (not every output and state, as a MemorySink would).
  struct OneOutput : eng::SampleSink {
    std::size_t k;
    double* out;
    int max, count = 0;
    OneOutput(std::size_t k_, double* out_, int max_) : k(k_), out(out_), max(max_) {}
    void begin(const eng::ModelInfo&) override { count = 0; }
    void sample(double, const double* y, const double*) override {
      if (count < max) out[count] = y[k];
      ++count;
    }
  };
  try {
    OneOutput sink(static_cast<std::size_t>(k), out, max);
    const auto t0 = std::chrono::steady_clock::now();
    eng::simulate(*c->model, c->problem, sink);
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return sink.count;
  } catch (const std::exception& e) {
    copy_message(e.what(), err, errlen);
    return -1;
  }
}

}  // extern "C"
