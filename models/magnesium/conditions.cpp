// Subject and conditions as parameter modifiers. Each condition multiplies model parameters by
// declared magnitudes (pregnancy.*, chronic_diarrhea.*, crohns.*, ileal_resection.*,
// alcohol_use_disorder.*), so their values, units and sources are listed with every other
// parameter and can be overridden by name.
#include "models/magnesium/conditions.hpp"

#include <cmath>
#include <string>

#include "engine/model/errors.hpp"
#include "models/magnesium/parameters.hpp"

namespace magsim::models::magnesium {
namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

// Pregnancy: GFR up ~50 %, plasma and ECF volume up, albumin diluted (Cheung & Lafayette 2013).
// A measured value wins over the typical pregnancy change: an eGFR or albumin given for a
// pregnant subject is taken as measured in pregnancy, so the rise (or the dilution) is already
// in it; only when absent does the typical pregnancy change apply to the non-pregnant default.
// Beyond dilution, pregnancy lowers ionized Mg (Handwerker 1995: 0.53 -> 0.49 mmol/L from the
// first to the third trimester) while urine Mg rises: the loop's threshold per litre of filtrate
// is lower (volume expansion cuts tubular reabsorption) and more is absorbed (calcitriol doubles).
void apply_pregnancy(bool egfr_measured, bool albumin_measured, std::vector<double>& p) {
  if (!egfr_measured) p[par::renal_gfr_scale] *= p[par::pregnancy_gfr_factor];
  p[par::body_ecf_volume_per_kg] *= p[par::pregnancy_volume_factor];
  p[par::body_plasma_volume_per_kg] *= p[par::pregnancy_volume_factor];
  if (!albumin_measured) p[par::serum_albumin] *= p[par::pregnancy_albumin_factor];
  p[par::renal_tal_tm_per_gfr] *= p[par::pregnancy_tal_tm_factor];
  p[par::gut_absorption_scale] *= p[par::pregnancy_absorption_factor];
}

// Pre-eclampsia: a pregnancy whose GFR does not rise, or falls (glomerular endotheliosis):
// Krutzen 1992 (GFR +40 % in normal pregnancy, no rise in pre-eclampsia); Mg clearance 3.98 vs
// 5.88 L/h in pregnant women with and without it (Brookfield 2016). A measured eGFR wins.
void apply_preeclampsia(bool egfr_measured, std::vector<double>& p) {
  if (!egfr_measured) p[par::renal_gfr_scale] *= p[par::preeclampsia_gfr_factor];
}

// Chronic diarrhea: faster transit everywhere below the stomach, more Mg-rich lower-GI secretion.
void apply_chronic_diarrhea(std::vector<double>& p) {
  const double t = p[par::chronic_diarrhea_transit_factor];
  p[par::gut_jejunum_transit_time] *= t;
  p[par::gut_proximal_ileum_transit_time] *= t;
  p[par::gut_distal_ileum_transit_time] *= t;
  p[par::gut_colon_transit_time] *= t;
  p[par::gut_secretion_clearance_ileum] *= p[par::chronic_diarrhea_secretion_factor];
  p[par::gut_secretion_clearance_colon] *= p[par::chronic_diarrhea_secretion_factor];
}

// Crohn's disease: inflamed terminal ileum absorbs less; transit is faster.
void apply_crohns(std::vector<double>& p) {
  const double t = p[par::crohns_transit_factor];
  p[par::gut_proximal_ileum_transit_time] *= t;
  p[par::gut_distal_ileum_transit_time] *= t;
  p[par::gut_colon_transit_time] *= t;
  p[par::gut_paracellular_rate_ileum] *= p[par::crohns_ileal_uptake_factor];
  p[par::gut_trpm6_vmax_ileum] *= p[par::crohns_ileal_uptake_factor];
}

// Ileal resection: less ileum to absorb from, and faster transit without the ileal brake.
void apply_ileal_resection(std::vector<double>& p) {
  const double t = p[par::ileal_resection_transit_factor];
  p[par::gut_proximal_ileum_transit_time] *= t;
  p[par::gut_distal_ileum_transit_time] *= t;
  p[par::gut_colon_transit_time] *= t;
  p[par::gut_paracellular_rate_ileum] *= p[par::ileal_resection_ileal_uptake_factor];
  p[par::gut_trpm6_vmax_ileum] *= p[par::ileal_resection_ileal_uptake_factor];
}

// Alcohol use disorder (chronic heavy drinking): lower absorption and renal Mg wasting, both at the
// DCT and in the whole-kidney threshold (the loop transport maximum), sized so that mean serum Mg
// sits where ~30 % of patients are hypomagnesemic (Elisaf 1995). Acute drinks are the `ethanol`
// drug, on top of this.
void apply_alcohol_use_disorder(std::vector<double>& p) {
  p[par::gut_absorption_scale] *= p[par::alcohol_absorption_factor];
  p[par::renal_dct_max_fraction] *= p[par::alcohol_renal_reabsorption_factor];
  p[par::renal_tal_tm_per_gfr] *= p[par::alcohol_tal_tm_factor];
}

}  // namespace

