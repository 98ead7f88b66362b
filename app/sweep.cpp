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

// Cumulative amounts under the names a modeler reads in a summary: "urine_mg.last_24h" is the
// urine Mg of the last 24 h (mmol), not a rate.
const std::vector<std::pair<std::string, std::string>> kAmountAliases{
    {"urine_mg", "cum_urine"},
    {"fecal_mg", "cum_fecal"},
    {"intake_mg", "cum_intake"},
    {"absorbed_mg", "cum_absorbed"}};

// Metrics of the whole run, named by one word.
struct WholeRunMetric {
  const char* name;
  SweepMetric::Kind kind;
  const char* unit;
  const char* description;
};
const WholeRunMetric kWholeRunMetrics[] = {
    {"absorbed_fraction", SweepMetric::Kind::AbsorbedFraction, "%",
     "true absorption / intake over the run (cum_absorbed / cum_intake at the end); counts the "
     "re-uptake of secreted Mg too, so it can exceed 100 % on a low intake"},
    {"net_absorbed_fraction", SweepMetric::Kind::NetAbsorbedFraction, "%",
     "net absorption / intake over the run ((cum_intake - cum_fecal) / cum_intake at the end; "
     "oral and IV intake)"},
    {"retention", SweepMetric::Kind::Retention, "%",
     "IV retention test: (dose - extra urine Mg in the 24 h from the first infusion's start) / "
     "dose; NaN without an infusion"},
    {"mass_balance_error", SweepMetric::Kind::MassBalance, "1",
     "relative mass-balance error of the run"},
};

[[noreturn]] void fail(const engine::sweep::SweepDefinition& d, const engine::SourceMark& m,
                       const std::string& message) {
  throw engine::ScenarioError(d.file, m.line > 0 ? m.line : 1, m.column > 0 ? m.column : 1,
                              message);
}

SweepMetric parse_metric(const engine::sweep::NamedItem& item, const engine::sweep::SweepDefinition& d,
                         const engine::ModelInfo& info) {
  SweepMetric m;
  m.name = item.text;
  const std::string& t = item.text;
  for (const auto& whole : kWholeRunMetrics) {
    if (t != whole.name) continue;
    m.kind = whole.kind;
    m.unit = whole.unit;
    m.description = whole.description;
    return m;
  }
  const auto dot = t.find('.');
  const std::string series = dot == std::string::npos ? t : t.substr(0, dot);
  const std::string stat = dot == std::string::npos ? "" : t.substr(dot + 1);
  for (const char* word : {"time_below", "time_above"}) {
    const std::string w = word;
    if (stat.compare(0, w.size(), w) != 0) continue;
    m.kind = w == "time_below" ? SweepMetric::Kind::TimeBelow : SweepMetric::Kind::TimeAbove;
    m.series = info.find_output(series);
    const int col = static_cast<int>(dot + 1 + w.size());
    const engine::SourceMark at{item.mark.line, item.mark.column + col};
    if (m.series < 0)
      fail(d, item.mark, "no output series '" + series + "' (see output.variables in the model)");
    if (stat.size() < w.size() + 2 || stat[w.size()] != '(' || stat.back() != ')')
      fail(d, at, "expected " + w + "(THRESHOLD UNIT), e.g. " + series + "." + w + "(0.7 " +
                      info.outputs[static_cast<std::size_t>(m.series)].unit + ")");
    const std::string& unit = info.outputs[static_cast<std::size_t>(m.series)].unit;
    const std::string arg = stat.substr(w.size() + 1, stat.size() - w.size() - 2);
    try {
      // Amounts of the element convert into each other: "1.7 mg/dL" is a serum Mg threshold too.
      const engine::units::QuantityKind kind{unit.empty() ? "1" : unit,
                                             "a threshold of " + series,
                                             unit.empty() ? "1" : unit,
                                             "0.7 " + unit,
                                             true,
                                             unit.empty() || unit == "1"};
      m.threshold = engine::units::convert(arg, kind, engine::scenario_defaults::element());
    } catch (const engine::units::UnitError& e) {
      fail(d, {at.line, at.column + 1 + static_cast<int>(e.offset())},
           "threshold of " + series + " (in " + unit + "): " + e.what());
    }
    m.unit = "h";
    m.description = std::string("time ") + series + (w == "time_below" ? " spends below " : " spends above ") +
                    engine::units::format_exact(m.threshold, unit) +
                    " (linear between samples)";
    return m;
  }
  std::string endpoint_text = t;
  std::string alias_note;
  for (const auto& [alias, cumulative] : kAmountAliases) {
    if (series != alias) continue;
    if (stat == "total") {
      endpoint_text = cumulative + ".final";
    } else if (stat == "last_24h") {
      endpoint_text = cumulative + ".last_24h";
    } else {
      fail(d, item.mark, "'" + alias + "' takes .total or .last_24h (an amount); for rates use " +
                             "the rate series, e.g. urine_mg_rate.mean");
    }
    alias_note = " (" + endpoint_text + ")";
  }
  m.kind = SweepMetric::Kind::Endpoint;
  try {
    m.endpoint = engine::parse_endpoint(endpoint_text, info);
  } catch (const std::invalid_argument& e) {
    fail(d, item.mark, std::string(e.what()) + "; or one of: " + sweep_metric_help());
  }
  m.endpoint.text = t;
  m.unit = engine::endpoint_unit(m.endpoint, info);
  const auto& out = info.outputs[static_cast<std::size_t>(info.find_output(m.endpoint.series))];
  m.description = stat + " of " + out.description + alias_note;
  return m;
}

