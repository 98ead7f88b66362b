// engine/sweep/mpi/sweep_mpi.hpp for a magsim built without MPI: no Session can be made, so the CLI
// reports that under mpirun instead of running N copies of the whole sweep. The collectives are
// those of a world of one rank, so code written for ranks stays correct without them.
#include "engine/sweep/mpi/sweep_mpi.hpp"

#include <stdexcept>

namespace magsim::engine::sweep::mpi {

struct Session::Impl {};

bool available() { return false; }

Session::Session() {
  throw std::runtime_error(
      "this magsim was built without MPI; install an MPI library (Debian: libopenmpi-dev "
      "openmpi-bin) and rebuild to share a sweep between mpirun's ranks, or run it without "
      "mpirun (--threads N on one machine, --shard I/N and `magsim merge` across machines)");
}

Session::~Session() = default;

int Session::rank() const { return 0; }
int Session::size() const { return 1; }

void run_on_ranks(const Session&, const std::vector<std::uint64_t>& todo, int threads_per_rank,
                  const RunFunction& run, const RecordHandler& handler,
                  const std::atomic<bool>* cancel) {
  run_on_threads(todo, threads_per_rank, run, handler, cancel);
}

bool all_ok(const Session&, bool ok) { return ok; }

std::string broadcast_from_root(const Session&, const std::string& text) { return text; }

void barrier(const Session&) {}

}  // namespace magsim::engine::sweep::mpi
