// Reading a run file back (magsim.open in Python), and the event table a run file records.
#pragma once

#include <string>
#include <vector>

#include "app/scenario_loading.hpp"
#include "engine/io/run_reader.hpp"
#include "engine/model/schedule.hpp"

namespace magsim::app {

using engine::EventRecord;
using engine::io::RunFile;
using engine::io::StoredParameter;

// Every series, attribute, parameter and event of the HDF5 run file at `path`. Throws
// std::runtime_error naming the file for anything unreadable or not a magsim run file.
RunFile read_run(const std::string& path);

// The scenario's doses, infusions and drug periods as the run file's /events table lists them.
std::vector<EventRecord> event_records(const LoadedScenario& loaded);

}  // namespace magsim::app
