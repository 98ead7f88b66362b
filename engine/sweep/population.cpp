#include "engine/sweep/population.hpp"

#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <stdexcept>

#include "engine/scenario/units.hpp"

namespace magsim::engine::sweep {

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("normal quantile needs 0 < p < 1");
  return -std::sqrt(2.0) * boost::math::erfc_inv(2 * p);
}

namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// A standard normal drawn from u in (0, 1), truncated to [lo, hi] (in z units) by mapping u into
// [Phi(lo), Phi(hi)]: one draw whatever the truncation, so a subject's value never depends on how
// many draws a rejection loop took.
double truncated_normal(double u, double lo, double hi) {
  const double plo = normal_cdf(lo), phi = normal_cdf(hi);
  double p = plo + u * (phi - plo);
  // Keep p strictly inside (0, 1) where a bound sits far in a tail.
  p = std::min(std::max(p, 1e-300), 1 - 1e-16);
  double z = normal_quantile(p);
  return std::min(std::max(z, lo), hi);
}

[[noreturn]] void bad(const CovariateSpec& c, const std::string& why) {
  throw std::invalid_argument("population covariate '" + c.name + "': " + why);
}

void check(const CovariateSpec& c) {
  using K = CovariateSpec::Kind;
  if (c.name.empty()) throw std::invalid_argument("population covariate without a name");
  if (c.path.empty()) bad(c, "no scenario path to set");
  if (!(c.lower <= c.upper)) bad(c, "lower bound above upper bound");
  switch (c.kind) {
    case K::Categorical: {
      if (c.levels.empty() || c.levels.size() != c.weights.size())
        bad(c, "needs one weight per level");
      double sum = 0;
      for (double w : c.weights) {
        if (!(w >= 0) || !std::isfinite(w)) bad(c, "weights must be finite and >= 0");
        sum += w;
      }
      if (!(sum > 0)) bad(c, "weights sum to 0");
      break;
    }
    case K::Uniform:
      if (!(std::isfinite(c.a) && std::isfinite(c.b) && c.a <= c.b))
        bad(c, "uniform needs finite low <= high");
      break;
    case K::Normal:
      if (!(std::isfinite(c.a) && std::isfinite(c.b) && c.b >= 0))
        bad(c, "normal needs a finite mean and a standard deviation >= 0");
      break;
    case K::LogNormal:
      if (!(std::isfinite(c.a) && c.a > 0 && std::isfinite(c.b) && c.b >= 0))
        bad(c, "log-normal needs a median > 0 and a coefficient of variation >= 0");
      if (c.lower <= 0 && std::isfinite(c.lower)) bad(c, "log-normal lower bound must be > 0");
      break;
    case K::Flag:
      if (!(c.prevalence >= 0 && c.prevalence <= 1)) bad(c, "prevalence must be in [0, 1]");
      if (c.item.empty()) bad(c, "a flag needs the item it adds to '" + c.path + "'");
      break;
  }
}

std::string edit_number(const CovariateSpec& c, double v) {
  return c.path + "=" +
         (c.unit.empty() || c.unit == "1" ? units::shortest_number(v)
                                          : units::format_exact(v, c.unit));
}

}  // namespace

