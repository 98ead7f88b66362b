// Subject-derived constants: body-size scaled volumes and pool sizes, GFR from eGFR and body
// surface area. Computed from the parameter vector (plain doubles: nothing here depends on the
// state, so nothing here needs derivatives).
#pragma once

#include <cmath>

#include "models/magnesium/parameters.hpp"
#include "models/magnesium/rate_laws.hpp"

namespace magsim::models::magnesium {

struct SubjectConstants {
  double bsa_m2;            // body surface area
  double gfr_ml_min;        // absolute GFR
  double gfr_L_h;
  double ecf_L;             // extracellular fluid, plasma included
  double plasma_L;
  double red_cell_L;
  double ckd_reabsorption_kept;  // 1 - CKD adaptation of loop and DCT reabsorption
  double age_absorption_factor;  // uptake left at this age
  double ckd_transcellular_kept; // transcellular uptake left with CKD's low calcitriol
};

// Du Bois & Du Bois 1916: BSA = 0.007184 W^0.425 H^0.725 (kg, cm).
// The right-hand side needs it at every evaluation although weight and height do not change
// within a run, and the two pow calls were ~9 % of a run's time: the last answer is kept per
// thread, keyed by both arguments (a NaN never matches, so it is always recomputed).
inline double body_surface_area_du_bois(double weight_kg, double height_cm) {
  thread_local double last_weight = -1, last_height = -1, last_bsa = 0;
  if (weight_kg != last_weight || height_cm != last_height) {
    last_bsa = 0.007184 * std::pow(weight_kg, 0.425) * std::pow(height_cm, 0.725);
    last_weight = weight_kg;
    last_height = height_cm;
  }
  return last_bsa;
}

// Surviving nephrons lower their fractional Mg reabsorption as GFR falls, so that FEMg rises and
// serum Mg stays near normal until GFR < 20-30 mL/min (Felsenfeld 2015).
inline double ckd_reabsorption_kept(double gfr_ml_min, const double* p) {
  const double x = gfr_ml_min / p[par::renal_ckd_adaptation_gfr50];
  return 1.0 - p[par::renal_ckd_adaptation_max] / (1.0 + int_power(x, p[par::renal_ckd_adaptation_hill]));
}

// Absorption falls gently with age above an onset (IOM 1997 ch. 6); smooth in age.
// Kept per thread like the BSA above, keyed by its three parameters.
inline double age_absorption_factor(const double* p) {
  const double age = p[par::body_age], onset = p[par::gut_age_decline_onset],
               rate = p[par::gut_age_decline_rate];
  thread_local double last_age = -1, last_onset = -1, last_rate = -1, last_factor = 1;
  if (age != last_age || onset != last_onset || rate != last_rate) {
    last_factor = std::exp(-rate * softplus(age - onset, 3.0));
    last_age = age;
    last_onset = onset;
    last_rate = rate;
  }
  return last_factor;
}

// Calcitriol falls as GFR drops (Levin 2007) and with it part of the active (transcellular)
// absorption; Spencer 1980 found net Mg absorption much lower in advanced CKD.
inline double ckd_transcellular_kept(double gfr_ml_min, const double* p) {
  const double x = gfr_ml_min / p[par::gut_ckd_calcitriol_gfr50];
  return 1.0 - p[par::gut_ckd_calcitriol_loss] / (1.0 + x * x);
}

inline SubjectConstants subject_constants(const double* p) {
  SubjectConstants c{};
  const double w = p[par::body_weight];
  c.bsa_m2 = body_surface_area_du_bois(w, p[par::body_height]);
  c.gfr_ml_min = p[par::renal_egfr] * c.bsa_m2 / 1.73 * p[par::renal_gfr_scale];
  c.gfr_L_h = c.gfr_ml_min * 0.06;
  c.ecf_L = p[par::body_ecf_volume_per_kg] * w;
  c.plasma_L = p[par::body_plasma_volume_per_kg] * w;
  c.red_cell_L = p[par::body_red_cell_volume_per_kg] * w;
  c.ckd_reabsorption_kept = ckd_reabsorption_kept(c.gfr_ml_min, p);
  c.age_absorption_factor = age_absorption_factor(p);
  c.ckd_transcellular_kept = ckd_transcellular_kept(c.gfr_ml_min, p);
  return c;
}

}  // namespace magsim::models::magnesium
