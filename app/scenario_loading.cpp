#include "app/scenario_loading.hpp"

#include <iostream>

#include "engine/errors.hpp"
#include "engine/scenario_parser.hpp"
#include "engine/scenario_writer.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {

namespace {
LoadedScenario complete(engine::Scenario scenario) {
  LoadedScenario out;
  out.scenario = std::move(scenario);
  out.problem = models::magnesium::make_problem(out.scenario);
  out.resolved_text = engine::resolved_yaml(out.scenario, models::magnesium::vocabulary());
  return out;
}
}  // namespace

LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  return complete(engine::parse_scenario_file(path, models::magnesium::vocabulary(), sets));
}

LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& sets) {
  return complete(
      engine::parse_scenario_text(text, name, models::magnesium::vocabulary(), sets));
}

std::optional<LoadedScenario> load_scenario_or_report(const std::string& path,
                                                      const std::vector<std::string>& sets) {
  try {
    return load_scenario(path, sets);
  } catch (const engine::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return std::nullopt;
  }
}

}  // namespace magsim::app
