// Exchange of Mg between the ECF and intracellular pools (soft tissue, red cells), mmol/h.
//
// Each pool turns over with its own half-time (Mg-28 urinary components 1 h, 3 h and 14-35 h,
// Silver 1960; a slow pool with t1/2 ~1000 h, Avioli & Berman 1966) and takes Mg up through a
// saturable influx (cell Mg is regulated, changing less than serum in deficiency: Rude 1989),
// scaled so that the pool holds its reference content at the reference ionized Mg.
#pragma once

#include "models/magnesium/rate_laws.hpp"

namespace magsim::models::magnesium {

// Net flux from ECF into a pool: influx(ionized) - efflux(pool).
// `reference_content` (mmol) is the steady pool at `reference_ionized`; `extra_outflow_rate`
// (1/h) is any other first-order exit of the pool that the influx must balance at reference
// (bone remodeling uses it).
template <class T>
T cellular_uptake(const T& ionized, double reference_content, double reference_ionized,
                  double half_saturation, double turnover_rate, double extra_outflow_rate = 0.0) {
  return saturable_at_reference(ionized, reference_content * (turnover_rate + extra_outflow_rate),
                                reference_ionized, half_saturation);
}

template <class T>
T cellular_release(const T& content, double turnover_rate) {
  return turnover_rate * content;
}

// Regulated efflux: cells defend their Mg. Efflux (Na+/Mg2+ exchange, SLC41A1/CNNM) runs at the
// tracer rate at the set point and slows steeply as cell Mg falls below it:
//   release = k x content x (content / set_point)^n,  n = whole number (cheap exact power).
// At the set point the unidirectional flux, and so every tracer half-time, is unchanged; a
// sustained fall of the influx lowers the pool only by (influx ratio)^(1/(n+1)).
template <class T>
T regulated_release(const T& content, double set_point, double turnover_rate, double steepness) {
  return turnover_rate * content * hill_power(content, set_point, steepness);
}

// Cells short of Mg take it up faster: Mg entry pathways (MagT1, TRPM7) are up-regulated when
// cell Mg is low (Goytain & Quamme 2005; Schmitz 2003). The influx is multiplied by
//   (1 + G) / (1 + G (content / set_point)^m),   m a whole number,
// which is 1 at the set point (tracer half-times unchanged), rises toward 1 + G as the pool
// empties and falls below 1 above the set point. It is what lets a body depleted over months
// retain a large share of an IV load while a replete one excretes it (Fatemi 1991).
template <class T>
T deficit_uptake_factor(const T& content, double set_point, double gain, double steepness) {
  return (1.0 + gain) / (1.0 + gain * hill_power(content, set_point, steepness));
}

// Rapidly exchangeable Mg (interstitial matrix, cell surfaces, loosely bound cell Mg): a pool
// with no set point whose equilibrium content is proportional to ionized Mg, approached with a
// half-time of hours. It is the peripheral compartment of IV Mg kinetics (Lu 2002: Vp ~25 L,
// Q ~5.6 L/h): a bolus leaves the plasma within hours without being excreted. mmol/h into it.
template <class T>
T fast_exchange(const T& ionized, const T& content, double reference_content, double reference_ionized,
                double rate) {
  return rate * (reference_content * ionized / reference_ionized - content);
}

}  // namespace magsim::models::magnesium
