// Fuzz target: parse, then simulate at most one day, as `magsim run` does but into memory.
// The scenario (with its "#set " edits, tests/fuzz/fuzz_input.hpp) is parsed as by the CLI; a
// scenario longer than a day, or with an output interval finer than 1/24 of its duration, is
// parsed again with two more edits, `duration=...` and `output.interval=...`, so that every
// scenario simulated here is one that `magsim run FILE --set ...` accepts too. It is simulated into
// an in-memory sink with the run summary (clinical thresholds, retention). Expected outcomes:
// ScenarioError (bad input, or a run the forced duration makes invalid) and SimulationError
// (a numerical failure, exit 3 in the CLI).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "app/run_output.hpp"
#include "app/scenario_loading.hpp"
#include "engine/memory_sink.hpp"
#include "engine/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {
constexpr double kMaxDurationH = 24.0;
constexpr double kSamplesPerRun = 24.0;

std::string hours(double h) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g h", h);
  return buf;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace magsim;
  const fuzz::Input in = fuzz::split_input(data, size);
  fuzz::expect_only_project_errors("fuzz_simulate", [&] {
    std::optional<app::LoadedScenario> loaded =
        app::load_scenario_text(in.text, "fuzz.yaml", in.sets);
    const double duration = std::min(loaded->scenario.duration_h, kMaxDurationH);
    const double interval =
        std::min(std::max(loaded->scenario.output.interval_h, duration / kSamplesPerRun), duration);
    if (duration != loaded->scenario.duration_h || interval != loaded->scenario.output.interval_h) {
      std::vector<std::string> sets = in.sets;
      sets.push_back("duration=" + hours(duration));
      sets.push_back("output.interval=" + hours(interval));
      loaded.reset();
      loaded = app::load_scenario_text(in.text, "fuzz.yaml", sets);
    }
    if (loaded->problem.duration_h > kMaxDurationH * (1 + 1e-12)) {
      std::fprintf(stderr, "fuzz_simulate: harness: duration not forced to a day\n");
      std::abort();
    }
    engine::MemorySink memory;
    app::RunSummary summary = app::make_run_summary(*loaded);
    engine::TeeSink sinks({&memory, &summary});
    const engine::RunStats stats =
        engine::simulate(models::magnesium::model(), loaded->problem, sinks);
    (void)summary.warnings();
    (void)summary.retention_percent();
    if (std::getenv("MAGSIM_FUZZ_VERBOSE") != nullptr)
      std::fprintf(stderr,
                   "fuzz_simulate: %.6g h, %zu samples, %ld steps (%ld rejected), %ld segments, "
                   "%ld rhs, %ld jacobians, %.3f s, steady state: %s\n",
                   loaded->problem.duration_h, memory.time.size(), stats.steps,
                   stats.rejected_steps, stats.segments, stats.rhs_evaluations,
                   stats.jacobian_evaluations, stats.wall_seconds, stats.steady_state_stage.c_str());
  });
  return 0;
}
