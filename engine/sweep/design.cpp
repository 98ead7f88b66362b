#include "engine/sweep/design.hpp"
#include "engine/model/errors.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace magsim::engine::sweep {
namespace {

// Stream names: part of the reproducibility contract (changing one changes every sweep's
// numbers), so they are spelled once, here.
constexpr std::uint64_t kRandomDesignStream = stream_id("design.random");
constexpr std::uint64_t kLhsPermutationStream = stream_id("design.lhs.permutation");
constexpr std::uint64_t kLhsJitterStream = stream_id("design.lhs.jitter");
constexpr std::uint64_t kSobolShiftStream = stream_id("design.sobol.shift");

// Joe & Kuo, new-joe-kuo-6.21201 (https://web.maths.unsw.edu.au/~fkuo/sobol/), dimensions 2..32:
// degree s of the primitive polynomial, its coefficients a (the s-1 inner bits), and the initial
// direction integers m_1..m_s. Dimension 1 is the van der Corput sequence and needs no entry.
struct JoeKuoRow {
  unsigned s;
  unsigned a;
  unsigned m[8];
};
constexpr JoeKuoRow kJoeKuo[] = {
    {1, 0, {1}},                     // d = 2
    {2, 1, {1, 3}},                  // 3
    {3, 1, {1, 3, 1}},               // 4
    {3, 2, {1, 1, 1}},               // 5
    {4, 1, {1, 1, 3, 3}},            // 6
    {4, 4, {1, 3, 5, 13}},           // 7
    {5, 2, {1, 1, 5, 5, 17}},        // 8
    {5, 4, {1, 1, 5, 5, 5}},         // 9
    {5, 7, {1, 1, 7, 11, 19}},       // 10
    {5, 11, {1, 1, 5, 1, 1}},        // 11
    {5, 13, {1, 1, 1, 3, 11}},       // 12
    {5, 14, {1, 3, 5, 5, 31}},       // 13
    {6, 1, {1, 3, 3, 9, 7, 49}},     // 14
    {6, 13, {1, 1, 1, 15, 21, 21}},  // 15
    {6, 16, {1, 3, 1, 13, 27, 49}},  // 16
    {6, 19, {1, 1, 1, 15, 7, 5}},    // 17
    {6, 22, {1, 3, 1, 15, 13, 25}},  // 18
    {6, 25, {1, 1, 5, 5, 19, 61}},   // 19
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},  // 20
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},   // 21
    {7, 7, {1, 1, 3, 13, 7, 35, 63}},    // 22
    {7, 8, {1, 3, 5, 9, 1, 25, 53}},     // 23
    {7, 14, {1, 3, 1, 13, 9, 35, 107}},  // 24
    {7, 19, {1, 3, 1, 5, 27, 61, 31}},   // 25
    {7, 21, {1, 1, 5, 11, 19, 41, 61}},  // 26
    {7, 28, {1, 3, 5, 3, 3, 13, 69}},    // 27
    {7, 31, {1, 1, 7, 13, 1, 19, 1}},    // 28
    {7, 32, {1, 3, 7, 5, 13, 19, 59}},   // 29
    {7, 37, {1, 1, 3, 9, 25, 29, 41}},   // 30
    {7, 41, {1, 3, 5, 13, 23, 1, 55}},   // 31
    {7, 42, {1, 3, 7, 3, 13, 59, 17}},   // 32
};
constexpr std::size_t kSobolMaxDimensions = 1 + sizeof(kJoeKuo) / sizeof(kJoeKuo[0]);

