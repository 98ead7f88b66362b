// What a scenario may name for the magnesium model, with the chemistry behind salt masses.
#include "models/magnesium/clinical_thresholds.hpp"
#include "models/magnesium/magnesium.hpp"
#include "models/magnesium/parameters.hpp"

namespace magsim::models::magnesium {
namespace {

// The salt forms of the model's table (salts.hpp) with their Mg content as declared in the
// parameter table (salt.<form>.mg_fraction), then the aliases.
std::vector<engine::SaltForm> salt_forms(const engine::ModelInfo& info) {
  std::vector<engine::SaltForm> v;
  for (int k = 0; k < kNumSalts; ++k) {
    const SaltRecord& r = kSalts[k];
    const auto& content = info.parameters[static_cast<size_t>(salt_parameter(k, SaltProperty::mg_fraction))];
    v.push_back({r.name, r.formula, content.value, true, r.iv, content.source + " (" + content.name + ")", ""});
  }
  for (const auto& a : kSaltAliases)
    for (const auto& form : std::vector<engine::SaltForm>(v))
      if (form.name == a.form) {
        engine::SaltForm alias = form;
        alias.name = a.alias;
        alias.alias_of = a.form;
        v.push_back(alias);
      }
  return v;
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
  v.salts = salt_forms(model().info());
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
