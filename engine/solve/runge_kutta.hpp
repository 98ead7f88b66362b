// Embedded explicit Runge-Kutta pairs with dense output and Hairer's PI step-size control, on
// buffers allocated once at construction: a step allocates nothing on the heap.
//
//   dopri5  Dormand & Prince 5(4), 7 stages, first same as last (6 right-hand sides a step), with
//           Shampine's 4th-order continuous extension (no extra right-hand side).
//   dop853  Dormand & Prince 8(5,3), 12 stages + 1 for the next step (12 a step), with the
//           7th-order continuous extension of Hairer's DOP853 (3 more right-hand sides, only in
//           steps whose interior is sampled).
//
// The interface is the one integrate_segments() uses for odeint's dense-output steppers:
// initialize / do_step / calc_state / current_state / current_time / current_time_step.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace magsim::engine {

enum class RungeKuttaPair { DormandPrince54, DormandPrince853 };

struct RungeKuttaTableau;  // coefficients and controller constants (runge_kutta.cpp)

// A non-owning reference to a right-hand side f(z, dz, t) on arrays of n doubles: no allocation,
// unlike std::function. The callable (its operator() const) must outlive the reference.
class RhsFunction {
 public:
  RhsFunction() = default;
  template <class F>
  explicit RhsFunction(const F& f)
      : object_(&f), call_([](const void* o, const double* z, double* dz, double t) {
          (*static_cast<const F*>(o))(z, dz, t);
        }) {}
  void operator()(const double* z, double* dz, double t) const { call_(object_, z, dz, t); }

 private:
  const void* object_ = nullptr;
  void (*call_)(const void*, const double*, double*, double) = nullptr;
};

class ExplicitRungeKutta {
 public:
  // Tolerances: an error component e_i counts against atol + rtol * max(|y_i|, |y_i new|); a step
  // is accepted when the root mean square of those ratios is at most 1. max_step in time units.
  ExplicitRungeKutta(RungeKuttaPair pair, std::size_t n, double atol, double rtol, double max_step);

  // Starts at (y, t) with the step size dt to try first; the next do_step evaluates f at (y, t).
  void initialize(const std::vector<double>& y, double t, double dt);
  // Changes the step size to try next, keeping the stored derivative (no extra f evaluation).
  void set_step(double dt);
  // One accepted step (after as many rejected tries as it takes); returns (t before, t after).
  // Throws std::runtime_error when the step size underflows or f is not finite at every try.
  std::pair<double, double> do_step(const RhsFunction& f);
  // The dense output at t within the last step (for dop853 the first call after a step costs
  // 3 evaluations of the f given to do_step, which must still be alive).
  void calc_state(double t, std::vector<double>& y);

  const std::vector<double>& current_state() const { return y_; }
  double current_time() const { return t_; }
  double current_time_step() const { return h_; }  // the step size the controller wants next
  long rejected_steps() const { return rejected_; }
  long accepted_steps() const { return accepted_; }

 private:
  double attempt(const RhsFunction& f, double h);  // returns the scaled error norm
  void stage(const RhsFunction& f, int i, double h);
  void prepare_dense();

  RungeKuttaPair pair_;
  const RungeKuttaTableau& tab_;
  std::size_t n_;
  double atol_, rtol_, max_step_;
  std::vector<std::vector<double>> k_;  // stage derivatives (k_[0]: f at the step's start)
  std::vector<double> y_, y_new_, y_old_, tmp_, err_, err2_;
  std::vector<std::vector<double>> dense_;  // continuous-extension coefficients of the last step
  double t_ = 0, h_ = 0, t_old_ = 0, h_done_ = 0;
  double err_old_ = 1e-4;     // the PI controller's previous accepted error
  bool start_derivative_ready_ = false;  // k_[0] holds f at (y_, t_)
  bool start_derivative_in_last_ = false;  // ... or it is still the last step's final stage
  bool dense_ready_ = false;
  bool last_rejected_ = false;
  RhsFunction last_f_;  // the f of the last step, for dop853's dense-output stages
  long rejected_ = 0, accepted_ = 0;
};

}  // namespace magsim::engine
