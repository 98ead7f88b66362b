#include "app/sweep_output.hpp"

#include <unistd.h>

#include <stdexcept>

#include "app/text_output.hpp"
#include "engine/io/sweep_file.hpp"
#include "engine/sweep/runner.hpp"
#include "engine/version_info.hpp"

namespace magsim::app {

std::string SweepShard::text() const {
  return active() ? std::to_string(index) + "/" + std::to_string(count) : std::string();
}

void run_sweep_on_threads(const PreparedSweep& sweep, const std::vector<std::uint64_t>& todo,
                          int threads, const RecordHandler& handler,
                          const std::atomic<bool>* cancel) {
  engine::sweep::run_on_threads(
      todo, threads, [&](std::uint64_t i) { return compute_run(sweep, i, cancel); }, handler,
      cancel);
}

std::string JournaledSweep::journal_path(const std::string& output_path) {
  return output_path + ".journal";
}

bool JournaledSweep::journal_exists(const std::string& output_path) {
  return access(journal_path(output_path).c_str(), F_OK) == 0;
}

JournaledSweep::JournaledSweep(const PreparedSweep& sweep, std::string output_path,
                               SweepShard shard, bool resume)
    : sweep_(sweep), output_path_(std::move(output_path)), shard_(shard) {
  const engine::sweep::SweepLayout& layout = sweep_.layout;
  // Before any run and before the journal is made beside it: an output path that can never be
  // written (a device, FIFO, socket, directory or symbolic link; a missing directory) is refused
  // now, not after the whole sweep, and leaves no journal behind.
  check_output_path(output_path_, "sweep file");
  const std::string journal = journal_path(output_path_);
  const bool exists = journal_exists(output_path_);
  if (exists && !resume)
    throw std::runtime_error(journal + " exists: a sweep into " + output_path_ +
                             " was interrupted; resume it, or delete the journal to start over");
  journal_.emplace(exists ? engine::io::SweepJournal::resume(journal, layout)
                          : engine::io::SweepJournal::create(journal, layout));
  for (std::uint64_t i = shard_.index; i < layout.runs; i += shard_.count) {
    ++assigned_;
    if (!journal_->has(i))
      todo_.push_back(i);
    else if (journal_->read(i)->status == engine::sweep::RunStatus::Failed)
      ++failed_before_;
  }
}

void JournaledSweep::record(const engine::sweep::RunRecord& r) {
  if (r.status == engine::sweep::RunStatus::NotRun) return;  // interrupted, not finished
  journal_->append(r);
}

void JournaledSweep::write_output(const std::string& execution, double wall_time_s) {
  engine::io::SweepFileAttributes attrs;
  attrs.shard = shard_.text();
  attrs.magsim_version = engine::kVersion;
  attrs.wall_time_s = wall_time_s;
  attrs.execution = execution;
  const engine::io::SweepJournal& j = *journal_;
  const SweepShard sh = shard_;
  engine::io::write_sweep_file(
      output_path_, sweep_.layout,
      [&](std::uint64_t i) -> std::optional<engine::sweep::RunRecord> {
        if (i % sh.count != sh.index) return std::nullopt;
        return j.read(i);
      },
      attrs);
  journal_->remove();
}

}  // namespace magsim::app
