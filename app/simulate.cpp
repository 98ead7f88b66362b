#include "app/simulate.hpp"

#include "app/model.hpp"

namespace magsim::app {

RunStats simulate(const LoadedScenario& loaded, SampleSink& sink, const std::atomic<bool>* cancel) {
  return engine::simulate(model(), loaded.problem, sink, cancel);
}

}  // namespace magsim::app
