#include "engine/sweep/definition.hpp"
#include "engine/scenario/input_file.hpp"
#include "engine/scenario/yaml_limits.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/model/errors.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/scenario/units.hpp"
#include "engine/scenario/yaml_reader.hpp"

namespace magsim::engine::sweep {

const char* sample_method_name(SampleMethod m) {
  switch (m) {
    case SampleMethod::Sobol: return "sobol";
    case SampleMethod::Random: return "random";
    case SampleMethod::LatinHypercube: break;
  }
  return "latin_hypercube";
}

namespace {

const std::vector<std::string> kTopKeys{"base", "set", "sweep", "summary", "keep_series"};
const std::vector<std::string> kSweepKeys{"grid", "samples", "population", "arms"};
// Runs one sweep may ask for: far beyond a virtual population's needs, small enough that the
// journal and the result file of a finished sweep stay within a disk (2^32 once left a journal
// that blocked the next start).
constexpr std::uint64_t kMaxRuns = 10000000;

const std::vector<std::string> kSamplesKeys{"n", "method", "seed", "ranges"};
const std::vector<std::string> kMethods{"latin_hypercube", "sobol", "random"};
const std::vector<std::string> kRangeKeys{"low", "high", "scale"};
const std::vector<std::string> kPopulationKeys{"n", "seed", "covariates", "variability",
                                               "correlation"};

// Reads one sweep file's tree; knows the file name for messages.
class SweepReader : public YamlReader {
 public:
  using YamlReader::YamlReader;

  SweepEdit edit(const YAML::Node& key, const std::string& path, const YAML::Node& value) const {
    if (!value.IsDefined() || value.IsNull()) fail(key, "'" + path + "' has no value");
    // The edit is PATH=VALUE, split at the first '=': an '=' in the path would split it wrongly.
    if (const std::size_t eq = path.find('='); eq != std::string::npos)
      fail(key, "'=' in the path '" + path + "': a path names a key or list item (e.g. "
                "subject.egfr); its value is the map's value",
           eq);
    SweepEdit e;
    e.path = path;
    e.value = yaml_text(value);
    e.path_mark = mark(key);
    e.value_mark = mark(value);
    e.value_quoted = value.IsScalar() && value.Tag() == "!";
    if (from_set(value)) e.origin = "--set";
    return e;
  }

  std::vector<SweepEdit> edits(const YAML::Node& map, const std::string& context) const {
    std::vector<SweepEdit> out;
    for (const auto& f : fields(map, context, nullptr)) out.push_back(edit(f.key, f.name, f.value));
    return out;
  }

  GridFactor grid_factor(const Field& f) const {
    GridFactor g;
    g.path = f.name;
    g.mark = mark(f.key);
    if (!f.value.IsSequence() || f.value.size() == 0)
      fail(f.value, "grid: '" + f.name + "' needs a list of values, e.g. [\"100 mg\", \"200 mg\"]");
    g.numeric = true;
    for (const auto& level : f.value) {
      g.levels.push_back(edit(f.key, f.name, level));
      if (!level.IsScalar()) {
        g.numeric = false;
        continue;
      }
      try {
        const units::Quantity q = units::parse_quantity(level.Scalar());
        if (g.unit.empty() && g.numbers.empty()) g.unit = q.unit_text.empty() ? "1" : q.unit_text;
        g.numbers.push_back(units::convert(level.Scalar(), g.unit));
      } catch (const std::exception&) {
        // Not a quantity (a salt form, a sex), or not convertible to the first level's unit: a
        // text column. A mismatch of dimensions is caught when the edits meet the base scenario.
        g.numeric = false;
      }
    }
    if (!g.numeric) {
      g.unit.clear();
      g.numbers.clear();
    }
    return g;
  }