// Direction numbers V_1..V_32 (left-aligned in 32 bits) of one dimension (0-based), by the
// Bratley–Fox recurrence as in Joe & Kuo's reference description.
std::array<std::uint32_t, 32> sobol_directions(std::size_t dimension) {
  std::array<std::uint32_t, 32> v{};
  if (dimension == 0) {
    for (unsigned k = 0; k < 32; ++k) v[k] = 1u << (31 - k);
    return v;
  }
  const JoeKuoRow& row = kJoeKuo[dimension - 1];
  const unsigned s = row.s;
  // s <= 7 for every row; the second bound tells the compiler so (else -Warray-bounds).
  for (unsigned k = 0; k < s && k < std::size(row.m); ++k) v[k] = row.m[k] << (31 - k);
  for (unsigned k = s; k < 32; ++k) {
    std::uint32_t x = v[k - s] ^ (v[k - s] >> s);
    for (unsigned l = 1; l < s; ++l) {
      if ((row.a >> (s - 1 - l)) & 1u) x ^= v[k - l];
    }
    v[k] = x;
  }
  return v;
}

std::string describe_dims(std::size_t got, std::size_t max) {
  return std::to_string(got) + " dimensions requested, at most " + std::to_string(max) +
         " are available";
}

}  // namespace

// ---- FactorialGrid ------------------------------------------------------------------------------

FactorialGrid::FactorialGrid(std::vector<std::size_t> level_counts)
    : counts_(std::move(level_counts)) {
  for (std::size_t k = 0; k < counts_.size(); ++k) {
    if (counts_[k] == 0)
      throw std::invalid_argument("factorial grid: dimension " + std::to_string(k + 1) +
                                  " has no levels");
    if (size_ > std::numeric_limits<std::uint64_t>::max() / counts_[k])
      throw std::invalid_argument("factorial grid: the number of combinations exceeds 2^64");
    size_ *= counts_[k];
  }
}

std::vector<std::size_t> FactorialGrid::levels(std::uint64_t i) const {
  if (i >= size_)
    throw std::out_of_range("factorial grid: run " + std::to_string(i) + " of a grid of " +
                            std::to_string(size_));
  std::vector<std::size_t> out(counts_.size());
  for (std::size_t k = counts_.size(); k-- > 0;) {
    out[k] = static_cast<std::size_t>(i % counts_[k]);
    i /= counts_[k];
  }
  return out;
}

std::vector<double> FactorialGrid::point(std::uint64_t i) const {
  const std::vector<std::size_t> lv = levels(i);
  std::vector<double> out(lv.size());
  for (std::size_t k = 0; k < lv.size(); ++k)
    out[k] = (static_cast<double>(lv[k]) + 0.5) / static_cast<double>(counts_[k]);
  return out;
}

// ---- RandomDesign -------------------------------------------------------------------------------

std::vector<double> RandomDesign::point(std::uint64_t i) const {
  const RandomStream rs(seed_, i, kRandomDesignStream);
  std::vector<double> out(dims_);
  for (std::size_t k = 0; k < dims_; ++k) out[k] = rs.uniform(k);
  return out;
}

// ---- LatinHypercube -----------------------------------------------------------------------------

