#include "engine/solve/series_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace magsim::engine {
namespace {

struct Named {
  const char* name;
  Statistic statistic;
};
constexpr Named kStatistics[] = {{"initial", Statistic::Initial}, {"final", Statistic::Final},
                                 {"min", Statistic::Min},         {"max", Statistic::Max},
                                 {"mean", Statistic::Mean},       {"last_24h", Statistic::Last24h}};

}  // namespace

const char* statistic_names() { return "initial, final, min, max, mean, last_24h"; }

double time_beyond(double a, double b, double dt) {
  if (a > 0 && b > 0) return dt;
  if (a > 0 || b > 0) return dt * std::max(a, b) / (std::abs(a) + std::abs(b));
  return 0.0;
}

Endpoint parse_endpoint(const std::string& text, const ModelInfo& info) {
  const auto dot = text.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
    throw std::invalid_argument("endpoint '" + text + "' is not SERIES.STATISTIC, e.g. " +
                                "serum_mg_total.final (statistics: " + statistic_names() + ")");
  Endpoint e;
  e.text = text;
  e.series = text.substr(0, dot);
  const std::string stat = text.substr(dot + 1);
  if (info.find_output(e.series) < 0) {
    std::string names;
    for (const auto& o : info.outputs) names += (names.empty() ? "" : ", ") + o.name;
    throw std::invalid_argument("unknown series '" + e.series + "'; the model's series are: " +
                                names);
  }
  const auto* it = std::find_if(std::begin(kStatistics), std::end(kStatistics),
                                [&](const Named& n) { return stat == n.name; });
  if (it == std::end(kStatistics))
    throw std::invalid_argument("unknown statistic '" + stat + "'; use one of " +
                                statistic_names());
  e.statistic = it->statistic;
  return e;
}

std::string endpoint_unit(const Endpoint& e, const ModelInfo& info) {
  return info.outputs[static_cast<size_t>(info.find_output(e.series))].unit;
}

void EndpointSink::begin(const ModelInfo& info) {
  index_ = info.find_output(endpoint_.series);
  if (index_ < 0) throw std::invalid_argument("unknown series '" + endpoint_.series + "'");
  count_ = 0;
  integral_ = 0;
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
  }
  return last_;
}

}  // namespace magsim::engine
