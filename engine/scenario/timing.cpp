#include "engine/scenario/timing.hpp"

#include <algorithm>

namespace magsim::engine {

Occurrences occurrences_of(const DoseTiming& timing, double from_h, double to_h) {
  Occurrences o;
  o.times_of_day_h = timing.times_of_day_h;
  std::sort(o.times_of_day_h.begin(), o.times_of_day_h.end());
  o.daily_from_h = timing.start_h;
  o.daily_to_h = timing.stop_h;
  // Single times count from t = 0 (a history before the run has only daily doses).
  for (double at : timing.at_h)
    if (at >= 0) o.at_h.push_back(at);
  std::sort(o.at_h.begin(), o.at_h.end());
  o.from_h = from_h;
  o.to_h = to_h;
  return o;
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
