#include "engine/fit/definition.hpp"

#include <cmath>

#include "engine/scenario/input_file.hpp"
#include "engine/scenario/limits.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/scenario/units.hpp"
#include "engine/scenario/yaml_reader.hpp"

namespace magsim::engine::fit {
namespace {

const std::vector<std::string> kTopKeys{"name",    "description", "scenario", "observations",
                                        "dataset", "subjects",    "method",   "estimate",
                                        "error",   "options"};
const std::vector<std::string> kObservationKeys{"series", "at", "from", "to", "value", "below"};
const std::vector<std::string> kEstimateKeys{"transform", "lower", "upper", "initial", "prior"};
const std::vector<std::string> kPriorKeys{"median", "cv", "source"};
const std::vector<std::string> kErrorKeys{"model", "additive", "proportional", "estimate"};
const std::vector<std::string> kOptionKeys{"multistart", "seed", "max_iterations"};
constexpr std::size_t kMaxObservations = 100000;
constexpr std::uint64_t kMaxStarts = 1000;

class FitReader : public YamlReader {
 public:
  FitReader(std::string file, const ModelInfo& info) : YamlReader(std::move(file)), info_(info) {}

  std::string resolve(const std::string& path) const {
    const auto slash = file_.find_last_of('/');
    return (path.empty() || path[0] == '/' || slash == std::string::npos) ? path
                                                                           : file_.substr(0, slash + 1) + path;
  }

  const OutputInfo& output(const YAML::Node& n) const {
    const std::string name = scalar(n, "a series name");
    const int k = info_.find_output(name);
    if (k < 0) {
      std::vector<std::string> names;
      for (const auto& o : info_.outputs) names.push_back(o.name);
      const std::string near = closest_name(name, names);
      fail(n, "unknown series '" + name + "'" +
                  (near.empty() ? " (the run file's outputs are the series)" : "; did you mean '" + near + "'?"));
    }
    return info_.outputs[static_cast<size_t>(k)];
  }

  // A value of a series, in the series' unit (mass, amount and charge of Mg interconvert).
  double series_value(const YAML::Node& n, const OutputInfo& out, const std::string& what) const {
    const std::string text = scalar(n, what);
    const std::string unit = out.unit.empty() ? "1" : out.unit;
    try {
      const units::Quantity q = units::parse_quantity(text);
      if (q.unit_text.empty() && unit != "1" && unit != "%")
        fail(n, what + " needs a unit (" + out.name + " is in " + unit + "), e.g. '" + text + " " + unit + "'");
      const units::Element mg;
      return q.unit_text.empty() ? q.value
                                 : units::convert_value(q.value, q.unit, units::parse_unit(unit), &mg);
    } catch (const units::UnitError& e) {
      fail(n, what + " (in " + unit + "): " + e.what(), e.offset());
    } catch (const std::invalid_argument& e) {
      fail(n, what + ": '" + text + "' is not in a unit of " + out.name + " (" + unit + ")");
    }
  }

  double time(const YAML::Node& n, const std::string& what) const {
    const std::string text = scalar(n, what);
    try {
      const double t = units::convert(text, units::kinds::time_point());
      if (!(t >= 0 && t <= scenario_limits::max_time_h))
        fail(n, what + " must lie between 0 and 150 y, got '" + text + "'");
      return t;
    } catch (const units::UnitError& e) {
      fail(n, what + ": " + e.what(), e.offset());
    }
  }

  Observation observation(const YAML::Node& item) const {
    const auto fs = fields(item, "an observation", &kObservationKeys);
    const Field* series = find(fs, "series");
    if (!series) fail(item, "an observation needs 'series' (an output of the run, e.g. serum_mg_total)");
    const OutputInfo& out = output(series->value);
    Observation o;
    o.series = out.name;
    const Field* at = find(fs, "at");
    const Field* from = find(fs, "from");
    const Field* to = find(fs, "to");
    if (at && (from || to)) fail(at->key, "an observation is at one time ('at') or over a window ('from', 'to'), not both");
    if (!at && !(from && to))
      fail(item, "an observation needs 'at' (a sample) or 'from' and 'to' (a collection window)");
    if (at) {
      o.time_h = time(at->value, "'at'");
    } else {
      o.start_h = time(from->value, "'from'");
      o.time_h = time(to->value, "'to'");
      if (!(o.time_h > o.start_h)) fail(to->value, "'to' must come after 'from'");
    }
    const Field* value = find(fs, "value");
    const Field* below = find(fs, "below");
    if (value && below) fail(below->key, "give 'value' (measured) or 'below' (under the limit of quantification), not both");
    if (!value && !below) fail(item, "an observation needs 'value', or 'below: LLOQ' for a value under the limit of quantification");
    const Field* v = value ? value : below;
    o.value = series_value(v->value, out, value ? "'value'" : "'below'");
    if (!std::isfinite(o.value)) fail(v->value, "the value must be finite");
    o.censored = below != nullptr;
    const SourceMark m = mark(v->value);
    o.where = file_ + ":" + std::to_string(m.line) + ":" + std::to_string(m.column);
    return o;
  }

