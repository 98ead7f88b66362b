// The model's clinical knowledge beyond its parameters: serum Mg thresholds that every run
// reports, the limits behind `magsim check`'s IV-infusion warnings, and the measured values a
// scenario may start from, each with its source; and the reference ("normal") ranges of healthy
// adults that figures draw as a band.
#pragma once

#include <string>
#include <vector>

#include "engine/model/vocabulary.hpp"

namespace magsim::models::magnesium {

// Fills v.thresholds, v.infusion_limits and v.measurable.
void add_clinical_limits(engine::Vocabulary& v);

// The interval of an output series in which healthy adults' values lie (a laboratory's reference
// range), in the series' unit. Not a threshold: a run reports nothing about it; the run file
// carries it (root attributes <series>_reference_low, _high, _source) so that figures can shade it.
struct ReferenceRange {
  std::string series;  // a model output, e.g. "serum_mg_total"
  double low = 0;
  double high = 0;
  std::string unit;    // the series' unit
  std::string source;
};

const std::vector<ReferenceRange>& reference_ranges();

}  // namespace magsim::models::magnesium