  SampledFactor range(const Field& f) const {
    SampledFactor s;
    s.path = f.name;
    s.mark = mark(f.key);
    YAML::Node low, high;
    Scale scale = Scale::Linear;
    if (f.value.IsSequence()) {
      if (f.value.size() != 2)
        fail(f.value, "range of '" + f.name + "': expected [LOW, HIGH]");
      low = f.value[0];
      high = f.value[1];
    } else if (f.value.IsMap()) {
      const auto fs = fields(f.value, "the range of '" + f.name + "'", &kRangeKeys);
      const Field* l = find(fs, "low");
      const Field* h = find(fs, "high");
      if (!l || !h) fail(f.key, "range of '" + f.name + "' needs both low and high");
      low = l->value;
      high = h->value;
      if (const Field* sc = find(fs, "scale")) {
        const std::string t = scalar(sc->value, "linear or log");
        if (t == "log")
          scale = Scale::Log;
        else if (t != "linear")
          fail(sc->value, "scale must be linear or log, got '" + t + "'");
      }
    } else {
      fail(f.value, "range of '" + f.name + "': expected [LOW, HIGH] or {low:, high:, scale:}");
    }
    const std::string lo_text = scalar(low, "a low bound with its unit, e.g. \"50 mg\"");
    units::Quantity q;
    try {
      q = units::parse_quantity(lo_text);
    } catch (const units::UnitError& e) {
      fail(low, e.what(), e.offset());
    }
    s.unit = q.unit_text.empty() ? "1" : q.unit_text;
    const double lo = quantity(low, s.unit, "the low bound of '" + f.name + "'");
    const double hi = quantity(high, s.unit, "the high bound of '" + f.name + "'");
    if (!(lo <= hi)) fail(high, "the high bound of '" + f.name + "' is below the low bound");
    if (scale == Scale::Log && !(lo > 0)) fail(low, "a log-scale range needs a low bound > 0");
    s.range = Range(lo, hi, scale);
    s.low = edit(f.key, f.name, low);
    s.high = edit(f.key, f.name, high);
    return s;
  }

  SamplesDesign samples(const Field& f) const {
    SamplesDesign d;
    d.mark = mark(f.key);
    const auto fs = fields(f.value, "samples", &kSamplesKeys);
    const Field* n = find(fs, "n");
    if (!n) fail(f.key, "samples need n, the number of runs");
    d.n = count(n->value, "n", kMaxRuns);
    if (d.n == 0) fail(n->value, "n must be at least 1");
    if (const Field* m = find(fs, "method")) {
      const std::string t = scalar(m->value, "a sampling method");
      if (t == "latin_hypercube")
        d.method = SampleMethod::LatinHypercube;
      else if (t == "sobol")
        d.method = SampleMethod::Sobol;
      else if (t == "random")
        d.method = SampleMethod::Random;
      else {
        const std::string near = closest_name(t, kMethods);
        fail(m->value, "unknown sampling method '" + t + "'" +
                           (near.empty() ? "; expected latin_hypercube, sobol or random"
                                         : "; did you mean '" + near + "'?"));
      }
    }
    if (const Field* s = find(fs, "seed")) d.seed = count(s->value, "seed", UINT64_MAX);
    const Field* r = find(fs, "ranges");
    if (!r) fail(f.key, "samples need ranges: {PATH: [LOW, HIGH], ...}");
    for (const auto& rf : fields(r->value, "ranges", nullptr)) d.factors.push_back(range(rf));
    if (d.factors.empty()) fail(r->value, "ranges is empty");
    if (d.method == SampleMethod::Sobol && d.factors.size() > SobolSequence::max_dimensions())
      fail(r->value, "the Sobol sequence has at most " +
                         std::to_string(SobolSequence::max_dimensions()) + " dimensions");
    return d;
  }

  void covariate_change(CovariateSpec& c, const Field& f) const {
    using K = CovariateSpec::Kind;
    std::vector<std::string> allowed;
    switch (c.kind) {
      case K::Categorical: allowed = {"weights"}; break;
      case K::Uniform: allowed = {"low", "high"}; break;
      case K::Normal: allowed = {"mean", "sd", "lower", "upper", "slope"}; break;
      case K::LogNormal: allowed = {"median", "cv", "lower", "upper", "slope"}; break;
      case K::Flag: allowed = {"prevalence", "item"}; break;
    }
    const std::string ctx = "covariate '" + c.name + "'";
    for (const auto& k : fields(f.value, ctx, &allowed)) {
      const std::string what = ctx + " " + k.name;
      if (k.name == "weights") {
        for (const auto& w : fields(k.value, ctx + " weights", &c.levels)) {
          const auto at = std::find(c.levels.begin(), c.levels.end(), w.name) - c.levels.begin();
          c.weights[static_cast<std::size_t>(at)] = quantity(w.value, "1", "weight of " + w.name);
        }
      } else if (k.name == "low" || k.name == "mean" || k.name == "median") {
        c.a = quantity(k.value, c.unit, what);
      } else if (k.name == "high" || k.name == "sd") {
        c.b = quantity(k.value, c.unit, what);
      } else if (k.name == "cv" || k.name == "prevalence") {
        const double v = quantity(k.value, "1", what);
        if (!(v >= 0) || (k.name == "prevalence" && v > 1))
          fail(k.value, what + " must be " + (k.name == "cv" ? ">= 0" : "in [0, 1]"));
        (k.name == "cv" ? c.b : c.prevalence) = v;
      } else if (k.name == "lower") {
        c.lower = quantity(k.value, c.unit, what);
      } else if (k.name == "upper") {
        c.upper = quantity(k.value, c.unit, what);
      } else if (k.name == "slope") {
        if (c.depends_on.empty()) fail(k.key, ctx + " depends on no other covariate");
        c.slope = units::convert(scalar(k.value, "a number"), "1");
      } else if (k.name == "item") {
        if (!k.value.IsMap()) fail(k.value, ctx + " item: expected a map such as {drug: ..., dose: ...}");
        c.item = yaml_text(k.value);
      }
    }
  }

