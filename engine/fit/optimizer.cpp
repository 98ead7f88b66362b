#include "engine/fit/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace magsim::engine::fit {
namespace {

Eigen::VectorXd clip(Eigen::VectorXd x, const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
  for (Eigen::Index i = 0; i < x.size(); ++i) x[i] = std::min(std::max(x[i], lo[i]), hi[i]);
  return x;
}

// Coordinates held at a bound: on it, with the gradient pushing outwards.
std::vector<bool> active_set(const Eigen::VectorXd& x, const Eigen::VectorXd& g,
                             const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
  std::vector<bool> active(static_cast<size_t>(x.size()), false);
  for (Eigen::Index i = 0; i < x.size(); ++i)
    active[static_cast<size_t>(i)] = (x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0);
  return active;
}

double projected_gradient(const Eigen::VectorXd& g, const std::vector<bool>& active) {
  double m = 0;
  for (Eigen::Index i = 0; i < g.size(); ++i)
    if (!active[static_cast<size_t>(i)]) m = std::max(m, std::abs(g[i]));
  return m;
}

// g' H^-1 g / 2, with H regularised where it is singular (a direction the data do not see).
double newton_decrement(const Eigen::MatrixXd& h, const Eigen::VectorXd& g) {
  if (g.size() == 0) return 0;
  Eigen::MatrixXd a = h;
  const double scale = std::max(1e-300, h.diagonal().cwiseAbs().maxCoeff());
  for (Eigen::Index i = 0; i < a.rows(); ++i) a(i, i) += 1e-10 * scale;
  const Eigen::VectorXd d = a.ldlt().solve(g);
  const double v = 0.5 * g.dot(d);
  return std::isfinite(v) && v >= 0 ? v : std::numeric_limits<double>::infinity();
}

}  // namespace

OptimizerResult minimize(const Objective& objective, Eigen::VectorXd start,
                         const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                         const OptimizerOptions& options) {
  const Eigen::Index n = start.size();
  OptimizerResult out;
  Eigen::VectorXd x = clip(std::move(start), lower, upper);
  Evaluation cur = objective(x, true);
  ++out.evaluations;
  if (!cur.ok) throw std::runtime_error("the objective cannot be evaluated at the start: " + cur.failure);
  double lambda = 1e-3;
  double nu = 2;
  bool done = false;
  auto finish = [&](bool converged, const std::string& message) {
    out.x = x;
    out.ofv = cur.ofv;
    out.converged = converged;
    out.message = message;
    out.gradient = cur.gradient;
    out.hessian = cur.hessian;
    const auto active = active_set(x, cur.gradient, lower, upper);
    out.projected_gradient = projected_gradient(cur.gradient, active);
    out.at_bound.assign(static_cast<size_t>(n), false);
    for (Eigen::Index i = 0; i < n; ++i)
      out.at_bound[static_cast<size_t>(i)] = x[i] <= lower[i] || x[i] >= upper[i];
    done = true;
  };
  for (out.iterations = 0; out.iterations < options.max_iterations && !done; ++out.iterations) {
    const auto active = active_set(x, cur.gradient, lower, upper);
    const double pg = projected_gradient(cur.gradient, active);
    if (pg < options.gradient_tolerance) {
      finish(true, "converged: the gradient vanished");
      break;
    }
    std::vector<Eigen::Index> free;
    for (Eigen::Index i = 0; i < n; ++i)
      if (!active[static_cast<size_t>(i)]) free.push_back(i);
    const auto m = static_cast<Eigen::Index>(free.size());
    Eigen::MatrixXd h(m, m);
    Eigen::VectorXd g(m);
    for (Eigen::Index a = 0; a < m; ++a) {
      g[a] = cur.gradient[free[static_cast<size_t>(a)]];
      for (Eigen::Index b = 0; b < m; ++b)
        h(a, b) = cur.hessian(free[static_cast<size_t>(a)], free[static_cast<size_t>(b)]);
    }
    const double decrement = newton_decrement(h, g);
    out.decrement = decrement;
    if (decrement < options.decrement_tolerance) {
      finish(true, "converged: the objective cannot fall by more than " +
                       std::to_string(options.decrement_tolerance));
      break;
    }
    // Inner loop: raise the damping until a step lowers the objective.
    bool accepted = false;
    while (!accepted) {
      if (lambda > 1e16) {
        const bool noise = decrement < options.noise_decrement;
        finish(noise, noise ? "converged to the accuracy of the simulations (no step lowers the "
                              "objective; it could fall by " + std::to_string(decrement) + " at most)"
                            : "stopped: no step lowers the objective, which could still fall by " +
                                  std::to_string(decrement) + " (largest gradient component " +
                                  std::to_string(pg) + ")");
        break;
      }
      Eigen::MatrixXd a = h;
      for (Eigen::Index i = 0; i < m; ++i) a(i, i) += lambda * std::max(h(i, i), 1e-12);
      const Eigen::VectorXd d = a.ldlt().solve(-g);
      Eigen::VectorXd trial = x;
      for (Eigen::Index i = 0; i < m; ++i) trial[free[static_cast<size_t>(i)]] += d[i];
      trial = clip(trial, lower, upper);
      const Eigen::VectorXd step = trial - x;
      Eigen::VectorXd step_free(m);
      for (Eigen::Index i = 0; i < m; ++i) step_free[i] = step[free[static_cast<size_t>(i)]];
      const double predicted = -(g.dot(step_free) + 0.5 * step_free.dot(h * step_free));
      if (!d.allFinite() || step.lpNorm<Eigen::Infinity>() == 0) {
        lambda *= nu;
        nu *= 2;
        continue;
      }
      Evaluation next = objective(trial, false);
      ++out.evaluations;
      const double actual = next.ok ? cur.ofv - next.ofv : -1;
      if (next.ok && actual > 0 && predicted > 0) {
        const double rho = actual / predicted;
        lambda *= std::max(1.0 / 3, 1 - std::pow(2 * rho - 1, 3));
        nu = 2;
        const bool small = step.lpNorm<Eigen::Infinity>() < options.step_tolerance &&
                           actual < options.ofv_tolerance;
        x = trial;
        // The objective fell by more than the quadratic model said (a valley that bends less
        // than Gauss-Newton assumes): go on along the same direction while it keeps falling,
        // doubling the step (each try is one simulation without sensitivities).
        if (rho > 0.75 && !small) {
          double best_ofv = next.ofv;
          Eigen::VectorXd dir = step;
          for (int k = 0; k < options.max_extensions; ++k) {
            dir *= 2;
            const Eigen::VectorXd further = clip(x - step + dir, lower, upper);
            if ((further - x).lpNorm<Eigen::Infinity>() == 0) break;
            const Evaluation e = objective(further, false);
            ++out.evaluations;
            if (!e.ok || !(e.ofv < best_ofv)) break;
            best_ofv = e.ofv;
            x = further;
          }
        }
        Evaluation full = objective(x, true);
        ++out.evaluations;
        if (!full.ok) throw std::runtime_error("the objective failed with derivatives at a point it "
                                               "could evaluate without: " + full.failure);
        cur = std::move(full);
        accepted = true;
        if (options.progress) options.progress(out.iterations + 1, cur.ofv);
        if (small) finish(true, "converged: the objective and the parameters stopped changing");
      } else {
        lambda *= nu;
        nu *= 2;
      }
    }
  }
  if (!done) {
    std::ostringstream msg;
    msg << "did not converge in " << options.max_iterations << " iterations";
    finish(false, msg.str());
  }
  return out;
}

}  // namespace magsim::engine::fit
