#include "app/metrics.hpp"

#include <limits>

#include "app/run_output.hpp"
#include "engine/scenario/units.hpp"

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
  Metric::Kind kind;
  const char* unit;
  const char* description;
};
const WholeRunMetric kWholeRunMetrics[] = {
    {"absorbed_fraction", Metric::Kind::AbsorbedFraction, "%",
     "true absorption / intake over the run (cum_absorbed / cum_intake at the end); counts the "
     "re-uptake of secreted Mg too, so it can exceed 100 % on a low intake"},
    {"net_absorbed_fraction", Metric::Kind::NetAbsorbedFraction, "%",
     "net absorption / intake over the run ((cum_intake - cum_fecal) / cum_intake at the end; "
     "oral and IV intake)"},
    {"retention", Metric::Kind::Retention, "%",
     "IV retention test: (dose - extra urine Mg in the 24 h from the first infusion's start) / "
     "dose; NaN without an infusion"},
    {"mass_balance_error", Metric::Kind::MassBalance, "1",
     "relative mass-balance error of the run"},
};

}  // namespace

const char* metric_help() {
  return "SERIES.initial|final|min|max|mean|last_24h, SERIES.time_below(X UNIT), "
         "SERIES.time_above(X UNIT), urine_mg.last_24h|total (also fecal_mg, intake_mg, "
         "absorbed_mg), absorbed_fraction, net_absorbed_fraction, retention, mass_balance_error";
}

Metric parse_metric(const std::string& text, const engine::ModelInfo& info) {
  Metric m;
  m.name = text;
  for (const auto& whole : kWholeRunMetrics) {
    if (text != whole.name) continue;
    m.kind = whole.kind;
    m.unit = whole.unit;
    m.description = whole.description;
    return m;
  }
  const engine::MetricText parts = engine::split_metric(text);
  std::string endpoint_text = text;
  std::string alias_note;
  for (const auto& [alias, cumulative] : kAmountAliases) {
    if (parts.series != alias) continue;
    if (parts.statistic == "total" && !parts.has_argument) {
      endpoint_text = cumulative + ".final";
    } else if (parts.statistic == "last_24h" && !parts.has_argument) {
      endpoint_text = cumulative + ".last_24h";
    } else {
      throw engine::MetricError(parts.statistic_at,
                                "'" + alias + "' takes .total or .last_24h (an amount); for " +
                                    "rates use the rate series, e.g. urine_mg_rate.mean");
    }
    alias_note = " (" + endpoint_text + ")";
  }
  try {
    m.endpoint = engine::parse_endpoint(endpoint_text, info);
  } catch (const engine::MetricError& e) {
    // An alias's endpoint is always valid; offsets of other texts are the user's. A bad name
    // gets the whole list; a bad argument only its own message.
    if (parts.has_argument && e.offset() >= parts.argument_at - 1) throw;
    throw engine::MetricError(e.offset(), std::string(e.what()) + "; or one of: " + metric_help());
  }
  m.endpoint.text = text;
  m.unit = engine::endpoint_unit(m.endpoint, info);
  const auto& out = info.outputs[static_cast<std::size_t>(info.find_output(m.endpoint.series))];
  const std::string& unit = out.unit;
  switch (m.endpoint.statistic) {
    case engine::Statistic::TimeBelow:
    case engine::Statistic::TimeAbove:
      m.description = "time " + m.endpoint.series +
                      (m.endpoint.statistic == engine::Statistic::TimeBelow ? " spends below "
                                                                            : " spends above ") +
                      engine::units::format_exact(m.endpoint.threshold, unit) +
                      " (linear between samples)";
      break;
    default: m.description = parts.statistic + " of " + out.description + alias_note;
  }
  return m;
}

MetricSink::MetricSink(const std::vector<Metric>& metrics, double duration_h) : metrics_(metrics) {
  for (const auto& m : metrics)
    if (m.kind == Metric::Kind::Endpoint) endpoints_.emplace_back(m.endpoint, duration_h);
}

void MetricSink::begin(const engine::ModelInfo& info) {
  for (auto& e : endpoints_) e.begin(info);
  intake_ = info.find_output("cum_intake");
  absorbed_ = info.find_output("cum_absorbed");
  fecal_ = info.find_output("cum_fecal");
  n_ = info.outputs.size();
  last_.clear();
}

void MetricSink::sample(double t, const double* y, const double* x) {
  for (auto& e : endpoints_) e.sample(t, y, x);
  last_.assign(y, y + n_);
}

void MetricSink::end() {
  for (auto& e : endpoints_) e.end();
}

std::vector<double> MetricSink::values(const engine::RunStats& stats,
                                       const RunSummary& summary) const {
  std::vector<double> v(metrics_.size(), kNaN);
  auto at = [&](int i) { return last_[static_cast<std::size_t>(i)]; };
  const bool intake = intake_ >= 0 && !last_.empty() && at(intake_) > 0;
  std::size_t e = 0;
  for (std::size_t k = 0; k < metrics_.size(); ++k) {
    switch (metrics_[k].kind) {
      case Metric::Kind::Endpoint: v[k] = endpoints_[e++].value(); break;
      case Metric::Kind::AbsorbedFraction:
        if (intake && absorbed_ >= 0) v[k] = 100.0 * at(absorbed_) / at(intake_);
        break;
      case Metric::Kind::NetAbsorbedFraction:
        if (intake && fecal_ >= 0) v[k] = 100.0 * (at(intake_) - at(fecal_)) / at(intake_);
        break;
      case Metric::Kind::Retention: v[k] = summary.retention_percent(); break;
      case Metric::Kind::MassBalance: v[k] = stats.mass_balance_relative_error; break;
    }
  }
  return v;
}

double metric_value(const engine::Model& model, const engine::Problem& problem,
                    const LoadedScenario& loaded, const Metric& metric) {
  const std::vector<Metric> one{metric};
  MetricSink sink(one, problem.duration_h);
  RunSummary summary = make_run_summary(loaded);
  engine::TeeSink sinks({&sink, &summary});
  const engine::RunStats stats = engine::simulate(model, problem, sinks);
  return sink.values(stats, summary).front();
}

}  // namespace magsim::app
