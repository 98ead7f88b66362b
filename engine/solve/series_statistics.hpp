// One number from one output series, computed as samples stream past (constant memory):
// "serum_mg_total.final", "urine_mg_rate.mean", "cum_urine.last_24h",
// "serum_mg_total.time_below(0.7 mmol/L)", ... The one metric language of `magsim sensitivity
// --output`, the sweep file's `summary:` and magsim.sweep(summary=...): app/metrics.hpp adds the
// model's whole-run metrics and amount names on top of these.
//
//   METRIC     := SERIES "." STATISTIC | SERIES "." STATISTIC "(" ARGUMENT ")"
//   STATISTIC  := initial | final | min | max | mean | last_24h      (no argument)
//               | time_below(X UNIT) | time_above(X UNIT)           (hours below / above X)
//
// The text is split at its first dot outside parentheses, so an argument may hold dots and
// slashes ("time_below(0.7 mmol/L)"). X UNIT converts to the series' unit (an elemental amount
// converts through the element: "1.7 mg/dL" is a serum Mg threshold too).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/solve/sample_sink.hpp"

namespace magsim::engine {

enum class Statistic { Initial, Final, Min, Max, Mean, Last24h, TimeBelow, TimeAbove };

struct Endpoint {
  std::string series;
  Statistic statistic = Statistic::Final;
  double threshold = 0;  // TimeBelow / TimeAbove: in the series' unit
  std::string text;  // as the user wrote it
};

// A metric that cannot be read: what is wrong, and where (0-based offset into the text), so
// that a YAML reader can point at file:line:col and the command line at the character.
class MetricError : public std::invalid_argument {
 public:
  MetricError(std::size_t offset, const std::string& message)
      : std::invalid_argument(message), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// A metric's text split at its first dot outside parentheses.
struct MetricText {
  std::string series;     // before the dot (the whole text when there is none)
  std::string statistic;  // after the dot, up to "(" ("" when there is no dot)
  std::string argument;   // between the parentheses
  bool has_argument = false;
  std::size_t statistic_at = 0, argument_at = 0;  // offsets of statistic and argument
};
// Throws MetricError for an empty text, unbalanced parentheses, parentheses before the dot or
// text after the closing one.
MetricText split_metric(const std::string& text);

// Parses "SERIES.STAT" or "SERIES.STAT(X UNIT)" against the model's outputs; throws MetricError
// naming the allowed statistics, the model's series or the unit problem.
Endpoint parse_endpoint(const std::string& text, const ModelInfo& info);

// The unit of an endpoint's value: the series' unit (for last_24h of a cumulative series, the
// change over the last 24 h, in the same unit).
std::string endpoint_unit(const Endpoint& e, const ModelInfo& info);

const char* statistic_names();  // "initial, final, min, max, mean, last_24h, time_below(X UNIT), ..."

// The part of a sample interval of `dt` h spent on the counted side of a threshold, the series
// taken as linear between samples: a and b are the signed distances to the threshold at the
// interval's two ends, positive on the counted side.
double time_beyond(double a, double b, double dt);

class EndpointSink : public SampleSink {
 public:
  EndpointSink(Endpoint endpoint, double duration_h)
      : endpoint_(std::move(endpoint)), duration_h_(duration_h) {}
  void begin(const ModelInfo& info) override;
  void sample(double t, const double* y, const double* x) override;
  // The endpoint's value; Mean is the time average by the trapezoidal rule over the samples;
  // TimeBelow / TimeAbove in h, the series taken as linear between samples.
  double value() const;

 private:
  Endpoint endpoint_;
  double duration_h_;
  int index_ = -1;
  long count_ = 0;
  double first_ = 0, last_ = 0, min_ = 0, max_ = 0;
  double t_prev_ = 0, y_prev_ = 0, integral_ = 0, time_beyond_ = 0;
  double at_day_before_end_ = 0;
  bool have_day_before_end_ = false;
};

}  // namespace magsim::engine
