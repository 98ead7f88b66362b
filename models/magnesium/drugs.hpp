// Drugs that change Mg handling, as declared records. To keep the state count small, drugs share
// PK states per class: each class has a reference drug whose PK parameters are in the parameter
// table (ppi.*, loop.*, thiazide.*, nephrotoxin.*), and a dose of any member enters those states
// as reference-drug-equivalent mg: oral mg x oral_equivalence (clinical dose equivalence, which
// folds in bioavailability, half-life and potency), IV mg x oral_equivalence x F_ref / F_drug.
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

enum class DrugClass { ppi, loop_diuretic, thiazide, nephrotoxin };

struct DrugClassRecord {
  DrugClass cls;
  const char* name;
  const char* reference_drug;
  int gut_state;                    // where oral doses go; -1: no oral route in the class
  int body_state;
  double reference_bioavailability; // to convert IV doses; equals the class parameter's default
};

inline constexpr std::array<DrugClassRecord, 4> kDrugClasses{{
    {DrugClass::ppi, "ppi", "omeprazole", st::ppi_gut, st::ppi_body, 0.5},
    {DrugClass::loop_diuretic, "loop", "furosemide", st::loop_gut, st::loop_body, 0.5},
    // Thiazides: oral doses go straight into the body state (ingested equivalent, exposure = F x
    // amount): absorption is short beside the half-life and the weeks-long effect.
    {DrugClass::thiazide, "thiazide", "hydrochlorothiazide", st::thiazide_body, st::thiazide_body, 0.7},
    {DrugClass::nephrotoxin, "nephrotoxin", "cisplatin", -1, st::nephrotoxin_body, 1.0},
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

inline constexpr std::array<DrugRecord, 15> kDrugs{{
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
    // Tubular toxins, IV only: cisplatin-equivalent mg (assumed: an aminoglycoside course of
    // several grams wastes Mg in ~1/3 of patients, one cisplatin cycle of ~150 mg in most).
    {"cisplatin", DrugClass::nephrotoxin, false, true, 1.0, 1.0, 0.75, "Lam & Adelstein 1986; label"},
    {"gentamicin", DrugClass::nephrotoxin, false, true, 0.01, 1.0, 2.0, "assumed equivalence; Zaloga 1984"},
    {"tobramycin", DrugClass::nephrotoxin, false, true, 0.01, 1.0, 2.0, "assumed equivalence"},
    {"amikacin", DrugClass::nephrotoxin, false, true, 0.003, 1.0, 2.0, "assumed equivalence (lower nephrotoxicity per mg)"},
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
  return d.oral_equivalence * drug_class_record(d.cls).reference_bioavailability / d.bioavailability;
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

// Thiazide: DCT TRPM6 down-regulation approaches an exposure-set level over days to weeks.
template <class T>
T thiazide_downregulation_rate(const T& exposure, const T& downregulation, const double* p) {
  const T target = p[par::thiazide_max_dct_downregulation] *
                   saturation(exposure, p[par::thiazide_half_effect_amount]);
  return rate_from_half_time(p[par::thiazide_adaptation_half_time]) * (target - downregulation);
}

// Nephrotoxin: tubular damage accrues with exposure and is repaired slowly.
template <class T>
T tubular_damage_rate(const T& exposure, const T& damage, const double* p) {
  return p[par::nephrotoxin_injury_rate] * saturation(exposure, p[par::nephrotoxin_half_effect_amount]) *
             (1.0 - damage) -
         rate_from_half_time(p[par::nephrotoxin_repair_half_time]) * damage;
}

}  // namespace magsim::models::magnesium