  PopulationDesign population(const Field& f, const PopulationSpec& reference) const {
    PopulationDesign d;
    d.mark = mark(f.key);
    d.spec = reference;
    const auto fs = fields(f.value, "population", &kPopulationKeys);
    const Field* n = find(fs, "n");
    if (!n) fail(f.key, "population needs n, the number of virtual subjects");
    d.n = count(n->value, "n", kMaxRuns);
    if (d.n == 0) fail(n->value, "n must be at least 1");
    if (const Field* s = find(fs, "seed")) d.seed = count(s->value, "seed", UINT64_MAX);
    if (const Field* cs = find(fs, "covariates")) {
      std::vector<std::string> names;
      for (const auto& c : d.spec.covariates) names.push_back(c.name);
      for (const auto& cf : fields(cs->value, "covariates", &names)) {
        auto it = std::find_if(d.spec.covariates.begin(), d.spec.covariates.end(),
                               [&](const CovariateSpec& c) { return c.name == cf.name; });
        covariate_change(*it, cf);
      }
    }
    VariabilitySpec& v = d.spec.variability;
    if (const Field* vs = find(fs, "variability")) {
      for (const auto& pf : fields(vs->value, "variability (PARAMETER: CV)", nullptr)) {
        const double cv = quantity(pf.value, "1", "the CV of '" + pf.name + "'");
        if (!(cv >= 0)) fail(pf.value, "a CV must be >= 0");
        auto it = std::find(v.parameters.begin(), v.parameters.end(), pf.name);
        const std::size_t k = static_cast<std::size_t>(it - v.parameters.begin());
        if (it == v.parameters.end()) {
          if (cv == 0) continue;
          v.parameters.push_back(pf.name);
          v.cv.push_back(cv);
          if (v.correlation.size() != 0) {
            const auto m = v.correlation.rows();
            v.correlation.conservativeResize(m + 1, m + 1);
            v.correlation.row(m).setZero();
            v.correlation.col(m).setZero();
            v.correlation(m, m) = 1;
          }
        } else if (cv == 0) {
          v.parameters.erase(it);
          v.cv.erase(v.cv.begin() + static_cast<std::ptrdiff_t>(k));
          if (v.correlation.size() != 0) {
            const auto m = static_cast<Eigen::Index>(v.parameters.size());
            Eigen::MatrixXd r(m, m);
            for (Eigen::Index i = 0, a = 0; i <= m; ++i) {
              if (i == static_cast<Eigen::Index>(k)) continue;
              for (Eigen::Index j = 0, b = 0; j <= m; ++j) {
                if (j == static_cast<Eigen::Index>(k)) continue;
                r(a, b++) = v.correlation(i, j);
              }
              ++a;
            }
            v.correlation = r;
          }
        } else {
          v.cv[k] = cv;
        }
        d.variability_items.push_back({pf.name, mark(pf.key)});
      }
    }
    if (const Field* cf = find(fs, "correlation")) {
      if (!cf->value.IsSequence())
        fail(cf->value, "correlation: expected a list of [PARAMETER, PARAMETER, RHO]");
      const auto m = static_cast<Eigen::Index>(v.parameters.size());
      if (v.correlation.size() == 0) v.correlation = Eigen::MatrixXd::Identity(m, m);
      for (const auto& item : cf->value) {
        if (!item.IsSequence() || item.size() != 3)
          fail(item, "correlation: expected [PARAMETER, PARAMETER, RHO]");
        Eigen::Index ij[2];
        for (int s = 0; s < 2; ++s) {
          const std::string p = scalar(item[s], "a parameter name");
          auto it = std::find(v.parameters.begin(), v.parameters.end(), p);
          if (it == v.parameters.end())
            fail(item[s], "'" + p + "' has no variability; give it a CV under variability first");
          ij[s] = it - v.parameters.begin();
        }
        if (ij[0] == ij[1]) fail(item[1], "a parameter's correlation with itself is 1");
        const double rho = quantity(item[2], "1", "a correlation");
        if (!(rho > -1 && rho < 1)) fail(item[2], "a correlation must be in (-1, 1)");
        v.correlation(ij[0], ij[1]) = v.correlation(ij[1], ij[0]) = rho;
      }
    }
    return d;
  }

