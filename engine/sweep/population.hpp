// Virtual populations as data: which covariates a virtual subject has (how each is distributed
// and which scenario path it sets) and which parameters vary between subjects (log-normal, with
// correlations). A model ships its reference population (models/<model>/population.cpp); a sweep
// file may change any covariate's distribution or the variability. Drawing a subject is a pure
// function of (seed, subject index): see engine/sweep/design.hpp for the streams.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "engine/sweep/design.hpp"

namespace magsim::engine::sweep {

struct CovariateSpec {
  enum class Kind { Categorical, Uniform, Normal, LogNormal, Flag };

  std::string name;         // "sex", "age", "ppi": the stream name and, for flags, the column
  Kind kind = Kind::Uniform;
  // Scenario path set to the drawn value ("subject.age"); for a flag, the list path an item is
  // appended to when the flag is drawn true ("medications").
  std::string path;
  std::string unit;         // of a, b, lower, upper and the drawn value ("" for texts and flags)
  std::string description;  // one line, for the output file
  std::string source;       // where the distribution comes from

  std::vector<std::string> levels;  // Categorical: the values
  std::vector<double> weights;      // Categorical: relative frequencies, one per level

  // Uniform: a = low, b = high. Normal: a = mean, b = standard deviation. LogNormal: a = median,
  // b = coefficient of variation (sigma of log = sqrt(ln(1 + b^2))).
  double a = 0, b = 0;
  // Truncation, by inverse-CDF sampling inside [lower, upper] (one draw, no rejection).
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  // Optional dependence of the centre (mean or median) on an earlier numeric covariate:
  // centre = a + slope * (value(depends_on) - reference), e.g. eGFR falling with age.
  std::string depends_on;
  double slope = 0, reference = 0;

  double prevalence = 0;  // Flag: probability of true
  std::string item;       // Flag: the YAML item appended to `path` when true (flow style)
};

struct VariabilitySpec {
  std::vector<std::string> parameters;  // names as in the model's parameter table
  std::vector<double> cv;               // coefficient of variation of each (log-normal)
  Eigen::MatrixXd correlation;          // of the log-parameters; identity when empty
  std::string source;
};

struct PopulationSpec {
  std::vector<CovariateSpec> covariates;  // drawn in this order (a dependence must come earlier)
  VariabilitySpec variability;
  std::string description;
};

// One drawn covariate: the value (numbers in the covariate's unit; flags 0 or 1) and the
// scenario edit it implies ("subject.age=63.2 y", "medications[+]={drug: omeprazole, ...}"); a
// flag drawn false implies no edit.
struct CovariateValue {
  double number = 0;
  std::string text;  // categorical level
  std::string edit;  // "" for none
};

// Checks a population spec (distributions, dependences, positive-definite correlations) and
// draws subjects from it. Throws std::invalid_argument naming the covariate or parameter at fault.
class PopulationSampler {
 public:
  PopulationSampler(PopulationSpec spec, std::uint64_t seed);
  const PopulationSpec& spec() const { return spec_; }
  std::vector<CovariateValue> covariates(std::uint64_t subject) const;
  // Multipliers of the varied parameters' typical values (median 1), one per parameter.
  std::vector<double> multipliers(std::uint64_t subject) const;

 private:
  PopulationSpec spec_;
  CovariateSampler sampler_;
  std::vector<int> depends_index_;  // per covariate: index of the covariate it depends on, or -1
  std::vector<LogNormalVariability> variability_;  // zero or one
};

// Standard normal quantile (inverse CDF), p in (0, 1).
double normal_quantile(double p);

}  // namespace magsim::engine::sweep
