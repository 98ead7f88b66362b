#include "engine/solve/series_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/scenario/units.hpp"

namespace magsim::engine {
namespace {

struct Named {
  const char* name;
  Statistic statistic;
  bool threshold;  // takes "(X UNIT)"
};
constexpr Named kStatistics[] = {
    {"initial", Statistic::Initial, false},      {"final", Statistic::Final, false},
    {"min", Statistic::Min, false},              {"max", Statistic::Max, false},
    {"mean", Statistic::Mean, false},            {"last_24h", Statistic::Last24h, false},
    {"time_below", Statistic::TimeBelow, true},  {"time_above", Statistic::TimeAbove, true}};

}  // namespace

const char* statistic_names() {
  return "initial, final, min, max, mean, last_24h, time_below(X UNIT), time_above(X UNIT)";
}

double time_beyond(double a, double b, double dt) {
  if (a > 0 && b > 0) return dt;
  if (a > 0 || b > 0) return dt * std::max(a, b) / (std::abs(a) + std::abs(b));
  return 0.0;
}

MetricText split_metric(const std::string& text) {
  if (text.empty()) throw MetricError(0, "empty metric; expected SERIES.STATISTIC");
  MetricText m;
  std::size_t dot = std::string::npos, open = std::string::npos, close = std::string::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (close != std::string::npos)
      throw MetricError(i, "unexpected '" + text.substr(i) + "' after ')'");
    if (c == '(') {
      if (open != std::string::npos) throw MetricError(i, "'(' inside parentheses");
      if (dot == std::string::npos)
        throw MetricError(i, "'(' before the '.': expected SERIES.STATISTIC(ARGUMENT)");
      open = i;
    } else if (c == ')') {
      if (open == std::string::npos) throw MetricError(i, "')' without '('");
      close = i;
    } else if (c == '.' && open == std::string::npos && dot == std::string::npos) {
      dot = i;
    }
  }
  if (open != std::string::npos && close == std::string::npos)
    throw MetricError(text.size(), "missing ')'");
  m.series = text.substr(0, dot);
  if (dot == std::string::npos) return m;
  m.statistic_at = dot + 1;
  m.statistic = text.substr(dot + 1, (open == std::string::npos ? text.size() : open) - dot - 1);
  if (open != std::string::npos) {
    m.has_argument = true;
    m.argument_at = open + 1;
    m.argument = text.substr(open + 1, close - open - 1);
  }
  return m;
}

Endpoint parse_endpoint(const std::string& text, const ModelInfo& info) {
  const MetricText m = split_metric(text);
  const std::string example = "e.g. serum_mg_total.final (statistics: " +
                              std::string(statistic_names()) + ")";
  if (m.series.empty()) throw MetricError(0, "no series before the '.'; " + example);
  if (m.statistic_at == 0)
    throw MetricError(text.size(), "'" + text + "' is not SERIES.STATISTIC, " + example);
  Endpoint e;
  e.text = text;
  e.series = m.series;
  const int index = info.find_output(e.series);
  if (index < 0) {
    std::string names;
    for (const auto& o : info.outputs) names += (names.empty() ? "" : ", ") + o.name;
    throw MetricError(0, "unknown series '" + e.series + "'; the model's series are: " + names);
  }
  const auto* it = std::find_if(std::begin(kStatistics), std::end(kStatistics),
                                [&](const Named& n) { return m.statistic == n.name; });
  if (it == std::end(kStatistics))
    throw MetricError(m.statistic_at, "unknown statistic '" + m.statistic + "'; use one of " +
                                          statistic_names());
  e.statistic = it->statistic;
  const std::string& unit = info.outputs[static_cast<std::size_t>(index)].unit;
  const std::string example_argument = "(0.7 " + (unit.empty() ? std::string("1") : unit) + ")";
  if (!it->threshold && m.has_argument)
    throw MetricError(m.argument_at - 1, "'" + m.statistic + "' takes no argument");
  if (it->threshold && !m.has_argument)
    throw MetricError(m.statistic_at + m.statistic.size(),
                      "expected " + m.statistic + "(THRESHOLD UNIT), e.g. " + e.series + "." +
                          m.statistic + example_argument);
  if (it->threshold) {
    try {
      // Amounts of the element convert into each other: "1.7 mg/dL" is a serum Mg threshold too.
      const units::QuantityKind kind{unit.empty() ? "1" : unit,
                                     "a threshold of " + e.series,
                                     unit.empty() ? "1" : unit,
                                     "0.7 " + unit,
                                     true,
                                     unit.empty() || unit == "1"};
      e.threshold = units::convert(m.argument, kind, units::Element{});
    } catch (const units::UnitError& err) {
      throw MetricError(m.argument_at + err.offset(),
                        "threshold of " + e.series + " (in " + unit + "): " + err.what());
    }
  }
  return e;
}

std::string endpoint_unit(const Endpoint& e, const ModelInfo& info) {
  if (e.statistic == Statistic::TimeBelow || e.statistic == Statistic::TimeAbove) return "h";
  return info.outputs[static_cast<size_t>(info.find_output(e.series))].unit;
}

void EndpointSink::begin(const ModelInfo& info) {
  index_ = info.find_output(endpoint_.series);
  if (index_ < 0) throw std::invalid_argument("unknown series '" + endpoint_.series + "'");
  count_ = 0;
  integral_ = 0;
  time_beyond_ = 0;
  have_day_before_end_ = false;
}

void EndpointSink::sample(double t, const double* y, const double*) {
  const double v = y[index_];
  if (count_ == 0) {
    first_ = min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
    integral_ += 0.5 * (v + y_prev_) * (t - t_prev_);
    if (endpoint_.statistic == Statistic::TimeBelow || endpoint_.statistic == Statistic::TimeAbove) {
      // Signed distance to the threshold, positive on the counted side.
      const double sign = endpoint_.statistic == Statistic::TimeBelow ? -1.0 : 1.0;
      time_beyond_ += time_beyond(sign * (y_prev_ - endpoint_.threshold),
                                  sign * (v - endpoint_.threshold), t - t_prev_);
    }
  }
  if (t <= duration_h_ - 24.0 + 1e-9) {
    at_day_before_end_ = v;
    have_day_before_end_ = true;
  }
  last_ = v;
  t_prev_ = t;
  y_prev_ = v;
  ++count_;
}

double EndpointSink::value() const {
  if (count_ == 0) throw std::logic_error("endpoint of a run without samples");
  switch (endpoint_.statistic) {
    case Statistic::Initial: return first_;
    case Statistic::Final: return last_;
    case Statistic::Min: return min_;
    case Statistic::Max: return max_;
    case Statistic::Mean: return t_prev_ > 0 ? integral_ / t_prev_ : first_;
    case Statistic::Last24h: return last_ - (have_day_before_end_ ? at_day_before_end_ : first_);
    case Statistic::TimeBelow:
    case Statistic::TimeAbove: return time_beyond_;
  }
  return last_;
}

}  // namespace magsim::engine
