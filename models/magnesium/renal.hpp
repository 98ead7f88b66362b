// Renal Mg handling along the nephron (mmol/h).
//
// filtered = GFR x ultrafilterable Mg. Proximal tubule reabsorbs a fixed 10-25 % (Quamme &
// Dirks 1980). The thick ascending limb reabsorbs most of what reaches it, paracellularly
// (claudin-16/19), driven by the voltage NKCC2 makes: the CaSR lowers it smoothly as ionized Mg
// rises (the main homeostatic control; Rude 1980: Tm/GFR ~0.6 mmol/L with a sharp threshold),
// and a loop diuretic cuts it acutely. The DCT reabsorbs much of the rest through TRPM6
// (saturable), which thiazides down-regulate over weeks (Nijenhuis 2005) and cisplatin damages,
// and whose expression follows Mg status over days (Groenestege 2006; the same adaptation state
// as the gut's TRPM6/7).
// Chronic loop-diuretic use brings an adaptation (drugs.hpp): higher proximal reabsorption and a
// higher DCT transport maximum, so that between doses the kidney retains what the doses wasted.
// Other drugs scale the loop's transport maximum (the whole-kidney threshold: calcineurin
// inhibitors, EGFR antibodies and ethanol lower it, SGLT2 inhibitors raise it) or the DCT.
// In CKD the remnant nephrons lower their fractional reabsorption, so FEMg rises as GFR falls
// (Felsenfeld 2015). Normal FEMg ~2 % (0.5-4 %; Elisaf 1997).
#pragma once

#include "models/magnesium/parameters.hpp"
#include "models/magnesium/rate_laws.hpp"

namespace magsim::models::magnesium {

template <class T>
struct RenalModifiers {
  T loop_tal_inhibition;      // fraction of TAL reabsorption blocked by a loop diuretic
  T thiazide_downregulation;  // fraction of DCT TRPM6 lost under thiazides
  T tubular_damage;           // nephrotoxic damage, 0..1
  double ckd_reabsorption_kept;
  T trpm6_expression;         // status-driven TRPM6 expression, 1 at reference (gut_absorption.hpp)
  T tal_tm_factor;            // other drugs' scaling of the TAL transport maximum (1: none)
  T dct_kept;                 // share of DCT reabsorption left by other drugs (1: none lost)
  T proximal_factor;          // loop adaptation: proximal fraction x this (1: none)
  T dct_capacity_factor;      // loop adaptation: DCT transport maximum x this (1: none)
};

template <class T>
struct RenalHandling {
  T filtered;
  T proximal_reabsorbed;
  T tal_reabsorbed;
  T dct_reabsorbed;
  T urine;
  T tal_fraction;  // of the load reaching the TAL
  T dct_fraction;  // of the load reaching the DCT
};

template <class T>
RenalHandling<T> renal_handling(const T& ionized, const T& ultrafilterable, double gfr_L_h,
                                const RenalModifiers<T>& m, const double* p) {
  RenalHandling<T> r;
  r.filtered = gfr_L_h * ultrafilterable;
  r.proximal_reabsorbed = p[par::renal_proximal_fraction] * m.proximal_factor * r.filtered;
  const T to_tal = r.filtered - r.proximal_reabsorbed;

  // Transport that takes up to tal_max_fraction of what arrives and levels off at a maximum per
  // litre of filtrate (Tm/GFR), lowered by the CaSR as ionized Mg rises, by a loop diuretic, by
  // tubular damage and by CKD adaptation. The two limbs meet in a sharp smooth minimum,
  // min(a, b) ~ a / (1 + (a/b)^n)^(1/n), n = renal.tal_threshold_sharpness (Rude 1980: a sharp
  // threshold near normal plasma Mg, so a healthy kidney passes most of an extra load); the
  // reabsorbed amount never exceeds the load, so urine stays non-negative in deep deficiency.
  const T tal_load_per_filtrate = to_tal / gfr_L_h;
  const T casr_open = hill_off(ionized, p[par::renal_tal_casr_half_ionized], p[par::renal_tal_casr_hill]);
  // Mg status moves the loop's capacity too: Mg restriction raises loop reabsorption within days,
  // even when plasma Mg is restored by infusion (Shafik & Quamme 1989; Quamme & Dirks 1980), so a
  // depleted kidney holds on to much of a load. It follows the same status state as TRPM6.
  // Only up-regulation counts here: an excess is shed through the CaSR brake below, so the loop's
  // capacity follows deficiency (a smooth max(expression - 1, 0), width 0.004).
  // A tubule whose TRPM6/EGF machinery a drug has removed (thiazide, calcineurin inhibitor, EGFR
  // antibody) or damaged (cisplatin) cannot mount it (assumed: the adaptation is tied to the same
  // status signalling), which is why drug-induced wasting persists while dietary deficiency is
  // defended.
  const T up = m.trpm6_expression - 1.0;
  const T intact = m.dct_kept * (1.0 - m.tubular_damage) * (1.0 - m.thiazide_downregulation);
  const T status_gain =
      1.0 + p[par::renal_tal_status_adaptation] * intact * 0.5 * (up + sqrt(up * up + 1.6e-5) - 0.004);
  const T tal_capacity = p[par::renal_tal_tm_per_gfr] * status_gain * m.ckd_reabsorption_kept * casr_open *
                         (1.0 - m.loop_tal_inhibition) * (1.0 - p[par::nephrotoxin_tal_effect] * m.tubular_damage) *
                         m.tal_tm_factor;
  const T tal_take = p[par::renal_tal_max_fraction] * tal_load_per_filtrate;
  const T v = tal_take / tal_capacity;
  r.tal_reabsorbed = gfr_L_h * tal_take *
                     smooth_min_factor(v, power_of_two_steps(p[par::renal_tal_threshold_sharpness]));
  r.tal_fraction = r.tal_reabsorbed / to_tal;
  const T to_dct = to_tal - r.tal_reabsorbed;

  // TRPM6 saturation is set by the Mg concentration the DCT sees, per litre of filtrate. The
  // reabsorbed amount rises with the load and levels off sharply at ceiling x half-saturation
  // (a smooth minimum, (1 + u^n)^(-1/n), n = renal.dct_threshold_sharpness): the DCT works near
  // its transport maximum, so extra Mg reaching it passes to the urine, as the sharp whole-kidney
  // threshold shows (Rude 1980).
  const T dct_load_per_filtrate = to_dct / gfr_L_h;
  const T u = dct_load_per_filtrate / (p[par::renal_dct_half_saturation] * m.dct_capacity_factor);
  // Up- or down-regulated TRPM6 scales the odds of reabsorption, so the ceiling stays below 1.
  const double dmax = p[par::renal_dct_max_fraction];
  const T dct_ceiling = dmax * m.trpm6_expression / (1.0 - dmax + dmax * m.trpm6_expression);
  r.dct_fraction = dct_ceiling * m.ckd_reabsorption_kept *
                   (1.0 - m.thiazide_downregulation) * m.dct_kept *
                   (1.0 - p[par::nephrotoxin_dct_effect] * m.tubular_damage) *
                   smooth_min_factor(u, power_of_two_steps(p[par::renal_dct_threshold_sharpness]));
  r.dct_reabsorbed = r.dct_fraction * to_dct;
  r.urine = to_dct - r.dct_reabsorbed;
  return r;
}

}  // namespace magsim::models::magnesium
