// What a model lets a scenario name: salt forms, drugs, conditions, parameters, outputs.
// The scenario parser checks names against it (and suggests near misses) without knowing the
// physiology behind them.
#pragma once

#include <string>
#include <vector>

#include "engine/model.hpp"

namespace magsim::engine {

struct SaltForm {
  std::string name;            // "citrate"
  std::string formula;         // "Mg3(C6H5O7)2"
  double mg_mass_fraction = 0;  // g Mg per g of salt as sold
  bool oral = true;
  bool iv = false;
  std::string source;
};

struct DrugInfo {
  std::string name;              // "omeprazole"
  std::string drug_class;        // "ppi", "loop_diuretic", "quinolone", "tetracycline", ...
  std::vector<std::string> routes;  // "oral", "iv"
  bool chelates_with_mg = false;  // absorption cut by Mg taken within ~2 h (labels)
};

struct Vocabulary {
  std::vector<SaltForm> salts;
  std::vector<DrugInfo> drugs;
  std::vector<std::string> conditions;
  std::vector<std::string> sexes{"female", "male"};
  std::vector<ParameterInfo> parameters;  // overridable by name, value in the declared unit
  std::vector<std::string> outputs;       // names allowed in output.variables

  // Limits behind `magsim check` warnings (the model's clinical knowledge, not the parser's).
  double supplement_upper_level_mmol_per_day = 0;  // tolerable upper level for supplements
  double oral_min_egfr = 0;                        // oral Mg with eGFR below this: warn
  double chelation_separation_h = 0;               // chelating drug this close to a Mg dose: warn
  std::string limits_source;

  const SaltForm* find_salt(const std::string& n) const;
  const DrugInfo* find_drug(const std::string& n) const;
  const ParameterInfo* find_parameter(const std::string& n) const;
};

}  // namespace magsim::engine