  std::vector<NamedItem> names(const YAML::Node& n, const std::string& what) const {
    if (!n.IsSequence()) fail(n, "expected a list of " + what);
    std::vector<NamedItem> out;
    for (const auto& item : n) out.push_back({scalar(item, what), mark(item)});
    return out;
  }

  SweepDefinition read(const YAML::Node& root, const std::string& text,
                       const PopulationSpec& reference, const std::string* base_text) {
    SweepDefinition d;
    d.file = file_;
    d.text = text;
    if (!root.IsMap()) {
      if (root.IsNull()) throw ScenarioError(file_, 1, 1, "the sweep file is empty");
      fail(root, "a sweep file is a map with base, sweep and summary");
    }
    const auto fs = fields(root, "the sweep file", &kTopKeys);
    const Field* base = find(fs, "base");
    if (base_text != nullptr) {
      d.base_text = *base_text;
      d.base_file = base ? scalar(base->value, "a name for the base scenario") : "<scenario>";
      if (base) d.base_mark = mark(base->value);
    }
    if (!base && base_text == nullptr)
      throw ScenarioError(file_, 1, 1, "no 'base': name the scenario the sweep varies");
    if (base_text == nullptr) {
      d.base_mark = mark(base->value);
      const std::string b = scalar(base->value, "the base scenario's file name");
      const auto slash = file_.find_last_of('/');
      d.base_file = (b.empty() || b[0] == '/' || slash == std::string::npos)
                        ? b
                        : file_.substr(0, slash + 1) + b;
      try {
        d.base_text = read_input_file(d.base_file);
      } catch (const InputFileError& e) {
        fail(base->value, "cannot read base scenario '" + d.base_file + "': " + e.what());
      }
    }

    if (const Field* s = find(fs, "set")) d.set = edits(s->value, "set");

    const Field* sw = find(fs, "sweep");
    if (!sw) throw ScenarioError(file_, 1, 1, "no 'sweep': say what varies (grid, samples, "
                                              "population or arms)");
    d.sweep_mark = mark(sw->key);
    const auto ss_fields = fields(sw->value, "sweep", &kSweepKeys);
    if (ss_fields.empty()) fail(sw->value, "sweep is empty: give grid, samples, population or arms");
    for (const auto& f : ss_fields) {
      if (f.name == "grid") {
        for (const auto& g : fields(f.value, "grid", nullptr)) d.grid.push_back(grid_factor(g));
        if (d.grid.empty()) fail(f.value, "grid is empty");
      } else if (f.name == "samples") {
        d.samples = samples(f);
      } else if (f.name == "population") {
        d.population = population(f, reference);
      } else if (f.name == "arms") {
        for (const auto& a : fields(f.value, "arms", nullptr)) {
          Arm arm;
          arm.name = a.name;
          arm.mark = mark(a.key);
          if (!a.value.IsNull()) arm.edits = edits(a.value, "arm '" + a.name + "'");
          d.arms.push_back(std::move(arm));
        }
        if (d.arms.empty()) fail(f.value, "arms is empty");
      }
    }
    if (d.samples && d.population)
      fail(sw->key, "give either samples or population, not both (a population already is a "
                    "sample of subjects)");

    const Field* sum = find(fs, "summary");
    if (!sum) throw ScenarioError(file_, 1, 1, "no 'summary': list what each run reports, e.g. "
                                               "[serum_mg_total.final, urine_mg.last_24h]");
    d.summary = names(sum->value, "summary metrics such as serum_mg_total.min");
    if (d.summary.empty()) fail(sum->value, "summary is empty");
    for (std::size_t i = 0; i < d.summary.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (d.summary[i].text == d.summary[j].text)
          throw ScenarioError(file_, d.summary[i].mark.line, d.summary[i].mark.column,
                              "'" + d.summary[i].text + "' is listed twice");
    if (const Field* k = find(fs, "keep_series")) {
      d.keep_series_mark = SourceMark{k->value.Mark().line + 1, k->value.Mark().column + 1};
      if (k->value.IsSequence()) {
        d.keep_series = true;
        d.keep_series_names = names(k->value, "series names");
      } else {
        const std::string t = scalar(k->value, "true, false or a list of series");
        if (t == "true")
          d.keep_series = true;
        else if (t != "false")
          fail(k->value, "keep_series: expected true, false or a list of series, got '" + t + "'");
      }
    }
    return d;
  }

};

[[noreturn]] void set_error(int column, const std::string& message) {
  throw ScenarioError("--set", 1, column, message);
}

// Applies one "KEY.KEY=VALUE" to the sweep file's tree. At each level the longest run of
// dot-separated words that is an existing key is taken, so "sweep.grid.subject.egfr=[...]"
// finds the grid path "subject.egfr"; a new key is the rest of the path.
void apply_sweep_set(YAML::Node& root, const std::string& arg, SweepReader& reader) {
  const std::size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    set_error(1, "expected KEY=VALUE (e.g. sweep.population.n=200), got '" + arg + "'");
  std::vector<std::string> words;
  std::vector<int> columns;
  for (std::size_t i = 0; i <= eq;) {
    std::size_t j = arg.find('.', i);
    if (j == std::string::npos || j > eq) j = eq;
    if (j == i) set_error(static_cast<int>(i) + 1, "empty key in '" + arg.substr(0, eq) + "'");
    words.push_back(arg.substr(i, j - i));
    columns.push_back(static_cast<int>(i) + 1);
    i = j + 1;
  }
  YAML::Node value;
  try {
    value = load_yaml_bounded(arg.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    set_error(static_cast<int>(eq) + 2 + std::max(0, e.mark.column),
              "malformed --set value: " + e.msg);
  }
  if (value.IsNull()) value = YAML::Node(YAML::NodeType::Null);
  reader.register_set_node(value, static_cast<int>(eq) + 2);
  if (!root.IsMap()) set_error(1, "the sweep file is not a map of keys");
  YAML::Node node = root;
  std::size_t w = 0;
  while (w < words.size()) {
    if (!node.IsMap()) set_error(columns[w], "'" + words[w - 1] + "' is not a map");
    std::size_t take = 0;
    YAML::Node child;
    for (std::size_t n = words.size() - w; n >= 1 && take == 0; --n) {
      std::string key = words[w];
      for (std::size_t k = 1; k < n; ++k) key += "." + words[w + k];
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == key) {
          child.reset(it->second);
          take = n;
          break;
        }
      }
    }
    if (take == 0) {
      std::string key = words[w];
      for (std::size_t k = w + 1; k < words.size(); ++k) key += "." + words[k];
      node[key] = value;
      return;
    }
    w += take;
    if (w == words.size()) {
      child = value;
      return;
    }
    node.reset(child);
  }
}

}  // namespace

SweepDefinition parse_sweep_text(const std::string& text, const std::string& file,
                                 const PopulationSpec& reference, const std::string* base_text,
                                 const std::vector<std::string>& sets) {
  YAML::Node root = load_yaml_text(text, file);
  SweepReader reader(file);
  for (const auto& set : sets) apply_sweep_set(root, set, reader);
  try {
    return reader.read(root, text, reference, base_text);
  } catch (const YAML::Exception& e) {
    const bool known = !e.mark.is_null() && e.mark.line >= 0;
    throw ScenarioError(file, known ? e.mark.line + 1 : 1, known ? e.mark.column + 1 : 1, e.msg);
  }
}

SweepDefinition parse_sweep_file(const std::string& path, const PopulationSpec& reference,
                                 const std::vector<std::string>& sets) {
  std::string text;
  try {
    text = read_input_file(path);
  } catch (const InputFileError& e) {
    throw ScenarioError(path, 1, 1, std::string("cannot read sweep file: ") + e.what());
  }
  return parse_sweep_text(text, path, reference, nullptr, sets);
}

}  // namespace magsim::engine::sweep
