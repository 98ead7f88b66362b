// A sweep's runs computed on MPI ranks (`mpirun -n N magsim sweep ...`): the façade over
// engine/sweep/mpi/. Compiled into its own library, twice: magsim_app_mpi (with MPI) for the
// `magsim-mpi` executable only, and magsim_app_mpi_relay (without) for `magsim`, so that neither
// `magsim` nor the Python module loads libmpi. Without MPI a SweepRanks cannot be made
// (std::runtime_error saying so).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/sweep_output.hpp"

namespace magsim::engine::sweep::mpi {
class Session;
}

namespace magsim::app {

// True when an MPI launcher (mpirun, mpiexec, srun with PMI) started this process.
bool launched_by_mpirun();

// `magsim` does not link MPI (it would cost every run its start-up); `magsim-mpi`, built next to
// it when MPI is found, is the same command line with MPI. In `magsim` of a build with MPI, this
// replaces the process by that `magsim-mpi` with the same arguments (argv as main got it) and
// returns only if that fails, with the reason. In `magsim-mpi`, and in a build without MPI (whose
// SweepRanks says so), it returns "" at once.
std::string exec_mpi_executable(char** argv);

// MPI for the lifetime of the object (one per process). Every member is collective: every rank
// calls it.
class SweepRanks {
 public:
  SweepRanks();
  ~SweepRanks();
  SweepRanks(const SweepRanks&) = delete;
  SweepRanks& operator=(const SweepRanks&) = delete;

  bool is_root() const;
  int size() const;
  // True on every rank when `ok` is true on every rank (go on together or stop together).
  bool all_ok(bool ok) const;
  // Computes `todo` (read on rank 0) on `threads` threads per rank; `handler` gets every record
  // on rank 0 only, one at a time. *cancel is read on rank 0.
  void run(const PreparedSweep& sweep, const std::vector<std::uint64_t>& todo, int threads,
           const RecordHandler& handler, const std::atomic<bool>* cancel) const;

 private:
  std::unique_ptr<engine::sweep::mpi::Session> session_;
};

}  // namespace magsim::app
