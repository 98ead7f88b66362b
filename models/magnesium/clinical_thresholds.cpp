// Serum total Mg thresholds (mmol/L), the IV-infusion check limits and the plausible ranges of
// measured start values. Figures as given by the sources; where sources give a band (reflexes
// lost at 3.5-5 mmol/L) the threshold is its lower end, the first level at which the effect is
// reported.
#include "models/magnesium/clinical_thresholds.hpp"

#include "models/magnesium/magnesium.hpp"

namespace magsim::models::magnesium {
namespace {

// Lu JF, Nightingale CH. Magnesium sulfate in eclampsia and pre-eclampsia: pharmacokinetic
// principles. Clin Pharmacokinet 2000;38(4):305-314.
const char* kLuNightingale = "Lu & Nightingale, Clin Pharmacokinet 2000;38:305";

std::vector<engine::AlertThreshold> serum_thresholds() {
  using engine::ThresholdDirection;
  const auto below = ThresholdDirection::Below;
  const auto above = ThresholdDirection::Above;
  const std::string lu = kLuNightingale;
  return {
      {"hypomagnesemia", "serum_mg_total", below, 0.70, "mmol/L", "hypomagnesemia",
       "the common cutoff, 0.70 mmol/L = 1.7 mg/dL = 1.4 mEq/L (clinical-nutrition society "
       "consensus; StatPearls uses 0.60 mmol/L)"},
      {"hypomagnesemia_severe", "serum_mg_total", below, 0.50, "mmol/L",
       "severe hypomagnesemia, symptoms likely",
       "symptoms mostly below 0.50 mmol/L = 1.2 mg/dL, where IV replacement is advised "
       "(clinical reviews; no single primary source)"},
      {"above_therapeutic_range", "serum_mg_total", above, 3.0, "mmol/L",
       "above the therapeutic range for eclampsia",
       lu + ": 1.8-3.0 mmol/L; Euser & Cipolla, Stroke 2009;40:1169: 1.75-3.5 mmol/L"},
      {"patellar_reflexes_lost", "serum_mg_total", above, 3.5, "mmol/L",
       "loss of patellar reflexes", lu + ": lost at 3.5-5 mmol/L"},
      {"respiratory_paralysis", "serum_mg_total", above, 5.0, "mmol/L",
       "respiratory depression and paralysis", lu + ": 5-6.5 mmol/L"},
      {"cardiac_conduction", "serum_mg_total", above, 7.5, "mmol/L",
       "altered cardiac conduction", lu + ": above 7.5 mmol/L"},
      {"cardiac_arrest", "serum_mg_total", above, 12.5, "mmol/L", "cardiac arrest",
       lu + ": above 12.5 mmol/L"},
  };
}

}  // namespace

void add_clinical_limits(engine::Vocabulary& v) {
  v.thresholds = serum_thresholds();

  engine::InfusionLimits& iv = v.infusion_limits;
  iv.series = "serum_mg_total";
  iv.min_egfr = 30.0;  // KDIGO G4-G5
  const auto& info = model().info();
  const int egfr = info.find_parameter("renal.egfr");
  iv.default_egfr = egfr >= 0 ? info.parameters[static_cast<std::size_t>(egfr)].value : 100.0;
  iv.ultrafilterable_fraction = 0.70;     // Ryschon 1996 (serum_speciation.hpp)
  iv.distribution_volume_L_per_kg = 0.25;  // lowest apparent Vd in pregnancy, Lu & Nightingale
  iv.steady_state_threshold = "above_therapeutic_range";
  iv.acute_threshold = "cardiac_conduction";
  iv.renal_source =
      "Mg sulfate injection label (excreted almost entirely by the kidneys; in severe renal "
      "insufficiency at most 20 g in 48 h); KDIGO (eGFR < 30: G4-G5)";
  iv.steady_state_source = "ultrafilterable fraction 0.70, Ryschon 1996";
  iv.acute_source = std::string("0.25 L/kg, the lowest apparent volume of distribution in ") +
                    kLuNightingale;

  // Plausible ranges of measured start values: serum total Mg below 0.1 or above 10 mmol/L, or
  // red-cell Mg outside 0.5-5 mmol/L of cells (reference ~2.2, Ryschon 1996; ~2/3 of it after 3
  // months of depletion, Shils 1969), is a unit slip, not a patient.
  v.measurable = {
      {"serum_mg_total", "mmol/L", 0.1, 10.0, true, "a serum total Mg"},
      {"rbc_mg", "mmol/L", 0.5, 5.0, true, "a red-cell Mg"},
  };
}

const std::vector<ReferenceRange>& reference_ranges() {
  // IOM 1997 (Dietary Reference Intakes for Ca, P, Mg, vitamin D and fluoride): serum total Mg
  // of healthy adults 0.75-0.95 mmol/L (laboratories quote 0.70-1.10). Greenway DC et al., Clin
  // Chem 1996: ionized Mg 0.44-0.62 mmol/L. The same ranges validation cases V1 and V11 check.
  static const std::vector<ReferenceRange> ranges{
      {"serum_mg_total", 0.75, 0.95, "mmol/L", "IOM 1997"},
      {"serum_mg_ionized", 0.44, 0.62, "mmol/L", "Greenway 1996"},
  };
  return ranges;
}

}  // namespace magsim::models::magnesium
