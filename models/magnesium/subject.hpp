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
inline double body_surface_area_du_bois(double weight_kg, double height_cm) {
  return 0.007184 * std::pow(weight_kg, 0.425) * std::pow(height_cm, 0.725);
}

// Surviving nephrons lower their fractional Mg reabsorption as GFR falls, so that FEMg rises and
// serum Mg stays near normal until GFR < 20-30 mL/min (Felsenfeld 2015).
inline double ckd_reabsorption_kept(double gfr_ml_min, const double* p) {
  const double x = gfr_ml_min / p[par::renal_ckd_adaptation_gfr50];
  return 1.0 - p[par::renal_ckd_adaptation_max] / (1.0 + int_power(x, p[par::renal_ckd_adaptation_hill]));
}

// Absorption falls gently with age above an onset (IOM 1997 ch. 6); smooth in age.
inline double age_absorption_factor(const double* p) {
  const double years_over = softplus(p[par::body_age] - p[par::gut_age_decline_onset], 3.0);
  return std::exp(-p[par::gut_age_decline_rate] * years_over);
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
