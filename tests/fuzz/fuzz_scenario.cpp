// Fuzz target: a scenario file with --set edits, through the code path of
// `magsim check FILE --set PATH=VALUE ...`: parse (YAML bounds, units, vocabulary, edits), make
// the Problem, write the resolved scenario, and the clinical warnings of `check`.
// Input format: tests/fuzz/fuzz_input.hpp. Expected outcome of bad input: engine::ScenarioError.
#include <cstddef>
#include <cstdint>

#include "app/scenario_loading.hpp"
#include "engine/scenario_check.hpp"
#include "models/magnesium/magnesium.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace magsim;
  const fuzz::Input in = fuzz::split_input(data, size);
  fuzz::expect_only_project_errors("fuzz_scenario", [&] {
    const app::LoadedScenario loaded = app::load_scenario_text(in.text, "fuzz.yaml", in.sets);
    const auto warnings =
        engine::check_scenario(loaded.scenario, models::magnesium::vocabulary());
    for (const auto& w : warnings) (void)w.formatted();
  });
  return 0;
}
