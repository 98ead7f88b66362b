// Normalized local sensitivities d ln y / d ln p of one endpoint to every parameter, by forward
// differences on the engine: each parameter in turn is raised by a relative step and the whole
// problem (steady-state start included) is simulated again.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/model/model.hpp"
#include "engine/model/problem.hpp"
#include "engine/solve/series_statistics.hpp"

namespace magsim::engine {

struct SensitivityRow {
  int parameter = -1;       // index into ModelInfo::parameters
  double value = 0;         // parameter value used (after scenario and subject adjustments)
  double endpoint = 0;      // endpoint with the parameter raised
  double sensitivity = 0;   // (dy / y) / (dp / p)
  std::string skipped;      // non-empty: why there is no number (value 0, run failed, ...)
};

struct SensitivityResult {
  double baseline = 0;               // endpoint at the scenario's parameters
  double relative_step = 0;
  std::vector<SensitivityRow> rows;  // ranked: largest |sensitivity| first, skipped last
};

struct SensitivityOptions {
  double relative_step = 1e-4;
  int threads = 1;
  // Called after each finished run with (runs done, runs in all); from worker threads, serialized.
  std::function<void(int, int)> progress;
};

// Throws SimulationError if the baseline run fails; a failed perturbed run is reported in its row.
SensitivityResult local_sensitivities(const Model& model, const Problem& problem,
                                      const Endpoint& endpoint, const SensitivityOptions& options);

// The same for any number a run gives: `evaluate` simulates a problem (the given one, then each
// perturbed copy) and returns the endpoint. Called from `options.threads` threads at once.
using Evaluator = std::function<double(const Problem&)>;
SensitivityResult local_sensitivities(const Model& model, const Problem& problem,
                                      const Evaluator& evaluate,
                                      const SensitivityOptions& options);

}  // namespace magsim::engine