PopulationSampler::PopulationSampler(PopulationSpec spec, std::uint64_t seed)
    : spec_(std::move(spec)), sampler_(seed) {
  using K = CovariateSpec::Kind;
  for (std::size_t k = 0; k < spec_.covariates.size(); ++k) {
    const CovariateSpec& c = spec_.covariates[k];
    check(c);
    for (std::size_t j = 0; j < k; ++j)
      if (spec_.covariates[j].name == c.name) bad(c, "declared twice");
    int dep = -1;
    if (!c.depends_on.empty()) {
      if (c.kind != K::Normal && c.kind != K::LogNormal)
        bad(c, "only a normal or log-normal covariate can depend on another");
      for (std::size_t j = 0; j < k; ++j)
        if (spec_.covariates[j].name == c.depends_on) dep = static_cast<int>(j);
      if (dep < 0) bad(c, "depends on '" + c.depends_on + "', which is not declared before it");
      const K dk = spec_.covariates[static_cast<std::size_t>(dep)].kind;
      if (dk == K::Categorical) bad(c, "cannot depend on the categorical '" + c.depends_on + "'");
    }
    depends_index_.push_back(dep);
  }
  const VariabilitySpec& v = spec_.variability;
  if (v.parameters.size() != v.cv.size())
    throw std::invalid_argument("population variability: one CV per parameter");
  if (!v.parameters.empty()) {
    const auto n = static_cast<Eigen::Index>(v.parameters.size());
    Eigen::MatrixXd corr =
        v.correlation.size() == 0 ? Eigen::MatrixXd::Identity(n, n) : v.correlation;
    if (corr.rows() != n || corr.cols() != n)
      throw std::invalid_argument("population variability: the correlation matrix is " +
                                  std::to_string(corr.rows()) + "x" +
                                  std::to_string(corr.cols()) + " for " + std::to_string(n) +
                                  " parameters");
    Eigen::VectorXd sd(n);
    for (Eigen::Index k = 0; k < n; ++k) {
      const double cv = v.cv[static_cast<std::size_t>(k)];
      if (!(cv > 0) || !std::isfinite(cv))
        throw std::invalid_argument("population variability: CV of '" +
                                    v.parameters[static_cast<std::size_t>(k)] +
                                    "' must be > 0");
      sd(k) = std::sqrt(std::log1p(cv * cv));
    }
    const Eigen::MatrixXd omega = sd.asDiagonal() * corr * sd.asDiagonal();
    variability_.emplace_back(v.parameters, omega, seed);
  }
}

std::vector<CovariateValue> PopulationSampler::covariates(std::uint64_t subject) const {
  using K = CovariateSpec::Kind;
  std::vector<CovariateValue> out(spec_.covariates.size());
  for (std::size_t k = 0; k < spec_.covariates.size(); ++k) {
    const CovariateSpec& c = spec_.covariates[k];
    CovariateValue& v = out[k];
    switch (c.kind) {
      case K::Categorical: {
        const std::size_t level = sampler_.categorical(subject, c.name, c.weights);
        v.text = c.levels[level];
        v.edit = c.path + "=" + v.text;
        break;
      }
      case K::Uniform: {
        const double lo = std::max(c.a, c.lower), hi = std::min(c.b, c.upper);
        v.number = lo + sampler_.uniform(subject, c.name) * (hi - lo);
        v.edit = edit_number(c, v.number);
        break;
      }
      case K::Normal:
      case K::LogNormal: {
        double centre = c.a;
        if (depends_index_[k] >= 0)
          centre += c.slope * (out[static_cast<std::size_t>(depends_index_[k])].number -
                               c.reference);
        const double u = sampler_.uniform(subject, c.name);
        if (c.kind == K::Normal) {
          if (c.b == 0) {
            v.number = std::min(std::max(centre, c.lower), c.upper);
          } else {
            v.number = centre + c.b * truncated_normal(u, (c.lower - centre) / c.b,
                                                       (c.upper - centre) / c.b);
          }
        } else {
          // A centre pushed to or below zero by its dependence: keep the smallest bound or a
          // tiny positive median rather than a log of a negative number.
          const double median = std::max(centre, std::isfinite(c.lower) ? c.lower : 1e-12);
          const double sigma = std::sqrt(std::log1p(c.b * c.b));
          if (sigma == 0) {
            v.number = std::min(std::max(median, c.lower), c.upper);
          } else {
            const double lo = c.lower > 0 ? std::log(c.lower / median) / sigma
                                          : -std::numeric_limits<double>::infinity();
            const double hi = std::isfinite(c.upper) ? std::log(c.upper / median) / sigma
                                                     : std::numeric_limits<double>::infinity();
            v.number = median * std::exp(sigma * truncated_normal(u, lo, hi));
          }
        }
        v.edit = edit_number(c, v.number);
        break;
      }
      case K::Flag: {
        const bool on = sampler_.bernoulli(subject, c.name, c.prevalence);
        v.number = on ? 1 : 0;
        if (on) v.edit = c.path + "[+]=" + c.item;
        break;
      }
    }
  }
  return out;
}

std::vector<double> PopulationSampler::multipliers(std::uint64_t subject) const {
  if (variability_.empty()) return {};
  const Eigen::VectorXd m = variability_.front().multipliers(subject);
  return std::vector<double>(m.data(), m.data() + m.size());
}

}  // namespace magsim::engine::sweep
