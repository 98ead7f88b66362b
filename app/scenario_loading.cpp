#include "app/scenario_loading.hpp"

#include <cstdio>
#include <iostream>

#include "engine/model/errors.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/scenario/writer.hpp"
#include "engine/scenario/units.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {

namespace {
LoadedScenario complete(engine::Scenario scenario) {
  LoadedScenario out;
  out.scenario = std::move(scenario);
  out.problem = models::magnesium::make_problem(out.scenario);
  out.resolved_text = engine::resolved_yaml(out.scenario, models::magnesium::vocabulary());
  // What a measured start resolved to: the model states it holds, with their amounts.
  const auto& states = models::magnesium::model().info().states;
  for (const auto& c : out.problem.clamped_states) {
    const auto& st = states[static_cast<std::size_t>(c.state)];
    char line[200];
    std::snprintf(line, sizeof line, "# initial: state %s held at %.6g %s (%s)\n",
                  st.name.c_str(), c.value, st.unit.c_str(), st.description.c_str());
    out.resolved_text += line;
  }
  if (out.problem.history_start_h < 0)
    out.resolved_text += "# initial: steady state at " +
                         engine::units::format_best(out.problem.history_start_h, "h",
                                                    {"h", "d", "w", "y"}) +
                         ", then the history integrated up to t = 0\n";
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

std::vector<engine::Diagnostic> check_warnings(const LoadedScenario& loaded) {
  return engine::check_scenario(loaded.scenario, models::magnesium::vocabulary());
}

}  // namespace magsim::app
