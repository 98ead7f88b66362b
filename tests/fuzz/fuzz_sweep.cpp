// Fuzz target: a sweep file with `magsim sweep --set` edits of it, through the code path of
// `magsim sweep` up to the first run: parse the sweep file, check every edit of its designs
// against the base scenario (SweepPlan), build the result's layout, and expand a few runs' edits.
// The base scenario is the input's "#base " lines (or a fixed one), never a file: the fuzzer
// must not read the machine's files. Input format: tests/fuzz/fuzz_input.hpp.
#include <cstddef>
#include <cstdint>

#include "app/sweep.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {
// A base scenario for inputs without "#base " lines: short, with a list of each kind, so that
// grid paths such as supplements[0].dose have something to edit.
const char* kDefaultBase = R"(name: fuzz-base
duration: 2 d
output: {interval: 6 h}
subject: {sex: female, age: 50 y, weight: 70 kg, egfr: 80 mL/min/1.73m2}
diet: {magnesium: 300 mg/d, meals: ["07:30", "12:30", "19:00"]}
supplements:
  - {form: citrate, dose: 150 mg, times: ["08:00"]}
infusions:
  - {form: sulfate, amount: 2 g, over: 1 h, start: 12 h}
medications:
  - {drug: omeprazole, dose: 20 mg, times: ["07:00"]}
)";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace magsim;
  const fuzz::Input in = fuzz::split_input(data, size);
  const std::string base = in.base.empty() ? std::string(kDefaultBase) : in.base_text();
  fuzz::expect_only_project_errors("fuzz_sweep", [&] {
    const app::PreparedSweep sweep = app::prepare_sweep_text(in.text, "fuzz_sweep.yaml", &base,
                                                             in.sets);
    const std::uint64_t runs = sweep.plan->runs();
    for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{1}, runs / 2, runs - 1})
      if (i < runs) (void)sweep.plan->run(i);
  });
  return 0;
}
