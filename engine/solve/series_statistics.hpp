// One number from one output series, computed as samples stream past (constant memory):
// "serum_mg_total.final", "urine_mg_rate.mean", "cum_urine.last_24h", ...
// Used by `magsim sensitivity` now and by sweeps' summaries later.
#pragma once

#include <string>
#include <vector>

#include "engine/solve/sample_sink.hpp"

namespace magsim::engine {

enum class Statistic { Initial, Final, Min, Max, Mean, Last24h };

struct Endpoint {
  std::string series;
  Statistic statistic = Statistic::Final;
  std::string text;  // as the user wrote it
};

// Parses "SERIES.STAT" against the model's outputs; throws std::invalid_argument with the list
// of allowed statistics or a near-miss series name.
Endpoint parse_endpoint(const std::string& text, const ModelInfo& info);

// The unit of an endpoint's value: the series' unit (for last_24h of a cumulative series, the
// change over the last 24 h, in the same unit).
std::string endpoint_unit(const Endpoint& e, const ModelInfo& info);

const char* statistic_names();

// The part of a sample interval of `dt` h spent on the counted side of a threshold, the series
// taken as linear between samples: a and b are the signed distances to the threshold at the
// interval's two ends, positive on the counted side.
double time_beyond(double a, double b, double dt);  // "initial, final, min, max, mean, last_24h"

class EndpointSink : public SampleSink {
 public:
  EndpointSink(Endpoint endpoint, double duration_h)
      : endpoint_(std::move(endpoint)), duration_h_(duration_h) {}
  void begin(const ModelInfo& info) override;
  void sample(double t, const double* y, const double* x) override;
  // The endpoint's value; Mean is the time average by the trapezoidal rule over the samples.
  double value() const;

 private:
  Endpoint endpoint_;
  double duration_h_;
  int index_ = -1;
  long count_ = 0;
  double first_ = 0, last_ = 0, min_ = 0, max_ = 0;
  double t_prev_ = 0, y_prev_ = 0, integral_ = 0;
  double at_day_before_end_ = 0;
  bool have_day_before_end_ = false;
};

}  // namespace magsim::engine
