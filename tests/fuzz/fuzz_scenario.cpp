// Fuzz target: a scenario file with --set edits, through the code path of
// `magsim check FILE --set PATH=VALUE ...` (fuzz_targets.hpp: scenario_target).
// Input format: tests/fuzz/fuzz_input.hpp. Expected outcomes of bad input: the project's errors
// (ScenarioError, SimulationError); anything else aborts, and libFuzzer records the input.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const magsim::fuzz::Input in = magsim::fuzz::split_input(data, size);
  magsim::fuzz::expect_only_project_errors("fuzz_scenario",
                                           [&] { magsim::fuzz::scenario_target(in); });
  return 0;
}
