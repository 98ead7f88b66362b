// What `magsim run` prints at the end: a few numbers a modeler checks first, each with its unit.
// Collected from the samples as they stream past, so memory stays constant.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "engine/solve/sample_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "engine/solve/threshold_monitor.hpp"

namespace magsim::app {

class RunSummary : public engine::SampleSink {
 public:
  explicit RunSummary(double duration_h) : duration_h_(duration_h) {}
  void begin(const engine::ModelInfo& info) override;
  void sample(double t, const double* y, const double* x) override;

  // For a run with IV magnesium: the retention (loading) test. Retention % = (dose - extra
  // urine in the 24 h from the infusion start, over the urine of the 24 h before it, or the urine
  // rate at the start when the run begins less than a day before the infusion) / dose.
  void set_infusion(double start_h, double dose_mmol) {
    infusion_start_h_ = start_h;
    infusion_dose_mmol_ = dose_mmol;
  }
  // NaN when there is no infusion or the run ends before start + 24 h.
  double retention_percent() const;

  // The clinical thresholds to watch (the model's vocabulary): first crossing, time beyond and
  // the series' peak and trough.
  void set_thresholds(std::vector<engine::AlertThreshold> thresholds) {
    alerts_ = engine::ThresholdMonitor(std::move(thresholds));
  }
  std::vector<engine::ThresholdReport> threshold_reports() const { return alerts_.reports(); }
  std::vector<engine::SeriesRange> series_ranges() const { return alerts_.ranges(); }
  // One line per threshold crossed, without the "warning: " prefix, in threshold order.
  std::vector<std::string> warnings() const;

  // Prints the table; `stats` carries wall time and mass balance.
  void print(std::ostream& os, const engine::RunStats& stats, const std::string& output_path) const;

 private:
  double duration_h_;
  int serum_ = -1, urine_ = -1, intake_ = -1, absorbed_ = -1, urine_rate_ = -1;
  double infusion_start_h_ = 0, infusion_dose_mmol_ = 0;
  double urine_at_start_ = 0, urine_at_start_plus_day_ = 0, urine_at_start_minus_day_ = 0;
  double urine_rate_at_start_ = 0;
  bool have_start_ = false, have_start_plus_day_ = false, have_day_before_start_ = false;
  std::vector<double> first_, day_before_end_, last_;
  double t_day_before_end_ = -1, t_last_ = 0;
  engine::ThresholdMonitor alerts_{{}};
  std::vector<std::string> names_, labels_;  // output names and descriptions, for warnings
};

}  // namespace magsim::app
