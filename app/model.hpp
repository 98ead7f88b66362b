// The model magsim runs, as the front ends (cli/, bindings/) see it: the magnesium model, what a
// scenario may name, how a scenario becomes a problem, and the build's version. The front ends
// ask here rather than including models/ or engine/ themselves, so that a second model or a
// second front end changes this file, not the glue.
#pragma once

#include <string>

#include "engine/model/errors.hpp"
#include "engine/model/model.hpp"
#include "engine/model/problem.hpp"
#include "engine/model/vocabulary.hpp"
#include "engine/scenario/scenario.hpp"

namespace magsim::app {

// The errors every front end catches: a bad input file (FILE:LINE:COL, exit 2) and a numerical
// failure of a run (exit 3).
using ScenarioError = engine::ScenarioError;
using SimulationError = engine::SimulationError;
using engine::Vocabulary;

// The whole-body magnesium model (immutable; one instance serves every thread).
const engine::Model& model();
// Salt forms, drugs, conditions, parameters, outputs and thresholds a scenario may name.
const engine::Vocabulary& vocabulary();
// A checked scenario as the model's problem (throws ScenarioError for values the physiology
// cannot take).
engine::Problem make_problem(const engine::Scenario& scenario);

// "0.1.0" and the git revision the build was made from ("abc1234", "-dirty" when modified).
std::string version();
std::string git_revision();

}  // namespace magsim::app
