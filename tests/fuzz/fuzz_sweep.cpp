// Fuzz target: a sweep file with `magsim sweep --set` edits of it, through the code path of
// `magsim sweep` up to the first run (fuzz_targets.hpp: sweep_target).
// Input format: tests/fuzz/fuzz_input.hpp. Expected outcomes of bad input: the project's errors
// (ScenarioError, SimulationError); anything else aborts, and libFuzzer records the input.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const magsim::fuzz::Input in = magsim::fuzz::split_input(data, size);
  magsim::fuzz::expect_only_project_errors("fuzz_sweep",
                                           [&] { magsim::fuzz::sweep_target(in); });
  return 0;
}
