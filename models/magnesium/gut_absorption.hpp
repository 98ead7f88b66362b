// The gut lumen: transit stomach -> duodenum/jejunum -> proximal ileum -> distal ileum -> colon ->
// feces (three small-bowel stages so that a dose arrives at the caecum as a delayed, narrow wave
// rather than an exponential trickle; the colon's unsaturated TRPM6/7 takes up the last ~20 % of a
// dose over the next day: uptake ~80 % done by 6 h, Schuchardt & Hahn 2017), dissolution of
// acid-requiring salts, passive paracellular and saturable transcellular (TRPM6/7) uptake, and
// endogenous secretion, osmotic speeding of colonic transit by dissolved Mg, and the slow
// TRPM6 adaptation to Mg status. Amounts in mmol, rates in mmol/h.
//
// Fine 1991 (JCI 88:396): absorption vs intake = hyperbolic + linear (7 % of intake); fractional
// absorption 65 % at the lowest load, 11 % at 80 mEq with a meal. Here the linear part is the
// paracellular uptake of the small bowel and the hyperbolic part the TRPM6/7 uptake of ileum and
// colon. Segment shares at 300 mg/d: duodenum+jejunum ~15 %, ileum ~25 %, colon ~5 % of intake
// (Kidney Atlas fig 4-5); here the colon takes ~6 % of intake, ~13 % of uptake.
#pragma once

#include "models/magnesium/parameters.hpp"
#include "models/magnesium/rate_laws.hpp"

