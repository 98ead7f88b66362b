#include "engine/fit/likelihood.hpp"

#include <cmath>
#include <stdexcept>

namespace magsim::engine::fit {
namespace {

constexpr double kLog2Pi = 1.8378770664093454836;  // ln(2 pi)

// sd and its derivatives with respect to (f, a, b); for log-normal, f is the prediction itself
// (sd does not depend on it).
struct Sd {
  double value = 0;
  double d[3] = {0, 0, 0};
};

Sd residual_sd(const ErrorModel& m, double f) {
  Sd s;
  switch (m.kind) {
    case ErrorKind::Additive:
    case ErrorKind::LogNormal:
      s.value = m.additive;
      s.d[1] = 1;
      break;
    case ErrorKind::Proportional:
      s.value = m.proportional * std::abs(f);
      s.d[0] = m.proportional * (f < 0 ? -1.0 : 1.0);
      s.d[2] = std::abs(f);
      break;
    case ErrorKind::Combined:
      s.value = std::sqrt(m.additive * m.additive + m.proportional * m.proportional * f * f);
      if (s.value > 0) {
        s.d[0] = m.proportional * m.proportional * f / s.value;
        s.d[1] = m.additive / s.value;
        s.d[2] = m.proportional * f * f / s.value;
      }
      break;
  }
  return s;
}

}  // namespace

ErrorKind error_kind(const std::string& name) {
  if (name == "additive") return ErrorKind::Additive;
  if (name == "proportional") return ErrorKind::Proportional;
  if (name == "combined") return ErrorKind::Combined;
  if (name == "lognormal" || name == "log-normal") return ErrorKind::LogNormal;
  throw std::invalid_argument("error model '" + name +
                              "' is not one of additive, proportional, combined, lognormal");
}

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Additive: return "additive";
    case ErrorKind::Proportional: return "proportional";
    case ErrorKind::Combined: return "combined";
    case ErrorKind::LogNormal: return "lognormal";
  }
  return "?";
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double log_normal_cdf(double z) {
  if (z > -30) return std::log(normal_cdf(z));
  // Mills' ratio, asymptotic in the far lower tail: Phi(z) ~ phi(z)/(-z) (1 - 1/z^2 + 3/z^4)
  const double z2 = z * z;
  return -0.5 * z2 - std::log(-z) - 0.5 * kLog2Pi + std::log1p(-1 / z2 + 3 / (z2 * z2));
}

Term observation_term(const ErrorModel& model, double observed, double predicted, bool censored) {
  const bool log_scale = model.kind == ErrorKind::LogNormal;
  if (log_scale && !(predicted > 0))
    throw std::domain_error("a log-normal error model needs a positive prediction, got " +
                            std::to_string(predicted));
  if (log_scale && !(observed > 0))
    throw std::domain_error("a log-normal error model needs a positive observation, got " +
                            std::to_string(observed));
  const Sd sd = residual_sd(model, predicted);
  if (!(sd.value > 0) || !std::isfinite(sd.value))
    throw std::domain_error("the residual SD is " + std::to_string(sd.value) +
                            " at prediction " + std::to_string(predicted) +
                            " (an error model's parameters must make it positive)");
  // Work on u = y (or ln y): u_f and du_f/df.
  const double uy = log_scale ? std::log(observed) : observed;
  const double uf = log_scale ? std::log(predicted) : predicted;
  const double duf = log_scale ? 1.0 / predicted : 1.0;
  const double s = sd.value;
  Term t;
  t.sd = s;
  double g_u[3] = {duf, 0, 0};
  if (!censored) {
    const double r = uy - uf;
    t.weighted = r / s;
    t.ofv = r * r / (s * s) + 2 * std::log(s) + kLog2Pi + (log_scale ? 2 * uy : 0.0);
    const double d_uf = -2 * r / (s * s);
    const double d_sd = -2 * r * r / (s * s * s) + 2 / s;
    double grad[3];
    for (int i = 0; i < 3; ++i) grad[i] = d_uf * g_u[i] + d_sd * sd.d[i];
    t.d_f = grad[0];
    t.d_a = grad[1];
    t.d_b = grad[2];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        t.fisher[i][j] = 2 / (s * s) * g_u[i] * g_u[j] + 4 / (s * s) * sd.d[i] * sd.d[j];
    return t;
  }
  // M3: -2 ln Phi(z), z = (u_L - u_f)/sd.
  const double z = (uy - uf) / s;
  const double log_cdf = log_normal_cdf(z);
  t.ofv = -2 * log_cdf;
  const double lambda = std::exp(-0.5 * z * z - 0.5 * kLog2Pi - log_cdf);  // phi(z)/Phi(z)
  double g_z[3];
  for (int i = 0; i < 3; ++i) g_z[i] = -g_u[i] / s - z * sd.d[i] / s;
  t.d_f = -2 * lambda * g_z[0];
  t.d_a = -2 * lambda * g_z[1];
  t.d_b = -2 * lambda * g_z[2];
  const double curvature = 2 * lambda * (z + lambda);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) t.fisher[i][j] = curvature * g_z[i] * g_z[j];
  return t;
}

}  // namespace magsim::engine::fit
