// The one metric language of magsim: what `magsim sensitivity --output`, the sweep file's
// `summary:` and magsim.sweep(summary=...) accept, each metric one number per run.
//
//   SERIES.initial|final|min|max|mean|last_24h   any output series (see `magsim params`)
//   SERIES.time_below(X UNIT) | time_above(X UNIT) hours the series spends below / above X
//                                                  (linear between samples)
//   urine_mg.last_24h, urine_mg.total            Mg in the urine over the last 24 h / the run
//   fecal_mg.*, intake_mg.*, absorbed_mg.*       likewise for feces, intake, true absorption
//   absorbed_fraction                            true absorption / intake over the run, % (counts
//                                                  re-uptake of secreted Mg: can exceed 100 %)
//   net_absorbed_fraction                        (intake - feces) / intake over the run, %
//   retention                                    IV retention (loading) test, % of the dose
//   mass_balance_error                           relative mass-balance error of the run
//
// The per-series part is engine::parse_endpoint (series_statistics.hpp): the text is split at
// its first dot outside parentheses and thresholds are converted with the engine's units.
#pragma once

#include <string>
#include <vector>

#include "app/run_summary.hpp"
#include "app/scenario_loading.hpp"
#include "engine/solve/series_statistics.hpp"
#include "engine/solve/simulator.hpp"

namespace magsim::app {

// A metric that does not parse; offset() is where in the text the mistake is.
using engine::MetricError;

struct Metric {
  enum class Kind { Endpoint, AbsorbedFraction, NetAbsorbedFraction, Retention, MassBalance };
  Kind kind = Kind::Endpoint;
  std::string name;  // as written
  std::string unit;
  std::string description;
  engine::Endpoint endpoint;  // Endpoint
};

// Parses one metric against the model's outputs. Throws MetricError (a
// std::invalid_argument) with the offset into `text` of what is wrong.
Metric parse_metric(const std::string& text, const engine::ModelInfo& info);

// The metrics, for messages and docs.
const char* metric_help();

// Every metric of one run, from the samples as they stream past.
class MetricSink : public engine::SampleSink {
 public:
  MetricSink(const std::vector<Metric>& metrics, double duration_h);
  void begin(const engine::ModelInfo& info) override;
  void sample(double t, const double* y, const double* x) override;
  void end() override;
  // One value per metric (NaN where it has none: a fraction without intake, retention without
  // an infusion). `summary`: the run's RunSummary (retention).
  std::vector<double> values(const engine::RunStats& stats, const RunSummary& summary) const;

 private:
  const std::vector<Metric>& metrics_;
  std::vector<engine::EndpointSink> endpoints_;
  std::vector<double> last_;
  int intake_ = -1, absorbed_ = -1, fecal_ = -1;
  std::size_t n_ = 0;
};

// Simulates `problem` (the scenario `loaded`, possibly with other parameters) and returns the
// value of `metric`. Throws engine::SimulationError as engine::simulate.
double metric_value(const engine::Model& model, const engine::Problem& problem,
                    const LoadedScenario& loaded, const Metric& metric);

}  // namespace magsim::app
