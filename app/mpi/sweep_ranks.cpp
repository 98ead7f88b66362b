#include "app/mpi/sweep_ranks.hpp"

#include "engine/sweep/mpi/sweep_mpi.hpp"

namespace magsim::app {

namespace mpi = engine::sweep::mpi;

bool launched_by_mpirun() { return mpi::launched_by_mpirun(); }

SweepRanks::SweepRanks() : session_(std::make_unique<mpi::Session>()) {}
SweepRanks::~SweepRanks() = default;

bool SweepRanks::is_root() const { return session_->is_root(); }
int SweepRanks::size() const { return session_->size(); }
bool SweepRanks::all_ok(bool ok) const { return mpi::all_ok(*session_, ok); }

void SweepRanks::run(const PreparedSweep& sweep, const std::vector<std::uint64_t>& todo,
                     int threads, const RecordHandler& handler,
                     const std::atomic<bool>* cancel) const {
  mpi::run_on_ranks(
      *session_, todo, threads, [&](std::uint64_t i) { return compute_run(sweep, i, cancel); },
      handler, cancel);
}

}  // namespace magsim::app
