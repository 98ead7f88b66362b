// The bodies of the three fuzz targets, shared by the libFuzzer entry points (fuzz_*.cpp) and the
// GoogleTest that replays the stored corpus in the ordinary build (tests/test_fuzz_corpus.cpp).
// Each may throw the project's errors (expected) and nothing else.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/run_output.hpp"
#include "app/scenario_loading.hpp"
#include "app/sweep.hpp"
#include "engine/solve/memory_sink.hpp"
#include "engine/scenario/check.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace magsim::fuzz {

// `magsim check FILE --set ...`: parse (YAML bounds, units, vocabulary, edits), make the Problem,
// write the resolved scenario, and the clinical warnings.
inline void scenario_target(const Input& in) {
  const app::LoadedScenario loaded = app::load_scenario_text(in.text, "fuzz.yaml", in.sets);
  for (const auto& w : engine::check_scenario(loaded.scenario, models::magnesium::vocabulary()))
    (void)w.formatted();
}

// A base scenario for sweep inputs without "#base " lines: short, with a list of each kind, so
// that grid paths such as supplements[0].dose have something to edit.
inline const char* default_sweep_base() {
  return R"(name: fuzz-base
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
}

// `magsim sweep FILE --set ...` up to the first run: parse the sweep file, check every edit of
// its designs against the base scenario (SweepPlan), build the result's layout, and expand a few
// runs' edits. The base is the input's "#base " lines (or the one above), never a file: the
// fuzzer must not read the machine's files.
inline void sweep_target(const Input& in) {
  const std::string base = in.base.empty() ? std::string(default_sweep_base()) : in.base_text();
  const app::PreparedSweep sweep =
      app::prepare_sweep_text(in.text, "fuzz_sweep.yaml", &base, in.sets);
  const std::uint64_t runs = sweep.plan->runs();
  for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{1}, runs / 2, runs - 1})
    if (i < runs) (void)sweep.plan->run(i);
}

// Parse, then simulate at most one day, as `magsim run` does but into memory. A scenario longer
// than a day, or with an output interval finer than 1/24 of its duration, is parsed again with two
// more edits, `duration=...` and `output.interval=...`, so that every scenario simulated here is
// one that `magsim run FILE --set ...` accepts too (and a finding reproduces with the CLI). The
// run summary (clinical thresholds, retention) watches the samples.
inline void simulate_target(const Input& in) {
  constexpr double kMaxDurationH = 24.0;
  constexpr double kSamplesPerRun = 24.0;
  auto hours = [](double h) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g h", h);
    return std::string(buf);
  };
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
  if (loaded->problem.duration_h > kMaxDurationH * (1 + 1e-12))
    throw std::logic_error("fuzz harness: the duration was not forced to a day");
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
                 stats.jacobian_evaluations, stats.wall_seconds,
                 stats.steady_state_stage.c_str());
}

}  // namespace magsim::fuzz