LatinHypercube::LatinHypercube(std::uint64_t runs, std::size_t dimensions, std::uint64_t seed,
                               bool centred)
    : runs_(runs), seed_(seed), centred_(centred) {
  if (runs == 0) throw std::invalid_argument("latin hypercube: needs at least one run");
  if (runs > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("latin hypercube: at most 2^32 - 1 runs");
  perm_.resize(dimensions);
  for (std::size_t k = 0; k < dimensions; ++k) {
    std::vector<std::uint32_t>& p = perm_[k];
    p.resize(runs);
    std::iota(p.begin(), p.end(), 0u);
    // Fisher–Yates, from the top: draw j uniform in [0, m] and swap; the draws are uniform draw
    // (runs - 1 - m) of stream "design.lhs.permutation" with run index = dimension k.
    const RandomStream rs(seed, k, kLhsPermutationStream);
    for (std::uint64_t m = runs - 1; m > 0; --m) {
      const double u = rs.uniform(runs - 1 - m);
      auto j = static_cast<std::uint64_t>(u * static_cast<double>(m + 1));
      if (j > m) j = m;  // u * (m+1) may round up to m+1 for u just below 1
      std::swap(p[m], p[j]);
    }
  }
}

std::vector<double> LatinHypercube::point(std::uint64_t i) const {
  if (i >= runs_)
    throw std::out_of_range("latin hypercube: run " + std::to_string(i) + " of a design of " +
                            std::to_string(runs_));
  const RandomStream jitter(seed_, i, kLhsJitterStream);
  const double n = static_cast<double>(runs_);
  std::vector<double> out(perm_.size());
  for (std::size_t k = 0; k < perm_.size(); ++k) {
    const double offset = centred_ ? 0.5 : jitter.uniform(k);
    const double stratum = perm_[k][i];
    // Stay inside the stratum even if rounding pushes (stratum + offset) / n up to its top edge.
    out[k] = std::min((stratum + offset) / n, std::nextafter((stratum + 1.0) / n, 0.0));
  }
  return out;
}

// ---- SobolSequence ------------------------------------------------------------------------------

std::size_t SobolSequence::max_dimensions() { return kSobolMaxDimensions; }

SobolSequence::SobolSequence(std::size_t dimensions, bool scramble, std::uint64_t seed) {
  if (dimensions > kSobolMaxDimensions)
    throw std::invalid_argument("sobol sequence: " +
                                describe_dims(dimensions, kSobolMaxDimensions));
  directions_.reserve(dimensions);
  shift_.assign(dimensions, 0u);
  const RandomStream rs(seed, 0, kSobolShiftStream);
  for (std::size_t k = 0; k < dimensions; ++k) {
    directions_.push_back(sobol_directions(k));
    if (scramble) shift_[k] = static_cast<std::uint32_t>(rs.bits(k) >> 32);
  }
}

std::vector<double> SobolSequence::point(std::uint64_t i) const {
  if (i > std::numeric_limits<std::uint32_t>::max())
    throw std::out_of_range("sobol sequence: run " + std::to_string(i) +
                            " beyond the 2^32 points of 32-bit direction numbers");
  const std::uint64_t gray = i ^ (i >> 1);
  std::vector<double> out(directions_.size());
  for (std::size_t k = 0; k < directions_.size(); ++k) {
    std::uint32_t x = shift_[k];
    for (unsigned b = 0; b < 32; ++b)
      if ((gray >> b) & 1u) x ^= directions_[k][b];
    out[k] = static_cast<double>(x) * 0x1.0p-32;
  }
  return out;
}

// ---- Design -------------------------------------------------------------------------------------

std::vector<double> design_point(const Design& design, std::uint64_t i) {
  return std::visit([i](const auto& d) { return d.point(i); }, design);
}

std::size_t design_dimensions(const Design& design) {
  return std::visit([](const auto& d) { return d.dimensions(); }, design);
}

// ---- Range --------------------------------------------------------------------------------------

Range::Range(double low_, double high_, Scale scale_) : low(low_), high(high_), scale(scale_) {
  if (!std::isfinite(low) || !std::isfinite(high) || !(low <= high)) {
    std::ostringstream msg;
    msg << "range: need finite low <= high, got [" << low << ", " << high << "]";
    throw std::invalid_argument(msg.str());
  }
  if (scale == Scale::Log && !(low > 0)) {
    std::ostringstream msg;
    msg << "range: a log scale needs low > 0, got low = " << low;
    throw std::invalid_argument(msg.str());
  }
}

double Range::map(double u) const {
  if (scale == Scale::Linear) return low + u * (high - low);
  return low * std::pow(high / low, u);
}

// ---- LogNormalVariability -----------------------------------------------------------------------

LogNormalVariability::LogNormalVariability(std::vector<std::string> names, Eigen::MatrixXd omega,
                                           std::uint64_t seed)
    : names_(std::move(names)), omega_(std::move(omega)), seed_(seed) {
  const auto n = static_cast<Eigen::Index>(names_.size());
  if (omega_.rows() != n || omega_.cols() != n)
    throw std::invalid_argument("between-subject variability: " + std::to_string(names_.size()) +
                                " parameters but a " + std::to_string(omega_.rows()) + "x" +
                                std::to_string(omega_.cols()) + " covariance matrix");
  std::unordered_set<std::string> seen;
  for (const std::string& name : names_)
    if (!seen.insert(name).second)
      throw std::invalid_argument("between-subject variability: parameter '" + name +
                                  "' is listed twice");
  if (!omega_.allFinite())
    throw std::invalid_argument("between-subject variability: the covariance matrix has "
                                "non-finite entries");
  const double scale = n > 0 ? omega_.cwiseAbs().maxCoeff() : 0.0;
  for (Eigen::Index r = 0; r < n; ++r)
    for (Eigen::Index c = 0; c < r; ++c)
      if (std::abs(omega_(r, c) - omega_(c, r)) > 1e-12 * scale)
        throw std::invalid_argument("between-subject variability: the covariance matrix is not "
                                    "symmetric: entry (" + names_[r] + ", " + names_[c] +
                                    ") differs from (" + names_[c] + ", " + names_[r] + ")");
  const Eigen::LLT<Eigen::MatrixXd> llt(omega_);
  if (llt.info() != Eigen::Success) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(omega_, Eigen::EigenvaluesOnly);
    std::ostringstream msg;
    msg << "between-subject variability: the covariance matrix of the log-parameters is not "
           "positive definite (smallest eigenvalue "
        << eig.eigenvalues().minCoeff()
        << "); every variance must be > 0 and every |correlation| < 1, consistently";
    throw std::invalid_argument(msg.str());
  }
  lower_ = llt.matrixL();
  streams_.reserve(names_.size());
  for (const std::string& name : names_) streams_.push_back(stream_id("bsv:" + name));
}

