// State layout of the magnesium model: Mg amounts (mmol) in the gut lumen, body pools (CSF and
// brain tissue last) and cumulative balances, then the drug-class states (exposure and slow
// effects) and the TRPM6 adaptation state, all with conserved weight 0.
#pragma once

namespace magsim::models::magnesium {

namespace st {
enum Index : int {
  // Gut lumen, by segment: dissolved Mg vs salt not yet dissolved (mmol)
  stomach_dissolved,
  stomach_undissolved,
  jejunum_dissolved,  // duodenum and jejunum
  jejunum_undissolved,
  proximal_ileum_dissolved,
  proximal_ileum_undissolved,
  distal_ileum_dissolved,
  distal_ileum_undissolved,
  colon_dissolved,
  colon_undissolved,
  // Body (mmol)
  ecf,  // extracellular fluid incl. plasma: ionized + complexed + albumin-bound
  exchange_fast,  // rapidly exchangeable Mg (interstitial matrix, cell surfaces, loosely bound cell Mg)
  red_cells,
  tissue_fast,
  tissue_medium,
  tissue_slow,
  bone_exchangeable,
  bone_deep,
  csf,    // Mg in the cerebrospinal fluid
  brain,  // brain tissue Mg (cells and interstitium)
  im_depot,  // injected intramuscularly, not yet absorbed into the ECF
  // Cumulative balances (mmol)
  cum_urine,
  cum_fecal,
  cum_intake,
  cum_absorbed,
  cum_secreted,
  // Drug classes: exposure in reference-drug-equivalent mg, effects as fractions
  ppi_gut,
  ppi_body,
  ppi_pump_inhibition,
  loop_gut,
  loop_body,
  thiazide_body,
  thiazide_dct_downregulation,
  nephrotoxin_body,
  tubular_damage,
  loop_adaptation,             // distal and proximal adaptation to loop-diuretic exposure (0-1)
  sglt2_body,                  // dapagliflozin-equivalent mg taken, not yet eliminated
  cni_body,                    // calcineurin inhibitor, tacrolimus-equivalent mg taken
  cni_dct_downregulation,      // fraction of DCT TRPM6 activity lost under a calcineurin inhibitor
  egfr_antibody_body,          // EGFR antibody in the body, cetuximab-equivalent mg
  egfr_trpm6_loss,             // fraction of EGF-driven DCT TRPM6 activity lost
  ethanol_gut,                 // ethanol in the gut, mg
  ethanol_body,                // ethanol in body water, mg
  // Adaptation: TRPM6 expression (gut and DCT) relative to the Mg-replete reference
  trpm6_expression,
  // Unabsorbed anion of a salt (sulfate) in the gut lumen, mmol: holds water, speeds colonic transit
  anion_small_bowel,  // stomach and small bowel, lumped
  anion_colon,
  count
};
}  // namespace st

constexpr int kNumStates = st::count;
static_assert(kNumStates <= 48, "the Jacobian uses Dual<kNumStates>: keep the state count small");

inline bool is_gut_state(int i) { return i >= st::stomach_dissolved && i <= st::colon_undissolved; }
// Every Mg pool: gut lumen, body pools (CSF and brain included), and the intramuscular depot.
inline bool is_body_state(int i) { return i >= st::stomach_dissolved && i <= st::im_depot; }

}  // namespace magsim::models::magnesium
