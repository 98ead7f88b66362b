#include "app/run_file.hpp"

namespace magsim::app {

RunFile read_run(const std::string& path) { return engine::io::read_run_file(path); }

std::vector<EventRecord> event_records(const LoadedScenario& loaded) {
  return engine::all_records(loaded.problem.schedule);
}

}  // namespace magsim::app