Eigen::VectorXd LogNormalVariability::eta(std::uint64_t run) const {
  Eigen::VectorXd z(static_cast<Eigen::Index>(names_.size()));
  for (std::size_t k = 0; k < names_.size(); ++k)
    z[static_cast<Eigen::Index>(k)] = RandomStream(seed_, run, streams_[k]).normal(0);
  return lower_.triangularView<Eigen::Lower>() * z;
}

Eigen::VectorXd LogNormalVariability::multipliers(std::uint64_t run) const {
  return eta(run).array().exp().matrix();
}

// ---- CovariateSampler ---------------------------------------------------------------------------

namespace {
RandomStream covariate_stream(std::uint64_t seed, std::uint64_t run, std::string_view name) {
  std::string key = "covariate:";
  key.append(name);
  return RandomStream(seed, run, stream_id(key));
}
}  // namespace

bool CovariateSampler::bernoulli(std::uint64_t run, std::string_view name,
                                 double prevalence) const {
  if (!(prevalence >= 0.0 && prevalence <= 1.0))
    throw std::invalid_argument("covariate '" + std::string(name) +
                                "': prevalence must be in [0, 1], got " +
                                message_number(prevalence));
  return uniform(run, name) < prevalence;
}

std::size_t CovariateSampler::categorical(std::uint64_t run, std::string_view name,
                                          const std::vector<double>& weights) const {
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0.0) || !std::isfinite(w))
      throw std::invalid_argument("covariate '" + std::string(name) +
                                  "': category weights must be finite and >= 0");
    total += w;
  }
  if (!(total > 0.0))
    throw std::invalid_argument("covariate '" + std::string(name) +
                                "': needs at least one category with weight > 0");
  const double target = uniform(run, name) * total;
  double cumulative = 0;
  std::size_t last_positive = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (weights[k] <= 0) continue;
    last_positive = k;
    cumulative += weights[k];
    if (target < cumulative) return k;
  }
  return last_positive;  // rounding: target == total
}

double CovariateSampler::uniform(std::uint64_t run, std::string_view name) const {
  return covariate_stream(seed_, run, name).uniform(0);
}

double CovariateSampler::normal(std::uint64_t run, std::string_view name) const {
  // normal draw 0 uses uniform draws 0 and 1; the normal lives in its own stream so that a
  // covariate asked for as both uniform and normal does not reuse bits.
  std::string key = "covariate-normal:";
  key.append(name);
  return RandomStream(seed_, run, stream_id(key)).normal(0);
}

}  // namespace magsim::engine::sweep
