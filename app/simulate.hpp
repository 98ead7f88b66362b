// Running a loaded scenario with the model, as the front ends (cli/, bindings/) do it: they pass
// a sink for the samples (a file writer, a progress bar, columns for Python) and get the run's
// statistics back. The engine's streaming types they need are named here.
#pragma once

#include <atomic>

#include "app/scenario_loading.hpp"
#include "engine/solve/sample_sink.hpp"
#include "engine/solve/simulator.hpp"

namespace magsim::app {

using engine::ModelInfo;
using engine::RunStats;
using engine::SampleSink;
using engine::TeeSink;

// Simulates `loaded` with the model, streaming every sample to `sink`. `cancel` (may be null),
// when set from another thread or a signal handler, stops the run with SimulationError
// "cancelled". Throws SimulationError when the integration fails.
RunStats simulate(const LoadedScenario& loaded, SampleSink& sink,
                  const std::atomic<bool>* cancel = nullptr);

}  // namespace magsim::app
