// What a model lets a scenario name: salt forms, drugs, conditions, parameters, outputs.
// The scenario parser checks names against it (and suggests near misses) without knowing the
// physiology behind them.
#pragma once

#include <string>
#include <vector>

#include "engine/model/model.hpp"

namespace magsim::engine {

struct SaltForm {
  std::string name;            // "citrate"
  std::string formula;         // "Mg3(C6H5O7)2"
  double mg_mass_fraction = 0;  // g Mg per g of salt as sold
  bool oral = true;
  bool iv = false;
  std::string source;
  std::string alias_of;  // non-empty: another name for that form (e.g. bisglycinate -> glycinate)
};

struct DrugInfo {
  std::string name;              // "omeprazole"
  std::string drug_class;        // "ppi", "loop_diuretic", "quinolone", "tetracycline", ...
  std::vector<std::string> routes;  // "oral", "iv"
  bool chelates_with_mg = false;  // absorption cut by Mg taken within ~2 h (labels)
};

// A level of one output series that a run must not cross silently (a clinical threshold): the
// engine reports the first crossing, the time spent beyond it and the series' peak or trough.
enum class ThresholdDirection { Above, Below };

struct AlertThreshold {
  std::string id;       // names the result attributes: "patellar_reflexes_lost"
  std::string series;   // one of the model's outputs, e.g. "serum_mg_total"
  ThresholdDirection direction = ThresholdDirection::Above;
  double value = 0;     // in `unit`, which is the series' unit
  std::string unit;
  std::string meaning;  // "loss of patellar reflexes"
  std::string source;
};

// Limits behind the IV-infusion warnings of `magsim check`, checked against the Above
// thresholds of `series`:
//  - a maintenance infusion with eGFR below `min_egfr`;
//  - a steady state of at least rate / (GFR x ultrafilterable_fraction) (the kidney excretes at
//    most what it filters) above the threshold `steady_state_threshold`;
//  - the Mg given in the first hour of an infusion over the subject's distribution volume
//    (`distribution_volume_L_per_kg` x weight) above the threshold `acute_threshold`.
// GFR is taken as eGFR x 1.73 m2 / 1.73 m2 (no body-size correction), `default_egfr` when the
// scenario gives none. All zero: no IV checks.
struct InfusionLimits {
  std::string series;
  double min_egfr = 0;                      // mL/min/1.73m2
  double default_egfr = 0;                  // mL/min/1.73m2
  double ultrafilterable_fraction = 0;      // of the series (serum total)
  double distribution_volume_L_per_kg = 0;  // L/kg
  std::string steady_state_threshold;       // AlertThreshold id
  std::string acute_threshold;              // AlertThreshold id
  std::string renal_source, steady_state_source, acute_source;
};

// A measured value a scenario may start from (initial: {NAME: VALUE}), in `unit`, refused
// outside [min, max].
struct MeasuredQuantity {
  std::string name;  // "serum_mg_total"
  std::string unit;  // "mmol/L"
  double min = 0;
  double max = 0;
  bool elemental = true;  // mass, amount and charge of the element convert ("2.0 mg/dL")
  std::string what;       // "a serum total Mg"
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

  std::vector<AlertThreshold> thresholds;  // reported by every run (run summary, file, Python)
  InfusionLimits infusion_limits;
  std::vector<MeasuredQuantity> measurable;  // allowed keys of `initial: {...}`

  const SaltForm* find_salt(const std::string& n) const;
  const DrugInfo* find_drug(const std::string& n) const;
  const ParameterInfo* find_parameter(const std::string& n) const;
  const AlertThreshold* find_threshold(const std::string& id) const;
  const MeasuredQuantity* find_measurable(const std::string& n) const;
};

}  // namespace magsim::engine
