// Computing a sweep's runs on MPI ranks: the run_on_threads of engine/sweep/runner.hpp spread over
// processes. Rank 0 owns the list of runs and hands them out one at a time to whichever compute
// thread, on any rank (its own included), is free; every record comes back to rank 0, which alone
// sees the results and writes files. Model-independent.
//
// Built against MPI (MAGSIM_WITH_MPI=1, sweep_mpi.cpp) or without it (sweep_mpi_stub.cpp: the
// same declarations; a Session cannot be made). This header does not include <mpi.h>, so the CLI
// compiles the same either way.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/sweep/runner.hpp"

namespace magsim::engine::sweep::mpi {

// True when this process was started by an MPI launcher (mpirun/mpiexec of Open MPI, MPICH,
// Intel MPI, MVAPICH; srun with PMI/PMIx), judged from the environment the launcher sets: magsim
// only initializes MPI then, because a "singleton" MPI_Init of a process started by hand is slow
// and, in containers, flaky. Works in builds without MPI too, so that those can refuse to run as
// N uncoordinated copies that would each compute and write the whole sweep.
inline bool launched_by_mpirun() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE",  // Open MPI's mpirun
                           "PMIX_RANK",             // any PMIx launcher (Open MPI >= 4, srun --mpi=pmix)
                           "PMI_RANK", "PMI_SIZE",  // MPICH/Hydra, Intel MPI, srun --mpi=pmi2
                           "MV2_COMM_WORLD_SIZE"})  // MVAPICH2's mpirun_rsh
    if (std::getenv(name) != nullptr) return true;
  return false;
}

// True when this magsim was compiled with MPI.
bool available();

// MPI for the lifetime of the object: MPI_Init_thread in the constructor, MPI_Finalize in the
// destructor; one per process, ever (MPI cannot be initialized again after MPI_Finalize).
// Asks for MPI_THREAD_SERIALIZED: compute threads run beside the thread that talks to MPI, and
// that thread need not be the one that made the Session; throws std::runtime_error if the library
// provides less. Without MPI the constructor throws std::runtime_error saying so.
//
// If an exception leaves the Session's scope on one rank, the other ranks may be waiting for it in
// a collective call and would wait for ever; the destructor then calls MPI_Abort, which ends the
// whole job (mpirun exits non-zero). Report errors before that (catch inside the Session's scope,
// or agree on failure with all_ok) so that the message is printed and every rank returns alike.
class Session {
 public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int rank() const;
  int size() const;
  bool is_root() const { return rank() == 0; }

  struct Impl;  // the MPI handles; defined in sweep_mpi.cpp, used only there
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Collective: every rank calls it. Computes every index in `todo` as run_on_threads does, on
// `threads_per_rank` compute threads (>= 1; ranks may differ) on every rank, rank 0 included;
// `todo` is read on rank 0 only (others may pass an empty vector). Indices go out one at a time
// to whichever compute thread asks, so runs of very different cost balance out. Records computed
// on other ranks travel to rank 0 as encode_record bytes. `handler` is called on rank 0 only, on the calling thread, one record at a
// time (never concurrently), for every record in completion order; other ranks never call it.
//
// Threads: rank 0 runs `threads_per_rank` compute threads besides the calling thread, which
// coordinates; the other ranks run `threads_per_rank` in all, the calling thread being one. Nobody
// spins while waiting: MPI is polled with MPI_Iprobe/MPI_Test and short sleeps (up to 1 ms),
// because Open MPI's blocking calls busy-poll and would take a core from the runs. A hand-over
// (record back, next index out) takes about 1 ms.
//
// Returns on every rank when every index is done. `cancel` is read on rank 0 only: once it is
// true, no new run starts anywhere; the runs in progress finish, rank 0 hands their records to
// `handler`, and every rank returns. If `handler` throws, the same happens except that no further
// record reaches it, and the exception is rethrown on rank 0 once all ranks are done. A RunFunction
// must not throw (as for run_on_threads); if it does, the process aborts, and mpirun ends the job.
void run_on_ranks(const Session& session, const std::vector<std::uint64_t>& todo,
                  int threads_per_rank, const RunFunction& run, const RecordHandler& handler,
                  const std::atomic<bool>* cancel = nullptr);

// Collective: true on every rank when `ok` is true on every rank. For agreeing that the sweep file
// parsed, the output can be written, etc., so that all ranks go on or all stop together.
bool all_ok(const Session& session, bool ok);

// Collective: rank 0's `text` on every rank (the other ranks' argument is ignored); e.g. an error
// message or a decision that only rank 0 can make.
std::string broadcast_from_root(const Session& session, const std::string& text);

// Collective: returns when every rank has called it.
void barrier(const Session& session);

// These collectives wait without spinning (non-blocking MPI call, polled with short sleeps), so
// ranks waiting while rank 0 writes a file leave the cores to it.

}  // namespace magsim::engine::sweep::mpi