namespace magsim::models::magnesium {

// Gastric emptying rate constant (1/h): fast when fasting, slowed by each meal being digested.
inline double gastric_emptying_rate(double meals, const double* p) {
  const double fasted = rate_from_half_time(p[par::gut_gastric_half_time_fasted]);
  const double m = meals > 0 ? meals : 0.0;
  return fasted / (1.0 + p[par::gut_meal_gastric_slowing] * m);
}

// Colonic transit rate constant (1/h): dissolved Mg is osmotically active, holds water in the
// colon and speeds transit (Fine, NEJM 1991: stool weight +7.3 g per mmol/d of fecal soluble Mg): the
// laxative action of Mg salts. Linear in the dissolved amount, so cheap and smooth.
// Unabsorbed salt anion (sulfate) counts like dissolved Mg: each holds its share of water.
template <class T>
T colon_transit_rate(const T& colon_dissolved, const T& colon_anion, const double* p) {
  const T osmotic = colon_dissolved + colon_anion;
  const T load = value(osmotic) > 0 ? osmotic : T(0.0) * osmotic;
  return (1.0 + load / p[par::gut_colon_osmotic_amount]) / p[par::gut_colon_transit_time];
}

// Rate constant (1/h) at which unabsorbed anion leaves stomach and small bowel for the colon: the
// inverse of the mean residence of the chain stomach -> jejunum -> ileum (derived, no parameter).
inline double anion_small_bowel_rate(double k_gastric, const double* p) {
  return 1.0 / (1.0 / k_gastric + p[par::gut_jejunum_transit_time] + p[par::gut_proximal_ileum_transit_time] +
                p[par::gut_distal_ileum_transit_time]);
}

// Colonic dissolution of undissolved salt (mmol Mg/h): limited by the fermentation acids (short-
// chain fatty acids) that reach it, 2 H+ per Mg, like the stomach's acid; this is why milk of
// magnesia and MgO laxate although they hardly dissolve at small-bowel pH.
template <class T>
T colon_dissolution(const T& undissolved, const double* p) {
  return 0.5 * p[par::gut_colon_acid_for_salt] * saturation(undissolved, p[par::gut_undissolved_half_saturation]);
}

// Stool weight (g/d) at a rate of osmotically active solute leaving in stool (mmol/d): Fine 1991's
// regression, and the share of people who have loose stools at it: individual thresholds
// log-normal around gut.loose_stool_weight with log-SD gut.loose_stool_spread (output only).
inline double stool_weight(double osmotic_mmol_per_day, const double* p) {
  return p[par::gut_stool_weight_basal] + p[par::gut_stool_weight_per_osmotic_mmol] * osmotic_mmol_per_day;
}
double loose_stool_probability(double stool_weight_g_per_day, const double* p);

// Gastric acid output (mmol H+/h): basal plus meal-stimulated, cut by proton-pump inhibition.
template <class T>
T gastric_acid_output(double meals, const T& pump_inhibition, const double* p) {
  const double m = meals > 0 ? meals : 0.0;
  return (p[par::gut_acid_output_basal] + p[par::gut_acid_output_meal] * m) * (1.0 - pump_inhibition);
}

// Gastric pH reported to the user: basal pH rising toward the fully suppressed value with pump
// inhibition (output only; dissolution uses the acid output itself).
template <class T>
T gastric_ph(const T& pump_inhibition, const double* p) {
  return p[par::gut_ph_basal] + (p[par::gut_ph_full_ppi] - p[par::gut_ph_basal]) * pump_inhibition;
}

// Acid-requiring salt dissolving in the stomach (mmol Mg/h): each Mg takes 2 H+, part of the
// secreted acid reaches the salt, and a small amount of salt captures less of it.
template <class T>
T gastric_dissolution(const T& undissolved, const T& acid_output, const double* p) {
  return p[par::gut_acid_dissolution_efficiency] * 0.5 * acid_output *
         saturation(undissolved, p[par::gut_undissolved_half_saturation]);
}

// Slow dissolution of salt beyond the stomach (mmol/h).
template <class T>
T intestinal_dissolution(const T& undissolved, const double* p) {
  return p[par::gut_intestinal_dissolution_rate] * undissolved;
}

// Passive paracellular uptake (mmol/h): proportional to dissolved luminal Mg (Fine 1991 linear
// component; de Baaij 2015).
template <class T>
T paracellular_uptake(const T& dissolved, double rate_per_h, double absorption_scale) {
  return absorption_scale * rate_per_h * dissolved;
}

// Transcellular TRPM6/7 uptake (mmol/h): saturable, lowered when PPI use raises luminal pH
// (Fine 1991 hyperbolic component; Hess 2012; Dutta 2024 luminal-pH factor).
template <class T>
T transcellular_uptake(const T& dissolved, double vmax, double km, const T& trpm6_activity,
                       double absorption_scale) {
  return absorption_scale * vmax * trpm6_activity * saturation(dissolved, km);
}

// Intestinal TRPM6/7 activity relative to a Mg-replete subject off PPIs: lowered when proton-pump
// inhibition raises luminal pH, scaled by the status-driven expression (trpm6_expression).
template <class T>
T gut_trpm6_activity(const T& pump_inhibition, const T& expression, const double* p) {
  return (1.0 - p[par::gut_ppi_trpm6_inhibition] * pump_inhibition) * expression;
}

// TRPM6 expression the Mg status calls for (relative to 1 at serum.reference_ionized): rises
// toward trpm6.max_upregulation as ionized Mg falls and falls below 1 as it rises (Groenestege
// 2006: Mg-deficient diet up-regulates, Mg-rich diet down-regulates colonic and renal TRPM6).
//   target = U / (1 + (U - 1) r^n),  r = ionized / reference, n a small integer.
template <class T>
T trpm6_expression_target(const T& ionized, const double* p) {
  const double up = p[par::trpm6_max_upregulation];
  const T r = ionized / p[par::serum_reference_ionized];
  return up / (1.0 + (up - 1.0) * int_power(r, p[par::trpm6_status_hill]));
}

// Expression follows its target over days (first order).
template <class T>
T trpm6_adaptation_rate(const T& expression, const T& ionized, const double* p) {
  return rate_from_half_time(p[par::trpm6_adaptation_half_time]) * (trpm6_expression_target(ionized, p) - expression);
}

// Endogenous secretion into the lumen (mmol/h): digestive fluids carry Mg in proportion to the
// ultrafilterable plasma level (Kidney Atlas: ~0.5 mmol/L upper, ~7.5 mmol/L lower GI fluids).
template <class T>
T endogenous_secretion(const T& ultrafilterable, double clearance_L_h) {
  return clearance_L_h * ultrafilterable;
}

}  // namespace magsim::models::magnesium
