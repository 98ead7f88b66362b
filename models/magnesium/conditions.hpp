// The subject of a scenario as parameter values: body size, age, kidney function, albumin and
// conditions (pregnancy, bowel disease, alcohol use disorder), each condition a set of
// multipliers whose magnitudes are themselves declared parameters with sources.
#pragma once

#include <vector>

#include "engine/scenario/scenario.hpp"

namespace magsim::models::magnesium {

// Writes the subject into `p` (indexed by par::Index). Throws engine::ScenarioError for a subject
// the physiology cannot take (e.g. a pregnant male). `file` is for the message.
void apply_subject(const engine::Subject& subject, const std::string& file, std::vector<double>& p);

}  // namespace magsim::models::magnesium
