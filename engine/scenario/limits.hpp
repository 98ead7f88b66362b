// The ranges a scenario's values must lie in, all in one place (docs/scenario.md, "Ranges", lists
// them; keep the two in step). A value outside its range is refused where it is written
// (FILE:LINE:COL: error: naming the range, exit 2) instead of running into a numerical failure or
// an absurd result. Every bound is generous: far beyond any realistic clinical or research
// scenario (massive-overdose case reports included), so that it only catches nonsense such as
// 1e300 or a unit slip of several orders of magnitude.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "engine/model/model.hpp"

namespace magsim::engine::scenario_limits {

// ---- Subject ---------------------------------------------------------------------------------
inline constexpr double min_age_y = 0, max_age_y = 120;             // oldest documented: 122 y
inline constexpr double min_weight_kg = 1, max_weight_kg = 400;     // a preterm infant to severe obesity
inline constexpr double min_height_cm = 30, max_height_cm = 250;
inline constexpr double max_egfr = 200;                             // mL/min/1.73m2, above 0
inline constexpr double min_albumin_g_per_L = 10, max_albumin_g_per_L = 60;

// ---- Times -----------------------------------------------------------------------------------
// Every time and time span (duration, start, stop, at, over, every, pauses, max_step) lies
// within 150 y of t = 0: longer than any subject lives (also scenario_defaults::max_duration_h).
inline constexpr double max_time_h = 150 * 8766.0;
// Repeated injections ('every') at least a minute apart.
inline constexpr double min_injection_interval_h = 1.0 / 60;

// ---- Mg inputs, as elemental Mg (a salt mass or a dose per kg is converted first) -----------
// One dose (supplement, injection, IV bolus or loading dose): at most 100 g elemental Mg, about
// 1 kg of Epsom salt (MgSO4.7H2O, 9.9 % Mg). Clinical doses are below 2 g elemental (4-6 g of
// MgSO4 salt for eclampsia); massive-overdose case reports (Epsom salt taken by the cupful or as
// an enema, pump errors) reach tens of grams, which stay accepted.
inline constexpr double max_dose_mg = 100000;
// An infusion's maintenance rate: at most 100 g/h elemental Mg (clinical rates are 0.1-0.5 g/h;
// the fastest loading, 6 g MgSO4 over 15 min, is 2.4 g/h elemental).
inline constexpr double max_rate_mg_per_h = 100000;
// The diet: at most 10 g/d elemental Mg, about 30 times the usual intake (habitual intakes,
// mineral waters included, stay below 2 g/d).
inline constexpr double max_diet_mg_per_day = 10000;
// A drug dose (the drug's own mass): at most 1 kg (the largest, ethanol, is 10-14 g a drink).
inline constexpr double max_drug_dose_mg = 1e6;

// ---- Solver ----------------------------------------------------------------------------------
// rtol below 1e-12 asks for more than double precision gives over a long run; above 1e-2 the
// result is no longer a solution (rtol 1e300 once gave serum Mg of 5,000 mmol/L). atol is per
// state, scaled by the state's typical size, so it is relative in the same way.
inline constexpr double min_rtol = 1e-12, max_rtol = 1e-2;
inline constexpr double min_atol = 1e-15, max_atol = 1e-3;
// max_step: from 1 s (below that no run of days ends in reasonable time) to 30 d.
inline constexpr double min_max_step_h = 1.0 / 3600, max_max_step_h = 30 * 24.0;

// ---- Parameter overrides ---------------------------------------------------------------------
// A `parameters:` override (or --set parameters.X=...) outside the parameter's plausible range
// is a warning of `magsim check`; far outside it is an error. "Far" is more than ten times beyond
// the range: [min / 10, max x 10]. A dimensionless parameter may be 0 (switching its mechanism
// off: no filtration, no adaptation), and one whose whole plausible range lies within 0-1 (a
// fraction, an inhibition, a reducing factor) is at most 1.
inline constexpr double parameter_widening = 10;

struct Range {
  double lo = 0, hi = 0;
};

inline bool dimensionless(const ParameterInfo& p) { return p.unit.empty() || p.unit == "1"; }

inline Range parameter_override_range(const ParameterInfo& p) {
  Range r;
  if (p.min < 0)
    r.lo = p.min * parameter_widening;
  else if (dimensionless(p))
    r.lo = 0;
  else
    r.lo = p.min / parameter_widening;
  if (dimensionless(p) && p.min >= 0 && p.max <= 1)
    r.hi = 1;
  else if (p.max > 0)
    r.hi = p.max * parameter_widening;
  else
    r.hi = p.max / parameter_widening;
  if (!std::isfinite(p.min)) r.lo = -std::numeric_limits<double>::infinity();
  if (!std::isfinite(p.max)) r.hi = std::numeric_limits<double>::infinity();
  return r;
}

}  // namespace magsim::engine::scenario_limits
