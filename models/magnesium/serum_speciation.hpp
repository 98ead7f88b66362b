// Serum Mg speciation: ionized, complexed (citrate, phosphate, bicarbonate) and albumin-bound.
//
// The ECF state holds all extracellular Mg. Ionized and complexed Mg fill the whole ECF volume
// (the ultrafilterable part, same concentration in plasma and interstitial fluid); albumin-bound
// Mg exists only in plasma. Given the ECF amount, the ionized concentration solves
//   E = V_ecf (1 + c) m + V_plasma B_max m / (K_d + m)
// (c = complexed per ionized; B_max = binding capacity x albumin), a quadratic in m.
// Figures: ionized ~60-65 %, complexed ~7 %, bound ~30 % of total (Boron tbl 36-8; van Ingen
// 1994); ultrafilterable ~0.70 of total (Ryschon 1996).
#pragma once

#include "models/magnesium/parameters.hpp"
#include "models/magnesium/rate_laws.hpp"
#include "models/magnesium/subject.hpp"

namespace magsim::models::magnesium {

template <class T>
struct SerumMg {
  T ionized;          // mmol/L
  T complexed;        // mmol/L
  T protein_bound;    // mmol/L of plasma
  T ultrafilterable;  // ionized + complexed, mmol/L
  T total;            // mmol/L of plasma
};

template <class T>
SerumMg<T> serum_speciation(const T& ecf_mmol, const SubjectConstants& c, const double* p) {
  const double kc = p[par::serum_complexed_per_ionized];
  const double kd = p[par::serum_albumin_binding_kd];
  const double bmax = p[par::serum_albumin_binding_capacity] * p[par::serum_albumin];  // mmol/L
  const double a = c.ecf_L * (1.0 + kc);
  const double b = c.plasma_L * bmax;
  // a m^2 + B m - E Kd = 0 with B = a Kd + b - E; the positive root, in the form free of
  // cancellation for either sign of B.
  const T B = a * kd + b - ecf_mmol;
  const T root = sqrt(B * B + 4.0 * a * kd * ecf_mmol);
  T ionized = (value(B) > 0) ? (2.0 * kd * ecf_mmol) / (B + root) : (root - B) / (2.0 * a);
  SerumMg<T> s{ionized, ionized * kc, bmax * ionized / (kd + ionized), ionized * (1.0 + kc), T(0.0)};
  s.total = s.ultrafilterable + s.protein_bound;
  return s;
}

}  // namespace magsim::models::magnesium
