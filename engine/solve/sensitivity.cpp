#include "engine/solve/sensitivity.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "engine/solve/simulator.hpp"

namespace magsim::engine {
namespace {

double endpoint_value(const Model& model, const Problem& problem, const Endpoint& endpoint) {
  EndpointSink sink(endpoint, problem.duration_h);
  simulate(model, problem, sink);
  return sink.value();
}

}  // namespace

SensitivityResult local_sensitivities(const Model& model, const Problem& problem,
                                      const Endpoint& endpoint,
                                      const SensitivityOptions& options) {
  return local_sensitivities(
      model, problem,
      [&](const Problem& p) { return endpoint_value(model, p, endpoint); }, options);
}

SensitivityResult local_sensitivities(const Model& model, const Problem& problem,
                                      const Evaluator& evaluate,
                                      const SensitivityOptions& options) {
  const auto& info = model.info();
  SensitivityResult result;
  result.relative_step = options.relative_step;
  const int n = static_cast<int>(info.parameters.size());
  const int total = n + 1;
  std::mutex progress_mutex;
  std::atomic<int> done{0};
  auto report = [&] {
    const int d = ++done;
    if (options.progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      options.progress(d, total);
    }
  };

  result.baseline = evaluate(problem);
  report();

  result.rows.resize(static_cast<size_t>(n));
  std::atomic<int> next{0};
  auto worker = [&] {
    for (int i = next++; i < n; i = next++) {
      auto& row = result.rows[static_cast<size_t>(i)];
      row.parameter = i;
      row.value = problem.parameters[static_cast<size_t>(i)];
      if (row.value == 0) {
        row.skipped = "value is 0: no relative change";
      } else if (result.baseline == 0) {
        row.skipped = "endpoint is 0: no relative change";
      } else {
        Problem perturbed = problem;
        perturbed.parameters[static_cast<size_t>(i)] = row.value * (1 + options.relative_step);
        try {
          row.endpoint = evaluate(perturbed);
          row.sensitivity =
              (row.endpoint - result.baseline) / result.baseline / options.relative_step;
        } catch (const std::exception& e) {
          row.skipped = std::string("run failed: ") + e.what();
        }
      }
      report();
    }
  };
  const int threads = std::max(1, std::min(options.threads, n));
  std::vector<std::thread> pool;
  for (int k = 1; k < threads; ++k) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  std::stable_sort(result.rows.begin(), result.rows.end(),
                   [](const SensitivityRow& a, const SensitivityRow& b) {
                     if (a.skipped.empty() != b.skipped.empty()) return a.skipped.empty();
                     return std::abs(a.sensitivity) > std::abs(b.sensitivity);
                   });
  return result;
}

}  // namespace magsim::engine
