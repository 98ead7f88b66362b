// What these tests protect: a sweep's inputs are a pure function of (seed, run index), the
// designs have the structure their names promise (every grid cell once, one LHS point per
// stratum, the published Sobol sequence), and the random draws have the distributions they claim.
//
// Statistical bounds are 5 standard errors of the estimated quantity under the claimed
// distribution (stated at each check). The seeds are fixed, so each check is deterministic; a
// correct generator would fail one with probability about 6e-7 under a different seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>
#include <vector>

#include "engine/sweep/random_stream.hpp"
#include "engine/sweep/design.hpp"

namespace magsim::engine::sweep {
namespace {

// Hickernell's centred L2 discrepancy, squared (Math. Comp. 67, 1998, eq. 5.1c): the L2 norm of
// the local discrepancy over boxes anchored at the cube's nearest corner. Lower is more uniform.
double centred_l2_discrepancy_squared(const std::vector<std::vector<double>>& x) {
  const std::size_t n = x.size(), d = x.front().size();
  double term1 = std::pow(13.0 / 12.0, static_cast<double>(d));
  double term2 = 0, term3 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double p = 1;
    for (std::size_t k = 0; k < d; ++k) {
      const double a = std::abs(x[i][k] - 0.5);
      p *= 1 + 0.5 * a - 0.5 * a * a;
    }
    term2 += p;
    for (std::size_t j = 0; j < n; ++j) {
      double q = 1;
      for (std::size_t k = 0; k < d; ++k)
        q *= 1 + 0.5 * std::abs(x[i][k] - 0.5) + 0.5 * std::abs(x[j][k] - 0.5) -
             0.5 * std::abs(x[i][k] - x[j][k]);
      term3 += q;
    }
  }
  const double dn = static_cast<double>(n);
  return term1 - 2.0 / dn * term2 + term3 / (dn * dn);
}

constexpr std::uint64_t kSeed = 20240517;

// ---- RandomStream -------------------------------------------------------------------------------

TEST(RandomStream, Philox4x32_10MatchesRandom123KnownAnswers) {
  // Random123's kat_vectors, "philox4x32 10" lines: counter, key -> output.
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                          {0xffffffff, 0xffffffff}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                          {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(RandomStream, StreamIdsAreFnv1aOfTheName) {
  // FNV-1a 64 reference values from the FNV authors' test suite.
  EXPECT_EQ(stream_id(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stream_id("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(stream_id("foobar"), 0x85944171f73967e8ULL);
  static_assert(stream_id("covariate:sex") != stream_id("covariate:ppi"));
}

TEST(RandomStream, SameKeysGiveSameNumbers) {
  const RandomStream a(kSeed, 7, "x"), b(kSeed, 7, "x");
  for (std::uint64_t d = 0; d < 100; ++d) {
    EXPECT_EQ(a.bits(d), b.bits(d));
    EXPECT_EQ(a.normal(d), b.normal(d));
  }
}

TEST(RandomStream, SeedRunAndStreamEachChangeTheNumbers) {
  const RandomStream base(kSeed, 7, "x");
  const RandomStream other_seed(kSeed + 1, 7, "x"), other_run(kSeed, 8, "x"),
      other_stream(kSeed, 7, "y");
  for (std::uint64_t d = 0; d < 10; ++d) {
    EXPECT_NE(base.bits(d), other_seed.bits(d));
    EXPECT_NE(base.bits(d), other_run.bits(d));
    EXPECT_NE(base.bits(d), other_stream.bits(d));
  }
}

TEST(RandomStream, RunAloneEqualsRunInABatchOnAnyThread) {
  // Run 7 computed alone must equal run 7 computed in a batch, in reverse order, or on a worker
  // thread handling every other run: nothing depends on the split of the work.
  auto draws = [](std::uint64_t run) {
    const RandomStream rs(kSeed, run, "inputs");
    std::vector<double> v;
    for (std::uint64_t d = 0; d < 16; ++d) v.push_back(rs.uniform(d));
    v.push_back(rs.normal(3));
    return v;
  };
  const std::vector<double> alone = draws(7);
  std::vector<std::vector<double>> forward, backward(20), threaded(20);
  for (std::uint64_t r = 0; r < 20; ++r) forward.push_back(draws(r));
  for (std::uint64_t r = 20; r-- > 0;) backward[r] = draws(r);
  std::thread odd([&] {
    for (std::uint64_t r = 1; r < 20; r += 2) threaded[r] = draws(r);
  });
  for (std::uint64_t r = 0; r < 20; r += 2) threaded[r] = draws(r);
  odd.join();
  EXPECT_EQ(alone, forward[7]);
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(forward, threaded);
}

TEST(RandomStream, UniformMeanVarianceAndHistogramWithinFiveSigma) {
  const std::size_t n = 100000;
  const RandomStream rs(kSeed, 0, "uniformity");
  double sum = 0, sum2 = 0, lo = 1, hi = 0;
  std::vector<double> bins(100, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = rs.uniform(i);
    sum += u;
    sum2 += (u - 0.5) * (u - 0.5);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    bins[static_cast<std::size_t>(u * 100)] += 1;
  }
  EXPECT_GT(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  // mean: Var(U) = 1/12, standard error sqrt(1/(12 N)) = 9.1e-4
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12.0 / n));
  // variance about the true mean: Var((U-1/2)^2) = 1/80 - 1/144 = 1/180, s.e. sqrt(1/(180 N))
  EXPECT_NEAR(sum2 / n, 1.0 / 12.0, 5 * std::sqrt(1.0 / 180.0 / n));
  // Pearson chi-square over 100 equal bins: 99 degrees of freedom, mean 99, s.d. sqrt(198)
  const double expected = n / 100.0;
  double chi2 = 0;
  for (double b : bins) chi2 += (b - expected) * (b - expected) / expected;
  EXPECT_LT(chi2, 99 + 5 * std::sqrt(198.0));
  EXPECT_GT(chi2, 99 - 5 * std::sqrt(198.0));
}

TEST(RandomStream, NormalMomentsWithinFiveSigma) {
  const std::size_t n = 100000;
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // across runs, as the population draws use it: one normal per run
    const double z = RandomStream(kSeed, i, "normality").normal(0);
    m1 += z;
    m2 += z * z;
    m3 += z * z * z;
    m4 += z * z * z * z;
  }
  m1 /= n;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // standard errors of the raw moments of N(0,1): sqrt(Var(Z^k)/N) with Var(Z)=1, Var(Z^2)=2,
  // Var(Z^3)=15, Var(Z^4)=105-9=96
  EXPECT_NEAR(m1, 0.0, 5 * std::sqrt(1.0 / n));
  EXPECT_NEAR(m2, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(m3, 0.0, 5 * std::sqrt(15.0 / n));
  EXPECT_NEAR(m4, 3.0, 5 * std::sqrt(96.0 / n));
}

// ---- Designs ------------------------------------------------------------------------------------

TEST(SweepGrid, CoversEveryCombinationExactlyOnce) {
  const FactorialGrid grid({4, 3, 2});
  ASSERT_EQ(grid.size(), 24u);
  std::set<std::vector<std::size_t>> seen;
  for (std::uint64_t i = 0; i < grid.size(); ++i) {
    const auto lv = grid.levels(i);
    ASSERT_LT(lv[0], 4u);
    ASSERT_LT(lv[1], 3u);
    ASSERT_LT(lv[2], 2u);
    EXPECT_TRUE(seen.insert(lv).second) << "run " << i << " repeats a combination";
  }
  EXPECT_EQ(seen.size(), 24u);
  // last dimension fastest (C order)
  EXPECT_EQ(grid.levels(1), (std::vector<std::size_t>{0, 0, 1}));
  EXPECT_EQ(grid.levels(2), (std::vector<std::size_t>{0, 1, 0}));
  EXPECT_EQ(grid.levels(23), (std::vector<std::size_t>{3, 2, 1}));
  EXPECT_EQ(grid.point(23), (std::vector<double>{7.0 / 8, 5.0 / 6, 3.0 / 4}));
  EXPECT_THROW(grid.levels(24), std::out_of_range);
  EXPECT_THROW(FactorialGrid({3, 0}), std::invalid_argument);
}

TEST(SweepRandomDesign, PointsAreReproducibleAndInsideTheCube) {
  const RandomDesign a(3, kSeed), b(3, kSeed), c(3, kSeed + 1);
  EXPECT_EQ(a.point(5), b.point(5));
  EXPECT_NE(a.point(5), c.point(5));
  for (double u : a.point(5)) {
    EXPECT_GT(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(SweepLatinHypercube, ExactlyOnePointPerStratumPerDimension) {
  for (bool centred : {false, true}) {
    const std::uint64_t n = 1000;
    const LatinHypercube lhs(n, 5, kSeed, centred);
    std::vector<std::vector<int>> count(5, std::vector<int>(n, 0));
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto p = lhs.point(i);
      for (std::size_t k = 0; k < 5; ++k) {
        ASSERT_GE(p[k], 0.0);
        ASSERT_LT(p[k], 1.0);
        count[k][static_cast<std::size_t>(p[k] * n)] += 1;
      }
    }
    for (std::size_t k = 0; k < 5; ++k)
      EXPECT_TRUE(std::all_of(count[k].begin(), count[k].end(), [](int c) { return c == 1; }))
          << "dimension " << k << (centred ? " (centred)" : "");
  }
}

TEST(SweepLatinHypercube, PermutationsComeFromTheSeedAndDifferAcrossDimensions) {
  const LatinHypercube a(200, 2, kSeed), b(200, 2, kSeed), c(200, 2, kSeed + 1);
  int same_stratum_across_dims = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    EXPECT_EQ(a.point(i), b.point(i));
    const auto p = a.point(i);
    same_stratum_across_dims += static_cast<int>(p[0] * 200) == static_cast<int>(p[1] * 200);
  }
  EXPECT_NE(a.point(0), c.point(0));
  // Independent permutations share a stratum at ~1 of 200 runs (Poisson(1)); identical ones at all.
  EXPECT_LT(same_stratum_across_dims, 10);
  EXPECT_THROW(a.point(200), std::out_of_range);
}

TEST(SweepSobol, FirstPointsMatchThePublishedSequence) {
  // Joe–Kuo direction numbers in Gray-code order (as in SciPy's qmc.Sobol, scramble=False).
  const std::vector<std::vector<double>> expected = {
      {0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125},
      {0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625},
      {0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375},
  };
  const SobolSequence sobol(3);
  for (std::uint64_t i = 0; i < 8; ++i) {
    const auto p = sobol.point(i);
    for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(p[k], expected[k][i]) << "dim " << k + 1 << " point " << i;
  }
}

TEST(SweepSobol, EveryDimensionIsStratifiedAndTheFirstTwoFormANet) {
  // Each one-dimensional projection of the first 2^m points puts one point in each interval
  // [j/2^m, (j+1)/2^m); dimensions 1 and 2 form a (0, m, 2)-net: every dyadic box of area 2^-m
  // holds exactly one point.
  ASSERT_GE(SobolSequence::max_dimensions(), 21u);
  const std::size_t d = SobolSequence::max_dimensions();
  const std::uint64_t n = 1024;
  for (bool scramble : {false, true}) {
    const SobolSequence sobol(d, scramble, kSeed);
    std::vector<std::vector<int>> count(d, std::vector<int>(n, 0));
    std::vector<std::vector<double>> pts;
    for (std::uint64_t i = 0; i < n; ++i) {
      pts.push_back(sobol.point(i));
      for (std::size_t k = 0; k < d; ++k) count[k][static_cast<std::size_t>(pts.back()[k] * n)]++;
    }
    for (std::size_t k = 0; k < d; ++k)
      EXPECT_TRUE(std::all_of(count[k].begin(), count[k].end(), [](int c) { return c == 1; }))
          << "dimension " << k + 1 << (scramble ? " (scrambled)" : "");
    for (int p = 0; p <= 10; ++p) {
      const int q = 10 - p;
      std::vector<int> box(n, 0);
      for (const auto& x : pts)
        box[(static_cast<std::size_t>(x[0] * (1 << p)) << q) + static_cast<std::size_t>(x[1] * (1 << q))]++;
      EXPECT_TRUE(std::all_of(box.begin(), box.end(), [](int c) { return c == 1; }))
          << "boxes 2^-" << p << " x 2^-" << q << (scramble ? " (scrambled)" : "");
    }
  }
}

TEST(SweepSobol, ScramblingIsSeededAndMovesTheOrigin) {
  const SobolSequence plain(4), a(4, true, kSeed), b(4, true, kSeed), c(4, true, kSeed + 1);
  EXPECT_EQ(a.point(3), b.point(3));
  EXPECT_NE(a.point(3), c.point(3));
  EXPECT_NE(a.point(0), plain.point(0));
  EXPECT_THROW(SobolSequence(SobolSequence::max_dimensions() + 1), std::invalid_argument);
}

TEST(SweepSobol, LowerCentredDiscrepancyThanRandomAtN1024In2D) {
  // For N random points E[CD^2] = O(1/N) (~1e-4 here); for a Sobol net CD^2 = O(log(N)^2/N^2).
  // Require a factor 10, far inside the observed gap; LHS, stratified in each margin only, must
  // still beat plain random.
  const std::uint64_t n = 1024;
  std::vector<std::vector<double>> sobol, random, lhs;
  const SobolSequence s(2);
  const RandomDesign r(2, kSeed);
  const LatinHypercube l(n, 2, kSeed);
  for (std::uint64_t i = 0; i < n; ++i) {
    sobol.push_back(s.point(i));
    random.push_back(r.point(i));
    lhs.push_back(l.point(i));
  }
  const double cd_sobol = centred_l2_discrepancy_squared(sobol);
  const double cd_random = centred_l2_discrepancy_squared(random);
  const double cd_lhs = centred_l2_discrepancy_squared(lhs);
  RecordProperty("cd2_sobol", std::to_string(cd_sobol));
  RecordProperty("cd2_random", std::to_string(cd_random));
  EXPECT_LT(cd_sobol * 10, cd_random) << "sobol " << cd_sobol << " random " << cd_random;
  EXPECT_LT(cd_lhs, cd_random) << "lhs " << cd_lhs << " random " << cd_random;
}

TEST(SweepDesign, VariantDispatchesToEachDesign) {
  const Design grid = FactorialGrid({2, 2});
  const Design sobol = SobolSequence(3);
  EXPECT_EQ(design_dimensions(grid), 2u);
  EXPECT_EQ(design_dimensions(sobol), 3u);
  EXPECT_EQ(design_point(sobol, 1), (std::vector<double>{0.5, 0.5, 0.5}));
  EXPECT_EQ(design_point(grid, 3), (std::vector<double>{0.75, 0.75}));
}

// ---- Range --------------------------------------------------------------------------------------

TEST(SweepRange, LinearIsUniformAndLogIsLogUniform) {
  const Range lin(10, 30), lg(1, 100, Scale::Log);
  EXPECT_DOUBLE_EQ(lin.map(0), 10);
  EXPECT_DOUBLE_EQ(lin.map(0.5), 20);
  EXPECT_DOUBLE_EQ(lg.map(0), 1);
  EXPECT_DOUBLE_EQ(lg.map(0.5), 10);  // geometric mean of the bounds
  EXPECT_NEAR(lg.map(0.75), std::pow(10.0, 1.5), 1e-12);
  EXPECT_THROW(Range(0, 1, Scale::Log), std::invalid_argument);
  EXPECT_THROW(Range(2, 1), std::invalid_argument);
  EXPECT_THROW(Range(0, NAN), std::invalid_argument);
}

// ---- Between-subject variability ----------------------------------------------------------------

Eigen::MatrixXd example_omega() {
  // variances 0.09, 0.04, 0.16 (CV ~30 %, 20 %, 40 %); correlations 0.5, -0.3, 0.2
  Eigen::MatrixXd omega(3, 3);
  omega << 0.09, 0.5 * 0.3 * 0.2, -0.3 * 0.3 * 0.4,  //
      0.5 * 0.3 * 0.2, 0.04, 0.2 * 0.2 * 0.4,       //
      -0.3 * 0.3 * 0.4, 0.2 * 0.2 * 0.4, 0.16;
  return omega;
}

TEST(SweepVariability, SampleCovarianceOfEtaMatchesOmega) {
  const Eigen::MatrixXd omega = example_omega();
  const LogNormalVariability bsv({"gut.vmax", "renal.tm", "bone.k"}, omega, kSeed);
  const std::size_t n = 20000;
  Eigen::MatrixXd eta(n, 3);
  for (std::size_t i = 0; i < n; ++i) eta.row(static_cast<Eigen::Index>(i)) = bsv.eta(i);
  const Eigen::RowVectorXd mean = eta.colwise().mean();
  const Eigen::MatrixXd centred = eta.rowwise() - mean;
  const Eigen::MatrixXd cov = centred.transpose() * centred / double(n - 1);
  for (int r = 0; r < 3; ++r) {
    // mean of eta_r: s.e. sqrt(Omega_rr / N)
    EXPECT_NEAR(mean[r], 0.0, 5 * std::sqrt(omega(r, r) / n));
    for (int c = 0; c < 3; ++c) {
      // Gaussian sample covariance: Var(S_rc) = (Omega_rr Omega_cc + Omega_rc^2) / N
      const double se = std::sqrt((omega(r, r) * omega(c, c) + omega(r, c) * omega(r, c)) / n);
      EXPECT_NEAR(cov(r, c), omega(r, c), 5 * se) << "entry (" << r << ", " << c << ")";
    }
  }
  // multipliers are exp(eta)
  EXPECT_NEAR(bsv.multipliers(11)[1], std::exp(bsv.eta(11)[1]), 1e-15);
}

TEST(SweepVariability, SameDrawsWhateverTheEvaluationOrder) {
  const LogNormalVariability bsv({"a", "b", "c"}, example_omega(), kSeed);
  const LogNormalVariability copy = bsv;
  std::vector<Eigen::VectorXd> forward, backward(50);
  for (std::uint64_t i = 0; i < 50; ++i) forward.push_back(bsv.multipliers(i));
  for (std::uint64_t i = 50; i-- > 0;) backward[i] = copy.multipliers(i);
  for (std::uint64_t i = 0; i < 50; ++i) EXPECT_EQ(forward[i], backward[i]) << "run " << i;
  EXPECT_EQ(LogNormalVariability({"a", "b", "c"}, example_omega(), kSeed).multipliers(7),
            forward[7]);
}

TEST(SweepVariability, AppendingAParameterKeepsTheEarlierMultipliers) {
  const Eigen::MatrixXd omega3 = example_omega();
  Eigen::MatrixXd omega2 = omega3.topLeftCorner(2, 2);
  const LogNormalVariability two({"a", "b"}, omega2, kSeed);
  const LogNormalVariability three({"a", "b", "c"}, omega3, kSeed);
  for (std::uint64_t i = 0; i < 20; ++i) {
    EXPECT_NEAR(two.eta(i)[0], three.eta(i)[0], 1e-15);
    EXPECT_NEAR(two.eta(i)[1], three.eta(i)[1], 1e-15);
  }
}

TEST(SweepVariability, NotPositiveDefiniteIsAClearError) {
  Eigen::MatrixXd bad(2, 2);
  bad << 0.04, 0.05, 0.05, 0.04;  // correlation 1.25
  try {
    LogNormalVariability({"a", "b"}, bad, kSeed);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not positive definite"), std::string::npos) << e.what();
  }
  Eigen::MatrixXd asym(2, 2);
  asym << 0.04, 0.01, 0.02, 0.04;
  EXPECT_THROW(LogNormalVariability({"a", "b"}, asym, kSeed), std::invalid_argument);
  EXPECT_THROW(LogNormalVariability({"a"}, example_omega(), kSeed), std::invalid_argument);
  EXPECT_THROW(LogNormalVariability({"a", "a"}, Eigen::MatrixXd::Identity(2, 2), kSeed), std::invalid_argument);
}

// ---- Covariates ---------------------------------------------------------------------------------

TEST(SweepCovariates, BernoulliAndCategoricalFrequenciesWithinFiveSigma) {
  const CovariateSampler cov(kSeed);
  const std::size_t n = 100000;
  const std::vector<double> weights = {0.5, 0.3, 0.2};
  std::size_t ppi = 0;
  std::vector<std::size_t> category(3, 0);
  for (std::size_t i = 0; i < n; ++i) {
    ppi += cov.bernoulli(i, "ppi", 0.2);
    category[cov.categorical(i, "sex", weights)]++;
  }
  // binomial proportion: s.e. sqrt(p (1-p) / N)
  EXPECT_NEAR(double(ppi) / n, 0.2, 5 * std::sqrt(0.2 * 0.8 / n));
  for (std::size_t k = 0; k < 3; ++k)
    EXPECT_NEAR(double(category[k]) / n, weights[k],
                5 * std::sqrt(weights[k] * (1 - weights[k]) / n));
  EXPECT_FALSE(cov.bernoulli(0, "never", 0.0));
  EXPECT_TRUE(cov.bernoulli(0, "always", 1.0));
  EXPECT_EQ(cov.categorical(0, "only", {0, 0, 1}), 2u);
  EXPECT_THROW(cov.bernoulli(0, "ppi", 1.2), std::invalid_argument);
  EXPECT_THROW(cov.categorical(0, "sex", {0, 0}), std::invalid_argument);
  EXPECT_THROW(cov.categorical(0, "sex", {0.5, -0.1}), std::invalid_argument);
}

TEST(SweepCovariates, AddingACovariateDoesNotShiftTheOthers) {
  // Two "sweep files": one draws sex only, the other draws PPI and diuretic use first. Each
  // covariate is keyed by its name, so sex is the same run by run.
  const CovariateSampler before(kSeed), after(kSeed);
  for (std::uint64_t i = 0; i < 100; ++i) {
    const std::size_t sex_before = before.categorical(i, "sex", {0.5, 0.5});
    (void)after.bernoulli(i, "ppi", 0.2);
    (void)after.bernoulli(i, "diuretic", 0.1);
    EXPECT_EQ(after.categorical(i, "sex", {0.5, 0.5}), sex_before) << "run " << i;
  }
}

TEST(SweepCovariates, DifferentNamesAreUncorrelated) {
  // Pearson correlation of two independent uniforms over N runs: s.e. 1/sqrt(N)
  const CovariateSampler cov(kSeed);
  const std::size_t n = 20000;
  double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = cov.uniform(i, "age"), b = cov.uniform(i, "weight");
    sa += a;
    sb += b;
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  const double r = (sab - sa * sb / n) / std::sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
  EXPECT_NEAR(r, 0.0, 5 / std::sqrt(double(n)));
}

}  // namespace
}  // namespace magsim::engine::sweep
