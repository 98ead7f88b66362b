#include "app/sweep.hpp"
#include "engine/scenario/input_file.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <cmath>
#include <limits>

#include "app/output_budget.hpp"
#include "app/run_output.hpp"
#include "app/metrics.hpp"
#include "app/run_summary.hpp"
#include "app/scenario_loading.hpp"
#include "engine/model/errors.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/solve/simulator.hpp"
#include "engine/scenario/units.hpp"
#include "engine/version_info.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void fail(const engine::sweep::SweepDefinition& d, const engine::SourceMark& m,
                       const std::string& message) {
  throw engine::ScenarioError(d.file, m.line > 0 ? m.line : 1, m.column > 0 ? m.column : 1,
                              message);
}

Metric parse_metric(const engine::sweep::NamedItem& item, const engine::sweep::SweepDefinition& d,
                    const engine::ModelInfo& info) {
  try {
    return app::parse_metric(item.text, info);
  } catch (const engine::MetricError& e) {
    fail(d, {item.mark.line, item.mark.column + static_cast<int>(e.offset())}, e.what());
  }
}

// Keeps the chosen output series of one run.
class SeriesSink : public engine::SampleSink {
 public:
  explicit SeriesSink(const std::vector<int>& outputs) : outputs_(outputs) {
    series_.resize(outputs.size());
  }
  void begin(const engine::ModelInfo&) override {}
  void sample(double, const double* y, const double*) override {
    for (std::size_t k = 0; k < outputs_.size(); ++k)
      series_[k].push_back(y[static_cast<std::size_t>(outputs_[k])]);
  }
  std::vector<std::vector<double>>& series() { return series_; }

 private:
  const std::vector<int>& outputs_;
  std::vector<std::vector<double>> series_;
};

}  // namespace

const char* sweep_metric_help() { return metric_help(); }

PreparedSweep prepare_sweep_text(const std::string& text, const std::string& name,
                                 const std::string* base_text,
                                 const std::vector<std::string>& sets) {
  namespace mg = models::magnesium;
  engine::sweep::SweepDefinition def =
      engine::sweep::parse_sweep_text(text, name, mg::reference_population(), base_text, sets);
  const engine::ModelInfo& info = mg::model().info();
  PreparedSweep s;
  // Metrics and kept series first: cheap checks before the edits meet the base scenario.
  for (const auto& item : def.summary) s.metrics.push_back(parse_metric(item, def, info));
  if (def.keep_series) {
    if (def.keep_series_names.empty()) {
      for (std::size_t k = 0; k < info.outputs.size(); ++k)
        s.kept_outputs.push_back(static_cast<int>(k));
    } else {
      for (const auto& n : def.keep_series_names) {
        const int k = info.find_output(n.text);
        if (k < 0) {
          std::vector<std::string> all;
          for (const auto& o : info.outputs) all.push_back(o.name);
          const std::string near = engine::closest_name(n.text, all);
          fail(def, n.mark, "no output series '" + n.text + "'" +
                                (near.empty() ? "" : "; did you mean '" + near + "'?"));
        }
        s.kept_outputs.push_back(k);
      }
    }
  }
  const std::string base = def.base_text, base_file = def.base_file;
  const engine::sweep::ScenarioLoader load = [&](const std::vector<std::string>& edits) {
    return load_scenario_text(base, base_file, edits).scenario;
  };
  s.plan = std::make_unique<engine::sweep::SweepPlan>(std::move(def), mg::vocabulary(), load);
  const engine::sweep::SweepDefinition& d = s.plan->definition();

  engine::sweep::SweepLayout& l = s.layout;
  l.runs = s.plan->runs();
  l.inputs = s.plan->columns();
  for (const auto& m : s.metrics) {
    // A dataset name cannot hold '/': "time_below(0.7 mmol/L)" is stored as
    // "time_below(0.7 mmol per L)".
    std::string column;
    for (char c : m.name) column += c == '/' ? std::string(" per ") : std::string(1, c);
    l.summaries.push_back({column, m.unit, m.description, true});
  }
  if (!s.kept_outputs.empty()) {
    std::vector<std::string> common;
    for (const auto& e : d.set) common.push_back(e.text());
    const engine::Scenario base = load(common);
    // Every run holds its kept series whole until it is written: refuse what cannot fit, with
    // the figures, before the first run (issue 11 item 3).
    const double samples = engine::SampleClock::count_estimate(base.duration_h, base.output.interval_h,
                                                               base.output.times_h.size());
    const double per_run = samples * static_cast<double>(s.kept_outputs.size() + 1) * 8;
    char what[160];
    std::snprintf(what, sizeof what, "keep_series: the kept series of one run (%.3g samples x %zu series)",
                  samples, s.kept_outputs.size());
    if (const auto why = memory_does_not_fit(per_run, what); !why.empty())
      throw engine::ScenarioError(d.file, d.keep_series_mark.line, d.keep_series_mark.column, why);
    l.series_time_h = engine::sample_times(base.duration_h, base.output.interval_h,
                                             base.output.times_h);
    for (int k : s.kept_outputs) {
      const auto& o = info.outputs[static_cast<std::size_t>(k)];
      l.series.push_back({o.name, o.unit, o.description, true});
    }
  }
  l.sweep_file = d.file;
  l.sweep_text = d.text;
  l.sweep_resolved = s.plan->resolved();
  l.base_file = d.base_file;
  l.base_text = d.base_text;
  // What makes two result files comparable: the same program version, model, sweep and base,
  // and the same solver defaults (a base that names no solver gets them: shards computed before
  // the default method changed do not merge with newer ones).
  const engine::SolverSpec solver_defaults;
  char solver[160];
  std::snprintf(solver, sizeof solver, "solver defaults %s %.17g %.17g %.17g",
                solver_defaults.method.c_str(), solver_defaults.rtol, solver_defaults.atol,
                solver_defaults.max_step_h);
  l.fingerprint = engine::sweep::fingerprint_of(std::string(engine::kVersion) + '\n' + info.name + ' ' +
                                         info.version + '\n' + l.sweep_resolved + '\n' +
                                         l.base_text + '\n' + solver);
  return s;
}

