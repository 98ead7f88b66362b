// The magnesium model's public face: the model itself, what a scenario may name, and how a
// scenario becomes a Problem for the engine. Everything physiological lives behind these calls.
#pragma once

#include "engine/model/model.hpp"
#include "engine/sweep/population.hpp"
#include "engine/model/problem.hpp"
#include "engine/scenario/scenario.hpp"
#include "engine/model/vocabulary.hpp"

namespace magsim::models::magnesium {

// The whole-body magnesium model. Immutable; one instance serves every thread.
const engine::Model& model();

// Salt forms, drugs, conditions, parameters and outputs a scenario may name.
const engine::Vocabulary& vocabulary();

// Subject, diet, supplements, infusions, medications and parameter overrides of a scenario,
// turned into parameter values and a timeline. Throws engine::ScenarioError (with the scenario's
// file and marks) for values the physiology cannot take, e.g. an impossible GFR.
engine::Problem make_problem(const engine::Scenario& scenario);

// The reference adult population (covariates with their distributions and sources, and
// between-subject variability of absorption and the renal threshold) that a sweep's
// `population:` starts from.
const engine::sweep::PopulationSpec& reference_population();

}  // namespace magsim::models::magnesium
