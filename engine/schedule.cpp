#include "engine/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace magsim::engine {

std::vector<double> dose_times(const DoseTiming& timing, double end_h) {
  return dose_times(timing, 0.0, end_h);
}

std::vector<double> dose_times(const DoseTiming& timing, double from_h, double end_h) {
  std::vector<double> t;
  const double start = std::max(timing.start_h, from_h);
  const double stop = std::min(timing.stop_h, end_h);
  if (!timing.times_of_day_h.empty() && stop > start) {
    // First midnight at or before `start`, then every day's times that fall in [start, stop).
    for (double day = std::floor(start / 24.0) * 24.0; day < stop; day += 24.0)
      for (double tod : timing.times_of_day_h) {
        const double when = day + tod;
        if (when >= start && when < stop) t.push_back(when);
      }
  }
  for (double at : timing.at_h)
    if (at >= 0 && at < end_h) t.push_back(at);
  std::sort(t.begin(), t.end());
  return t;
}

double daily_doses_in_force_at_zero(const DoseTiming& timing) {
  return daily_doses_in_force_at(timing, 0.0);
}

double daily_doses_in_force_at(const DoseTiming& timing, double t) {
  if (timing.start_h < t && timing.stop_h > t)
    return static_cast<double>(timing.times_of_day_h.size());
  return 0.0;
}

}  // namespace magsim::engine
