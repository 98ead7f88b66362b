#include "engine/solve/threshold_monitor.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "engine/solve/series_statistics.hpp"

namespace magsim::engine {
namespace {

std::string number(double v, const char* fmt) {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

std::string ThresholdReport::warning_text(const std::string& label) const {
  const bool above = threshold.direction == ThresholdDirection::Above;
  std::string s = label + (above ? " above " : " below ") + number(threshold.value, "%g") + " " +
                  threshold.unit + " (" + threshold.meaning + ")";
  if (!crossed) return s + ": not reached";
  s += " first at " + number(first_h, "%.1f h") + ", " + number(time_beyond_h, "%.1f h") +
       " in all; " + (above ? "peak " : "trough ") + number(extreme, "%.3g") + " " +
       threshold.unit + " at " + number(extreme_h, "%.1f h");
  return s;
}

void ThresholdMonitor::begin(const ModelInfo& info) {
  series_.clear();
  state_.clear();
  for (const auto& t : thresholds_) {
    const int k = info.find_output(t.series);
    if (k < 0)
      throw std::invalid_argument("threshold '" + t.id + "' names no output series '" +
                                  t.series + "'");
    const auto& unit = info.outputs[static_cast<std::size_t>(k)].unit;
    if (unit != t.unit)
      throw std::invalid_argument("threshold '" + t.id + "' is in " + t.unit + ", series '" +
                                  t.series + "' in " + unit);
    std::size_t s = 0;
    while (s < series_.size() && series_[s].output != k) ++s;
    if (s == series_.size()) series_.push_back({k, SeriesRange{t.series, unit}});
    state_.push_back({s});
  }
  last_.assign(series_.size(), 0.0);
  first_ = true;
}

void ThresholdMonitor::sample(double t, const double* y, const double*) {
  for (std::size_t s = 0; s < series_.size(); ++s) {
    const double v = y[series_[s].output];
    auto& r = series_[s].range;
    if (first_ || v > r.max) r.max = v, r.max_h = t;
    if (first_ || v < r.min) r.min = v, r.min_h = t;
  }
  for (std::size_t k = 0; k < thresholds_.size(); ++k) {
    const AlertThreshold& th = thresholds_[k];
    State& st = state_[k];
    const double sign = th.direction == ThresholdDirection::Above ? 1.0 : -1.0;
    const double b = sign * (y[series_[st.series].output] - th.value);
    if (first_) {
      if (b > 0) st.first_h = t;
      continue;
    }
    const double a = sign * (last_[st.series] - th.value);
    st.beyond_h += time_beyond(a, b, t - t_last_);
    // Crossing inside the interval, on the straight line between the two samples.
    if (std::isnan(st.first_h) && b > 0) st.first_h = t_last_ + (t - t_last_) * (-a) / (b - a);
  }
  for (std::size_t s = 0; s < series_.size(); ++s) last_[s] = y[series_[s].output];
  t_last_ = t;
  first_ = false;
}

std::vector<ThresholdReport> ThresholdMonitor::reports() const {
  std::vector<ThresholdReport> out;
  for (std::size_t k = 0; k < thresholds_.size() && k < state_.size(); ++k) {
    ThresholdReport r;
    r.threshold = thresholds_[k];
    r.first_h = state_[k].first_h;
    r.crossed = !std::isnan(r.first_h);
    r.time_beyond_h = state_[k].beyond_h;
    const SeriesRange& range = series_[state_[k].series].range;
    const bool above = r.threshold.direction == ThresholdDirection::Above;
    r.extreme = above ? range.max : range.min;
    r.extreme_h = above ? range.max_h : range.min_h;
    out.push_back(r);
  }
  return out;
}

std::vector<SeriesRange> ThresholdMonitor::ranges() const {
  std::vector<SeriesRange> out;
  for (const auto& s : series_) out.push_back(s.range);
  return out;
}

}  // namespace magsim::engine
