// What a scenario may name for the magnesium model, with the chemistry behind salt masses.
#include "models/magnesium/clinical_thresholds.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::models::magnesium {
namespace {

// Mg mass fraction = 24.305 g/mol / molar mass of the salt as sold (formula given). Anhydrous
// forms unless the salt is normally sold as a hydrate (chloride, sulfate).
std::vector<engine::SaltForm> salt_forms() {
  const double mg = 24.305;  // g/mol, IUPAC standard atomic weight
  const std::string chem = "molar mass from IUPAC atomic weights";
  return {
      {"oxide", "MgO", mg / 40.304, true, false, chem},
      {"hydroxide", "Mg(OH)2", mg / 58.320, true, false, chem},
      {"carbonate", "MgCO3", mg / 84.313, true, false, chem},
      {"citrate", "Mg3(C6H5O7)2", 3 * mg / 451.11, true, false, chem + "; trimagnesium dicitrate"},
      {"chloride", "MgCl2.6H2O", mg / 203.30, true, true, chem + "; hexahydrate"},
      {"sulfate", "MgSO4.7H2O", mg / 246.47, true, true,
       chem + "; heptahydrate, 1 g = 4.06 mmol Mg"},
      {"glycinate", "Mg(C2H4NO2)2", mg / 172.42, true, false, chem + "; bisglycinate"},
      {"l_threonate", "Mg(C4H7O5)2", mg / 294.49, true, false, chem},
      {"lactate", "Mg(C3H5O3)2", mg / 202.44, true, false, chem},
      {"aspartate", "Mg(C4H6NO4)2", mg / 288.49, true, false, chem},
      {"acetate", "Mg(CH3COO)2", mg / 142.39, true, false, chem},
      {"gluconate", "Mg(C6H11O7)2", mg / 414.60, true, false, chem},
  };
}

std::vector<engine::DrugInfo> drugs() {
  const std::vector<std::string> oral{"oral"};
  const std::vector<std::string> both{"oral", "iv"};
  const std::vector<std::string> iv{"iv"};
  return {
      {"omeprazole", "ppi", both, false},
      {"esomeprazole", "ppi", both, false},
      {"pantoprazole", "ppi", both, false},
      {"lansoprazole", "ppi", oral, false},
      {"rabeprazole", "ppi", oral, false},
      {"furosemide", "loop_diuretic", both, false},
      {"bumetanide", "loop_diuretic", both, false},
      {"torsemide", "loop_diuretic", both, false},
      {"hydrochlorothiazide", "thiazide", oral, false},
      {"chlorthalidone", "thiazide", oral, false},
      {"indapamide", "thiazide", oral, false},
      {"cisplatin", "platinum", iv, false},
      {"gentamicin", "aminoglycoside", iv, false},
      {"tobramycin", "aminoglycoside", iv, false},
      {"amikacin", "aminoglycoside", iv, false},
      {"amphotericin_b", "polyene_antifungal", iv, false},
      {"foscarnet", "antiviral_pyrophosphate_analogue", iv, false},
      {"pentamidine", "antiprotozoal", iv, false},
      {"dapagliflozin", "sglt2_inhibitor", oral, false},
      {"empagliflozin", "sglt2_inhibitor", oral, false},
      {"canagliflozin", "sglt2_inhibitor", oral, false},
      {"tacrolimus", "calcineurin_inhibitor", both, false},
      {"cyclosporine", "calcineurin_inhibitor", both, false},
      {"cetuximab", "egfr_antibody", iv, false},
      {"panitumumab", "egfr_antibody", iv, false},
      // Ethanol as a drink: dose is grams of ethanol (10 g ~ one standard drink), e.g.
      // {drug: ethanol, dose: 60 g, at: 2 h}.
      {"ethanol", "alcohol", oral, false},
      // No effect on Mg handling in the model; named so that `magsim check` can warn about
      // chelation (drug labels: take 2 h apart from Mg, Al, Ca or Fe products).
      {"ciprofloxacin", "quinolone", both, true},
      {"levofloxacin", "quinolone", both, true},
      {"moxifloxacin", "quinolone", both, true},
      {"tetracycline", "tetracycline", oral, true},
      {"doxycycline", "tetracycline", both, true},
      {"minocycline", "tetracycline", oral, true},
      {"levothyroxine", "thyroid_hormone", oral, true},
      {"alendronate", "bisphosphonate", oral, true},
      {"risedronate", "bisphosphonate", oral, true},
      {"ibandronate", "bisphosphonate", oral, true},
  };
}

engine::Vocabulary build_vocabulary() {
  engine::Vocabulary v;
  v.salts = salt_forms();
  v.drugs = drugs();
  v.conditions = {"pregnancy", "preeclampsia", "crohns", "chronic_diarrhea", "ileal_resection",
                  "alcohol_use_disorder"};
  const auto& info = model().info();
  v.parameters = info.parameters;
  for (const auto& o : info.outputs) v.outputs.push_back(o.name);
  v.supplement_upper_level_mmol_per_day = 350.0 / 24.305;  // 350 mg/d
  v.oral_min_egfr = 30.0;                                  // mL/min/1.73 m2
  v.chelation_separation_h = 2.0;
  v.limits_source =
      "IOM 1997 (supplement UL 350 mg/d); KDIGO CKD stages (eGFR < 30: G4-G5); drug labels "
      "(2 h separation)";
  add_clinical_limits(v);
  return v;
}

}  // namespace

const engine::Vocabulary& vocabulary() {
  static const engine::Vocabulary v = build_vocabulary();  // immutable after first use
  return v;
}

}  // namespace magsim::models::magnesium
