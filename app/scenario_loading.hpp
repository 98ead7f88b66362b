// Scenario file -> parsed Scenario -> Problem for the magnesium model; shared by the CLI and the
// Python bindings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model/problem.hpp"
#include "engine/scenario/check.hpp"
#include "engine/scenario/scenario.hpp"

namespace magsim::app {

struct LoadedScenario {
  engine::Scenario scenario;
  engine::Problem problem;
  std::string resolved_text;  // every default filled in, with elemental equivalents
};

// Throws engine::ScenarioError for anything wrong with the file or the --set edits.
LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& sets);

// From scenario text (YAML) rather than a file; `name` stands for the file in error messages.
LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& sets);

// The same, but a bad scenario is printed to stderr as FILE:LINE:COL: error: ... and gives
// nothing (the caller exits with code 2).
std::optional<LoadedScenario> load_scenario_or_report(const std::string& path,
                                                      const std::vector<std::string>& sets);

// The clinical warnings of `magsim check` for a loaded scenario (a supplement above the upper
// level, a chelating drug taken with Mg, IV Mg the kidneys cannot clear, ...).
std::vector<engine::Diagnostic> check_warnings(const LoadedScenario& loaded);

}  // namespace magsim::app
