// A Scenario written back as YAML with every default filled in: what the run actually used.
// The text re-parses (parse_scenario_text) to an equal Scenario; derived amounts (elemental Mg
// of a salt dose, salt mass of an elemental infusion) are written as comments.
#pragma once

#include <string>

#include "engine/scenario/scenario.hpp"
#include "engine/model/vocabulary.hpp"

namespace magsim::engine {

std::string resolved_yaml(const Scenario& scenario, const Vocabulary& vocab);

}  // namespace magsim::engine
