// The magnesium model's parameters: one index per entry of the declared table (parameters.cpp),
// in the same order. Fluxes read them as p[par::name]; the table gives each its unit, plausible
// range, source and, where the value was fitted, to what.
#pragma once

#include <vector>

#include "engine/model/model.hpp"
#include "models/magnesium/salts.hpp"

namespace magsim::models::magnesium {

namespace par {
enum Index : int {
  // Subject and body water spaces
  body_weight,
  body_height,
  body_age,
  body_typical_height_female,
  body_typical_height_male,
  body_ecf_volume_per_kg,
  body_plasma_volume_per_kg,
  body_red_cell_volume_per_kg,
  // Serum speciation
  serum_albumin,
  serum_complexed_per_ionized,
  serum_albumin_binding_capacity,
  serum_albumin_binding_kd,
  serum_reference_ionized,
  // Gut: transit
  gut_gastric_half_time_fasted,
  gut_meal_gastric_slowing,
  gut_meal_duration,
  gut_jejunum_transit_time,
  gut_proximal_ileum_transit_time,
  gut_distal_ileum_transit_time,
  gut_colon_transit_time,
  gut_colon_osmotic_amount,
  // Gut: dissolution of acid-requiring salts
  gut_acid_output_basal,
  gut_acid_output_meal,
  gut_acid_dissolution_efficiency,
  gut_undissolved_half_saturation,
  gut_intestinal_dissolution_rate,
  gut_ph_basal,
  gut_ph_full_ppi,
  gut_colon_acid_for_salt,
  gut_anion_absorption_vmax,
  gut_anion_absorption_km,
  gut_stool_weight_basal,
  gut_stool_weight_per_osmotic_mmol,
  gut_loose_stool_weight,
  gut_loose_stool_spread,
  // Gut: uptake and secretion
  gut_paracellular_rate_jejunum,
  gut_paracellular_rate_ileum,
  gut_trpm6_vmax_ileum,
  gut_trpm6_km_ileum,
  gut_trpm6_vmax_colon,
  gut_trpm6_km_colon,
  gut_ppi_trpm6_inhibition,
  gut_absorption_scale,
  gut_age_decline_onset,
  gut_age_decline_rate,
  gut_secretion_clearance_upper,
  gut_secretion_clearance_ileum,
  gut_secretion_clearance_colon,
  gut_mucosal_shedding,
  gut_ckd_calcitriol_loss,
  gut_ckd_calcitriol_gfr50,
  // TRPM6 adaptation to Mg status (gut and DCT)
  trpm6_max_upregulation,
  trpm6_status_hill,
  trpm6_adaptation_half_time,
  // Kidney
  renal_egfr,
  renal_gfr_scale,
  renal_proximal_fraction,
  renal_tal_tm_per_gfr,
  renal_tal_max_fraction,
  renal_tal_casr_half_ionized,
  renal_tal_casr_hill,
  renal_tal_threshold_sharpness,
  renal_tal_status_adaptation,
  renal_dct_max_fraction,
  renal_dct_half_saturation,
  renal_dct_threshold_sharpness,
  renal_ckd_adaptation_max,
  renal_ckd_adaptation_gfr50,
  renal_ckd_adaptation_hill,
  // Cells and bone
  rbc_reference_concentration,
  rbc_exchange_half_time,
  rbc_uptake_half_saturation,
  tissue_fast_content,
  tissue_fast_half_time,
  tissue_medium_content,
  tissue_medium_half_time,
  tissue_slow_content,
  tissue_slow_half_time,
  tissue_uptake_half_saturation,
  tissue_efflux_set_point_hill,
  tissue_uptake_deficit_gain,
  tissue_uptake_deficit_hill,
  exchange_fast_content,
  exchange_fast_half_time,
  bone_exchangeable_content,
  bone_exchangeable_half_time,
  bone_release_set_point_hill,
  bone_deep_content,
  bone_deep_half_time,
  // Brain and cerebrospinal fluid
  brain_mass,
  brain_tissue_content,
  brain_exchange_half_time,
  brain_csf_volume,
  brain_csf_formation_rate,
  brain_csf_reference_concentration,
  brain_csf_secretion_half_saturation,
  l_threonate_brain_uptake_factor,
  // Intramuscular injection depot
  im_absorption_half_time,
  // Drug classes (reference drug in brackets in the table)
  ppi_absorption_rate,
  ppi_bioavailability,
  ppi_half_life,
  ppi_inactivation_rate,
  ppi_half_effect_amount,
  ppi_pump_recovery_half_time,
  loop_absorption_rate,
  loop_bioavailability,
  loop_half_life,
  loop_max_tal_inhibition,
  loop_half_effect_amount,
  loop_adaptation_half_time,
  loop_adaptation_proximal_gain,
  loop_adaptation_distal_gain,
  loop_adaptation_half_level,
  thiazide_bioavailability,
  thiazide_half_life,
  thiazide_max_dct_downregulation,
  thiazide_half_effect_amount,
  thiazide_adaptation_half_time,
  nephrotoxin_half_life,
  nephrotoxin_injury_rate,
  nephrotoxin_repair_half_time,
  nephrotoxin_dct_effect,
  nephrotoxin_tal_effect,
  sglt2_bioavailability,
  sglt2_half_life,
  sglt2_max_tm_rise,
  sglt2_half_effect_amount,
  cni_bioavailability,
  cni_half_life,
  cni_max_dct_downregulation,
  cni_half_effect_amount,
  cni_adaptation_half_time,
  cni_tm_effect,
  egfr_antibody_half_life,
  egfr_antibody_max_trpm6_loss,
  egfr_antibody_half_effect_amount,
  egfr_antibody_loss_half_time,
  egfr_antibody_tm_effect,
  ethanol_absorption_rate,
  ethanol_distribution_volume,
  ethanol_max_elimination_rate,
  ethanol_elimination_km,
  ethanol_max_tm_inhibition,
  ethanol_half_effect_concentration,
  // Conditions: magnitudes applied by conditions.cpp
  pregnancy_gfr_factor,
  pregnancy_volume_factor,
  pregnancy_albumin_factor,
  pregnancy_tal_tm_factor,
  pregnancy_absorption_factor,
  preeclampsia_gfr_factor,
  chronic_diarrhea_transit_factor,
  chronic_diarrhea_secretion_factor,
  crohns_transit_factor,
  crohns_ileal_uptake_factor,
  ileal_resection_transit_factor,
  ileal_resection_ileal_uptake_factor,
  alcohol_absorption_factor,
  alcohol_renal_reabsorption_factor,
  alcohol_tal_tm_factor,
  count
};
}  // namespace par

// After the named parameters come the salt forms' properties (salts.hpp), kSaltProperties per
// form in the order of kSalts: p[salt_parameter(form, property)].
constexpr int kNumParameters = par::count + kNumSalts * kSaltProperties;
constexpr int salt_parameter(int salt, SaltProperty property) {
  return par::count + salt * kSaltProperties + static_cast<int>(property);
}

// The declared table, indexed by par::Index and salt_parameter().
std::vector<engine::ParameterInfo> parameter_table();

}  // namespace magsim::models::magnesium
