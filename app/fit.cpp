#include "app/fit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "app/dataset_loading.hpp"
#include "app/run_output.hpp"
#include "app/scenario_loading.hpp"
#include "engine/model/errors.hpp"
#include "engine/io/fit_file.hpp"
#include "engine/io/hdf5_atomic.hpp"
#include "engine/scenario/limits.hpp"
#include "engine/scenario/units.hpp"
#include "engine/version_info.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {
namespace {

namespace mg = models::magnesium;
using engine::ScenarioError;
using engine::SourceMark;

[[noreturn]] void fail_at(const std::string& file, const SourceMark& m, const std::string& message) {
  throw ScenarioError(file, m.line, m.column, message);
}

std::string number(double v) { return engine::units::shortest_number(v); }

std::string with_unit(double v, const std::string& unit) {
  return number(v) + (unit.empty() || unit == "1" ? "" : " " + unit);
}

// For people: 4 significant digits.
std::string short_unit(double v, const std::string& unit) {
  std::ostringstream o;
  o << std::setprecision(4) << v;
  return o.str() + (unit.empty() || unit == "1" ? "" : " " + unit);
}

// The model parameters of the spec and their prior, bounds and transform, from the fit file.
engine::fit::Parameter model_parameter(const engine::fit::FitDefinition& d, const engine::fit::FitParameterSpec& e) {
  const auto& info = mg::model().info();
  const int i = info.find_parameter(e.name);
  const auto& pi = info.parameters[static_cast<size_t>(i)];
  engine::fit::Parameter p;
  p.name = e.name;
  p.unit = pi.unit;
  p.model_index = i;
  p.transform = e.transform;
  p.lower = std::isnan(e.lower) ? pi.min : e.lower;
  p.upper = std::isnan(e.upper) ? pi.max : e.upper;
  p.initial = e.initial;
  const auto range = engine::scenario_limits::parameter_override_range(pi);
  if (p.lower < range.lo || p.upper > range.hi)
    fail_at(d.file, e.mark,
            "the bounds of " + e.name + " must lie within " + with_unit(range.lo, pi.unit) + " to " +
                with_unit(range.hi, pi.unit) +
                " (its plausible range widened tenfold: what a scenario's `parameters:` accepts)");
  using Kind = engine::fit::FitPriorSpec::Kind;
  Kind kind = e.prior.kind;
  const auto& var = mg::reference_population().variability;
  const auto at = std::find(var.parameters.begin(), var.parameters.end(), e.name);
  const bool in_population = at != var.parameters.end();
  if (kind == Kind::Default) kind = d.method == "map" && in_population ? Kind::Population : Kind::None;
  if (kind == Kind::Population) {
    if (!in_population) {
      std::string list;
      for (const auto& n : var.parameters) list += (list.empty() ? "" : ", ") + n;
      fail_at(d.file, e.prior.mark,
              "the reference population has no between-subject variability for " + e.name +
                  " (it has: " + list + "); give prior: {cv: CV, source: ...}");
    }
    const double cv = var.cv[static_cast<size_t>(at - var.parameters.begin())];
    p.prior.active = true;
    p.prior.omega = std::sqrt(std::log(1 + cv * cv));
    p.prior.source = "reference population: CV " + number(cv) + " (" + var.source + ")";
  } else if (kind == Kind::Given) {
    p.prior.active = true;
    p.prior.median = e.prior.median;
    p.prior.omega = std::sqrt(std::log(1 + e.prior.cv * e.prior.cv));
    p.prior.source = "fit file: CV " + number(e.prior.cv) + (e.prior.source.empty() ? "" : " (" + e.prior.source + ")");
  }
  return p;
}

void build_spec(FitSession& s) {
  const auto& info = mg::model().info();
  const auto& d = s.definition;
  for (const auto& e : d.estimate) s.spec.parameters.push_back(model_parameter(d, e));
  for (const auto& e : d.errors) {
    engine::fit::SeriesError se;
    se.series = e.series;
    se.output = info.find_output(e.series);
    se.model = e.model;
    auto add = [&](const char* part, double value, const std::string& unit) {
      engine::fit::Parameter p;
      p.name = "error." + e.series + "." + part;
      p.unit = unit;
      p.transform = engine::fit::Transform::Log;
      p.lower = value * 1e-4;
      p.upper = value * 1e4;
      p.initial = value;
      s.spec.parameters.push_back(p);
      return static_cast<int>(s.spec.parameters.size() - 1);
    };
    if (e.estimate_additive) se.additive_parameter = add("additive", e.model.additive, e.additive_unit);
    if (e.estimate_proportional) se.proportional_parameter = add("proportional", e.model.proportional, "1");
    s.spec.errors.push_back(se);
  }
  s.spec.multistart = d.multistart;
  s.spec.seed = d.seed;
  s.spec.optimizer.max_iterations = d.max_iterations;
}

// The scenario with each model parameter of the spec as a `parameters:` override.
engine::Scenario with_overrides(engine::Scenario sc, const engine::fit::FitSpec& spec,
                                const std::vector<double>& values) {
  for (size_t j = 0; j < spec.parameters.size(); ++j) {
    const auto& p = spec.parameters[j];
    if (p.model_index < 0) continue;
    auto it = std::find_if(sc.parameters.begin(), sc.parameters.end(),
                           [&](const engine::ParameterOverride& o) { return o.name == p.name; });
    if (it == sc.parameters.end()) {
      sc.parameters.push_back({p.name, values[j], {}});
    } else {
      it->value = values[j];
    }
  }
  return sc;
}

engine::fit::Subject engine_subject(const FitSession& s, size_t index) {
  const FitSubjectData& data = s.subjects[index];
  engine::fit::Subject out;
  out.id = data.id;
  out.observations = data.observations;
  const engine::Scenario base = data.scenario;
  const engine::fit::FitSpec& spec = s.spec;
  out.problem = [base, &spec](const std::vector<double>& values) {
    return mg::make_problem(with_overrides(base, spec, values));
  };
  const engine::Problem typical = mg::make_problem(base);
  for (const auto& p : spec.parameters)
    out.typical.push_back(p.model_index >= 0 ? typical.parameters[static_cast<size_t>(p.model_index)]
                                             : p.initial);
  return out;
}

// Whether `e` says that the file at `path` could not be read at all (its message starts with
// `prefix`); the reason is what follows.
bool unreadable(const ScenarioError& e, const std::string& path, const std::string& prefix, std::string* reason) {
  const std::string message = e.what();
  if (e.file() != path || message.rfind(prefix, 0) != 0) return false;
  *reason = message.substr(prefix.size());
  return true;
}

void load_subjects(FitSession& s) {
  const auto& d = s.definition;
  if (!d.scenario_path.empty()) {
    LoadedScenario loaded;
    try {
      loaded = load_scenario(d.scenario_path, {});
    } catch (const ScenarioError& e) {
      // A scenario that cannot be read is the fit file's mistake; a wrong one, the scenario's.
      std::string reason;
      if (unreadable(e, d.scenario_path, "cannot read scenario file: ", &reason))
        fail_at(d.file, d.scenario_mark, "cannot read scenario '" + d.scenario_path + "': " + reason);
      throw;
    }
    FitSubjectData subject;
    subject.id = loaded.scenario.name.empty() ? "1" : loaded.scenario.name;
    subject.scenario = loaded.scenario;
    subject.scenario_text = loaded.scenario.source_text;
    subject.observations = d.observations;
    s.subjects.push_back(std::move(subject));
    s.input_files.push_back(d.scenario_path);
  } else {
    LoadedDataset loaded;
    try {
      loaded = load_dataset(d.dataset_path, "");
    } catch (const ScenarioError& e) {
      // Likewise a mapping file that cannot be read; a wrong mapping or CSV is theirs.
      std::string reason;
      if (unreadable(e, d.dataset_path, "cannot read dataset mapping: ", &reason))
        fail_at(d.file, d.dataset_mark, "cannot read dataset mapping '" + d.dataset_path + "': " + reason);
      throw;
    }
    s.input_files.push_back(d.dataset_path);
    s.input_files.push_back(loaded.dataset.file);
    if (!loaded.dataset.base_file.empty()) s.input_files.push_back(loaded.dataset.base_file);
    for (size_t i = 0; i < d.subjects.size(); ++i) {
      const std::string& id = d.subjects[i];
      const bool known = std::any_of(loaded.dataset.subjects.begin(), loaded.dataset.subjects.end(),
                                     [&](const engine::fit::DatasetSubject& x) { return x.id == id; });
      if (!known)
        fail_at(d.file, i < d.subject_marks.size() ? d.subject_marks[i] : d.dataset_mark,
                "subject '" + id + "' is not in the dataset " + loaded.dataset.file);
    }
    for (const auto& ds : loaded.dataset.subjects) {
      if (!d.subjects.empty() && std::find(d.subjects.begin(), d.subjects.end(), ds.id) == d.subjects.end())
        continue;
      if (ds.observations.empty()) continue;  // nothing to fit: dosing only
      FitSubjectData subject;
      subject.id = ds.id;
      subject.scenario = load_scenario_text(ds.scenario_yaml, ds.scenario_name, {}).scenario;
      subject.scenario_text = ds.scenario_yaml;
      subject.observations = ds.observations;
      for (const auto& o : ds.observations) {
        const bool modelled = std::any_of(d.errors.begin(), d.errors.end(),
                                          [&](const engine::fit::FitErrorSpec& e) { return e.series == o.series; });
        if (!modelled)
          fail_at(d.file, d.mark_error, "no error model for the series '" + o.series + "' that the dataset observes (" + o.where + ")");
      }
      s.subjects.push_back(std::move(subject));
    }
    if (s.subjects.empty()) fail_at(d.file, d.dataset_mark, "the dataset has no observations to fit");
  }
  // Observations must lie inside what a run can sample, and be checked against the scenario.
  for (const auto& subject : s.subjects)
    for (const auto& o : subject.observations)
      if (o.time_h > engine::scenario_limits::max_time_h)
        throw ScenarioError(d.file, 0, 0, o.where + ": observation time beyond 150 y");
}

// An error at an observation's "FILE:LINE:COL" (Observation::where).
ScenarioError at_observation(const std::string& where, const std::string& message) {
  const auto c2 = where.rfind(':');
  const auto c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : where.rfind(':', c2 - 1);
  if (c1 == std::string::npos) return ScenarioError(where, 1, 1, message);
  return ScenarioError(where.substr(0, c1), std::atoi(where.c_str() + c1 + 1), std::atoi(where.c_str() + c2 + 1), message);
}

// A log-normal error model takes the log of every observation of its series (and of a limit of
// quantification): 0 or less is the data's mistake, at the value, not a fit that fails (exit 3).
void check_log_normal_observations(const FitSession& s) {
  for (const auto& e : s.definition.errors) {
    if (e.model.kind != engine::fit::ErrorKind::LogNormal) continue;
    for (const auto& subject : s.subjects)
      for (const auto& o : subject.observations)
        if (o.series == e.series && !(o.value > 0))
          throw at_observation(o.where, "the log-normal error model of " + e.series + " needs observations above 0, got " +
                                            number(o.value) + (o.censored ? " (a limit of quantification)" : ""));
  }
}

FitSession finish_load(engine::fit::FitDefinition d) {
  FitSession s;
  s.definition = std::move(d);
  s.input_files.push_back(s.definition.file);
  build_spec(s);
  load_subjects(s);
  check_log_normal_observations(s);
  if (s.definition.method == "map" && s.subjects.empty())
    throw ScenarioError(s.definition.file, 1, 1, "no subjects to fit");
  // Every subject's scenario must accept the initial values and bounds as overrides.
  for (size_t i = 0; i < s.subjects.size(); ++i) (void)engine_subject(s, i);
  return s;
}

}  // namespace

