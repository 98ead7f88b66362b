// Sweep designs and virtual-population draws, model-independent.
//
// A design gives, for run index i in [0, N), one point of the unit hypercube [0,1)^d, computed
// from i alone (plus tables fixed when the design is built), so runs can be computed in any order
// and split any way across threads, ranks and shards. Range maps a unit coordinate to a value;
// LogNormalVariability and CovariateSampler draw a virtual subject's multipliers and covariates
// from counter-based streams (engine/sweep/random_stream.hpp) keyed by (seed, run index, stream name).
//
// Everything here is a value: no global or static mutable state; all const member functions are
// safe to call from many threads at once.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/sweep/random_stream.hpp"

namespace magsim::engine::sweep {

// ---- Designs ------------------------------------------------------------------------------------

// Full factorial grid: every combination of levels, one per run, N = product of level counts.
// Mixed radix with the LAST dimension varying fastest (the order of nested loops written in the
// order of the dimensions, and of a C-order N-d array), so run i is cell
// (i / (n1*...*n_{d-1}), ..., i % n_d).
class FactorialGrid {
 public:
  // level_counts[k] >= 1: how many values dimension k takes. Throws std::invalid_argument on a
  // zero count or a product that overflows 64 bits.
  explicit FactorialGrid(std::vector<std::size_t> level_counts);

  std::size_t dimensions() const { return counts_.size(); }
  std::uint64_t size() const { return size_; }
  // The level index of each dimension for run i (i < size(), else std::out_of_range). The caller
  // picks the explicit level values (already unit-checked) with these indices.
  std::vector<std::size_t> levels(std::uint64_t i) const;
  // The same cell as a unit-cube point: the cell centre (k + 1/2) / n_k per dimension.
  std::vector<double> point(std::uint64_t i) const;

 private:
  std::vector<std::size_t> counts_;
  std::uint64_t size_ = 1;
};

// Independent uniform points: coordinate k of run i is uniform draw k of stream
// "design.random" of run i. Any number of runs; values in (0, 1).
class RandomDesign {
 public:
  RandomDesign(std::size_t dimensions, std::uint64_t seed) : dims_(dimensions), seed_(seed) {}
  std::size_t dimensions() const { return dims_; }
  std::vector<double> point(std::uint64_t i) const;

 private:
  std::size_t dims_;
  std::uint64_t seed_;
};

// Latin hypercube of n runs (McKay, Beckman & Conover 1979): in every dimension, each of the n
// strata [j/n, (j+1)/n) holds exactly one run. The stratum of run i in dimension k is perm_k[i],
// where perm_k is a Fisher–Yates shuffle of 0..n-1 driven by stream "design.lhs.permutation"
// (run index = k), computed once when the design is built (O(n·d) memory). The position inside
// the stratum is uniform (stream "design.lhs.jitter" of run i) or, with centred = true, the
// stratum's midpoint.
class LatinHypercube {
 public:
  LatinHypercube(std::uint64_t runs, std::size_t dimensions, std::uint64_t seed,
                 bool centred = false);
  std::size_t dimensions() const { return perm_.size(); }
  std::uint64_t size() const { return runs_; }
  // i < size(), else std::out_of_range.
  std::vector<double> point(std::uint64_t i) const;

 private:
  std::uint64_t runs_;
  std::uint64_t seed_;
  bool centred_;
  std::vector<std::vector<std::uint32_t>> perm_;  // [dimension][run] -> stratum
};

// Sobol low-discrepancy sequence in up to max_dimensions() dimensions, 32-bit resolution, with
// the direction numbers of Joe & Kuo ("Constructing Sobol sequences with better two-dimensional
// projections", SIAM J. Sci. Comput. 30, 2008; file new-joe-kuo-6.21201). Points are in Gray-code
// order (Antonov & Saleev 1979), so the unscrambled sequence is the usual one:
// dimension 1 = 0, 0.5, 0.75, 0.25, 0.375, ... Point i is computed directly from i.
//
// With scramble = true each dimension is XORed with a random 32-bit digital shift drawn from
// stream "design.sobol.shift" of the seed (a random digital shift: keeps the net structure and
// makes the estimates unbiased; point 0 is then no longer the origin). Runs up to 2^32.
class SobolSequence {
 public:
  SobolSequence(std::size_t dimensions, bool scramble = false, std::uint64_t seed = 0);
  static std::size_t max_dimensions();
  std::size_t dimensions() const { return directions_.size(); }
  // i < 2^32, else std::out_of_range.
  std::vector<double> point(std::uint64_t i) const;

