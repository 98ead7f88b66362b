// A measured value to compare with a run: a series at one time (a serum draw) or the change of
// a cumulative series over a window (a timed urine collection), possibly below the assay's
// limit of quantification. Read from event datasets (engine/fit/dataset.hpp) and fit files.
#pragma once

#include <cmath>
#include <limits>
#include <string>

namespace magsim::engine::fit {

struct Observation {
  std::string series;  // a model output's name
  double time_h = 0;   // point: sample time; interval: the window's end
  // Interval observation: the window's start; the value is series(time_h) - series(start_h).
  // NaN: a point observation.
  double start_h = std::numeric_limits<double>::quiet_NaN();
  double value = 0;       // in the series' declared unit
  bool censored = false;  // below the limit of quantification; `value` then holds that limit
  std::string where;      // "FILE:ROW:COL" (or FILE:LINE:COL) of the value, for messages
  bool interval() const { return !std::isnan(start_h); }
};

}  // namespace magsim::engine::fit
