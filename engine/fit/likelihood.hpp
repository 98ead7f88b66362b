// The likelihood of one observation under a residual error model, as the objective a fit
// minimises: OFV = -2 log L (the NONMEM convention), with its gradient and the Fisher-information
// approximation of its Hessian with respect to the prediction and the error-model parameters.
//
// Error models (y observed, f predicted, both in the series' unit):
//   additive      y = f + a e                 sd = a
//   proportional  y = f (1 + b e)             sd = b |f|
//   combined      y = f + sqrt(a^2 + b^2 f^2) e
//   log-normal    ln y = ln f + a e           (a: SD of the log; for positive series only)
// with e standard normal. The contribution of a quantified value is
//   ((y - f)/sd)^2 + 2 ln sd + ln(2 pi)      (log-normal: on ln y and ln f, plus 2 ln y, the
//                                             change of variable, so OFVs compare across models)
// and of a value below the limit of quantification L (Beal's M3 method)
//   -2 ln Phi((L - f)/sd)                    (log-normal: (ln L - ln f)/a)
// i.e. the probability that the measurement fell below L.
#pragma once

#include <string>

namespace magsim::engine::fit {

enum class ErrorKind { Additive, Proportional, Combined, LogNormal };

// "additive", "proportional", "combined", "lognormal"; throws std::invalid_argument otherwise.
ErrorKind error_kind(const std::string& name);
const char* error_kind_name(ErrorKind kind);

struct ErrorModel {
  ErrorKind kind = ErrorKind::Additive;
  double additive = 0;      // a: in the series' unit (log-normal: SD of the log, unitless)
  double proportional = 0;  // b: a fraction (0.1 = 10 %)
};

// One observation's OFV term and its derivatives with respect to the prediction f and to the
// error-model parameters a and b. `fisher` is the expected information (the Gauss-Newton
// Hessian), symmetric positive semidefinite, in the order (f, a, b).
struct Term {
  double ofv = 0;
  double d_f = 0, d_a = 0, d_b = 0;
  double fisher[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  double sd = 0;        // residual SD at f (log-normal: of the log)
  double weighted = 0;  // weighted residual (y - f)/sd (log-normal: on the log); censored: 0
};

// Throws std::domain_error when the term is undefined: sd = 0, or a log-normal observation or
// prediction that is not positive.
Term observation_term(const ErrorModel& model, double observed, double predicted, bool censored);

// Standard normal CDF and log CDF (accurate far into the lower tail).
double normal_cdf(double z);
double log_normal_cdf(double z);

}  // namespace magsim::engine::fit
