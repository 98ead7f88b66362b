// A sweep computed into its output file as `magsim sweep` does it: a resume journal beside the
// output keeps every finished run, so that an interrupted sweep (Ctrl-C, SIGKILL, a cluster time
// limit) is finished by running it again with --resume; the file is written from the journal once
// every run of this shard is done, and the journal is then removed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/sweep.hpp"
#include "engine/io/sweep_journal.hpp"

namespace magsim::app {

// Runs `index % count == index_in` of a sweep: one shard of a job array, or (count 1) all.
struct SweepShard {
  std::uint64_t index = 0, count = 1;
  bool active() const { return count > 1; }
  std::string text() const;  // "I/N", or "" for the whole sweep
};

using RecordHandler = std::function<void(engine::sweep::RunRecord&&)>;

// Computes the runs `todo` of `sweep` on `threads` threads of this process, handing each record
// to `handler` (one at a time, in completion order); stops starting runs once *cancel is true.
void run_sweep_on_threads(const PreparedSweep& sweep, const std::vector<std::uint64_t>& todo,
                          int threads, const RecordHandler& handler,
                          const std::atomic<bool>* cancel = nullptr);

class JournaledSweep {
 public:
  // The journal of `output_path` ("OUT.journal").
  static std::string journal_path(const std::string& output_path);

  // Checks that the output can be written (std::runtime_error otherwise, before anything is
  // made), then starts a journal, or with `resume` reads the one an interrupted sweep left (it
  // must belong to this sweep: std::runtime_error otherwise), and lists this shard's runs still
  // to do. Without `resume` an existing journal is an error: check journal_exists() first to
  // say so in the caller's words.
  JournaledSweep(const PreparedSweep& sweep, std::string output_path, SweepShard shard,
                 bool resume);

  static bool journal_exists(const std::string& output_path);

  const std::vector<std::uint64_t>& todo() const { return todo_; }
  std::uint64_t assigned() const { return assigned_; }        // runs of this shard
  std::uint64_t already_done() const { return assigned_ - todo_.size(); }
  std::uint64_t failed_before() const { return failed_before_; }  // failed runs resumed
  std::uint64_t completed() const { return journal_->completed(); }
  std::uint64_t dropped_bytes() const { return journal_->dropped_bytes(); }
  const std::string& journal_file() const { return journal_->path(); }

  // Keeps one finished run (a run interrupted before it finished is ignored).
  void record(const engine::sweep::RunRecord& r);

  // Writes the output file from the journal (through a temporary name) and removes the journal.
  // `execution` says what computed the runs ("2 threads", "3 MPI ranks x 1 thread").
  void write_output(const std::string& execution, double wall_time_s);

 private:
  const PreparedSweep& sweep_;
  std::string output_path_;
  SweepShard shard_;
  std::optional<engine::io::SweepJournal> journal_;
  std::vector<std::uint64_t> todo_;
  std::uint64_t assigned_ = 0, failed_before_ = 0;
};

}  // namespace magsim::app
