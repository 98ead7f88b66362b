// The model's clinical knowledge beyond its parameters: serum Mg thresholds that every run
// reports, the limits behind `magsim check`'s IV-infusion warnings, and the measured values a
// scenario may start from, each with its source.
#pragma once

#include "engine/model/vocabulary.hpp"

namespace magsim::models::magnesium {

// Fills v.thresholds, v.infusion_limits and v.measurable.
void add_clinical_limits(engine::Vocabulary& v);

}  // namespace magsim::models::magnesium
