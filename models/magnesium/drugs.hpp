// Drugs that change Mg handling, as declared records. To keep the state count small, drugs share
// PK states per class: each class has a reference drug whose PK parameters are in the parameter
// table (ppi.*, loop.*, thiazide.*, nephrotoxin.*, sglt2.*, cni.*, egfr_antibody.*, ethanol.*),
// and a dose of any member enters those states as reference-drug-equivalent mg: oral mg x
// oral_equivalence (clinical dose equivalence, which folds in bioavailability, half-life and
// potency), IV mg x oral_equivalence x F_ref / F_drug. Classes whose oral doses go straight into
// the body state as ingested equivalent (exposure = F_ref x amount: thiazide, SGLT2, calcineurin
// inhibitor) take IV mg x oral_equivalence / F_drug, so that an IV mg is worth 1/F_drug oral mg.
// A member's own half-life therefore shapes only the class time course, not its exposure; the
// records keep it for the reader. Adding a drug means adding a record here (and its name to the
// vocabulary); the integrator is untouched.
#pragma once

#include <array>
#include <string>

#include "models/magnesium/parameters.hpp"
#include "models/magnesium/rate_laws.hpp"
#include "models/magnesium/states.hpp"

namespace magsim::models::magnesium {

enum class DrugClass {
  ppi,
  loop_diuretic,
  thiazide,
  nephrotoxin,
  sglt2_inhibitor,
  calcineurin_inhibitor,
  egfr_antibody,
  ethanol
};

struct DrugClassRecord {
  DrugClass cls;
  const char* name;
  const char* reference_drug;
  int gut_state;                    // where oral doses go; -1: no oral route in the class
  int body_state;
  double reference_bioavailability; // to convert IV doses; equals the class parameter's default
};

inline constexpr std::array<DrugClassRecord, 8> kDrugClasses{{
    {DrugClass::ppi, "ppi", "omeprazole", st::ppi_gut, st::ppi_body, 0.5},
    {DrugClass::loop_diuretic, "loop", "furosemide", st::loop_gut, st::loop_body, 0.5},
    // Thiazides, SGLT2 inhibitors and calcineurin inhibitors: oral doses go straight into the body
    // state (ingested equivalent, exposure = F x amount): absorption is short beside the half-life
    // and the days-to-weeks effect.
    {DrugClass::thiazide, "thiazide", "hydrochlorothiazide", st::thiazide_body, st::thiazide_body, 0.7},
    {DrugClass::nephrotoxin, "nephrotoxin", "cisplatin", -1, st::nephrotoxin_body, 1.0},
    {DrugClass::sglt2_inhibitor, "sglt2", "dapagliflozin", st::sglt2_body, st::sglt2_body, 0.78},
    {DrugClass::calcineurin_inhibitor, "cni", "tacrolimus", st::cni_body, st::cni_body, 0.25},
    {DrugClass::egfr_antibody, "egfr_antibody", "cetuximab", -1, st::egfr_antibody_body, 1.0},
    {DrugClass::ethanol, "ethanol", "ethanol", st::ethanol_gut, st::ethanol_body, 1.0},
}};

inline const DrugClassRecord& drug_class_record(DrugClass c) {
  for (const auto& r : kDrugClasses)
    if (r.cls == c) return r;
  return kDrugClasses[0];
}

struct DrugRecord {
  const char* name;
  DrugClass cls;
  bool oral;
  bool iv;
  double oral_equivalence;  // mg of the class reference drug (same route) per mg
  double bioavailability;   // oral F of this drug
  double half_life_h;
  const char* source;
};

inline constexpr std::array<DrugRecord, 28> kDrugs{{
    // PPIs: omeprazole equivalents (Graham & Tansel, Clin Gastroenterol Hepatol 2018); PK from labels.
    {"omeprazole", DrugClass::ppi, true, true, 1.00, 0.50, 1.0, "Graham & Tansel 2018; Prilosec label"},
    {"esomeprazole", DrugClass::ppi, true, true, 1.60, 0.89, 1.3, "Graham & Tansel 2018; Nexium label"},
    {"pantoprazole", DrugClass::ppi, true, true, 0.23, 0.77, 1.1, "Graham & Tansel 2018; Protonix label"},
    {"lansoprazole", DrugClass::ppi, true, false, 0.90, 0.80, 1.5, "Graham & Tansel 2018; Prevacid label"},
    {"rabeprazole", DrugClass::ppi, true, false, 1.82, 0.52, 1.0, "Graham & Tansel 2018; Aciphex label"},
    // Loop diuretics: 40 mg furosemide ~ 1 mg bumetanide ~ 20 mg torsemide orally (Brater, NEJM 1998).
    {"furosemide", DrugClass::loop_diuretic, true, true, 1.0, 0.50, 1.5, "Brater 1998; Ponto & Schoenwald 1990"},
    {"bumetanide", DrugClass::loop_diuretic, true, true, 40.0, 0.85, 1.0, "Brater 1998"},
    {"torsemide", DrugClass::loop_diuretic, true, true, 2.0, 0.80, 3.5, "Brater 1998"},
    // Thiazides: chlorthalidone ~1.5-2x HCTZ per mg (Ernst 2006); indapamide 2.5 mg ~ HCTZ 25 mg.
    {"hydrochlorothiazide", DrugClass::thiazide, true, false, 1.0, 0.70, 10, "HCTZ label"},
    {"chlorthalidone", DrugClass::thiazide, true, false, 2.0, 0.65, 50, "Ernst 2006 (Hypertension 47:352)"},
    {"indapamide", DrugClass::thiazide, true, false, 10.0, 0.93, 16, "dose equivalence in hypertension guidelines; label"},
    // Tubular toxins, IV only, as cisplatin-equivalent mg; the injury is driven by exposure per m2
    // of body surface. Cisplatin is the calibrated member (Lam & Adelstein 1986; Bell 1985).
    // Aminoglycosides: a 5 mg/kg/d gentamicin course of 10 d (~3.75 g) wastes Mg in more than a
    // third of patients (Zaloga 1984), less than a cisplatin course does. 0.03 is assumed: such a
    // course then lowers serum by ~0.12 mmol/L (to ~0.78) in a well-fed subject, FEMg ~5 %.
    {"cisplatin", DrugClass::nephrotoxin, false, true, 1.0, 1.0, 0.75, "Lam & Adelstein 1986; Bell 1985; label"},
    {"gentamicin", DrugClass::nephrotoxin, false, true, 0.03, 1.0, 2.0, "assumed equivalence; Zaloga 1984"},
    {"tobramycin", DrugClass::nephrotoxin, false, true, 0.03, 1.0, 2.0, "assumed equivalence (as gentamicin, mg for mg)"},
    {"amikacin", DrugClass::nephrotoxin, false, true, 0.01, 1.0, 2.0, "assumed equivalence (doses ~3x gentamicin's)"},
    // Amphotericin B (distal tubular injury; 0.7-1 mg/kg/d for weeks), foscarnet (chelates Mg and
    // wastes it renally; 90 mg/kg twice daily) and IV pentamidine (4 mg/kg/d): renal Mg wasting is
    // documented for each (Atsmon & Dolev 2005; Liamis 2021); the equivalences are assumed, chosen
    // so that a usual 2-week course does about what a 10-d gentamicin course does.
    {"amphotericin_b", DrugClass::nephrotoxin, false, true, 0.5, 1.0, 24, "assumed equivalence; Atsmon & Dolev 2005"},
    {"foscarnet", DrugClass::nephrotoxin, false, true, 0.0003, 1.0, 3.0, "assumed equivalence; Atsmon & Dolev 2005"},
    {"pentamidine", DrugClass::nephrotoxin, false, true, 0.1, 1.0, 6.0, "assumed equivalence; Liamis 2021"},
    // SGLT2 inhibitors, dapagliflozin-equivalent mg, from the serum Mg rises of Tang 2016 with a
    // class Emax: dapagliflozin 10 mg +0.10, empagliflozin 10/25 mg +0.04/+0.07, canagliflozin
    // 100/300 mg +0.06/+0.09 mmol/L (the equivalences are what reproduce those rises).
    {"dapagliflozin", DrugClass::sglt2_inhibitor, true, false, 1.0, 0.78, 12.9, "Tang 2016; Farxiga label"},
    {"empagliflozin", DrugClass::sglt2_inhibitor, true, false, 0.14, 0.78, 12.4, "Tang 2016; Jardiance label"},
    {"canagliflozin", DrugClass::sglt2_inhibitor, true, false, 0.0225, 0.65, 11.8, "Tang 2016; Invokana label"},
    // Calcineurin inhibitors, tacrolimus-equivalent mg. Cyclosporine doses are ~30-40x tacrolimus's
    // and it wastes Mg less (hypomagnesemia 7.7 % vs 30 % of transplant recipients, Elsayed 2021):
    // 0.005 is assumed (150 mg twice daily then does about 1/3 of what tacrolimus 4 mg twice daily does).
    {"tacrolimus", DrugClass::calcineurin_inhibitor, true, true, 1.0, 0.25, 12, "Navaneethan 2006; Prograf label"},
    {"cyclosporine", DrugClass::calcineurin_inhibitor, true, true, 0.005, 0.30, 8.4, "assumed equivalence; Ramos 1995; Sandimmune label"},
    // EGFR antibodies, IV: cetuximab-equivalent mg. Panitumumab 6 mg/kg every 2 w replaces
    // cetuximab 250 mg/m2 weekly (~2x the mg per 2 w): 2.0 by regimen equivalence (assumed; the
    // panitumumab relative risk of hypomagnesemia is higher still, Petrelli 2012).
    {"cetuximab", DrugClass::egfr_antibody, false, true, 1.0, 1.0, 112, "Tejpar 2007; Erbitux label"},
    {"panitumumab", DrugClass::egfr_antibody, false, true, 2.0, 1.0, 180, "assumed equivalence; Petrelli 2012; Vectibix label"},
    // Ethanol as a drink: mg of ethanol (a dose of "60 g" is 60 g of ethanol, ~6 standard drinks
    // of 10 g). Oral only.
    {"ethanol", DrugClass::ethanol, true, false, 1.0, 1.0, 0, "Norberg 2003 (PK); Kalbfleisch 1963 (magnesiuria)"},
}};

inline const DrugRecord* find_drug_record(const std::string& name) {
  for (const auto& d : kDrugs)
    if (name == d.name) return &d;
  return nullptr;
}

// Route coefficients: how many reference-equivalent mg one mg of the drug puts into the class's
// gut (oral) or body (IV) state.
inline double oral_route_coefficient(const DrugRecord& d) { return d.oral_equivalence; }
inline double iv_route_coefficient(const DrugRecord& d) {
  const auto& cls = drug_class_record(d.cls);
  if (cls.gut_state == cls.body_state)  // body state holds ingested equivalent (exposure = F_ref x amount)
    return d.oral_equivalence / d.bioavailability;
  return d.oral_equivalence * cls.reference_bioavailability / d.bioavailability;
}

// One-compartment PK with first-order oral absorption (mg/h).
template <class T>
T drug_absorption(const T& gut_amount, double ka) {
  return ka * gut_amount;
}
template <class T>
T drug_elimination(const T& body_amount, double half_life) {
  return rate_from_half_time(half_life) * body_amount;
}

// PPI: irreversible pump inactivation driven by exposure, recovery by new pump synthesis
// (Shin & Sachs 2008), so chronic dosing sits at a steady inhibition (1/h).
template <class T>
T ppi_pump_inhibition_rate(const T& exposure, const T& inhibition, const double* p) {
  return p[par::ppi_inactivation_rate] * saturation(exposure, p[par::ppi_half_effect_amount]) *
             (1.0 - inhibition) -
         rate_from_half_time(p[par::ppi_pump_recovery_half_time]) * inhibition;
}

// Loop diuretic: TAL reabsorption blocked in step with drug exposure (acute).
template <class T>
T loop_tal_inhibition(const T& exposure, const double* p) {
  return p[par::loop_max_tal_inhibition] * saturation(exposure, p[par::loop_half_effect_amount]);
}

// Loop adaptation: the kidney's answer to repeated NKCC2 blockade. Distal (DCT) hypertrophy and
// raised distal reabsorption with chronic loop-diuretic delivery (Kaissling & Stanton 1988;
// Ellison 1989), the post-diuretic "braking" of reabsorption after each dose (Wilcox 1983) and the
// raised proximal reabsorption of a slightly contracted volume. One slow state follows the loop
// inhibition history: it moves toward the current inhibition as a fraction of the maximum, with
// t1/2 loop.adaptation_half_time, so on a daily regimen it settles at the day's mean (1/h).
template <class T>
T loop_adaptation_rate(const T& inhibition, const T& adaptation, const double* p) {
  return rate_from_half_time(p[par::loop_adaptation_half_time]) *
         (inhibition / p[par::loop_max_tal_inhibition] - adaptation);
}

// A regulated transporter loss that approaches an exposure-set level: target = max x
// saturation(exposure, half), reached with first-order kinetics of the given half-time (1/h).
// Thiazides (DCT TRPM6 down-regulation, Nijenhuis 2005), calcineurin inhibitors (TRPM6 and
// calbindin-D28k down-regulation, Nijenhuis 2004) and EGFR antibodies (loss of EGF-driven TRPM6
// activity, Groenestege 2007) share this form with their own parameters.
template <class T>
T downregulation_rate(const T& exposure, const T& level, double max_level, double half_effect,
                      double half_time) {
  return rate_from_half_time(half_time) * (max_level * saturation(exposure, half_effect) - level);
}

// Thiazide: DCT TRPM6 down-regulation approaches an exposure-set level over days to weeks.
template <class T>
T thiazide_downregulation_rate(const T& exposure, const T& downregulation, const double* p) {
  return downregulation_rate(exposure, downregulation, p[par::thiazide_max_dct_downregulation],
                             p[par::thiazide_half_effect_amount], p[par::thiazide_adaptation_half_time]);
}

// Nephrotoxin: tubular damage accrues in proportion to exposure per m2 of body surface (a
// cisplatin dose is prescribed, and its toxicity scales, per mg/m2) and is repaired slowly, so
// each cycle adds to what the last left (1/h).
template <class T>
T tubular_damage_rate(const T& exposure, const T& damage, double bsa_m2, const double* p) {
  return p[par::nephrotoxin_injury_rate] * (exposure / bsa_m2) * (1.0 - damage) -
         rate_from_half_time(p[par::nephrotoxin_repair_half_time]) * damage;
}

// SGLT2 inhibitor: a modest rise of the loop's Mg transport maximum in step with exposure. The
// mechanism of the serum Mg rise is not settled (volume contraction, insulin/glucagon changes,
// less glycosuria-driven wasting are proposed); the form is a placeholder for "slightly more
// tubular reabsorption", sized by Tang 2016.
template <class T>
T sglt2_reabsorption_rise(const T& exposure, const double* p) {
  return p[par::sglt2_max_tm_rise] * saturation(exposure, p[par::sglt2_half_effect_amount]);
}

// Ethanol: absorption first order; elimination by alcohol dehydrogenase, saturable in blood
// concentration (Michaelis-Menten, near zero order above ~0.2 g/L; Norberg 2003).
template <class T>
T ethanol_elimination(const T& body_mg, double volume_L, const double* p) {
  const double vmax = p[par::ethanol_max_elimination_rate] * p[par::body_weight];  // mg/h
  return vmax * saturation(body_mg, p[par::ethanol_elimination_km] * 1000.0 * volume_L);
}

// Ethanol's acute magnesiuria: a fraction of the loop's Mg transport maximum lost in step with
// blood ethanol (g/L).
template <class T>
T ethanol_tal_inhibition(const T& concentration_g_L, const double* p) {
  return p[par::ethanol_max_tm_inhibition] * saturation(concentration_g_L, p[par::ethanol_half_effect_concentration]);
}

}  // namespace magsim::models::magnesium