  double parameter_value(const YAML::Node& n, const ParameterInfo& p, const std::string& what) const {
    return quantity(n, p.unit, what + " of " + p.name);
  }

  FitParameterSpec estimate(const Field& f) const {
    FitParameterSpec e;
    e.name = f.name;
    e.mark = mark(f.key);
    const int i = info_.find_parameter(f.name);
    if (i < 0) {
      std::vector<std::string> names;
      for (const auto& p : info_.parameters) names.push_back(p.name);
      const std::string near = closest_name(f.name, names);
      fail(f.key, "unknown parameter '" + f.name + "'" +
                      (near.empty() ? " (magsim params lists them)" : "; did you mean '" + near + "'?"));
    }
    const ParameterInfo& p = info_.parameters[static_cast<size_t>(i)];
    if (f.value.IsNull()) return e;
    for (const auto& g : fields(f.value, "estimate: " + f.name, &kEstimateKeys)) {
      if (g.name == "transform") {
        try {
          e.transform = fit::transform_from(scalar(g.value, "a transform"));
        } catch (const std::invalid_argument& x) {
          fail(g.value, x.what());
        }
        e.transform_given = true;
      } else if (g.name == "lower") {
        e.lower = parameter_value(g.value, p, "the lower bound");
      } else if (g.name == "upper") {
        e.upper = parameter_value(g.value, p, "the upper bound");
      } else if (g.name == "initial") {
        e.initial = parameter_value(g.value, p, "the initial value");
      } else if (g.name == "prior") {
        e.prior.mark = mark(g.value);
        if (g.value.IsScalar()) {
          const std::string k = g.value.Scalar();
          if (k == "population") e.prior.kind = FitPriorSpec::Kind::Population;
          else if (k == "none") e.prior.kind = FitPriorSpec::Kind::None;
          else fail(g.value, "prior: expected population, none or {median: VALUE, cv: CV, source: TEXT}, got '" + k + "'");
        } else {
          e.prior.kind = FitPriorSpec::Kind::Given;
          const auto ps = fields(g.value, "prior", &kPriorKeys);
          const Field* cv = find(ps, "cv");
          if (!cv) fail(g.value, "a prior needs 'cv' (the between-subject coefficient of variation, e.g. 0.3)");
          e.prior.cv = quantity(cv->value, "1", "the prior's cv");
          if (!(e.prior.cv > 0 && e.prior.cv <= 10)) fail(cv->value, "the prior's cv must lie in (0, 10]");
          if (const Field* m = find(ps, "median")) {
            e.prior.median = parameter_value(m->value, p, "the prior's median");
            if (!(e.prior.median > 0)) fail(m->value, "a log-normal prior's median must be positive");
          }
          if (const Field* s = find(ps, "source")) e.prior.source = scalar(s->value, "a source");
        }
      }
    }
    const double lo = std::isnan(e.lower) ? p.min : e.lower;
    const double hi = std::isnan(e.upper) ? p.max : e.upper;
    if (!(lo < hi)) fail(f.key, "the bounds of " + f.name + " must have lower < upper");
    if (e.transform == fit::Transform::Log && !(lo >= 0))
      fail(f.key, f.name + ": a log transform needs a lower bound of at least 0");
    if (e.transform == fit::Transform::Logit && !(std::isfinite(lo) && std::isfinite(hi)))
      fail(f.key, f.name + ": a logit transform needs finite lower and upper bounds");
    if (!std::isnan(e.initial) && !(e.initial > lo && e.initial < hi))
      fail(f.key, f.name + ": the initial value must lie strictly inside the bounds");
    if (e.prior.kind != FitPriorSpec::Kind::Default && e.prior.kind != FitPriorSpec::Kind::None &&
        !(lo >= 0))
      fail(f.key, f.name + ": a log-normal prior needs a positive parameter (lower bound >= 0)");
    return e;
  }