FitSession load_fit(const std::string& fit_file) {
  return finish_load(engine::fit::parse_fit_file(fit_file, mg::model().info()));
}

FitSession load_fit_text(const std::string& text, const std::string& name) {
  return finish_load(engine::fit::parse_fit_text(text, name, mg::model().info()));
}

void run_fit(FitSession& session, const FitOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  session.estimations.clear();
  std::vector<std::vector<int>> groups;
  if (session.definition.method == "pooled") {
    groups.emplace_back();
    for (size_t i = 0; i < session.subjects.size(); ++i) groups.back().push_back(static_cast<int>(i));
  } else {
    for (size_t i = 0; i < session.subjects.size(); ++i) groups.push_back({static_cast<int>(i)});
  }
  session.estimations.resize(groups.size());
  const bool pooled = groups.size() == 1 && groups[0].size() > 1;
  std::mutex report;
  std::atomic<size_t> next{0};
  std::vector<std::string> failures(groups.size());
  auto worker = [&] {
    for (size_t g = next++; g < groups.size(); g = next++) {
      engine::fit::FitSpec spec = session.spec;
      spec.subjects.clear();
      for (int i : groups[g]) spec.subjects.push_back(engine_subject(session, static_cast<size_t>(i)));
      spec.threads = pooled ? std::max(1, options.threads) : 1;
      if (options.multistart > 0) spec.multistart = options.multistart;
      spec.cancel = options.cancel;
      FitEstimation& e = session.estimations[g];
      e.subjects = groups[g];
      try {
        e.result = engine::fit::fit(mg::model(), spec);
      } catch (const std::exception& x) {
        failures[g] = x.what();
        continue;
      }
      if (options.progress) {
        std::lock_guard<std::mutex> lock(report);
        std::ostringstream line;
        line << (pooled ? "pooled fit of " + std::to_string(groups[g].size()) + " subjects"
                        : "subject " + session.subjects[static_cast<size_t>(groups[g][0])].id)
             << ": OFV " << std::setprecision(8) << e.result.ofv << ", "
             << (e.result.converged ? "converged" : "NOT converged") << " in "
             << e.result.iterations << " iterations, " << e.result.simulations << " simulations, "
             << std::setprecision(3) << e.result.wall_seconds << " s";
        options.progress(line.str());
      }
    }
  };
  const int threads = pooled ? 1 : std::max(1, std::min<int>(options.threads, static_cast<int>(groups.size())));
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  for (size_t g = 0; g < groups.size(); ++g)
    if (!failures[g].empty())
      throw engine::SimulationError(
          "fit", 0, "subject " + session.subjects[static_cast<size_t>(groups[g][0])].id + ": " + failures[g]);
  session.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void run_profiles(FitSession& session, const std::vector<std::string>& names, const FitOptions& options) {
  std::vector<int> which;
  for (const auto& n : names) {
    int found = -1;
    for (size_t j = 0; j < session.spec.parameters.size(); ++j)
      if (session.spec.parameters[j].name == n) found = static_cast<int>(j);
    if (found < 0) {
      std::string list;
      for (const auto& p : session.spec.parameters) list += (list.empty() ? "" : ", ") + p.name;
      throw ScenarioError(session.definition.file, session.definition.mark_estimate.line,
                          session.definition.mark_estimate.column,
                          "'" + n + "' is not estimated in this fit (estimated: " + list + ")");
    }
    which.push_back(found);
  }
  if (which.empty())
    for (size_t j = 0; j < session.spec.parameters.size(); ++j) which.push_back(static_cast<int>(j));
  struct Job {
    size_t estimation;
    int parameter;
  };
  std::vector<Job> jobs;
  for (size_t e = 0; e < session.estimations.size(); ++e) {
    session.estimations[e].profiles.assign(which.size(), {});
    for (int j : which) jobs.push_back({e, j});
  }
  std::vector<engine::fit::FitSpec> specs(session.estimations.size(), session.spec);
  for (size_t e = 0; e < specs.size(); ++e) {
    specs[e].subjects.clear();
    for (int i : session.estimations[e].subjects) specs[e].subjects.push_back(engine_subject(session, static_cast<size_t>(i)));
    specs[e].cancel = options.cancel;
  }
  std::mutex report;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t k = next++; k < jobs.size(); k = next++) {
      const Job& job = jobs[k];
      auto& est = session.estimations[job.estimation];
      const size_t slot = static_cast<size_t>(std::find(which.begin(), which.end(), job.parameter) - which.begin());
      est.profiles[slot] = engine::fit::profile(mg::model(), specs[job.estimation], est.result, job.parameter);
      if (options.progress) {
        std::lock_guard<std::mutex> lock(report);
        const auto& pr = est.profiles[slot];
        const auto& p = session.spec.parameters[static_cast<size_t>(job.parameter)];
        options.progress("profile of " + p.name + ": 95 % CI " +
                         (std::isnan(pr.lower) ? std::string("open") : short_unit(pr.lower, p.unit)) + " to " +
                         (std::isnan(pr.upper) ? std::string("open") : short_unit(pr.upper, p.unit)) +
                         (pr.identifiable ? "" : " — " + pr.note));
      }
    }
  };
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(jobs.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

std::vector<double> typical_values(const FitSession& session, size_t subject) {
  return engine_subject(session, subject).typical;
}

std::vector<std::string> fit_output_paths(const FitSession& session, const std::string& out_h5) {
  const auto dot = out_h5.find_last_of('.');
  const auto slash = out_h5.find_last_of('/');
  const std::string stem =
      dot != std::string::npos && (slash == std::string::npos || dot > slash) ? out_h5.substr(0, dot) : out_h5;
  std::vector<std::string> paths{out_h5};
  for (const auto& subject : session.subjects) {
    std::string id;
    for (char c : subject.id)
      id += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
    paths.push_back(stem + "." + (id.empty() || id[0] == '.' ? "_" + id : id) + ".yaml");
  }
  return paths;
}

std::string fit_output_onto_input(const FitSession& session, const std::string& out_h5) {
  for (const auto& out : fit_output_paths(session, out_h5)) {
    const std::string input = input_at_output_path(out, session.input_files);
    if (!input.empty()) return out + " is " + input;
  }
  return "";
}

std::string forecast_scenario(const FitSession& session, size_t estimation, size_t subject) {
  const FitEstimation& e = session.estimations.at(estimation);
  const FitSubjectData& s = session.subjects.at(subject);
  YAML::Node root = YAML::Load(s.scenario_text);
  std::ostringstream params;
  for (size_t j = 0; j < session.spec.parameters.size(); ++j) {
    const auto& p = session.spec.parameters[j];
    if (p.model_index < 0) continue;
    const std::string value = with_unit(e.result.estimate[j], p.unit);
    if (root["parameters"]) root["parameters"][p.name] = value;
    params << "  " << p.name << ": " << value << "\n";
  }
  std::ostringstream out;
  out << "# Forecast scenario from `magsim fit " << session.definition.file << "` ("
      << session.definition.method << ", subject " << s.id << ", OFV " << std::setprecision(8)
      << e.result.ofv << (e.result.converged ? "" : ", NOT converged") << "):\n"
      << "# the estimated parameters are `parameters:` overrides; `magsim run` this file to forecast.\n";
  if (root["parameters"]) {
    YAML::Emitter em;
    em << root;
    out << em.c_str() << "\n";
  } else {
    std::string text = s.scenario_text;
    if (!text.empty() && text.back() != '\n') text += "\n";
    out << text << "parameters:  # estimated by magsim fit\n" << params.str();
  }
  return out.str();
}

}  // namespace magsim::app