PreparedSweep prepare_sweep(const std::string& path, const std::vector<std::string>& sets) {
  std::string text;
  try {
    text = engine::read_input_file(path);
  } catch (const engine::InputFileError& e) {
    throw engine::ScenarioError(path, 1, 1, std::string("cannot read sweep file: ") + e.what());
  }
  return prepare_sweep_text(text, path, nullptr, sets);
}

engine::sweep::RunRecord compute_run(const PreparedSweep& sweep, std::uint64_t index,
                              const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  engine::sweep::RunRecord r;
  r.index = index;
  r.summaries.assign(sweep.metrics.size(), kNaN);
  const std::size_t t_count = sweep.layout.series_time_h.size();
  auto nan_series = [&] {
    r.series.assign(sweep.kept_outputs.size(), std::vector<double>(t_count, kNaN));
  };
  try {
    engine::sweep::SweepPlan::Run run = sweep.plan->run(index);
    r.inputs = std::move(run.inputs);
    const engine::sweep::SweepDefinition& d = sweep.plan->definition();
    LoadedScenario loaded = load_scenario_text(d.base_text, d.base_file, run.edits);
    MetricSink metrics(sweep.metrics, loaded.problem.duration_h);
    RunSummary summary = make_run_summary(loaded);
    SeriesSink kept(sweep.kept_outputs);
    std::vector<engine::SampleSink*> sinks{&metrics, &summary};
    if (!sweep.kept_outputs.empty()) sinks.push_back(&kept);
    engine::TeeSink tee(sinks);
    const engine::RunStats stats =
        engine::simulate(models::magnesium::model(), loaded.problem, tee, cancel);
    r.summaries = metrics.values(stats, summary);
    if (!sweep.kept_outputs.empty()) {
      if (!kept.series().empty() && kept.series().front().size() != t_count)
        throw std::runtime_error(
            "keep_series needs the same duration and output interval in every run; this run "
            "has " + std::to_string(kept.series().front().size()) + " samples, the sweep " +
            std::to_string(t_count));
      r.series = std::move(kept.series());
    }
    r.status = engine::sweep::RunStatus::Ok;
  } catch (const engine::ScenarioError& e) {
    r.status = engine::sweep::RunStatus::Failed;
    r.message = "scenario rejected: " + e.formatted();
  } catch (const std::exception& e) {
    r.status = engine::sweep::RunStatus::Failed;
    r.message = e.what();
  }
  if (r.status != engine::sweep::RunStatus::Ok) {
    if (cancel != nullptr && cancel->load()) {
      // Interrupted, not failed: not recorded, so that --resume computes it again.
      r.status = engine::sweep::RunStatus::NotRun;
      r.message.clear();
    }
    r.summaries.assign(sweep.metrics.size(), kNaN);
    if (!sweep.kept_outputs.empty()) nan_series();
    if (r.inputs.size() != sweep.layout.inputs.size())
      r.inputs.assign(sweep.layout.inputs.size(), engine::sweep::InputValue{kNaN, {}});
  }
  r.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

engine::io::MergeReport merge_sweep_shards(const std::string& output,
                                           const std::vector<std::string>& shards) {
  return engine::io::merge_sweep_files(output, shards, engine::kVersion);
}

}  // namespace magsim::app