  FitErrorSpec error_model(const Field& f) const {
    FitErrorSpec e;
    const OutputInfo& out = output(f.key);
    e.series = out.name;
    e.mark = mark(f.key);
    const auto fs = fields(f.value, "error: " + f.name, &kErrorKeys);
    const Field* model = find(fs, "model");
    if (!model) fail(f.value, "an error model needs 'model' (additive, proportional, combined or lognormal)");
    try {
      e.model.kind = fit::error_kind(scalar(model->value, "an error model"));
    } catch (const std::invalid_argument& x) {
      fail(model->value, x.what());
    }
    const bool wants_a = e.model.kind != fit::ErrorKind::Proportional;
    const bool wants_b = e.model.kind == fit::ErrorKind::Proportional || e.model.kind == fit::ErrorKind::Combined;
    const Field* a = find(fs, "additive");
    const Field* b = find(fs, "proportional");
    if (a && !wants_a) fail(a->key, "a proportional error model has no 'additive' part (use combined)");
    if (b && !wants_b) fail(b->key, std::string("an ") + fit::error_kind_name(e.model.kind) + " error model has no 'proportional' part (use combined)");
    if (wants_a && !a) fail(f.value, std::string("the ") + fit::error_kind_name(e.model.kind) + " error model needs 'additive'" +
                                         (e.model.kind == fit::ErrorKind::LogNormal ? " (the SD of the log, e.g. 0.1)" : " (an SD in " + out.unit + ")"));
    if (wants_b && !b) fail(f.value, "this error model needs 'proportional' (a fraction, e.g. 0.1 for 10 %)");
    if (a) {
      if (e.model.kind == fit::ErrorKind::LogNormal) {
        e.model.additive = quantity(a->value, "1", "the SD of the log");
        e.additive_unit = "1";
      } else {
        e.model.additive = series_value(a->value, out, "'additive'");
        e.additive_unit = out.unit;
      }
      if (!(e.model.additive > 0) || !std::isfinite(e.model.additive)) fail(a->value, "'additive' must be positive");
    }
    if (b) {
      e.model.proportional = quantity(b->value, "1", "'proportional'");
      if (!(e.model.proportional > 0 && e.model.proportional < 10)) fail(b->value, "'proportional' must lie in (0, 10)");
    }
    if (const Field* est = find(fs, "estimate")) {
      std::vector<YAML::Node> items;
      if (est->value.IsScalar()) {
        const std::string t = est->value.Scalar();
        if (t == "true") {
          e.estimate_additive = wants_a;
          e.estimate_proportional = wants_b;
        } else if (t != "false") {
          items.push_back(est->value);
        }
      } else if (est->value.IsSequence()) {
        for (const auto& it : est->value) items.push_back(it);
      } else {
        fail(est->value, "estimate: expected true, false or a list of additive, proportional");
      }
      for (const auto& it : items) {
        const std::string t = scalar(it, "additive or proportional");
        if (t == "additive" && wants_a) e.estimate_additive = true;
        else if (t == "proportional" && wants_b) e.estimate_proportional = true;
        else fail(it, "'" + t + "' is not a parameter of this error model");
      }
    }
    return e;
  }

