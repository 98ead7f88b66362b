// Computing a sweep's runs in parallel: on threads in this process, or on MPI ranks
// (engine/sweep/mpi/sweep_mpi.hpp). Whatever computes them, a run's record depends only on its index, so
// the result is the same however the work is split. Model-independent.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/sweep/record.hpp"

namespace magsim::engine::sweep {

// Computes run `index`. Called from many threads at once; must not throw: a run that fails is a
// record with status Failed and its message.
using RunFunction = std::function<RunRecord(std::uint64_t index)>;
// Receives finished records, one call at a time (never concurrently), in completion order.
using RecordHandler = std::function<void(RunRecord&&)>;

// Runs every index in `todo` on `threads` worker threads (>= 1). Each worker takes the next
// index as soon as it is free (dynamic load balancing: runs differ in cost). Returns when all are
// done, or early once *cancel becomes true (runs in progress finish and are handed over; no new
// one starts). If `handler` throws, no new runs start and the exception is rethrown here after
// the workers have stopped.
void run_on_threads(const std::vector<std::uint64_t>& todo, int threads, const RunFunction& run,
                    const RecordHandler& handler, const std::atomic<bool>* cancel = nullptr);

}  // namespace magsim::engine::sweep
