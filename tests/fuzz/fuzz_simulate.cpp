// Fuzz target: parse, then simulate at most one day into memory (fuzz_targets.hpp:
// simulate_target).
// Input format: tests/fuzz/fuzz_input.hpp. Expected outcomes of bad input: the project's errors
// (ScenarioError, SimulationError); anything else aborts, and libFuzzer records the input.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const magsim::fuzz::Input in = magsim::fuzz::split_input(data, size);
  magsim::fuzz::expect_only_project_errors("fuzz_simulate",
                                           [&] { magsim::fuzz::simulate_target(in); });
  return 0;
}
