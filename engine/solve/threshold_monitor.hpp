// Clinical thresholds at run time: for each AlertThreshold, whether and when its series first
// went beyond it, for how long in all, and the series' peak (Above) or trough (Below), computed
// from the samples as they stream past (constant memory). The series is taken as linear between
// samples, as the sweep's time_above / time_below are; peaks and troughs are sample values.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "engine/solve/sample_sink.hpp"
#include "engine/model/vocabulary.hpp"

namespace magsim::engine {

struct ThresholdReport {
  AlertThreshold threshold;
  bool crossed = false;  // beyond the threshold at some time of the run
  double first_h = std::numeric_limits<double>::quiet_NaN();  // first time beyond, h
  double time_beyond_h = 0;                                   // total time beyond, h
  // The series' peak (Above) or trough (Below) over the run, in the threshold's unit, and when.
  double extreme = std::numeric_limits<double>::quiet_NaN();
  double extreme_h = std::numeric_limits<double>::quiet_NaN();

  // "serum total Mg above 3.5 mmol/L (loss of patellar reflexes) first at 2.4 h, 6.1 h in
  // all; peak 4.8 mmol/L at 12.0 h" (no "warning: " prefix); `label` names the series.
  std::string warning_text(const std::string& label) const;
};

// Peak and trough of one monitored series over the run (sample values), in `unit`.
struct SeriesRange {
  std::string series;
  std::string unit;
  double min = std::numeric_limits<double>::quiet_NaN(), min_h = 0;
  double max = std::numeric_limits<double>::quiet_NaN(), max_h = 0;
};

class ThresholdMonitor : public SampleSink {
 public:
  explicit ThresholdMonitor(std::vector<AlertThreshold> thresholds)
      : thresholds_(std::move(thresholds)) {}
  // Throws std::invalid_argument for a threshold on a series the model does not output, or in
  // another unit than the series'.
  void begin(const ModelInfo& info) override;
  void sample(double t, const double* y, const double* x) override;

  std::vector<ThresholdReport> reports() const;  // in the order of the thresholds
  std::vector<SeriesRange> ranges() const;       // one per distinct series, first use first

 private:
  struct Series {
    int output = -1;
    SeriesRange range;
  };
  struct State {
    std::size_t series = 0;
    double first_h = std::numeric_limits<double>::quiet_NaN();
    double beyond_h = 0;
  };
  std::vector<AlertThreshold> thresholds_;
  std::vector<Series> series_;
  std::vector<State> state_;
  std::vector<double> last_;  // last sample of each series
  double t_last_ = 0;
  bool first_ = true;
};

}  // namespace magsim::engine
