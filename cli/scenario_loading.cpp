#include "cli/scenario_loading.hpp"

#include <iostream>

#include "engine/errors.hpp"
#include "engine/scenario_parser.hpp"
#include "engine/scenario_writer.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::cli {

LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  const auto& vocabulary = models::magnesium::vocabulary();
  LoadedScenario out;
  out.scenario = engine::parse_scenario_file(path, vocabulary, sets);
  out.problem = models::magnesium::make_problem(out.scenario);
  out.resolved_text = engine::resolved_yaml(out.scenario, vocabulary);
  return out;
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

}  // namespace magsim::cli