void apply_subject(const engine::Subject& subject, const std::string& file, std::vector<double>& p) {
  auto fail = [&](const std::string& message) {
    throw engine::ScenarioError(file, subject.mark.line, subject.mark.column, message);
  };
  const bool female = subject.sex == "female";
  if (!(subject.weight_kg > 0)) fail("subject.weight must be positive");
  if (subject.egfr_ml_min_173 <= 0) fail("subject.egfr must be positive");
  if (!(subject.age_y >= 0)) fail("subject.age must not be negative");

  p[par::body_weight] = subject.weight_kg;
  // eGFR equations already include age (CKD-EPI), so age enters the kidney only through eGFR;
  // its own effect here is the decline of absorption (subject.hpp).
  p[par::body_age] = subject.age_y;
  p[par::body_height] = std::isnan(subject.height_cm)
                            ? (female ? p[par::body_typical_height_female] : p[par::body_typical_height_male])
                            : subject.height_cm;
  // An absent eGFR (NaN) leaves the default renal.egfr, a healthy non-pregnant adult's.
  const bool egfr_measured = !std::isnan(subject.egfr_ml_min_173);
  if (egfr_measured) p[par::renal_egfr] = subject.egfr_ml_min_173;
  const bool albumin_measured = !std::isnan(subject.albumin_g_per_L);
  if (albumin_measured) {
    if (!(subject.albumin_g_per_L > 0)) fail("subject.albumin must be positive");
    p[par::serum_albumin] = subject.albumin_g_per_L;
  }

  const auto& c = subject.conditions;
  const bool preeclampsia = has(c, "preeclampsia");
  if (has(c, "pregnancy") || preeclampsia) {
    const std::string which = preeclampsia ? "preeclampsia" : "pregnancy";
    if (!female) fail("condition '" + which + "' needs subject.sex: female");
    if (subject.age_y < 10 || subject.age_y > 60)
      fail("condition '" + which + "' at age " + engine::message_number(subject.age_y) + " y is outside 10-60 y");
    apply_pregnancy(egfr_measured, albumin_measured, p);
    if (preeclampsia) apply_preeclampsia(egfr_measured, p);
  }
  if (has(c, "chronic_diarrhea")) apply_chronic_diarrhea(p);
  if (has(c, "crohns")) apply_crohns(p);
  if (has(c, "ileal_resection")) apply_ileal_resection(p);
  if (has(c, "alcohol_use_disorder")) apply_alcohol_use_disorder(p);
  for (const auto& name : c)
    if (name != "pregnancy" && name != "preeclampsia" && name != "chronic_diarrhea" && name != "crohns" && name != "ileal_resection" &&
        name != "alcohol_use_disorder")
      fail("unknown condition '" + name + "'");
}

}  // namespace magsim::models::magnesium