 private:
  std::vector<std::array<std::uint32_t, 32>> directions_;  // [dimension][bit]
  std::vector<std::uint32_t> shift_;                       // [dimension]
};

// Any one of the designs, for code that handles whichever the sweep file asked for.
using Design = std::variant<FactorialGrid, RandomDesign, LatinHypercube, SobolSequence>;
std::vector<double> design_point(const Design& design, std::uint64_t i);
std::size_t design_dimensions(const Design& design);

// ---- Ranges -------------------------------------------------------------------------------------

enum class Scale { Linear, Log };

// A sampled input's range, in whatever unit the caller converted the sweep file's bounds to.
// Linear: low + u (high - low) (uniform). Log: low (high/low)^u (log-uniform: uniform in log
// value), which needs 0 < low. Throws std::invalid_argument unless low <= high are finite.
struct Range {
  Range(double low, double high, Scale scale = Scale::Linear);
  // u in [0, 1) -> value in [low, high).
  double map(double u) const;

  double low;
  double high;
  Scale scale;
};

// ---- Virtual populations ------------------------------------------------------------------------

// Between-subject variability: correlated log-normal multipliers on named parameters.
// eta = L z with Omega = L L^T (Eigen LLT) and z_k a standard normal from stream
// "bsv:<name_k>" of the run, multiplier_k = exp(eta_k): the median multiplier is 1 and
// Omega(k,k) is the variance of log(parameter_k) (NONMEM's OMEGA). Because L is lower triangular
// and each z_k is keyed by its parameter's name, appending a parameter leaves the earlier
// parameters' multipliers unchanged.
class LogNormalVariability {
 public:
  // omega: symmetric positive definite, one row per name. Throws std::invalid_argument (with the
  // smallest eigenvalue when Omega is not positive definite) on a bad size, asymmetry, non-finite
  // entries, duplicate names, or a matrix that is not positive definite.
  LogNormalVariability(std::vector<std::string> names, Eigen::MatrixXd omega, std::uint64_t seed);

  const std::vector<std::string>& names() const { return names_; }
  const Eigen::MatrixXd& omega() const { return omega_; }
  // log-multipliers of run i
  Eigen::VectorXd eta(std::uint64_t run) const;
  // exp(eta): multiply each named parameter's typical value by these
  Eigen::VectorXd multipliers(std::uint64_t run) const;

 private:
  std::vector<std::string> names_;
  Eigen::MatrixXd omega_;
  Eigen::MatrixXd lower_;  // Cholesky factor L
  std::vector<std::uint64_t> streams_;
  std::uint64_t seed_;
};

// Covariate draws for virtual subjects. Each covariate is drawn from its own stream,
// "covariate:<name>", of the run, so adding, removing or reordering covariates never changes
// another covariate's value for the same (seed, run).
class CovariateSampler {
 public:
  explicit CovariateSampler(std::uint64_t seed) : seed_(seed) {}

  // true with probability prevalence (in [0, 1], else std::invalid_argument), e.g. PPI use 0.2.
  bool bernoulli(std::uint64_t run, std::string_view name, double prevalence) const;
  // index k with probability weights[k] / sum(weights) (weights >= 0, finite, sum > 0, else
  // std::invalid_argument), e.g. sex with {0.5, 0.5}.
  std::size_t categorical(std::uint64_t run, std::string_view name,
                          const std::vector<double>& weights) const;
  // uniform on (0, 1), to map through a Range or an inverse CDF (age, weight, eGFR, ...)
  double uniform(std::uint64_t run, std::string_view name) const;
  // standard normal
  double normal(std::uint64_t run, std::string_view name) const;

 private:
  std::uint64_t seed_;
};

}  // namespace magsim::engine::sweep
