#include "engine/sweep/plan.hpp"

#include <limits>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "engine/model/errors.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/scenario/units.hpp"

namespace magsim::engine::sweep {
namespace {

constexpr std::uint64_t kMaxRuns = std::uint64_t{1} << 40;

std::uint64_t checked_product(std::uint64_t a, std::uint64_t b, const SweepDefinition& d) {
  if (b != 0 && a > kMaxRuns / b)
    throw ScenarioError(d.file, d.sweep_mark.line, d.sweep_mark.column,
                        "the sweep has more than 2^40 runs");
  return a * b;
}

std::string number_with_unit(double v, const std::string& unit) {
  return unit.empty() || unit == "1" ? units::shortest_number(v) : units::format_exact(v, unit);
}

const char* kind_name(CovariateSpec::Kind k) {
  switch (k) {
    case CovariateSpec::Kind::Categorical: return "categorical";
    case CovariateSpec::Kind::Uniform: return "uniform";
    case CovariateSpec::Kind::Normal: return "normal";
    case CovariateSpec::Kind::LogNormal: return "log_normal";
    case CovariateSpec::Kind::Flag: return "flag";
  }
  return "?";
}

}  // namespace

SweepPlan::SweepPlan(SweepDefinition definition, const Vocabulary& vocab,
                     const ScenarioLoader& load)
    : def_(std::move(definition)) {
  const SweepDefinition& d = def_;
  auto fail_at = [&](const SourceMark& m, const std::string& msg) -> void {
    throw ScenarioError(d.file, m.line > 0 ? m.line : 1, m.column > 0 ? m.column : 1, msg);
  };

  // Edits every run gets, checked one at a time so that an error names its own line.
  std::vector<std::string> common;
  for (const auto& e : d.set) {
    check_edit(common, e, load);
    common.push_back(e.text());
  }
  const Scenario base = load(common);

  // The point design: samples or a population (or a single point).
  if (d.population) {
    const PopulationDesign& p = *d.population;
    try {
      population_ = std::make_unique<PopulationSampler>(p.spec, p.seed);
    } catch (const std::invalid_argument& e) {
      fail_at(p.mark, e.what());
    }
    points_ = p.n;
    columns_.push_back({"subject", "1", "virtual subject (index; the same subject in every arm)",
                        true});
    for (const auto& c : p.spec.covariates) {
      const bool flag = c.kind == CovariateSpec::Kind::Flag;
      const bool text = c.kind == CovariateSpec::Kind::Categorical;
      columns_.push_back({flag ? c.name : c.path, flag ? "1" : c.unit,
                          c.description + (flag ? " (1 = yes)" : ""), !text});
    }
    const VariabilitySpec& v = p.spec.variability;
    for (std::size_t k = 0; k < v.parameters.size(); ++k) {
      const ParameterInfo* info = vocab.find_parameter(v.parameters[k]);
      SourceMark at = p.mark;
      for (const auto& item : p.variability_items)
        if (item.text == v.parameters[k]) at = item.mark;
      if (info == nullptr) {
        std::vector<std::string> all;
        for (const auto& q : vocab.parameters) all.push_back(q.name);
        const std::string near = closest_name(v.parameters[k], all);
        fail_at(at, "no model parameter is called '" + v.parameters[k] + "'" +
                        (near.empty() ? " (see `magsim params`)" : "; did you mean '" + near + "'?"));
      }
      double typical = info->value;
      for (const auto& o : base.parameters)
        if (o.name == info->name) typical = o.value;
      typical_.push_back(typical);
      bsv_unit_.push_back(info->unit.empty() ? "1" : info->unit);
      columns_.push_back({"parameters." + info->name, bsv_unit_.back(),
                          info->name + ": typical value x exp(eta), CV " +
                              units::shortest_number(v.cv[k]),
                          true});
    }
    // The first subject's edits, and each flag's item, meet the base scenario here rather than in
    // the middle of the sweep.
    const auto values = population_->covariates(0);
    for (std::size_t k = 0; k < values.size(); ++k) {
      const CovariateSpec& c = p.spec.covariates[k];
      std::vector<std::string> one = common;
      one.push_back(c.kind == CovariateSpec::Kind::Flag ? c.path + "[+]=" + c.item
                                                        : values[k].edit);
      try {
        load(one);
      } catch (const ScenarioError& e) {
        fail_at(p.mark, "population covariate '" + c.name + "' (" + one.back() +
                            ") does not fit the base scenario: " + e.what());
      }
    }
  } else if (d.samples) {
    const SamplesDesign& s = *d.samples;
    const std::size_t dims = s.factors.size();
    switch (s.method) {
      case SampleMethod::LatinHypercube:
        samples_ = std::make_unique<Design>(LatinHypercube(s.n, dims, s.seed));
        break;
      case SampleMethod::Sobol:
        samples_ = std::make_unique<Design>(SobolSequence(dims, true, s.seed));
        break;
      case SampleMethod::Random:
        samples_ = std::make_unique<Design>(RandomDesign(dims, s.seed));
        break;
    }
    points_ = s.n;
    columns_.push_back({"sample", "1", "sample point (index)", true});
    for (const auto& f : s.factors) {
      check_edit(common, f.low, load);
      check_edit(common, f.high, load);
      columns_.push_back({f.path, f.unit,
                          std::string(f.range.scale == Scale::Log ? "log-uniform" : "uniform") +
                              " in [" + units::shortest_number(f.range.low) + ", " +
                              units::shortest_number(f.range.high) + ") " + f.unit,
                          true});
    }
  }

  if (!d.grid.empty()) {
    std::vector<std::size_t> counts;
    for (const auto& g : d.grid) {
      counts.push_back(g.levels.size());
      for (const auto& level : g.levels) check_edit(common, level, load);
      columns_.push_back({g.path, g.numeric ? g.unit : "", "grid factor", g.numeric});
    }
    grid_ = std::make_unique<FactorialGrid>(counts);
    grid_cells_ = grid_->size();
  }
  if (!d.arms.empty()) {
    for (const auto& a : d.arms) {
      std::vector<std::string> edits = common;
      for (const auto& e : a.edits) {
        check_edit(edits, e, load);
        edits.push_back(e.text());
      }
    }
    arms_ = d.arms.size();
    columns_.push_back({"arm", "", "arm of the sweep (named edits of the base scenario)", false});
  }
  runs_ = checked_product(checked_product(points_, grid_cells_, d), arms_, d);
  resolved_ = resolve();
}

void SweepPlan::check_edit(const std::vector<std::string>& before, const SweepEdit& edit,
                           const ScenarioLoader& load) const {
  std::vector<std::string> edits = before;
  edits.push_back(edit.text());
  const std::string& file = edit.origin.empty() ? def_.file : edit.origin;
  try {
    load(edits);
  } catch (const ScenarioError& e) {
    if (e.file() == "--set") {
      const int in_path = static_cast<int>(edit.path.size()) + 1;  // "PATH="
      if (e.column() <= in_path)
        throw ScenarioError(file, edit.path_mark.line, edit.path_mark.column, e.what());
      const int offset = e.column() - in_path - 1 + (edit.value_quoted ? 1 : 0);
      throw ScenarioError(file, edit.value_mark.line, edit.value_mark.column + offset, e.what());
    }
    throw ScenarioError(file, edit.value_mark.line, edit.value_mark.column,
                        "with " + edit.text() + ": " + e.formatted());
  }
}

SweepPlan::Run SweepPlan::run(std::uint64_t i) const {
  if (i >= runs_) throw std::out_of_range("run " + std::to_string(i) + " of " +
                                          std::to_string(runs_));
  const std::uint64_t arm = i % arms_;
  const std::uint64_t cell = (i / arms_) % grid_cells_;
  const std::uint64_t point = i / arms_ / grid_cells_;
  Run r;
  for (const auto& e : def_.set) r.edits.push_back(e.text());
  if (population_) {
    r.inputs.push_back({static_cast<double>(point), {}});
    for (auto& v : population_->covariates(point)) {
      r.inputs.push_back({v.number, v.text});
      if (!v.edit.empty()) r.edits.push_back(std::move(v.edit));
    }
    const std::vector<double> m = population_->multipliers(point);
    const auto& names = def_.population->spec.variability.parameters;
    for (std::size_t k = 0; k < m.size(); ++k) {
      const double value = typical_[k] * m[k];
      r.inputs.push_back({value, {}});
      r.edits.push_back("parameters." + names[k] + "=" + number_with_unit(value, bsv_unit_[k]));
    }
  } else if (samples_) {
    r.inputs.push_back({static_cast<double>(point), {}});
    const std::vector<double> u = design_point(*samples_, point);
    const auto& factors = def_.samples->factors;
    for (std::size_t k = 0; k < factors.size(); ++k) {
      const double value = factors[k].range.map(u[k]);
      r.inputs.push_back({value, {}});
      r.edits.push_back(factors[k].path + "=" + number_with_unit(value, factors[k].unit));
    }
  }
  if (grid_) {
    const std::vector<std::size_t> levels = grid_->levels(cell);
    for (std::size_t k = 0; k < levels.size(); ++k) {
      const GridFactor& g = def_.grid[k];
      const SweepEdit& e = g.levels[levels[k]];
      r.inputs.push_back(g.numeric ? InputValue{g.numbers[levels[k]], {}}
                                   : InputValue{std::numeric_limits<double>::quiet_NaN(), e.value});
      r.edits.push_back(e.text());
    }
  }
  if (!def_.arms.empty()) {
    const Arm& a = def_.arms[arm];
    r.inputs.push_back({std::numeric_limits<double>::quiet_NaN(), a.name});
    for (const auto& e : a.edits) r.edits.push_back(e.text());
  }
  return r;
}

std::string SweepPlan::resolve() const {
  const SweepDefinition& d = def_;
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "base" << YAML::Value << d.base_file;
  y << YAML::Key << "base_fingerprint" << YAML::Value << fingerprint_of(d.base_text);
  y << YAML::Key << "runs" << YAML::Value << runs_;
  if (!d.set.empty()) {
    y << YAML::Key << "set" << YAML::Value << YAML::BeginMap;
    for (const auto& e : d.set) y << YAML::Key << e.path << YAML::Value << e.value;
    y << YAML::EndMap;
  }
  y << YAML::Key << "sweep" << YAML::Value << YAML::BeginMap;
  if (d.population) {
    const PopulationDesign& p = *d.population;
    y << YAML::Key << "population" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "n" << YAML::Value << p.n;
    y << YAML::Key << "seed" << YAML::Value << p.seed;
    y << YAML::Key << "covariates" << YAML::Value << YAML::BeginMap;
    for (const auto& c : p.spec.covariates) {
      y << YAML::Key << c.name << YAML::Value << YAML::Flow << YAML::BeginMap;
      y << YAML::Key << "kind" << YAML::Value << kind_name(c.kind);
      y << YAML::Key << "path" << YAML::Value << c.path;
      if (!c.unit.empty()) y << YAML::Key << "unit" << YAML::Value << c.unit;
      switch (c.kind) {
        case CovariateSpec::Kind::Categorical:
          y << YAML::Key << "weights" << YAML::Value << YAML::BeginMap;
          for (std::size_t k = 0; k < c.levels.size(); ++k)
            y << YAML::Key << c.levels[k] << YAML::Value << units::shortest_number(c.weights[k]);
          y << YAML::EndMap;
          break;
        case CovariateSpec::Kind::Flag:
          y << YAML::Key << "prevalence" << YAML::Value << units::shortest_number(c.prevalence);
          y << YAML::Key << "item" << YAML::Value << c.item;
          break;
        default:
          y << YAML::Key << "a" << YAML::Value << units::shortest_number(c.a);
          y << YAML::Key << "b" << YAML::Value << units::shortest_number(c.b);
          if (std::isfinite(c.lower))
            y << YAML::Key << "lower" << YAML::Value << units::shortest_number(c.lower);
          if (std::isfinite(c.upper))
            y << YAML::Key << "upper" << YAML::Value << units::shortest_number(c.upper);
          if (!c.depends_on.empty()) {
            y << YAML::Key << "depends_on" << YAML::Value << c.depends_on;
            y << YAML::Key << "slope" << YAML::Value << units::shortest_number(c.slope);
            y << YAML::Key << "reference" << YAML::Value << units::shortest_number(c.reference);
          }
      }
      y << YAML::EndMap;
    }
    y << YAML::EndMap;
    const VariabilitySpec& v = p.spec.variability;
    y << YAML::Key << "variability" << YAML::Value << YAML::BeginMap;
    for (std::size_t k = 0; k < v.parameters.size(); ++k)
      y << YAML::Key << v.parameters[k] << YAML::Value << units::shortest_number(v.cv[k]);
    y << YAML::EndMap;
    if (v.correlation.size() != 0) {
      y << YAML::Key << "correlation" << YAML::Value << YAML::BeginSeq;
      for (Eigen::Index r = 0; r < v.correlation.rows(); ++r) {
        y << YAML::Flow << YAML::BeginSeq;
        for (Eigen::Index c = 0; c < v.correlation.cols(); ++c)
          y << units::shortest_number(v.correlation(r, c));
        y << YAML::EndSeq;
      }
      y << YAML::EndSeq;
    }
    y << YAML::EndMap;
  }
  if (d.samples) {
    const SamplesDesign& s = *d.samples;
    y << YAML::Key << "samples" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "n" << YAML::Value << s.n;
    y << YAML::Key << "method" << YAML::Value << sample_method_name(s.method);
    y << YAML::Key << "seed" << YAML::Value << s.seed;
    y << YAML::Key << "ranges" << YAML::Value << YAML::BeginMap;
    for (const auto& f : s.factors) {
      y << YAML::Key << f.path << YAML::Value << YAML::Flow << YAML::BeginMap;
      y << YAML::Key << "low" << YAML::Value << number_with_unit(f.range.low, f.unit);
      y << YAML::Key << "high" << YAML::Value << number_with_unit(f.range.high, f.unit);
      y << YAML::Key << "scale" << YAML::Value
        << (f.range.scale == Scale::Log ? "log" : "linear");
      y << YAML::EndMap;
    }
    y << YAML::EndMap << YAML::EndMap;
  }
  if (!d.grid.empty()) {
    y << YAML::Key << "grid" << YAML::Value << YAML::BeginMap;
    for (const auto& g : d.grid) {
      y << YAML::Key << g.path << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& level : g.levels) y << level.value;
      y << YAML::EndSeq;
    }
    y << YAML::EndMap;
  }
  if (!d.arms.empty()) {
    y << YAML::Key << "arms" << YAML::Value << YAML::BeginMap;
    for (const auto& a : d.arms) {
      y << YAML::Key << a.name << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& e : a.edits) y << YAML::Key << e.path << YAML::Value << e.value;
      y << YAML::EndMap;
    }
    y << YAML::EndMap;
  }
  y << YAML::EndMap;
  y << YAML::Key << "summary" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& s : d.summary) y << s.text;
  y << YAML::EndSeq;
  y << YAML::Key << "keep_series" << YAML::Value;
  if (!d.keep_series) {
    y << false;
  } else if (d.keep_series_names.empty()) {
    y << true;
  } else {
    y << YAML::Flow << YAML::BeginSeq;
    for (const auto& s : d.keep_series_names) y << s.text;
    y << YAML::EndSeq;
  }
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

}  // namespace magsim::engine::sweep
