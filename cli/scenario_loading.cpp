#include "cli/scenario_loading.hpp"

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

}  // namespace magsim::cli