// Every metric of one run, from the samples as they stream past.
class MetricSink : public engine::SampleSink {
 public:
  MetricSink(const std::vector<SweepMetric>& metrics, double duration_h) : metrics_(metrics) {
    for (const auto& m : metrics)
      if (m.kind == SweepMetric::Kind::Endpoint) endpoints_.emplace_back(m.endpoint, duration_h);
    time_.assign(metrics.size(), 0.0);
  }
  void begin(const engine::ModelInfo& info) override {
    for (auto& e : endpoints_) e.begin(info);
    intake_ = info.find_output("cum_intake");
    absorbed_ = info.find_output("cum_absorbed");
    fecal_ = info.find_output("cum_fecal");
    n_ = info.outputs.size();
    first_ = true;
  }
  void sample(double t, const double* y, const double* x) override {
    for (auto& e : endpoints_) e.sample(t, y, x);
    for (std::size_t k = 0; k < metrics_.size(); ++k) {
      const SweepMetric& m = metrics_[k];
      if (m.kind != SweepMetric::Kind::TimeBelow && m.kind != SweepMetric::Kind::TimeAbove)
        continue;
      if (first_) continue;
      const auto s = static_cast<std::size_t>(m.series);
      // Signed distance to the threshold, positive on the counted side.
      const double sign = m.kind == SweepMetric::Kind::TimeBelow ? -1.0 : 1.0;
      const double a = sign * (last_[s] - m.threshold), b = sign * (y[s] - m.threshold);
      time_[k] += engine::time_beyond(a, b, t - t_last_);
    }
    last_.assign(y, y + n_);
    t_last_ = t;
    first_ = false;
  }
  void end() override {
    for (auto& e : endpoints_) e.end();
  }

  std::vector<double> values(const engine::RunStats& stats, const RunSummary& summary) const {
    std::vector<double> v(metrics_.size(), kNaN);
    std::size_t e = 0;
    for (std::size_t k = 0; k < metrics_.size(); ++k) {
      switch (metrics_[k].kind) {
        case SweepMetric::Kind::Endpoint: v[k] = endpoints_[e++].value(); break;
        case SweepMetric::Kind::TimeBelow:
        case SweepMetric::Kind::TimeAbove: v[k] = time_[k]; break;
        case SweepMetric::Kind::AbsorbedFraction:
          if (intake_ >= 0 && absorbed_ >= 0 && !last_.empty() &&
              last_[static_cast<std::size_t>(intake_)] > 0)
            v[k] = 100.0 * last_[static_cast<std::size_t>(absorbed_)] /
                   last_[static_cast<std::size_t>(intake_)];
          break;
        case SweepMetric::Kind::NetAbsorbedFraction:
          if (intake_ >= 0 && fecal_ >= 0 && !last_.empty() &&
              last_[static_cast<std::size_t>(intake_)] > 0)
            v[k] = 100.0 *
                   (last_[static_cast<std::size_t>(intake_)] -
                    last_[static_cast<std::size_t>(fecal_)]) /
                   last_[static_cast<std::size_t>(intake_)];
          break;
        case SweepMetric::Kind::Retention: v[k] = summary.retention_percent(); break;
        case SweepMetric::Kind::MassBalance: v[k] = stats.mass_balance_relative_error; break;
      }
    }
    return v;
  }

 private:
  const std::vector<SweepMetric>& metrics_;
  std::vector<engine::EndpointSink> endpoints_;
  std::vector<double> time_;
  std::vector<double> last_;
  double t_last_ = 0;
  int intake_ = -1, absorbed_ = -1, fecal_ = -1;
  std::size_t n_ = 0;
  bool first_ = true;
};

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

const char* sweep_metric_help() {
  return "SERIES.initial|final|min|max|mean|last_24h, SERIES.time_below(X UNIT), "
         "SERIES.time_above(X UNIT), urine_mg.last_24h|total (also fecal_mg, intake_mg, "
         "absorbed_mg), absorbed_fraction, net_absorbed_fraction, retention, mass_balance_error";
}

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
  // What makes two result files comparable: the same program version, model, sweep and base.
  l.fingerprint = engine::sweep::fingerprint_of(std::string(engine::kVersion) + '\n' + info.name + ' ' +
                                         info.version + '\n' + l.sweep_resolved + '\n' +
                                         l.base_text);
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
