#include "app/model.hpp"

#include "engine/version_info.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {

const engine::Model& model() { return models::magnesium::model(); }

const engine::Vocabulary& vocabulary() { return models::magnesium::vocabulary(); }

engine::Problem make_problem(const engine::Scenario& scenario) {
  return models::magnesium::make_problem(scenario);
}

std::string version() { return engine::kVersion; }

std::string git_revision() { return engine::kGitRevision; }

}  // namespace magsim::app
