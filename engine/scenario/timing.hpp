// A scenario's dose timing (DoseTiming: daily times between a start and a stop, and single
// times) as the timeline's occurrences. Here rather than in engine/model/schedule.hpp so that the
// timeline knows nothing of the scenario format.
#pragma once

#include "engine/model/schedule.hpp"
#include "engine/scenario/scenario.hpp"

namespace magsim::engine {

// The occurrences of a dose with this timing inside [from_h, to_h): lazily unrolled.
Occurrences occurrences_of(const DoseTiming& timing, double from_h, double to_h);

// Number of daily doses per day in force at t = 0 (start < 0 <= stop): for steady-state averages.
double daily_doses_in_force_at_zero(const DoseTiming& timing);
// The same at time t (start < t <= stop), for a steady state at the start of a history.
double daily_doses_in_force_at(const DoseTiming& timing, double t);

}  // namespace magsim::engine
