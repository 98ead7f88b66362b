// The whole-body balance: every flux of the model, computed once from the state as named
// quantities (Fluxes), then summed into the state derivatives. Written as a template over the
// scalar type so that engine::Dual<N> gives the exact Jacobian of the same code.
#pragma once

#include "models/magnesium/bone.hpp"
#include "models/magnesium/brain.hpp"
#include "models/magnesium/drugs.hpp"
#include "models/magnesium/gut_absorption.hpp"
#include "models/magnesium/parameters.hpp"
#include "models/magnesium/renal.hpp"
#include "models/magnesium/serum_speciation.hpp"
#include "models/magnesium/states.hpp"
#include "models/magnesium/subject.hpp"
#include "models/magnesium/tissue.hpp"

namespace magsim::models::magnesium {

namespace sig {
enum Index : int { meal, count };
}

template <class T>
struct Fluxes {
  SerumMg<T> serum;
  RenalHandling<T> renal;
  // gut transit rate constants (1/h)
  double k_gastric, k_jejunum, k_proximal_ileum, k_distal_ileum;
  T k_colon;
  double k_anion_small_bowel;
  T anion_absorbed, anion_to_colon, fecal_anion;  // mmol/h
  // dissolution of acid-requiring salt (mmol/h)
  T acid_output, dissolution_stomach, dissolution_jejunum, dissolution_proximal_ileum, dissolution_distal_ileum,
      dissolution_colon;
  // uptake and secretion (mmol/h)
  T trpm6_activity, paracellular_jejunum, paracellular_proximal_ileum, paracellular_distal_ileum;
  T transcellular_proximal_ileum, transcellular_distal_ileum, transcellular_colon;
  T secretion_upper, secretion_proximal_ileum, secretion_distal_ileum, secretion_colon;
  T absorption, secretion, fecal, fecal_soluble;
  // ECF <-> pools (mmol/h)
  T red_cell_in, red_cell_out, fast_in, fast_out, medium_in, medium_out, slow_in, slow_out;
  T bone_in, bone_out, bone_formation, bone_resorption;
  T fast_exchange;  // ECF -> rapidly exchangeable pool (net)
  T mucosal_shedding;  // cell Mg lost with shed mucosal cells: bound in cell debris, it leaves in stool
  // ECF <-> CSF <-> brain tissue (mmol/h; csf_concentration mmol/L)
  T csf_concentration, csf_secretion, csf_outflow, brain_exchange;
  T im_absorption;  // intramuscular depot -> ECF
  // drugs
  T ppi_absorbed, ppi_eliminated, ppi_inhibition_rate;
  T loop_absorbed, loop_eliminated, loop_inhibition;
  T thiazide_eliminated, thiazide_rate;
  T nephrotoxin_eliminated, damage_rate;
  T loop_adaptation_rate;
  T sglt2_eliminated, sglt2_tm_rise;
  T cni_eliminated, cni_rate;
  T egfr_eliminated, egfr_rate;
  T ethanol_absorbed, ethanol_eliminated, ethanol_concentration, ethanol_inhibition;  // mg/h, g/L, 1
  T trpm6_adaptation;
};

template <class T>
Fluxes<T> compute_fluxes(const T* x, const double* p, const double* s) {
  Fluxes<T> f;
  const SubjectConstants c = subject_constants(p);
  const double meals = s[sig::meal];
  const double w = p[par::body_weight];
  const double ref_ionized = p[par::serum_reference_ionized];

  // --- Drugs first: their effects act on the gut and the kidney ---
  f.ppi_absorbed = drug_absorption(x[st::ppi_gut], p[par::ppi_absorption_rate]);
  f.ppi_eliminated = drug_elimination(x[st::ppi_body], p[par::ppi_half_life]);
  f.ppi_inhibition_rate = ppi_pump_inhibition_rate(x[st::ppi_body], x[st::ppi_pump_inhibition], p);
  f.loop_absorbed = drug_absorption(x[st::loop_gut], p[par::loop_absorption_rate]);
  f.loop_eliminated = drug_elimination(x[st::loop_body], p[par::loop_half_life]);
  f.loop_inhibition = loop_tal_inhibition(x[st::loop_body], p);
  f.thiazide_eliminated = drug_elimination(x[st::thiazide_body], p[par::thiazide_half_life]);
  f.thiazide_rate = thiazide_downregulation_rate(p[par::thiazide_bioavailability] * x[st::thiazide_body],
                                                 x[st::thiazide_dct_downregulation], p);
  f.nephrotoxin_eliminated = drug_elimination(x[st::nephrotoxin_body], p[par::nephrotoxin_half_life]);
  f.damage_rate = tubular_damage_rate(x[st::nephrotoxin_body], x[st::tubular_damage], c.bsa_m2, p);
  f.loop_adaptation_rate = loop_adaptation_rate(f.loop_inhibition, x[st::loop_adaptation], p);
  f.sglt2_eliminated = drug_elimination(x[st::sglt2_body], p[par::sglt2_half_life]);
  f.sglt2_tm_rise = sglt2_reabsorption_rise(p[par::sglt2_bioavailability] * x[st::sglt2_body], p);
  f.cni_eliminated = drug_elimination(x[st::cni_body], p[par::cni_half_life]);
  f.cni_rate = downregulation_rate(p[par::cni_bioavailability] * x[st::cni_body], x[st::cni_dct_downregulation],
                                   p[par::cni_max_dct_downregulation], p[par::cni_half_effect_amount],
                                   p[par::cni_adaptation_half_time]);
  f.egfr_eliminated = drug_elimination(x[st::egfr_antibody_body], p[par::egfr_antibody_half_life]);
  f.egfr_rate = downregulation_rate(x[st::egfr_antibody_body], x[st::egfr_trpm6_loss],
                                    p[par::egfr_antibody_max_trpm6_loss], p[par::egfr_antibody_half_effect_amount],
                                    p[par::egfr_antibody_loss_half_time]);
  const double ethanol_volume_L = p[par::ethanol_distribution_volume] * w;
  f.ethanol_absorbed = drug_absorption(x[st::ethanol_gut], p[par::ethanol_absorption_rate]);
  f.ethanol_eliminated = ethanol_elimination(x[st::ethanol_body], ethanol_volume_L, p);
  f.ethanol_concentration = x[st::ethanol_body] / (1000.0 * ethanol_volume_L);
  f.ethanol_inhibition = ethanol_tal_inhibition(f.ethanol_concentration, p);
  const T& pump_inhibition = x[st::ppi_pump_inhibition];

  // --- Serum ---
  f.serum = serum_speciation(x[st::ecf], c, p);
  const T& ionized = f.serum.ionized;
  const T& uf = f.serum.ultrafilterable;

  // --- TRPM6 adaptation to Mg status (gut and DCT) ---
  const T& expression = x[st::trpm6_expression];
  f.trpm6_adaptation = trpm6_adaptation_rate(expression, ionized, p);

  // --- Gut ---
  f.k_gastric = gastric_emptying_rate(meals, p);
  f.k_jejunum = 1.0 / p[par::gut_jejunum_transit_time];
  f.k_proximal_ileum = 1.0 / p[par::gut_proximal_ileum_transit_time];
  f.k_distal_ileum = 1.0 / p[par::gut_distal_ileum_transit_time];
  f.k_colon = colon_transit_rate(x[st::colon_dissolved], x[st::anion_colon], p);
  f.k_anion_small_bowel = anion_small_bowel_rate(f.k_gastric, p);
  f.anion_absorbed = p[par::gut_anion_absorption_vmax] *
                     saturation(x[st::anion_small_bowel], p[par::gut_anion_absorption_km]);
  f.anion_to_colon = f.k_anion_small_bowel * x[st::anion_small_bowel];
  f.fecal_anion = f.k_colon * x[st::anion_colon];
  f.acid_output = gastric_acid_output(meals, pump_inhibition, p);
  f.dissolution_stomach = gastric_dissolution(x[st::stomach_undissolved], f.acid_output, p);
  f.dissolution_jejunum = intestinal_dissolution(x[st::jejunum_undissolved], p);
  f.dissolution_proximal_ileum = intestinal_dissolution(x[st::proximal_ileum_undissolved], p);
  f.dissolution_distal_ileum = intestinal_dissolution(x[st::distal_ileum_undissolved], p);
  f.dissolution_colon = colon_dissolution(x[st::colon_undissolved], p);

  const double absorb = p[par::gut_absorption_scale] * c.age_absorption_factor;
  const double absorb_active = absorb * c.ckd_transcellular_kept;
  const double para_ileum = p[par::gut_paracellular_rate_ileum];
  const double vmax_ileum = p[par::gut_trpm6_vmax_ileum];  // per ileal segment
  const double km_ileum = p[par::gut_trpm6_km_ileum];
  f.trpm6_activity = gut_trpm6_activity(pump_inhibition, expression, p);
  f.paracellular_jejunum = paracellular_uptake(x[st::jejunum_dissolved], p[par::gut_paracellular_rate_jejunum], absorb);
  f.paracellular_proximal_ileum = paracellular_uptake(x[st::proximal_ileum_dissolved], para_ileum, absorb);
  f.paracellular_distal_ileum = paracellular_uptake(x[st::distal_ileum_dissolved], para_ileum, absorb);
  f.transcellular_proximal_ileum =
      transcellular_uptake(x[st::proximal_ileum_dissolved], vmax_ileum, km_ileum, f.trpm6_activity, absorb_active);
  f.transcellular_distal_ileum =
      transcellular_uptake(x[st::distal_ileum_dissolved], vmax_ileum, km_ileum, f.trpm6_activity, absorb_active);
  f.transcellular_colon = transcellular_uptake(x[st::colon_dissolved], p[par::gut_trpm6_vmax_colon],
                                               p[par::gut_trpm6_km_colon], f.trpm6_activity, absorb_active);
  f.secretion_upper = endogenous_secretion(uf, p[par::gut_secretion_clearance_upper]);
  f.secretion_proximal_ileum = endogenous_secretion(uf, 0.5 * p[par::gut_secretion_clearance_ileum]);
  f.secretion_distal_ileum = f.secretion_proximal_ileum;
  f.secretion_colon = endogenous_secretion(uf, p[par::gut_secretion_clearance_colon]);
  f.absorption = f.paracellular_jejunum + f.paracellular_proximal_ileum + f.paracellular_distal_ileum +
                 f.transcellular_proximal_ileum + f.transcellular_distal_ileum + f.transcellular_colon;
  f.secretion = f.secretion_upper + f.secretion_proximal_ileum + f.secretion_distal_ileum + f.secretion_colon;
  f.fecal_soluble = f.k_colon * x[st::colon_dissolved];
  f.fecal = f.fecal_soluble + f.k_colon * x[st::colon_undissolved];

  // --- Kidney ---
  // Loop transport maximum scaled by the other drugs: CNI and EGFR-antibody TRPM6 loss lower the
  // whole-kidney threshold as well as the DCT, ethanol lowers it acutely, SGLT2 inhibitors raise it.
  const T& cni_down = x[st::cni_dct_downregulation];
  const T& egfr_loss = x[st::egfr_trpm6_loss];
  const T tal_tm_factor = (1.0 - p[par::cni_tm_effect] * cni_down) * (1.0 - p[par::egfr_antibody_tm_effect] * egfr_loss) *
                          (1.0 - f.ethanol_inhibition) * (1.0 + f.sglt2_tm_rise);
  const T dct_kept = (1.0 - cni_down) * (1.0 - egfr_loss);
  // The adaptation's effect saturates in the adaptation state (1 at full loop inhibition), so a
  // daily dose already gets most of it and heavier regimens only a little more.
  const double a_half = p[par::loop_adaptation_half_level];
  const T adaptation = saturation(x[st::loop_adaptation], a_half) * (1.0 + a_half);
  const T proximal_factor = 1.0 + p[par::loop_adaptation_proximal_gain] * adaptation;
  const T dct_capacity_factor = 1.0 + p[par::loop_adaptation_distal_gain] * adaptation;
  RenalModifiers<T> m{f.loop_inhibition, x[st::thiazide_dct_downregulation], x[st::tubular_damage],
                      c.ckd_reabsorption_kept, expression, tal_tm_factor, dct_kept, proximal_factor,
                      dct_capacity_factor};
  f.renal = renal_handling(ionized, uf, c.gfr_L_h, m, p);

  // --- Cells and bone ---
  // Each soft-tissue pool and the bone surface: influx saturable in ionized Mg and raised when the
  // pool is below its set point (deficit_uptake_factor); efflux defended (regulated_release).
  const double k_half = p[par::tissue_uptake_half_saturation];
  const double n_cell = p[par::tissue_efflux_set_point_hill];
  const double deficit_gain = p[par::tissue_uptake_deficit_gain];
  const double deficit_hill = p[par::tissue_uptake_deficit_hill];
  auto pool_uptake = [&](const T& content, double set_point, double turnover, double extra_out = 0.0) {
    return cellular_uptake(ionized, set_point, ref_ionized, k_half, turnover, extra_out) *
           deficit_uptake_factor(content, set_point, deficit_gain, deficit_hill);
  };
  const double k_rbc = rate_from_half_time(p[par::rbc_exchange_half_time]);
  f.red_cell_in = cellular_uptake(ionized, p[par::rbc_reference_concentration] * c.red_cell_L, ref_ionized,
                                  p[par::rbc_uptake_half_saturation], k_rbc);
  f.red_cell_out = cellular_release(x[st::red_cells], k_rbc);
  const double k_fast = rate_from_half_time(p[par::tissue_fast_half_time]);
  // Shed gut mucosal cells (part of the fast pool: gut wall) carry cell Mg into the lumen. Cells
  // defend their Mg, so this endogenous loss hardly falls as plasma falls.
  const double fast_ref = p[par::tissue_fast_content] * w;
  const double k_shed = p[par::gut_mucosal_shedding] / 24.0 / fast_ref;
  f.fast_in = pool_uptake(x[st::tissue_fast], fast_ref, k_fast, k_shed);
  f.mucosal_shedding = k_shed * x[st::tissue_fast];
  f.fecal += f.mucosal_shedding;  // not dissolved by colonic acid: it is not a salt
  f.fast_out = regulated_release(x[st::tissue_fast], fast_ref, k_fast, n_cell);
  const double k_medium = rate_from_half_time(p[par::tissue_medium_half_time]);
  const double medium_ref = p[par::tissue_medium_content] * w;
  f.medium_in = pool_uptake(x[st::tissue_medium], medium_ref, k_medium);
  f.medium_out = regulated_release(x[st::tissue_medium], medium_ref, k_medium, n_cell);
  const double k_slow = rate_from_half_time(p[par::tissue_slow_half_time]);
  const double slow_ref = p[par::tissue_slow_content] * w;
  f.slow_in = pool_uptake(x[st::tissue_slow], slow_ref, k_slow);
  f.slow_out = regulated_release(x[st::tissue_slow], slow_ref, k_slow, n_cell);
  f.fast_exchange = fast_exchange(ionized, x[st::exchange_fast], p[par::exchange_fast_content] * w, ref_ionized,
                                  rate_from_half_time(p[par::exchange_fast_half_time]));

  // Bone surface: exchange with the ECF; deep bone: formed from the surface, resorbed into ECF.
  const double surface_ref = p[par::bone_exchangeable_content] * w;
  const double deep_ref = p[par::bone_deep_content] * w;
  const double k_resorb = rate_from_half_time(p[par::bone_deep_half_time]);
  const double k_form = k_resorb * deep_ref / surface_ref;  // steady skeleton at reference
  const double k_surface = rate_from_half_time(p[par::bone_exchangeable_half_time]);
  f.bone_in = pool_uptake(x[st::bone_exchangeable], surface_ref, k_surface, k_form);
  f.bone_out = regulated_release(x[st::bone_exchangeable], surface_ref, k_surface, p[par::bone_release_set_point_hill]);
  f.bone_formation = bone_formation(x[st::bone_exchangeable], k_form);
  f.bone_resorption = bone_resorption(x[st::bone_deep], k_resorb);

  // CSF: secreted by the choroid plexus (saturable in ionized Mg), drained by bulk flow into
  // venous blood; brain tissue exchanges with it slowly.
  const double csf_flow = p[par::brain_csf_formation_rate] * 0.06;  // mL/min -> L/h
  const double csf_ref = p[par::brain_csf_reference_concentration];
  f.csf_concentration = x[st::csf] / p[par::brain_csf_volume];
  f.csf_secretion = choroid_plexus_secretion(ionized, csf_flow, csf_ref, ref_ionized,
                                             p[par::brain_csf_secretion_half_saturation],
                                             p[par::l_threonate_brain_uptake_factor]);
  f.csf_outflow = csf_bulk_outflow(f.csf_concentration, csf_flow);
  f.brain_exchange = brain_tissue_exchange(f.csf_concentration, x[st::brain],
                                           p[par::brain_tissue_content] * p[par::brain_mass], csf_ref,
                                           rate_from_half_time(p[par::brain_exchange_half_time]));
  // Intramuscular depot: first-order absorption into the ECF.
  f.im_absorption = rate_from_half_time(p[par::im_absorption_half_time]) * x[st::im_depot];
  return f;
}

template <class T>
void whole_body_rhs(const T* x, const double* p, const double* s, T* dx) {
  const Fluxes<T> f = compute_fluxes(x, p, s);

  // Gut lumen: each segment passes its contents on to the next
  const T to_jejunum_d = f.k_gastric * x[st::stomach_dissolved];
  const T to_jejunum_u = f.k_gastric * x[st::stomach_undissolved];
  const T to_proximal_d = f.k_jejunum * x[st::jejunum_dissolved];
  const T to_proximal_u = f.k_jejunum * x[st::jejunum_undissolved];
  const T to_distal_d = f.k_proximal_ileum * x[st::proximal_ileum_dissolved];
  const T to_distal_u = f.k_proximal_ileum * x[st::proximal_ileum_undissolved];
  const T to_colon_d = f.k_distal_ileum * x[st::distal_ileum_dissolved];
  const T to_colon_u = f.k_distal_ileum * x[st::distal_ileum_undissolved];
  const T to_feces_u = f.k_colon * x[st::colon_undissolved];
  dx[st::stomach_undissolved] = -to_jejunum_u - f.dissolution_stomach;
  dx[st::stomach_dissolved] = -to_jejunum_d + f.dissolution_stomach;
  dx[st::jejunum_undissolved] = to_jejunum_u - to_proximal_u - f.dissolution_jejunum;
  dx[st::jejunum_dissolved] =
      to_jejunum_d - to_proximal_d + f.dissolution_jejunum + f.secretion_upper - f.paracellular_jejunum;
  dx[st::proximal_ileum_undissolved] = to_proximal_u - to_distal_u - f.dissolution_proximal_ileum;
  dx[st::proximal_ileum_dissolved] = to_proximal_d - to_distal_d + f.dissolution_proximal_ileum +
                                     f.secretion_proximal_ileum - f.paracellular_proximal_ileum -
                                     f.transcellular_proximal_ileum;
  dx[st::distal_ileum_undissolved] = to_distal_u - to_colon_u - f.dissolution_distal_ileum;
  dx[st::distal_ileum_dissolved] = to_distal_d - to_colon_d + f.dissolution_distal_ileum +
                                   f.secretion_distal_ileum - f.paracellular_distal_ileum -
                                   f.transcellular_distal_ileum;
  dx[st::colon_undissolved] = to_colon_u - to_feces_u - f.dissolution_colon;
  dx[st::colon_dissolved] =
      to_colon_d - f.fecal_soluble + f.dissolution_colon + f.secretion_colon - f.transcellular_colon;

  // Body pools
  dx[st::red_cells] = f.red_cell_in - f.red_cell_out;
  dx[st::tissue_fast] = f.fast_in - f.fast_out - f.mucosal_shedding;
  dx[st::tissue_medium] = f.medium_in - f.medium_out;
  dx[st::tissue_slow] = f.slow_in - f.slow_out;
  dx[st::bone_exchangeable] = f.bone_in - f.bone_out - f.bone_formation;
  dx[st::bone_deep] = f.bone_formation - f.bone_resorption;
  dx[st::exchange_fast] = f.fast_exchange;
  dx[st::csf] = f.csf_secretion - f.csf_outflow - f.brain_exchange;
  dx[st::brain] = f.brain_exchange;
  dx[st::im_depot] = -f.im_absorption;
  dx[st::ecf] = f.im_absorption + f.absorption - f.secretion - f.renal.urine - dx[st::red_cells] - (f.fast_in - f.fast_out) -
                dx[st::tissue_medium] - dx[st::tissue_slow] - (f.bone_in - f.bone_out) + f.bone_resorption -
                f.fast_exchange - (f.csf_secretion - f.csf_outflow);

  // Cumulative balances
  dx[st::cum_urine] = f.renal.urine;
  dx[st::cum_fecal] = f.fecal;
  dx[st::cum_intake] = T(0.0);
  dx[st::cum_absorbed] = f.absorption;
  dx[st::cum_secreted] = f.secretion;

  // Drugs
  dx[st::ppi_gut] = -f.ppi_absorbed;
  dx[st::ppi_body] = p[par::ppi_bioavailability] * f.ppi_absorbed - f.ppi_eliminated;
  dx[st::ppi_pump_inhibition] = f.ppi_inhibition_rate;
  dx[st::loop_gut] = -f.loop_absorbed;
  dx[st::loop_body] = p[par::loop_bioavailability] * f.loop_absorbed - f.loop_eliminated;
  dx[st::thiazide_body] = -f.thiazide_eliminated;
  dx[st::thiazide_dct_downregulation] = f.thiazide_rate;
  dx[st::nephrotoxin_body] = -f.nephrotoxin_eliminated;
  dx[st::tubular_damage] = f.damage_rate;
  dx[st::loop_adaptation] = f.loop_adaptation_rate;
  dx[st::sglt2_body] = -f.sglt2_eliminated;
  dx[st::cni_body] = -f.cni_eliminated;
  dx[st::cni_dct_downregulation] = f.cni_rate;
  dx[st::egfr_antibody_body] = -f.egfr_eliminated;
  dx[st::egfr_trpm6_loss] = f.egfr_rate;
  dx[st::ethanol_gut] = -f.ethanol_absorbed;
  dx[st::ethanol_body] = f.ethanol_absorbed - f.ethanol_eliminated;
  dx[st::trpm6_expression] = f.trpm6_adaptation;
  dx[st::anion_small_bowel] = -f.anion_absorbed - f.anion_to_colon;
  dx[st::anion_colon] = f.anion_to_colon - f.fecal_anion;
}

}  // namespace magsim::models::magnesium
