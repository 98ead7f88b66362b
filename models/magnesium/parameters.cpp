// The one declared parameter table of the magnesium model: value, unit, plausible range, source
// and note for every parameter. "fitted:" in a note says what a value was tuned to reproduce;
// "assumed:" marks a value no source pins down, chosen within the physiology and said so.
#include "models/magnesium/parameters.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace magsim::models::magnesium {
namespace {
std::string grams_per_mol(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", m);
  return buf;
}
}  // namespace

std::vector<engine::ParameterInfo> parameter_table() {
  std::vector<engine::ParameterInfo> t(kNumParameters);
  std::vector<bool> set(kNumParameters, false);
  auto def = [&](par::Index i, std::string name, double value, std::string unit, double lo,
                 double hi, std::string source, std::string note) {
    t[i] = {std::move(name), value, std::move(unit), lo, hi, std::move(source), std::move(note)};
    set[i] = true;
  };
  using namespace par;

  // --- Subject and body water spaces ---
  def(body_weight, "body.weight", 70, "kg", 30, 200, "reference adult (ICRP 89)",
      "from the scenario's subject.weight");
  def(body_height, "body.height", 170, "cm", 130, 215, "reference adult (ICRP 89)",
      "from subject.height; when absent, body.typical_height_female/_male by sex");
  def(body_age, "body.age", 40, "y", 18, 105, "scenario", "from subject.age; sets the age decline of absorption");
  def(body_typical_height_female, "body.typical_height_female", 162, "cm", 150, 175,
      "NCD-RisC 2016 (adult height, high-income countries)",
      "used when the scenario gives no height (BSA for GFR)");
  def(body_typical_height_male, "body.typical_height_male", 176, "cm", 163, 190,
      "NCD-RisC 2016 (adult height, high-income countries)",
      "used when the scenario gives no height (BSA for GFR)");
  def(body_ecf_volume_per_kg, "body.ecf_volume_per_kg", 0.20, "L/kg", 0.15, 0.30,
      "Guyton & Hall, Textbook of Medical Physiology ch. 25 (ECF ~20 % of body weight)", "");
  def(body_plasma_volume_per_kg, "body.plasma_volume_per_kg", 0.045, "L/kg", 0.035, 0.055,
      "ICRP 89 (plasma volume ~40-45 mL/kg)", "part of the ECF; carries the albumin-bound Mg");
  def(body_red_cell_volume_per_kg, "body.red_cell_volume_per_kg", 0.028, "L/kg", 0.020, 0.036,
      "ICRP 89 (red-cell volume ~25 mL/kg women, ~30 mL/kg men)", "");

  // --- Serum speciation ---
  def(serum_albumin, "serum.albumin", 40, "g/L", 15, 55, "clinical reference range 35-50 g/L",
      "from subject.albumin when given");
  def(serum_complexed_per_ionized, "serum.complexed_per_ionized", 0.12, "1", 0.05, 0.20,
      "complexed ~7 % vs ionized ~60-65 % of total (Boron Med Physiol tbl 36-8; van Ingen 1994)",
      "Mg complexed to citrate, phosphate, bicarbonate, in proportion to ionized Mg");
  def(serum_albumin_binding_capacity, "serum.albumin_binding_capacity", 0.066, "mmol/g", 0.03, 0.12,
      "protein-bound ~30 % of total at albumin 40 g/L (Boron tbl 36-8; Ryschon 1996: UF ~0.70 of total)",
      "fitted: bound fraction 0.30 at ionized 0.53 mmol/L with serum.albumin_binding_kd");
  def(serum_albumin_binding_kd, "serum.albumin_binding_kd", 5.0, "mmol/L", 1, 20,
      "low-affinity multi-site binding of Mg to albumin (association constants ~10^2/M)",
      "assumed: makes binding nearly linear in the physiological range, saturating at IV doses");
  def(serum_reference_ionized, "serum.reference_ionized", 0.53, "mmol/L", 0.44, 0.62,
      "Greenway 1996 (ionized 0.52, 0.44-0.59 mmol/L)",
      "ionized Mg at which the tissue, red-cell and bone pools have their reference contents");

  // --- Gut: transit ---
  def(gut_gastric_half_time_fasted, "gut.gastric_half_time_fasted", 0.3, "h", 0.1, 1.0,
      "fasting liquid gastric emptying t1/2 10-30 min (scintigraphy; Camilleri, Gastroenterology 2006)", "");
  def(gut_meal_gastric_slowing, "gut.meal_gastric_slowing", 4.0, "1", 1, 10,
      "solid-meal gastric emptying t1/2 ~1-2 h (Abell 2008 consensus scintigraphy)",
      "emptying rate divided by (1 + slowing x meals being digested): t1/2 0.3 h -> 1.5 h with one meal");
  // Small-bowel transit as three segments in series: with one well-mixed pool the residence
  // time would be exponential and a dose would keep trickling out for many hours; three stages
  // give the narrower, delayed arrival at the caecum that scintigraphy shows.
  def(gut_jejunum_transit_time, "gut.jejunum_transit_time", 1.0, "h", 0.4, 2.5,
      "small-bowel transit 3-4 h (scintigraphy; Yu 2017 review), duodenum+jejunum ~1/3 of it",
      "mean residence, duodenum and jejunum");
  def(gut_proximal_ileum_transit_time, "gut.proximal_ileum_transit_time", 1.0, "h", 0.4, 2.5,
      "small-bowel transit 3-4 h (Yu 2017); uptake starts ~1 h and plateaus 2-5 h after a dose "
      "(Schuchardt & Hahn 2017)",
      "mean residence, proximal ileum");
  def(gut_distal_ileum_transit_time, "gut.distal_ileum_transit_time", 1.25, "h", 0.5, 3,
      "small-bowel transit 3-4 h, the terminal ileum holding chyme longest (ileal brake; Yu 2017)",
      "mean residence, distal ileum");
  def(gut_colon_transit_time, "gut.colon_transit_time", 40, "h", 12, 72,
      "mean colonic transit ~30-40 h (Metcalf 1987, radio-opaque markers)",
      "mean residence with no osmotic load; dissolved Mg in the colon shortens it (gut.colon_osmotic_amount)");
  def(gut_colon_osmotic_amount, "gut.colon_osmotic_amount", 20, "mmol", 5, 60,
      "each mmol/d of fecal soluble Mg adds ~7.3 g stool weight (Fine, NEJM 1991); median stool weight "
      "~106 g/d (Cummings 1992)",
      "assumed: dissolved colonic Mg (plus unabsorbed anion) that doubles the colonic transit rate: "
      "~14 mmol/d extra soluble Mg (+100 g stool) at a ~35 h transit");
  def(gut_meal_duration, "gut.meal_duration", 3.0, "h", 1, 6,
      "gastric emptying of a solid meal ~90 % done by 4 h (Abell 2008)",
      "how long one meal counts in the meal signal");

  // --- Gut: dissolution of acid-requiring salts (oxide, hydroxide, carbonate) ---
  def(gut_acid_output_basal, "gut.acid_output_basal", 2.0, "mmol/h", 0.5, 5,
      "basal acid output 1-5 mmol H+/h (Feldman, Sleisenger & Fordtran ch. 49)", "");
  def(gut_acid_output_meal, "gut.acid_output_meal", 15, "mmol/h", 5, 30,
      "meal-stimulated acid output ~15-25 mmol H+/h (Feldman, Sleisenger & Fordtran ch. 49)",
      "added per meal being digested");
  def(gut_acid_dissolution_efficiency, "gut.acid_dissolution_efficiency", 0.30, "1", 0.1, 1,
      "Lindberg 1990: MgO ~43 % soluble at peak gastric acid in vitro",
      "fitted: V4 (citrate/oxide 0-4 h urine increment >= 10x fasting; refit from 0.35 when colonic "
      "dissolution became acid-limited, gut.colon_acid_for_salt); share of secreted H+ that "
      "reaches undissolved salt (2 H+ per Mg) rather than food buffers");
  def(gut_undissolved_half_saturation, "gut.undissolved_half_saturation", 1.0, "mmol", 0.1, 10,
      "assumed", "undissolved salt at which half the available acid is captured by it");
  def(gut_intestinal_dissolution_rate, "gut.intestinal_dissolution_rate", 0.001, "1/h", 0.0002, 0.1,
      "MgO laxative action needs dissolution beyond the stomach; slow at intestinal pH (Lindberg 1990: "
      "MgO nearly insoluble in water)",
      "fitted: V4 (Lindberg 1990, fasting 0-4 h urine increment citrate >= 10x oxide); first-order "
      "dissolution of undissolved salt in the small bowel (the colon's is acid-limited: "
      "gut.colon_acid_for_salt)");
  def(gut_ph_basal, "gut.ph_basal", 1.8, "1", 1.0, 3.0,
      "24-h median intragastric pH ~1.5-2 off acid suppression (Miner 2003)", "reported output only");
  def(gut_ph_full_ppi, "gut.ph_full_ppi", 6.0, "1", 4.5, 7.0,
      "gastric pH ~6 under full acid suppression (intragastric pH on high-dose PPI; Miner 2003)", "reported output only");

  def(gut_colon_acid_for_salt, "gut.colon_acid_for_salt", 15.0, "mmol/h", 1, 25,
      "colonic fermentation makes ~300-600 mmol/d (12-25 mmol/h) short-chain fatty acids "
      "(Cummings 1987); proximal colon pH 5.5-6.5 (Evans 1988); Fine 1991: fecal Mg after milk of "
      "magnesia is mostly soluble",
      "fitted: milk of magnesia 30-60 mL (41-82 mmol Mg as hydroxide) gives loose stools within its "
      "label's 1/2-6 h (V28); the fermentation acid (mmol H+/h) reaching undissolved "
      "salt in the colon (not measured; under the production); caps colonic dissolution at 7.5 mmol Mg/h");
  def(gut_anion_absorption_vmax, "gut.anion_absorption_vmax", 9.0, "mmol/h", 2, 30,
      "oral sodium sulfate 8 g (~56 mmol): 72-h urinary recovery 53 % single dose, 62 % divided (Cocchetto & "
      "Levy 1981); dietary sulfate absorbed up to > 16 mmol/d in normal subjects (Florin 1991)",
      "fitted: with gut.anion_absorption_km, 55 % of a 56 mmol sulfate dose absorbed in the small bowel "
      "(78 % of 14 mmol); saturable small-bowel absorption of a salt's poorly absorbed anion (sulfate)");
  def(gut_anion_absorption_km, "gut.anion_absorption_km", 3.0, "mmol", 0.5, 20,
      "Cocchetto & Levy 1981; Florin 1991 (see gut.anion_absorption_vmax)",
      "fitted: with gut.anion_absorption_vmax; anion in stomach and small bowel at half the maximal rate");
  def(gut_stool_weight_basal, "gut.stool_weight_basal", 44.3, "g/d", 20, 100,
      "Fine 1991 (NEJM): stool weight = 7.3 g per mmol/d fecal soluble Mg + 44.3 g/d; median stool weight "
      "106 g/d in 220 UK adults (Cummings 1992), which the model's diet-only soluble fecal Mg reproduces",
      "measured (Fine 1991 regression intercept): stool weight not due to soluble Mg or anion (output only)");
  def(gut_stool_weight_per_osmotic_mmol, "gut.stool_weight_per_osmotic_mmol", 7.3, "g/mmol", 4, 10,
      "stool weight rises ~7.3 g per mmol/d of fecal soluble Mg (Fine, NEJM 1991); an unabsorbed divalent "
      "anion with its cations holds about the same water",
      "measured for Mg; assumed equal per mmol of unabsorbed anion (output only)");
  def(gut_loose_stool_weight, "gut.loose_stool_weight", 240, "g/d", 150, 400,
      "diarrhea is stool weight > 200 g/d on a Western diet (Harrison's); Bashir 1993 (as cited by IOM "
      "1997): GI symptoms in 6 of 21 on 360 mg/d (15 mmol) MgCl2",
      "fitted: stool weight at which half of people have loose stools, to Bashir 1993 (V28: 32 % against "
      "6 of 21) with gut.loose_stool_spread (output only)");
  def(gut_loose_stool_spread, "gut.loose_stool_spread", 0.35, "1", 0.1, 1,
      "IOM 1997: supplements at the upper level (350 mg/d) give mild diarrhea in a minority; cathartic "
      "doses (Epsom salt, citrate solution, milk of magnesia) act within 1/2-6 h (product labels)",
      "assumed: log-SD of the individual stool-weight thresholds; with it the diet alone gives ~1 % and "
      "every cathartic label dose > 90 % by 6 h (V28) (output only)");

  // --- Gut: uptake and secretion ---
  def(gut_paracellular_rate_jejunum, "gut.paracellular_rate_jejunum", 0.025, "1/h", 0.0, 0.5,
      "Fine 1991: linear component absorbs 7 % of intake; Kidney Atlas fig 4-5: duodenum+jejunum ~15 %",
      "fitted: linear share of Fine 1991 together with gut.paracellular_rate_ileum");
  def(gut_paracellular_rate_ileum, "gut.paracellular_rate_ileum", 0.02, "1/h", 0.0, 0.5,
      "Fine 1991 (linear 7 %); de Baaij 2015 (passive paracellular uptake mainly in ileum)",
      "fitted: linear share of Fine 1991 (jejunum 1 h x 0.025/h + ileum 2.25 h x 0.02/h = 7 % of a load); "
      "applies in each ileal segment");
  def(gut_trpm6_vmax_ileum, "gut.trpm6_vmax_ileum", 0.12, "mmol/h", 0.1, 3,
      "Fine 1991: saturable component reaches its maximum near 8 mEq per meal",
      "fitted: V2 (Fine 1991: 65 % of a meal's Mg, 11 % at meal + 80 mEq) and V1 (true absorption "
      "30-50 % of a 325 mg/d diet, Sabatier 2003); per ileal segment (two)");
  def(gut_trpm6_km_ileum, "gut.trpm6_km_ileum", 0.06, "mmol", 0.05, 5,
      "Fine 1991 (hyperbolic component saturates near 8 mEq per meal)",
      "fitted: with gut.trpm6_vmax_ileum (V1, V2); dissolved Mg in one ileal segment");
  def(gut_trpm6_vmax_colon, "gut.trpm6_vmax_colon", 0.18, "mmol/h", 0.0, 0.3,
      "Kidney Atlas fig 4-5: colon ~5 % of intake at 300 mg/d; de Baaij 2015 (TRPM6/7 in colon); "
      "colon ~10-20 % of absorbed Mg",
      "fitted: V3 (~80 % of a soluble dose's uptake done by 6 h, the rest taken up in the colon over "
      "the next day; Schuchardt & Hahn 2017) with V5 (urine +1.0 to +3.5 mmol/d on a supplement); "
      "gives ~1.4 mmol/d, ~6 % of intake and ~13 % of uptake, on a 325 mg/d diet");
  def(gut_trpm6_km_colon, "gut.trpm6_km_colon", 30, "mmol", 1, 60,
      "colonic contents ~0.2-0.5 L holding ~10-15 mmol dissolved Mg on an ordinary diet",
      "fitted: with gut.trpm6_vmax_colon (V3, V5); dissolved colonic Mg at half-maximal uptake, above "
      "the ordinary content so that unabsorbed supplement Mg reaching the colon is still partly taken up");
  def(gut_ppi_trpm6_inhibition, "gut.ppi_trpm6_inhibition", 0.2, "1", 0, 0.8,
      "William 2014 (24-h urine ~10 mg/d lower in PPI users); mechanism: luminal pH lowers TRPM6/7 "
      "activity (Dutta 2024; Hess 2012)",
      "fitted: fraction of intestinal TRPM6/7 activity lost at full pump inhibition, to V6 (urine -0.2 to -0.8 mmol/d)");
  def(gut_absorption_scale, "gut.absorption_scale", 1.0, "1", 0.2, 1.5, "-",
      "multiplies every uptake flux; conditions and age modify it");
  def(gut_age_decline_onset, "gut.age_decline_onset", 60, "y", 40, 80,
      "IOM 1997 ch. 6 (absorption falls in older adults)", "assumed onset");
  def(gut_age_decline_rate, "gut.age_decline_rate", 0.01, "1/y", 0, 0.03,
      "IOM 1997 ch. 6 (lower absorption with age)",
      "assumed: relative loss of uptake per year above the onset (~20 % at 80 y)");
  def(gut_secretion_clearance_upper, "gut.secretion_clearance_upper", 0.10, "L/h", 0, 0.4,
      "Kidney Atlas: upper GI secretions ~0.5 mmol/L Mg",
      "upper GI secretions (saliva, gastric, bile, pancreatic) into the jejunum, per mmol/L ultrafilterable Mg; "
      "fitted: total secretion ~2 mmol/d, small endogenous fecal loss (Silver 1960)");
  def(gut_secretion_clearance_ileum, "gut.secretion_clearance_ileum", 0.015, "L/h", 0, 0.1,
      "Kidney Atlas: lower GI secretions ~7.5 mmol/L Mg, small volume", "assumed");
  def(gut_secretion_clearance_colon, "gut.secretion_clearance_colon", 0.015, "L/h", 0, 0.1,
      "Kidney Atlas: lower GI secretions ~7.5 mmol/L Mg, small volume", "assumed");

  def(gut_mucosal_shedding, "gut.mucosal_shedding", 0.4, "mmol/d", 0, 1,
      "endogenous fecal Mg ~1 mmol/d on ordinary diets (isotope balance, Schwartz 1984; Sojka 1997); "
      "net Mg loss continues while plasma falls to 1/3-1/4 of control on a Mg-deficient diet (Shils "
      "1969), so part of the endogenous loss does not fall with plasma; GI epithelium turns over every "
      "2-4 d (Darwich 2014 meta-analysis; Li 2011), cells holding ~8-10 mmol Mg/kg",
      "fitted: Shils 1969 (plasma ~0.5 mmol/L and red cells ~2/3 of normal after 10-13 w of a 12 mg/d "
      "diet); Mg carried into the colon lumen by shed mucosal cells (from the fast soft-tissue pool, "
      "which includes the gut wall) at the reference pool content; 0.4 mmol/d = ~10 mg/d. Because "
      "cells defend their Mg, it hardly falls in deficiency, and it is what keeps plasma falling on a "
      "near Mg-free diet once urine Mg is near zero");
  def(gut_ckd_calcitriol_loss, "gut.ckd_calcitriol_loss", 0.2, "1", 0, 0.8,
      "net Mg absorption much lower in advanced CKD (Spencer 1980), partly from low calcitriol; "
      "1,25(OH)2D mildly raises Mg absorption (Kidney Atlas ch. 4); calcitriol falls as GFR drops below "
      "~40-60 mL/min (Levin 2007)",
      "assumed: largest fractional loss of transcellular uptake at end-stage GFR (Mg absorption depends "
      "only mildly on calcitriol); ~8 % at GFR 20, ~18 % at GFR 5");
  def(gut_ckd_calcitriol_gfr50, "gut.ckd_calcitriol_gfr50", 15, "mL/min", 10, 60,
      "calcitriol deficiency in most patients below GFR 30 mL/min (Levin 2007)", "GFR at half the loss");
  def(trpm6_max_upregulation, "trpm6.max_upregulation", 2.2, "1", 1, 5,
      "Mg-deficient diet raises TRPM6 expression in colon and kidney (Groenestege 2006, mice); "
      "fractional absorption 75 % on low vs 25 % on high intake (Schwartz 1984); FEMg falls to ~0.5 % "
      "in deficiency (Elisaf 1997)",
      "fitted: V12 (with renal.tal_casr_half_ionized; a milder status feedback keeps the CKD subject "
      "absorbing an oral load); ceiling of TRPM6 expression relative to the Mg-replete reference, "
      "approached at very low ionized Mg (x1.12 at 80 %, x1.29 at 60 % of the reference ionized Mg)");
  def(trpm6_status_hill, "trpm6.status_hill", 1, "1", 1, 8, "assumed",
      "steepness of the expression target in ionized Mg / serum.reference_ionized (whole number). Kept at "
      "1 so that the modest serum rise of CKD does not cut absorption beyond what calcitriol loss does "
      "(V12: the same oral load raises serum >= 3x more at GFR 20 than at 90)");
  def(trpm6_adaptation_half_time, "trpm6.adaptation_half_time", 72, "h", 24, 336,
      "TRPM6 mRNA changes within days of a diet change (Groenestege 2006); urine Mg adapts to intake "
      "within days (Nielsen 2016)",
      "assumed within that range");

  // --- Kidney ---
  def(renal_egfr, "renal.egfr", 100, "mL/min/1.73m2", 3, 200, "scenario",
      "from subject.egfr; GFR = egfr x BSA/1.73 (Du Bois 1916) x renal.gfr_scale");
  def(renal_gfr_scale, "renal.gfr_scale", 1.0, "1", 0.1, 2.5, "-",
      "multiplies GFR; pregnancy raises it (conditions.cpp)");
  def(renal_proximal_fraction, "renal.proximal_fraction", 0.18, "1", 0.10, 0.25,
      "10-25 % of filtered Mg reabsorbed proximally (Quamme & Dirks 1980; de Baaij 2015)", "");
  def(renal_tal_tm_per_gfr, "renal.tal_tm_per_gfr", 0.48, "mmol/L", 0.25, 0.7,
      "TAL reabsorbs 50-70 % of filtered Mg, paracellular (de Baaij 2015); whole-kidney Tm/GFR "
      "~0.58-0.63 mmol/L with a sharp threshold near normal plasma (Rude 1980)",
      "fitted: V1 (serum ~0.87 mmol/L, 24-h urine ~4 mmol/d, TAL ~65 % of filtered on a 325 mg/d diet); "
      "transport maximum of the TAL per litre of filtrate before the CaSR brake");
  def(renal_tal_max_fraction, "renal.tal_max_fraction", 0.97, "1", 0.8, 0.99,
      "in deficiency FEMg falls to ~0.5 % (Elisaf 1997): the loop takes up nearly all Mg reaching it "
      "when below its transport maximum (Quamme & Dirks 1980)",
      "assumed: largest share of the Mg reaching the TAL reabsorbed there (below the transport maximum)");
  def(renal_tal_casr_half_ionized, "renal.tal_casr_half_ionized", 2.0, "mmol/L", 0.6, 3,
      "CaSR activation by Mg lowers TAL paracellular permeability (de Baaij 2015; Quamme 1997); the CaSR "
      "responds to Mg2+ in the millimolar range, less potently than to Ca2+ (IUPHAR CaS receptor page; "
      "Brown 1993)",
      "fitted: V12 with V5, V9, V10: ionized Mg halving the TAL transport maximum. With Hill 4 it takes "
      "<1 % off at normal ionized Mg, ~8 % at 1.1 mmol/L and ~35 % at 1.5 mmol/L (IV therapy): a brake "
      "for hypermagnesemia. Ordinary homeostasis comes from the sharp transport maximum (Rude 1980); a "
      "stronger brake at normal Mg makes the CKD kidney excrete an extra load as readily as a healthy one");
  def(renal_tal_casr_hill, "renal.tal_casr_hill", 4, "1", 1, 6, "assumed: steep receptor response",
      "whole number (cheap exact power)");
  def(renal_tal_threshold_sharpness, "renal.tal_threshold_sharpness", 32, "1", 2, 32,
      "whole-kidney Mg titration: excretion stays low below a plasma threshold and rises nearly "
      "linearly with the filtered load above it, little splay (Rude 1980; Quamme & Dirks 1980)",
      "fitted: V12 with V5 (a healthy kidney passes most of an extra load to the urine, so serum rises "
      "far less than at GFR 20); exponent n of the smooth minimum min(a, b) ~ a / (1 + (a/b)^n)^(1/n) "
      "joining the TAL's proportional and transport-maximum limbs; rounded to a power of two (cheap "
      "exact powers and roots)");
  def(renal_tal_status_adaptation, "renal.tal_status_adaptation", 3.0, "1", 0, 4,
      "Mg restriction raises loop Mg reabsorption within days, also when plasma Mg is held up by "
      "infusion (rat micropuncture: Shafik & Quamme 1989; Quamme & Dirks 1980: control sits in the loop)",
      "fitted: V16 (Fatemi 1991: retention of an IV load 11 % -> 62 % after 3 weeks of depletion; the "
      "model gives 9 % -> 46 %) with V10 and V1; the TAL transport maximum is multiplied by 1 + this x "
      "max(trpm6_expression - 1, 0): the status state (t1/2 72 h) that up-regulates TRPM6 in deficiency "
      "also raises the loop's capacity; an excess is shed by the CaSR brake instead");
  def(renal_dct_max_fraction, "renal.dct_max_fraction", 0.9, "1", 0.4, 0.95,
      "DCT reabsorbs 5-10 % of filtered Mg via TRPM6 (de Baaij 2015), most of what reaches it",
      "fraction of a small delivered load reabsorbed in the DCT (TRPM6 up- or down-regulation scales its odds)");
  def(renal_dct_half_saturation, "renal.dct_half_saturation", 0.03, "mmol/L", 0.02, 1,
      "TRPM6 transport is saturable (Voets 2004)",
      "fitted: V12 and V1 (DCT ~5-8 % of filtered, working near its transport maximum dct_max_fraction x "
      "this, so an extra load passes to the urine at any GFR); delivered Mg per litre of filtrate at which "
      "the DCT saturates");
  def(renal_dct_threshold_sharpness, "renal.dct_threshold_sharpness", 8, "1", 2, 32,
      "TRPM6 transport is saturable (Voets 2004); the DCT sets final urine Mg near its capacity (de Baaij 2015)",
      "fitted: V12 with V1 (the DCT works at its transport maximum, so an extra load passes on); exponent "
      "n of the DCT's smooth saturation (1 + u^n)^(-1/n); rounded to a power of two");
  def(renal_ckd_adaptation_max, "renal.ckd_adaptation_max", 0.25, "1", 0, 0.8,
      "FEMg rises as GFR falls (Felsenfeld 2015); serum Mg stays normal until GFR < 20-30 mL/min",
      "fitted: V11 (serum normal at 90 and 60, >= 0.95 at 15 mL/min, FEMg rising) and V12; largest fractional cut "
      "of loop and DCT reabsorption in remnant nephrons");
  def(renal_ckd_adaptation_gfr50, "renal.ckd_adaptation_gfr50", 20, "mL/min", 10, 60,
      "Felsenfeld 2015", "fitted: V11, V12; GFR at half-maximal adaptation");
  def(renal_ckd_adaptation_hill, "renal.ckd_adaptation_hill", 2, "1", 1, 4, "assumed", "rounded to an integer (cheap exact power)");

  // --- Red cells, soft tissue, bone ---
  def(rbc_reference_concentration, "rbc.reference_concentration", 2.2, "mmol/L", 1.9, 2.6,
      "red-cell total Mg 1.9-2.5 mmol/L cells (Ryschon 1996; Immanuel 2006)",
      "content at serum.reference_ionized");
  def(rbc_exchange_half_time, "rbc.exchange_half_time", 72, "h", 12, 400,
      "red-cell Mg follows serum slowly; Mg-28 equilibrates with cells over days (Silver 1960)", "assumed");
  def(rbc_uptake_half_saturation, "rbc.uptake_half_saturation", 0.5, "mmol/L", 0.1, 5,
      "red-cell Mg falls with plasma but more slowly: ~2/3 of normal after 3 months of a Mg-deficient "
      "diet while plasma fell to 1/3-1/4 (Shils 1969); red-cell free Mg 180 -> 146 uM when "
      "hypomagnesemic (Rude 1989)",
      "fitted: Shils 1969 red-cell course (~0.75 of normal at day 70 of a 12 mg/d diet, plasma ~0.6); "
      "ionized Mg giving half-maximal red-cell uptake. Red cells have no regulated efflux (no set-point "
      "defence): their Mg follows a less saturated influx");
  def(tissue_fast_content, "tissue.fast_content", 0.3, "mmol/kg", 0.1, 1,
      "urinary Mg-28 components with t1/2 1 and 3 h, 15-25 % of the dose (Silver 1960)",
      "fast-exchanging soft-tissue Mg (liver, kidney, gut wall, heart), per kg body weight");
  def(tissue_fast_half_time, "tissue.fast_half_time", 3, "h", 1, 10, "Silver 1960 (1 h and 3 h components)", "");
  def(tissue_medium_content, "tissue.medium_content", 1.4, "mmol/kg", 0.5, 3,
      "exchangeable Mg ~1.8 mmol/kg, ~15 % of body Mg, >80 % intracellular (Avioli & Berman 1966)",
      "soft-tissue Mg exchanging over a day or two, per kg body weight");
  def(tissue_medium_half_time, "tissue.medium_half_time", 30, "h", 14, 60,
      "Silver 1960 (slow urinary component 14-35 h)", "");
  def(tissue_slow_content, "tissue.slow_content", 4.2, "mmol/kg", 2, 6,
      "muscle ~20-27 % and other soft tissue ~11-19 % of ~1000 mmol (Dirks & Wong); 6-9 mmol/kg soft "
      "tissue (Health Canada)",
      "rest of soft-tissue Mg, mostly muscle, per kg body weight");
  def(tissue_slow_half_time, "tissue.slow_half_time", 1000, "h", 300, 3000,
      "slow pool t1/2 ~1000 h (Avioli & Berman 1966); turnover < 2 %/d (Silver 1960)", "");
  def(tissue_uptake_half_saturation, "tissue.uptake_half_saturation", 0.1, "mmol/L", 0.1, 5,
      "cell Mg is regulated: intracellular pools change less than serum in deficiency (Rude 1989: "
      "red-cell free Mg 180 -> 146 uM when hypomagnesemic)",
      "fitted: V10 (healthy subjects excrete most of a 30 mmol IV load within 24 h, Gullestad 1994); "
      "ionized Mg giving half-maximal cellular uptake (saturable influx)");
  def(tissue_efflux_set_point_hill, "tissue.efflux_set_point_hill", 4, "1", 0, 8,
      "cells defend their Mg: muscle Mg stays near normal while plasma falls to 1/3-1/4 of control on a "
      "Mg-deficient diet, red-cell Mg to ~2/3 after 3 months (Shils 1969); Mg efflux (Na+/Mg2+ exchange, "
      "SLC41A1/CNNM) depends on cytosolic Mg (Romani 2011)",
      "fitted: Shils 1969 (plasma toward ~0.55-0.6 mmol/L by day 70 of a 12 mg/d diet, soft-tissue Mg "
      "down < 2 %); steepness n of the regulated efflux k x content x (content/set point)^n of every "
      "soft-tissue pool (whole number). The set point is the reference content, so the tracer half-times "
      "are unchanged; a sustained fall of the influx moves the pool only by (influx ratio)^(1/(n+1)). "
      "0 gives plain first-order efflux");
  def(tissue_uptake_deficit_gain, "tissue.uptake_deficit_gain", 3, "1", 0, 10,
      "cells up-regulate Mg entry when their Mg is low: MagT1 and TRPM7 expression rise in Mg-poor "
      "medium and in kidney of mice on a low-Mg diet (Goytain & Quamme 2005; Schmitz 2003); a "
      "Mg-deficient body retains a large share of an IV load (Fatemi 1991; Gullestad 1994)",
      "assumed: extra uptake capacity G of a soft-tissue or bone-surface pool far below its set point "
      "(x4 at most): the influx is multiplied by (1 + G) / (1 + G (content/set point)^m), 1 at the set "
      "point, so tracer half-times are unchanged. Measured effect: with G = 0 the V16 retention after "
      "depletion is ~3 points lower; the pools' deficits stay small because the efflux defence holds them");
  def(tissue_uptake_deficit_hill, "tissue.uptake_deficit_hill", 8, "1", 1, 16,
      "as tissue.uptake_deficit_gain",
      "assumed: steepness m of the deficit-driven uptake (whole number): x1.3 at 95 % and x1.75 at 90 % "
      "of the set point with G = 3");
  def(exchange_fast_content, "exchange.fast_content", 0.12, "mmol/kg", 0.1, 1.0,
      "IV MgSO4 two-compartment fits: Vc ~24 L, Vp ~25 L, Q ~5.6 L/h (Lu 2002); total apparent "
      "volumes 14-49 L across studies (Okusanya 2016); a fast Mg-28 component exchanging within hours "
      "(Avioli & Berman 1966; Silver 1960)",
      "fitted: V14 (a 4 g load doubles serum at 30 min, Okusanya 2016) within V9 (serum >= 1.4 mmol/L at "
      "4 h of the Zuspan regimen) and V15 (75 % of an infused course in the urine during the infusion, "
      "Cruikshank 1981); rapidly exchangeable Mg (interstitial matrix, cell surfaces, loosely bound cell "
      "Mg) per kg at serum.reference_ionized, in proportion to ionized Mg (no set point: it follows the "
      "ECF). Lu 2002's Vp of 25 L would be ~0.25 mmol/kg; a larger pool puts V9's 4-h value below 1.4");
  def(exchange_fast_half_time, "exchange.fast_half_time", 2.0, "h", 0.5, 8,
      "Lu 2002 (Q ~5.6 L/h against Vp ~25 L: distribution t1/2 ~3 h)",
      "fitted: with exchange.fast_content (V9, V14); half-time of equilibration of the fast exchangeable "
      "pool with the ECF (Lu 2002's Vp/Q gives ~3 h)");
  def(bone_exchangeable_content, "bone.exchangeable_content", 2.7, "mmol/kg", 1, 5,
      "bone holds 50-65 % of body Mg, about one third of it exchangeable (IOM 1997; Elin 1987)",
      "surface-exchangeable bone Mg per kg body weight");
  def(bone_exchangeable_half_time, "bone.exchangeable_half_time", 240, "h", 48, 1000,
      "bone surface exchange over days to weeks (Avioli & Berman 1966)", "assumed within that range");
  def(bone_release_set_point_hill, "bone.release_set_point_hill", 2, "1", 0, 8,
      "in deficiency bone is the main source of the Mg lost while muscle Mg stays near normal (Shils "
      "1969, as reviewed by Aikawa); bone surface Mg sits on sites of different affinity, the loosest "
      "emptied first; Mg deficiency blunts PTH secretion and skeletal PTH action (Rude 1976)",
      "assumed: steepness n of the surface release k x content x (content/reference)^n (whole number); "
      "bone surface gives ~5 mmol over 70 d of a 12 mg/d diet (with n = 0 it gives ~11 mmol and holds "
      "plasma ~0.06 mmol/L higher). The tracer half-time at steady state is unchanged");
  def(bone_deep_content, "bone.deep_content", 5.5, "mmol/kg", 3, 8,
      "bone holds 50-65 % of ~1000 mmol body Mg, two thirds not exchangeable (IOM 1997)",
      "per kg body weight");
  def(bone_deep_half_time, "bone.deep_half_time", 60000, "h", 20000, 200000,
      "adult skeletal remodeling ~10 %/y (Parfitt; Peterson & Riggs 2010)",
      "resorption of deep bone Mg into the ECF; formation takes it back from the surface pool");
  def(im_absorption_half_time, "im.absorption_half_time", 2.19, "h", 0.5, 4,
      "Salinger 2013 (BJOG 120:894, population PK of IM vs IV MgSO4 in 258 pre-eclamptic Indian "
      "women, Table 2): first-order IM absorption ka = 0.317 1/h, t1/2 = ln 2 / ka = 2.19 h; "
      "the IM onset of action ~1 h and duration 3-4 h (US label of MgSO4 injection)",
      "measured (population estimate from one sample per woman): Mg injected deep IM (50 % MgSO4, "
      "gluteal) leaves the depot into the ECF at first order. Salinger's IM bioavailability of "
      "86.2 % is not modelled: Mg is not metabolised, so the whole depot is absorbed");

  // --- Brain and cerebrospinal fluid (brain.hpp) ---
  def(brain_mass, "brain.mass", 1.4, "kg", 1.0, 1.8,
      "reference adult brain 1.45 kg (men), 1.30 kg (women) (ICRP 89)",
      "measured (reference adult); not scaled with body weight");
  def(brain_tissue_content, "brain.tissue_content", 6.0, "mmol/kg", 4, 9,
      "soft-tissue Mg 11.7-28.3 mEq/kg wet weight (6-14 mmol/kg) in accident victims (Aikawa 1981)",
      "assumed: brain tissue Mg per kg wet weight at brain.csf_reference_concentration, near the low end "
      "of soft tissues (brain is ~78 % water)");
  def(brain_exchange_half_time, "brain.exchange_half_time", 250, "h", 24, 2000,
      "CSF Mg stays raised, 11-21 % above baseline, through 9 days of IV Mg (Wong 2009); CSF Mg does not "
      "follow serum within hours (Brewer 2001; Fuchs-Buder 1997: 'not parallel')",
      "assumed (no human measurement found): half-time of brain tissue Mg equilibrating with the "
      "CSF/interstitium. At 250 h the brain takes Mg from the CSF as fast as bulk flow carries it away "
      "(8.4 mmol / 1.1 mmol/L x ln 2 / 250 h = 0.021 L/h), so about half of a step in secretion shows in "
      "CSF within a day and the rest over weeks, as the brain fills");
  def(brain_csf_volume, "brain.csf_volume", 0.15, "L", 0.09, 0.25,
      "adult CSF volume ~150 mL (Sakka 2011, Eur Ann Otorhinolaryngol Head Neck Dis)", "measured (typical adult)");
  def(brain_csf_formation_rate, "brain.csf_formation_rate", 0.35, "mL/min", 0.2, 0.6,
      "CSF formation ~0.35 mL/min, ~500 mL/d, mostly by the choroid plexus (Sakka 2011)",
      "measured (typical adult); the same flow leaves by bulk outflow into venous blood");
  def(brain_csf_reference_concentration, "brain.csf_reference_concentration", 1.1, "mmol/L", 0.9, 1.35,
      "CSF total Mg 1.25 +/- 0.14 mmol/L against serum 0.92 (McKee 2005, brain injury); 0.95 +/- 0.11 "
      "(Fuchs-Buder 1997, neurosurgery); 2.23 +/- 0.09 mEq/L = 1.12 mmol/L at term (Fong 1995); CSF "
      "ionized 0.82 against plasma 0.58 (Brewer 2001)",
      "measured (middle of the studies): CSF Mg at serum.reference_ionized");
  def(brain_csf_secretion_half_saturation, "brain.csf_secretion_half_saturation", 0.25, "mmol/L", 0.05, 2,
      "CSF Mg up 11-21 % while plasma Mg was held near twice baseline for 10-14 d (Wong 2009, subarachnoid "
      "haemorrhage); CSF ionized Mg unchanged over 4 h while a 20 mmol IV dose raised plasma ionized Mg by "
      "53 % (Brewer 2001); no correlation of CSF with serum Mg over the baseline range (Fong 1995)",
      "fitted: V30 (Wong 2009); serum ionized Mg at half-maximal choroid-plexus Mg secretion. Doubling "
      "ionized Mg from the reference raises secretion, and so the eventual CSF level, by ~19 %");
  def(l_threonate_brain_uptake_factor, "salt.l_threonate.brain_uptake_factor", 1.0, "1", 1.0, 1.5,
      "Slutsky 2010 (Neuron; rats: Mg L-threonate raised CSF Mg by ~7-15 %, other Mg salts did not)",
      "animal data; off by default (1 = no effect). assumed mechanism: multiplies choroid-plexus Mg "
      "secretion, and so the steady CSF level, when a scenario sets it (parameters:) for an L-threonate "
      "regimen; the model does not tie it to the L-threonate doses taken");

  // --- Drugs: class PK and effects (reference drug of each class in the source) ---
  def(ppi_absorption_rate, "ppi.absorption_rate", 1.0, "1/h", 0.3, 3,
      "omeprazole tmax 0.5-3.5 h (Prilosec label)", "first-order oral absorption, class-wide");
  def(ppi_bioavailability, "ppi.bioavailability", 0.5, "1", 0.3, 0.7,
      "omeprazole F 35 % single dose, ~60 % repeated (Prilosec label)", "reference drug: omeprazole");
  def(ppi_half_life, "ppi.half_life", 1.0, "h", 0.5, 2, "omeprazole t1/2 0.5-1 h (Prilosec label)", "");
  def(ppi_inactivation_rate, "ppi.inactivation_rate", 1.3, "1/h", 0.1, 5,
      "irreversible H+/K+-ATPase inhibition (Shin & Sachs 2008)",
      "fitted: ~70 % pump (acid output) inhibition at steady state on omeprazole 20 mg/d (Prilosec label: "
      "~70-80 % lower 24-h acidity on repeated 20 mg)");
  def(ppi_half_effect_amount, "ppi.half_effect_amount", 10, "mg", 1, 50,
      "assumed", "omeprazole-equivalent amount in the body at half-maximal inactivation rate");
  def(ppi_pump_recovery_half_time, "ppi.pump_recovery_half_time", 30, "h", 15, 60,
      "acid secretion recovers within 3-5 d of stopping (Shin & Sachs 2008); Mg recovers ~4 d after "
      "stopping (Hess 2012)",
      "new pump synthesis; sets the off-rate of the PPI effect (V7)");
  def(loop_absorption_rate, "loop.absorption_rate", 1.5, "1/h", 0.3, 4,
      "furosemide tmax 1-1.5 h (Lasix label)", "reference drug: furosemide");
  def(loop_bioavailability, "loop.bioavailability", 0.5, "1", 0.1, 0.9,
      "furosemide F ~50 % (10-90 %) (Ponto & Schoenwald 1990)", "");
  def(loop_half_life, "loop.half_life", 1.5, "h", 0.5, 4, "furosemide t1/2 0.5-2 h (Ponto & Schoenwald 1990)", "");
  def(loop_max_tal_inhibition, "loop.max_tal_inhibition", 0.6, "1", 0.2, 0.95,
      "loop diuretics block NKCC2, abolishing the lumen-positive voltage that drives paracellular Mg "
      "reabsorption (de Baaij 2015); acute magnesiuria for hours after a dose",
      "assumed: no human figure for the acute Mg magnitude was found");
  def(loop_half_effect_amount, "loop.half_effect_amount", 8, "mg", 1, 40,
      "furosemide natriuresis half-maximal near 1 ug/mL plasma (Brater 1998), V ~0.1 L/kg",
      "furosemide-equivalent amount in the body");
  def(loop_adaptation_half_time, "loop.adaptation_half_time", 72, "h", 12, 336,
      "post-diuretic sodium retention ('braking') appears within the first days of furosemide "
      "(Wilcox 1983); distal tubule hypertrophy with chronic loop diuretic delivery develops over days "
      "(Kaissling & Stanton 1988, rats; Ellison 1989)",
      "assumed within that range: half-time of the adaptation state, which follows loop inhibition "
      "(as a fraction of loop.max_tal_inhibition)");
  def(loop_adaptation_proximal_gain, "loop.adaptation_proximal_gain", 0.22, "1", 0, 0.5,
      "volume contraction raises proximal Na and with it Mg reabsorption (Quamme 1997); loop diuretic "
      "users have serum Mg no lower, slightly higher, than non-users after adjustment (Kieboom 2018, "
      "Rotterdam Study: +0.023 mmol/L at 1 DDD, 95 % CI 0.013-0.032)",
      "fitted: V21 with loop.adaptation_distal_gain, to Kieboom 2018's +0.023 mmol/L at 1 DDD (furosemide "
      "40 mg/d for 1 y: +0.024); relative rise of renal.proximal_fraction at full adaptation (0.18 -> "
      "0.22; ~0.21 on 40 mg/d)");
  def(loop_adaptation_distal_gain, "loop.adaptation_distal_gain", 3.0, "1", 0, 6,
      "DCT hypertrophy and higher distal transport capacity with chronic loop diuretics (Kaissling & "
      "Stanton 1988; Ellison 1989: distal NaCl reabsorption up); braking phenomenon (Wilcox 1983)",
      "fitted: V21 with loop.adaptation_proximal_gain (Kieboom 2018, +0.023 mmol/L at 1 DDD); relative "
      "rise of the DCT transport maximum (renal.dct_half_saturation) at full adaptation (x4; ~x2.8 on "
      "furosemide 40 mg/d)");
  def(loop_adaptation_half_level, "loop.adaptation_half_level", 0.1, "1", 0.02, 1,
      "chronic once-daily furosemide 40 mg already brings braking and distal adaptation (Wilcox 1983; "
      "Kieboom 2018: no fall of serum Mg at <1, 1 or >1 DDD)",
      "assumed: adaptation state (mean loop inhibition / maximum; ~0.12 on furosemide 40 mg/d) at half "
      "the adaptation's effect; the effect is gain x s/(half + s) x (1 + half), the full gain at s = 1");
  def(thiazide_bioavailability, "thiazide.bioavailability", 0.7, "1", 0.5, 0.9,
      "hydrochlorothiazide F 65-75 % (label)",
      "reference drug: hydrochlorothiazide. Oral doses enter the body state at once (absorption, tmax "
      "1-2.5 h, is short beside a 10 h half-life and an effect built over weeks); exposure = F x amount");
  def(thiazide_half_life, "thiazide.half_life", 10, "h", 5, 15, "hydrochlorothiazide t1/2 6-15 h (label)", "");
  def(thiazide_max_dct_downregulation, "thiazide.max_dct_downregulation", 0.7, "1", 0, 0.8,
      "TRPM6 down-regulation in DCT under thiazides (Nijenhuis 2005); Pak 2000: HCTZ 50 mg/d lowers serum Mg",
      "fitted: V8 (serum -0.01 to -0.08 mmol/L after 3 w of 50 mg/d; gives ~-0.024)");
  def(thiazide_half_effect_amount, "thiazide.half_effect_amount", 10, "mg", 1, 50, "assumed",
      "hydrochlorothiazide-equivalent amount in the body at half-maximal down-regulation");
  def(thiazide_adaptation_half_time, "thiazide.adaptation_half_time", 120, "h", 24, 500,
      "TRPM6 down-regulation develops over days to weeks (Nijenhuis 2005; Pak 2000: 1-3 w)", "");
  def(nephrotoxin_half_life, "nephrotoxin.half_life", 1.0, "h", 0.3, 6,
      "ultrafilterable platinum t1/2 ~0.5-1 h after cisplatin (Cisplatin label)", "reference drug: cisplatin");
  def(nephrotoxin_injury_rate, "nephrotoxin.injury_rate", 0.006, "m2/mg/h", 0.0001, 0.05,
      "cisplatin: hypomagnesemia in all 28 patients, dose-related, FEMg 2.9-22.3 % (Lam & Adelstein 1986); "
      "serum 0.79 -> 0.55 mmol/L 3 months after starting, all 50 patients hypomagnesemic (Bell 1985)",
      "fitted: V20 (75 mg/m2 every 3 w: serum x0.75 at 12 w, Bell 1985 x0.70; refitted with the loop's status adaptation, which a damaged tubule mounts only in part); tubular damage per hour per "
      "mg/m2 of cisplatin-equivalent in "
      "the body (damage per cycle ~ rate x dose per m2 x t1/2 / ln 2)");
  def(nephrotoxin_repair_half_time, "nephrotoxin.repair_half_time", 1440, "h", 200, 10000,
      "cisplatin Mg wasting persists for months (Lam & Adelstein 1986: prolonged; Schilsky & Anderson "
      "1979); aminoglycoside wasting resolves in weeks to months",
      "assumed: 60 d");
  def(nephrotoxin_dct_effect, "nephrotoxin.dct_effect", 0.7, "1", 0, 1,
      "cisplatin down-regulates DCT TRPM6/EGF signalling (Ledeganck 2013)",
      "assumed: loss of DCT reabsorption at full damage");
  def(nephrotoxin_tal_effect, "nephrotoxin.tal_effect", 0.6, "1", 0, 0.8,
      "whole-kidney Mg threshold falls in cisplatin wasting: FEMg 3-22 % at serum >= 0.62 mmol/L (Lam & "
      "Adelstein 1986); aminoglycosides act on the CaSR in the TAL (Ward 2005)",
      "fitted: V20 (FEMg ~6.5 % at serum ~0.65 mmol/L, Lam & Adelstein 1986 2.9-22.3 %); loss of the TAL "
      "transport maximum at full damage. The "
      "model's whole-kidney threshold (Rude 1980) sits in the TAL term, so a distal defect that lowers "
      "Tm/GFR shows here");
  // SGLT2 inhibitors (dapagliflozin)
  def(sglt2_bioavailability, "sglt2.bioavailability", 0.78, "1", 0.6, 0.9, "dapagliflozin F 78 % (Farxiga label)",
      "measured (label); reference drug: dapagliflozin; oral doses enter the body state at once, exposure = F x amount");
  def(sglt2_half_life, "sglt2.half_life", 12.9, "h", 8, 20, "dapagliflozin t1/2 ~12.9 h (Farxiga label)", "measured (label)");
  def(sglt2_max_tm_rise, "sglt2.max_tm_rise", 0.2, "1", 0, 0.5,
      "SGLT2 inhibitors raise serum Mg: dapagliflozin 10 mg +0.10, empagliflozin 10/25 mg +0.04/+0.07, "
      "canagliflozin 100/300 mg +0.06/+0.09 mmol/L vs placebo (Tang 2016 meta-analysis, 18 RCTs >= 24 w); "
      "class +0.07 (0.06-0.08) mmol/L (2022 network meta-analysis, 25 RCTs, PMC9034808). Mechanism uncertain",
      "fitted: V23 (Tang 2016); largest relative rise of the loop's Mg transport maximum (a placeholder "
      "for 'slightly more tubular reabsorption')");
  def(sglt2_half_effect_amount, "sglt2.half_effect_amount", 2.0, "mg", 0.2, 20,
      "Tang 2016: the rise is less than proportional to dose (empagliflozin 10 -> 25 mg, canagliflozin "
      "100 -> 300 mg)",
      "fitted: V23 with sglt2.max_tm_rise; dapagliflozin-equivalent exposure (F x amount) at half effect");
  // Calcineurin inhibitors (tacrolimus)
  def(cni_bioavailability, "cni.bioavailability", 0.25, "1", 0.05, 0.5, "tacrolimus oral F ~20-25 % (Prograf label)",
      "measured (label); reference drug: tacrolimus; oral doses enter the body state at once, exposure = F x amount");
  def(cni_half_life, "cni.half_life", 12, "h", 8, 40, "tacrolimus t1/2 ~12-19 h in transplant recipients (Prograf label)", "measured (label)");
  def(cni_max_dct_downregulation, "cni.max_dct_downregulation", 0.8, "1", 0, 0.95,
      "tacrolimus down-regulates DCT TRPM6 and calbindin-D28k (Nijenhuis 2004, rats); hypomagnesemia in 43 % "
      "of tacrolimus-treated transplant recipients, FEMg 7.4 +/- 3.6 % vs 1.9 % in controls (Navaneethan 2006)",
      "assumed: largest loss of DCT TRPM6 activity");
  def(cni_half_effect_amount, "cni.half_effect_amount", 1.0, "mg", 0.1, 10,
      "Navaneethan 2006: FEMg and urine Mg rise with tacrolimus blood level",
      "assumed: tacrolimus-equivalent exposure (F x amount) at half effect, below the usual "
      "0.1-0.2 mg/kg/d (exposure ~2-4 mg), so that usual doses act near the maximum");
  def(cni_adaptation_half_time, "cni.adaptation_half_time", 120, "h", 24, 500,
      "hypomagnesemia appears in the first weeks after transplantation (Ramos 1995; Navaneethan 2006)",
      "assumed (as thiazide.adaptation_half_time)");
  def(cni_tm_effect, "cni.tm_effect", 0.25, "1", 0, 0.6,
      "FEMg 7.4 % at low-normal serum under tacrolimus (Navaneethan 2006): the whole-kidney threshold falls",
      "assumed: share of the loop transport maximum lost with full CNI down-regulation (the model's "
      "whole-kidney threshold sits in the TAL term)");
  // EGFR antibodies (cetuximab)
  def(egfr_antibody_half_life, "egfr_antibody.half_life", 112, "h", 60, 240,
      "cetuximab t1/2 ~112 h (63-230 h) on 250 mg/m2 weekly (Erbitux label)", "measured (label); reference drug: cetuximab");
  def(egfr_antibody_max_trpm6_loss, "egfr_antibody.max_trpm6_loss", 0.9, "1", 0, 1,
      "EGF stimulates TRPM6 in the DCT; EGFR antibodies block it (Groenestege 2007); serum Mg falls in 97 % "
      "of patients, by 0.00157 mmol/L/d on average (Tejpar 2007)",
      "assumed: largest loss of DCT TRPM6 activity");
  def(egfr_antibody_half_effect_amount, "egfr_antibody.half_effect_amount", 200, "mg", 20, 2000,
      "cetuximab trough on 250 mg/m2 weekly ~40-80 mg/L (Erbitux label), ~3 L plasma",
      "assumed: cetuximab-equivalent amount in the body at half effect");
  def(egfr_antibody_loss_half_time, "egfr_antibody.loss_half_time", 1000, "h", 24, 2000,
      "serum Mg falls steadily over months (Tejpar 2007); resolves within ~2 months of stopping (Fakih 2007)",
      "fitted: V24 (a steady fall over 12 w, not a plateau within weeks) with egfr_antibody.tm_effect; "
      "half-time of the TRPM6 loss following exposure (~6 w: most of it gone 2 months after stopping)");
  def(egfr_antibody_tm_effect, "egfr_antibody.tm_effect", 0.5, "1", 0, 0.8,
      "24-h urine Mg and IV load tests show a renal Mg reabsorption defect (Tejpar 2007)",
      "fitted: V24 (Tejpar 2007 serum slope over 12 w; refitted with the loop's status adaptation); share of the loop transport maximum lost with "
      "full TRPM6 loss (the model's whole-kidney threshold sits in the TAL term)");
  // Ethanol
  def(ethanol_absorption_rate, "ethanol.absorption_rate", 3.0, "1/h", 0.5, 10,
      "peak blood ethanol 30-90 min after drinking on an empty stomach (Norberg 2003)",
      "derived: first-order absorption giving that peak time");
  def(ethanol_distribution_volume, "ethanol.distribution_volume", 0.6, "L/kg", 0.45, 0.8,
      "ethanol distributes in body water: Widmark factor ~0.7 men, ~0.6 women (Norberg 2003)", "measured (population mean)");
  def(ethanol_max_elimination_rate, "ethanol.max_elimination_rate", 110, "mg/kg/h", 60, 200,
      "zero-order elimination ~0.1 g/kg/h, 7-10 g/h in adults (Norberg 2003; Holford 1987)",
      "measured (population mean); Vmax of the Michaelis-Menten elimination, per kg body weight");
  def(ethanol_elimination_km, "ethanol.elimination_km", 0.1, "g/L", 0.02, 0.3,
      "Michaelis constant of ethanol elimination ~0.05-0.1 g/L (Holford 1987; Norberg 2003)", "measured");
  def(ethanol_max_tm_inhibition, "ethanol.max_tm_inhibition", 0.15, "1", 0, 0.5,
      "ethanol is an acute Mg diuretic (Rivlin 1994); urine Mg 167-260 % of control after ethanol "
      "(Kalbfleisch 1963, as cited by reviews); 2 mL/kg (1.6 g/kg) gave a marked immediate rise",
      "fitted: V25 (0-4 h urine Mg 1.67-2.6x after 1 g/kg); share of the loop transport maximum lost at "
      "saturating blood ethanol (site and mechanism of the magnesiuria are not settled)");
  def(ethanol_half_effect_concentration, "ethanol.half_effect_concentration", 0.5, "g/L", 0.1, 3,
      "magnesiuria follows blood ethanol within hours (Kalbfleisch 1963, as cited by Rivlin 1994)",
      "assumed: blood ethanol at half the maximal magnesiuric effect");

  // --- Conditions (conditions.cpp applies these) ---
  def(pregnancy_gfr_factor, "pregnancy.gfr_factor", 1.5, "1", 1.2, 1.8,
      "GFR up ~50 % in pregnancy (Cheung & Lafayette 2013)",
      "applied only when the scenario gives no eGFR: a given eGFR is taken as measured in pregnancy");
  def(pregnancy_volume_factor, "pregnancy.volume_factor", 1.2, "1", 1.0, 1.5,
      "plasma volume up ~40-50 % and total body water up 6-8 L, mostly extracellular, at term (Hytten; "
      "Cheung & Lafayette 2013); the weight gained (~12 kg) already scales the per-kg volumes",
      "applied to ECF and plasma volume per kg of pregnant weight: +40-50 % absolute over a ~+20 % weight");
  def(pregnancy_albumin_factor, "pregnancy.albumin_factor", 0.85, "1", 0.7, 1.0,
      "serum albumin falls ~10-20 % in pregnancy by dilution (Abbassi-Ghanavati 2009 reference ranges)",
      "lowers total but not ionized serum Mg");
  def(pregnancy_tal_tm_factor, "pregnancy.tal_tm_factor", 0.90, "1", 0.7, 1.0,
      "ionized Mg 0.53 -> 0.49 mmol/L from the first to the third trimester (Handwerker 1995); plasma "
      "volume expansion lowers fractional tubular reabsorption (Cheung & Lafayette 2013)",
      "fitted: V17 (ionized Mg lower in pregnancy: x0.92, Handwerker x0.925) within V9 (the 4-h Zuspan "
      "level, 1.47 against >= 1.4 mmol/L, which a lower pregnant baseline pulls down); multiplies "
      "renal.tal_tm_per_gfr in pregnancy. The TRPM6 status feedback gives back about a quarter of it");
  def(pregnancy_absorption_factor, "pregnancy.absorption_factor", 1.2, "1", 1.0, 1.5,
      "calcitriol doubles in pregnancy and intestinal Ca absorption about doubles (Kovacs & Kronenberg "
      "1997); Mg absorption follows calcitriol only mildly (Kidney Atlas ch. 4)",
      "assumed: multiplies every uptake flux in pregnancy; with the higher GFR it raises 24-h urine Mg "
      "(~+30 % at term in the model)");
  def(preeclampsia_gfr_factor, "preeclampsia.gfr_factor", 0.6, "1", 0.4, 1.0,
      "GFR rises ~40 % in normal pregnancy but not in pre-eclampsia (Krutzen 1992: factor ~0.7); Mg "
      "clearance 3.98 vs 5.88 L/h, steady serum Mg 7.2 vs 5.1 mg/dL on 2 g/h with and without "
      "pre-eclampsia (Brookfield 2016)",
      "fitted: V14 (Brookfield 2016 steady states); multiplies the pregnancy GFR when no eGFR is given "
      "(a measured eGFR wins)");
  def(chronic_diarrhea_transit_factor, "chronic_diarrhea.transit_factor", 0.4, "1", 0.1, 1,
      "Fine NEJM 1991 (diarrheal states); Kidney Atlas: Mg depletion in diarrhea through high secretion "
      "and poor absorption",
      "assumed: multiplies small-bowel and colonic transit times");
  def(chronic_diarrhea_secretion_factor, "chronic_diarrhea.secretion_factor", 2.0, "1", 1, 5,
      "Kidney Atlas: lower intestinal secretions carry ~7.5 mmol/L Mg", "assumed: multiplies lower GI secretion");
  def(crohns_transit_factor, "crohns.transit_factor", 0.7, "1", 0.3, 1,
      "Crohn's disease: Mg deficiency from malabsorption and diarrhea (Galland 1988)", "assumed");
  def(crohns_ileal_uptake_factor, "crohns.ileal_uptake_factor", 0.6, "1", 0.2, 1,
      "terminal ileum is the main Mg absorption site and the usual site of Crohn's disease", "assumed");
  def(ileal_resection_transit_factor, "ileal_resection.transit_factor", 0.6, "1", 0.2, 1,
      "loss of the ileal brake speeds transit after ileal resection", "assumed");
  def(ileal_resection_ileal_uptake_factor, "ileal_resection.ileal_uptake_factor", 0.4, "1", 0, 1,
      "ileum carries ~25 % of intake and most saturable uptake (Kidney Atlas fig 4-5)",
      "assumed: ileal uptake left after a typical resection");
  def(alcohol_absorption_factor, "alcohol_use_disorder.absorption_factor", 0.85, "1", 0.5, 1,
      "alcohol use disorder: poor intake and absorption (Elisaf 1998; Rivlin 1994)",
      "assumed: multiplies every uptake flux");
  def(alcohol_renal_reabsorption_factor, "alcohol_use_disorder.renal_reabsorption_factor", 0.8, "1",
      0.5, 1, "renal Mg wasting: inappropriate magnesiuria in 18 of 38 hypomagnesemic alcoholics (Elisaf 1995)",
      "assumed: multiplies the DCT reabsorption ceiling");
  def(alcohol_tal_tm_factor, "alcohol_use_disorder.tal_tm_factor", 0.75, "1", 0.5, 1,
      "hypomagnesemia in 29.9 % of 127 hospitalised alcoholics, half of them with renal wasting (Elisaf "
      "1995); serum total and ionized Mg and muscle Mg reduced (Vanoni 2021 meta-analysis)",
      "fitted (with the loop's status adaptation, which gives part of it back): mean serum ~0.75-0.80 mmol/L on an ordinary diet (with a population SD of ~0.07 mmol/L "
      "this puts ~30 % at or below 0.70, Elisaf 1995); multiplies the loop transport maximum (the "
      "whole-kidney threshold) for chronic heavy drinking; acute drinks add the ethanol drug's effect");

  // --- Salt forms (salts.hpp): Mg content, solubility, unabsorbed anion ---
  for (int k = 0; k < kNumSalts; ++k) {
    const SaltRecord& r = kSalts[k];
    const std::string base = std::string("salt.") + r.name + ".";
    const double fraction = r.mg_per_formula * kMgMolarMass / r.molar_mass;
    auto at = [&](SaltProperty q) { return static_cast<par::Index>(salt_parameter(k, q)); };
    def(at(SaltProperty::mg_fraction), base + "mg_fraction", fraction, "1", 0.01, 0.61,
        std::string(r.formula) + ", " + grams_per_mol(r.molar_mass) +
            " g/mol (IUPAC atomic weights)",
        "derived from the formula as sold; converts salt_dose / salt_amount / salt_rate to elemental Mg "
        "(another hydrate: change it here)");
    def(at(SaltProperty::soluble_fraction), base + "soluble_fraction", r.soluble_fraction, "1", 0, 1,
        r.soluble_source,
        std::string(r.soluble_note) +
            "; share of the Mg dissolving in the stomach at any pH, the rest is undissolved salt "
            "needing acid");
    def(at(SaltProperty::poorly_absorbed_anion), base + "poorly_absorbed_anion", r.poorly_absorbed_anion, "1", 0, 2,
        r.anion_source,
        std::string(r.anion_note) +
            "; mmol of poorly absorbed anion per mmol Mg: absorbed in the small bowel up to a capacity "
            "(gut.anion_absorption_vmax), the rest holds water in the colon");
  }

  for (int i = 0; i < kNumParameters; ++i)
    if (!set[i]) throw std::logic_error("magnesium parameter table: index " + std::to_string(i) + " not declared");
  return t;
}

}  // namespace magsim::models::magnesium
