// What the model's own files (scenario mapping, conditions) and tests share beyond the public
// face in magnesium.hpp: state and parameter layouts, and a subject-scaled reference state.
#pragma once

#include <vector>

#include "models/magnesium/parameters.hpp"
#include "models/magnesium/states.hpp"

namespace magsim::models::magnesium {

// The state a subject with these parameters has at the reference ionized Mg, gut empty and no
// drugs: the default start and the Newton guess for the steady state.
std::vector<double> reference_state(const std::vector<double>& parameters);

// reference_state with the drug states set to their steady values for constant route rates
// (indexed like ModelInfo::routes): a Newton start close to the answer.
std::vector<double> steady_state_guess(const std::vector<double>& parameters,
                                       const std::vector<double>& route_rates);

}  // namespace magsim::models::magnesium