  FitDefinition read(const YAML::Node& root, const std::string& text) const {
    FitDefinition d;
    d.file = file_;
    d.text = text;
    if (!root.IsMap()) {
      if (root.IsNull()) throw ScenarioError(file_, 1, 1, "the fit file is empty");
      fail(root, "a fit file is a map with the data (scenario and observations, or dataset), estimate and error");
    }
    const auto fs = fields(root, "the fit file", &kTopKeys);
    if (const Field* f = find(fs, "name")) d.name = scalar(f->value, "a name");
    if (const Field* f = find(fs, "description")) d.description = scalar(f->value, "a description");
    const Field* scenario = find(fs, "scenario");
    const Field* dataset = find(fs, "dataset");
    const Field* observations = find(fs, "observations");
    if (scenario && dataset) fail(dataset->key, "give 'scenario' with 'observations', or 'dataset', not both");
    if (!scenario && !dataset)
      throw ScenarioError(file_, 1, 1, "no data: give 'scenario' and 'observations', or 'dataset' (an event dataset's mapping file)");
    if (scenario) {
      d.scenario_path = resolve(scalar(scenario->value, "the scenario's file name"));
      d.scenario_mark = mark(scenario->value);
      if (!observations) fail(scenario->key, "a fit of a scenario needs 'observations'");
      if (!observations->value.IsSequence() || observations->value.size() == 0)
        fail(observations->value, "observations: expected a list of {series, at | from and to, value | below}");
      if (observations->value.size() > kMaxObservations)
        fail(observations->value, "at most " + std::to_string(kMaxObservations) + " observations");
      for (const auto& item : observations->value) d.observations.push_back(observation(item));
    } else {
      if (observations) fail(observations->key, "a dataset carries its observations: 'observations' goes with 'scenario'");
      d.dataset_path = resolve(scalar(dataset->value, "the mapping file's name"));
      d.dataset_mark = mark(dataset->value);
    }
    if (const Field* s = find(fs, "subjects")) {
      if (!dataset) fail(s->key, "'subjects' selects IDs of a dataset");
      if (!s->value.IsSequence()) fail(s->value, "subjects: expected a list of IDs");
      for (const auto& it : s->value) {
        d.subjects.push_back(scalar(it, "an ID"));
        d.subject_marks.push_back(mark(it));
      }
    }
    if (const Field* m = find(fs, "method")) {
      d.method = scalar(m->value, "a method");
      d.method_mark = mark(m->value);
      if (d.method != "map" && d.method != "pooled")
        fail(m->value, "method: expected map (each subject, with the population prior) or pooled (maximum likelihood over all subjects), got '" + d.method + "'");
    }
    const Field* est = find(fs, "estimate");
    if (!est) throw ScenarioError(file_, 1, 1, "no 'estimate': name the parameters to estimate (magsim params lists them)");
    d.mark_estimate = mark(est->key);
    const auto items = fields(est->value, "estimate", nullptr);
    if (items.empty()) fail(est->value, "estimate: name at least one parameter");
    if (items.size() > 20) fail(est->value, "estimate: at most 20 parameters");
    for (const auto& f : items) d.estimate.push_back(estimate(f));
    const Field* err = find(fs, "error");
    if (!err) throw ScenarioError(file_, 1, 1, "no 'error': give a residual error model for each observed series");
    d.mark_error = mark(err->key);
    for (const auto& f : fields(err->value, "error", nullptr)) d.errors.push_back(error_model(f));
    for (const auto& o : d.observations) {
      bool found = false;
      for (const auto& e : d.errors) found = found || e.series == o.series;
      if (!found) fail(err->value, "no error model for the observed series '" + o.series + "'");
    }
    if (const Field* o = find(fs, "options")) {
      for (const auto& g : fields(o->value, "options", &kOptionKeys)) {
        if (g.name == "multistart") {
          d.multistart = static_cast<int>(count(g.value, "multistart", kMaxStarts));
          if (d.multistart < 1) fail(g.value, "multistart must be at least 1");
        }
        if (g.name == "seed") d.seed = static_cast<unsigned long>(count(g.value, "seed", UINT32_MAX));
        if (g.name == "max_iterations") {
          d.max_iterations = static_cast<int>(count(g.value, "max_iterations", 10000));
          if (d.max_iterations < 1) fail(g.value, "max_iterations must be at least 1");
        }
      }
    }
    return d;
  }

 private:
  const ModelInfo& info_;
};

}  // namespace

FitDefinition parse_fit_text(const std::string& text, const std::string& file, const ModelInfo& info) {
  YAML::Node root = load_yaml_text(text, file);
  FitReader reader(file, info);
  try {
    return reader.read(root, text);
  } catch (const YAML::Exception& e) {
    const bool known = !e.mark.is_null() && e.mark.line >= 0;
    throw ScenarioError(file, known ? e.mark.line + 1 : 1, known ? e.mark.column + 1 : 1, e.msg);
  }
}

FitDefinition parse_fit_file(const std::string& path, const ModelInfo& info) {
  std::string text;
  try {
    text = read_input_file(path);
  } catch (const InputFileError& e) {
    throw ScenarioError(path, 1, 1, std::string("cannot read fit file: ") + e.what());
  }
  return parse_fit_text(text, path, info);
}

}  // namespace magsim::engine::fit
