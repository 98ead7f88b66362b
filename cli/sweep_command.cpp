// magsim sweep: many runs of one base scenario on threads, MPI ranks or Slurm array shards, into
// one HDF5 file. Finished runs go to a journal (OUT.h5.journal) as they complete, so that a killed
// sweep resumes with --resume; the HDF5 file is written, in run order, once every run is done.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "app/run_output.hpp"
#include "app/sweep.hpp"
#include "cli/commands.hpp"
#include "app/model.hpp"
#include "app/text_output.hpp"
#include "app/mpi/sweep_ranks.hpp"
#include "app/sweep_output.hpp"

namespace magsim::cli {
namespace {

const char* kSweepUsage =
    "usage: magsim sweep SWEEP.yaml [-o OUT.h5] [--threads N] [--shard I/N] [--resume]\n"
    "                    [--set KEY=VALUE]... [--quiet]\n"
    "\n"
    "Run every scenario of a sweep file (grid, samples, population, arms; docs/sweeps.md) and\n"
    "write inputs, summaries, status and (with keep_series) series of all runs to one HDF5\n"
    "file (default: the sweep file's path with .h5). Finished runs are kept in OUT.h5.journal\n"
    "as they complete; the file itself appears only when every run is done.\n"
    "\n"
    "  -o, --output OUT.h5   where to write the result\n"
    "  --threads N           compute threads (default: all cores; 1 per rank under mpirun)\n"
    "  --shard I/N           compute only runs i with i % N == I (0 <= I < N) and write a shard\n"
    "                        file for `magsim merge`; default under a Slurm job array:\n"
    "                        SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT\n"
    "  --resume              continue an interrupted sweep from OUT.h5.journal\n"
    "  --set KEY=VALUE       change the sweep file, e.g. --set sweep.population.n=200\n"
    "  -q, --quiet           no progress and no summary\n"
    "\n"
    "Under mpirun (mpirun -n 4 magsim sweep ...) rank 0 hands runs out to every rank, one at a\n"
    "time, and writes the file. The numbers are the same whatever the threads, ranks or shards.\n"
    "Ctrl-C (or SIGTERM, or SIGUSR1, which mpirun forwards without killing the ranks) stops\n"
    "the sweep; finished runs stay in the journal for --resume.\n";

std::atomic<bool> g_cancel{false};
extern "C" void on_sweep_signal(int) { g_cancel.store(true); }

using Shard = app::SweepShard;

std::uint64_t parse_count(const std::string& s, const std::string& what) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument(what + ": expected a whole number, got '" + s + "'");
  return std::stoull(s);
}

Shard parse_shard(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos)
    throw std::invalid_argument("--shard: expected I/N (e.g. 0/4), got '" + s + "'");
  Shard sh{parse_count(s.substr(0, slash), "--shard I"),
           parse_count(s.substr(slash + 1), "--shard N")};
  if (sh.count == 0 || sh.index >= sh.count)
    throw std::invalid_argument("--shard " + s + ": need 0 <= I < N");
  return sh;
}

// A Slurm array task's shard, if this is one: task ids need not start at 0 (--array=1-4).
std::optional<Shard> slurm_shard() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (id == nullptr || count == nullptr) return std::nullopt;
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  const std::uint64_t first = min ? parse_count(min, "SLURM_ARRAY_TASK_MIN") : 0;
  const std::uint64_t task = parse_count(id, "SLURM_ARRAY_TASK_ID");
  Shard sh{task - first, parse_count(count, "SLURM_ARRAY_TASK_COUNT")};
  if (task < first || sh.index >= sh.count)
    throw std::invalid_argument("SLURM_ARRAY_TASK_ID " + std::string(id) +
                                " is not within an array of " + count + " tasks from " +
                                std::to_string(first) + " (use consecutive ids, e.g. "
                                "--array=0-3, or pass --shard I/N)");
  return sh;
}

// Progress on stderr: a bar with rate and ETA on a terminal, a plain line every 10 s otherwise.
class SweepProgress {
 public:
  SweepProgress(std::uint64_t total, std::uint64_t already, bool quiet)
      : total_(total), done_(already), start_done_(already), quiet_(quiet),
        tty_(isatty(STDERR_FILENO) != 0), start_(Clock::now()), last_(start_) {}
  void update(bool failed) {
    ++done_;
    if (failed) ++failed_;
    if (quiet_) return;
    const auto now = Clock::now();
    const double since_last = seconds(now - last_);
    if (done_ < total_ && since_last < (tty_ ? 0.2 : 10.0)) return;
    last_ = now;
    const double elapsed = seconds(now - start_);
    const double rate = elapsed > 0 ? static_cast<double>(done_ - start_done_) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
    const double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1;
    if (tty_) {
      const int width = 30, filled = static_cast<int>(frac * width);
      std::string bar(static_cast<std::size_t>(width), ' ');
      for (int i = 0; i < filled; ++i) bar[static_cast<std::size_t>(i)] = '=';
      std::fprintf(stderr, "\r[%s] %llu/%llu runs  %.2f runs/s  eta %s%s ", bar.c_str(),
                   static_cast<unsigned long long>(done_),
                   static_cast<unsigned long long>(total_), rate, duration(eta).c_str(),
                   failed_ ? ("  " + std::to_string(failed_) + " failed").c_str() : "");
      shown_ = true;
    } else {
      std::fprintf(stderr, "sweep: %llu of %llu runs (%.1f %%), %.2f runs/s, eta %s%s\n",
                   static_cast<unsigned long long>(done_),
                   static_cast<unsigned long long>(total_), 100 * frac, rate,
                   duration(eta).c_str(),
                   failed_ ? (", " + std::to_string(failed_) + " failed").c_str() : "");
    }
    std::fflush(stderr);
  }
  void finish() {
    if (shown_) std::fprintf(stderr, "\n");
  }
  std::uint64_t failed() const { return failed_; }
  double elapsed() const { return seconds(Clock::now() - start_); }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  static std::string duration(double s) {
    char buf[32];
    if (s < 90)
      std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 5400)
      std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
    else
      std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
    return buf;
  }
  std::uint64_t total_, done_, start_done_, failed_ = 0;
  bool quiet_, tty_, shown_ = false;
  Clock::time_point start_, last_;
};

struct Options {
  std::string sweep_path, output_path;
  int threads = 0;  // 0: default
  std::optional<Shard> shard;
  bool resume = false, quiet = false;
  std::vector<std::string> sets;
};

// The part of a sweep that only the writing process does (the only process without MPI, rank 0
// with it): the journal, the list of runs still to do, progress, and the output file.
class SweepRoot {
 public:
  SweepRoot(const Options& o, const app::PreparedSweep& sweep) : o_(o), sweep_(sweep) {}

  // Opens or resumes the journal and lists the runs to do. Returns false after printing why not.
  bool setup(int ranks, int threads) {
    if (app::JournaledSweep::journal_exists(o_.output_path) && !o_.resume) {
      std::cerr << "magsim sweep: error: " << app::JournaledSweep::journal_path(o_.output_path)
                << " exists: a sweep into " << o_.output_path
                << " was interrupted. Run again with --resume to finish it, or delete the "
                   "journal to start over\n";
      return false;
    }
    journal_.emplace(sweep_, o_.output_path, shard_, o_.resume);
    const std::uint64_t mine = journal_->assigned(), already = journal_->already_done();
    execution_ = (ranks > 1 ? std::to_string(ranks) + " MPI ranks x " : std::string()) +
                 std::to_string(threads) + " thread" + (threads == 1 ? "" : "s");
    if (!o_.quiet) {
      std::cerr << "magsim sweep: " << sweep_.layout.runs << " runs"
                << (shard_.active() ? ", shard " + shard_.text() + " computes " +
                                          std::to_string(mine)
                                    : std::string())
                << (already ? ", " + std::to_string(already) + " already done (resumed)" : "")
                << ", on " << execution_ << "\n";
      if (journal_->dropped_bytes() > 0)
        std::cerr << "magsim sweep: dropped " << journal_->dropped_bytes()
                  << " bytes of a run that was being written when the sweep stopped\n";
    }
    progress_.emplace(mine, already, o_.quiet);
    return true;
  }

  const std::vector<std::uint64_t>& todo() const { return journal_->todo(); }

  void record(engine::sweep::RunRecord&& r) {
    if (r.status == engine::sweep::RunStatus::NotRun) return;  // interrupted, not finished
    journal_->record(r);
    if (r.status == engine::sweep::RunStatus::Failed && first_failure_.empty())
      first_failure_ = "run " + std::to_string(r.index) + ": " + r.message;
    progress_->update(r.status == engine::sweep::RunStatus::Failed);
  }

  // Writes the file once every run is done. Returns the exit code.
  int finish() {
    progress_->finish();
    const std::uint64_t mine = journal_->assigned();
    if (g_cancel.load()) {
      std::cerr << "magsim sweep: interrupted with " << journal_->completed() << " of " << mine
                << " runs done; they are kept in " << journal_->journal_file()
                << ". Run the same command with --resume to finish\n";
      return kFailure;
    }
    journal_->write_output(execution_, progress_->elapsed());

    const std::uint64_t failed = journal_->failed_before() + progress_->failed();
    const std::size_t computed = journal_->todo().size();
    if (!o_.quiet) {
      const double secs = progress_->elapsed();
      char rate[64];
      std::snprintf(rate, sizeof rate, "%.3g s, %.3g runs/s", secs,
                    secs > 0 ? static_cast<double>(computed) / secs : 0.0);
      std::cout << "sweep: " << mine - failed << " of " << mine << " runs ok";
      if (failed) std::cout << ", " << failed << " failed (see /sweep/status and /sweep/message)";
      std::cout << "; " << computed << " computed in " << rate << " on " << execution_
                << "\nwrote " << o_.output_path << "\n";
    }
    if (failed && !first_failure_.empty())
      std::cerr << "magsim sweep: warning: " << failed << " run(s) failed; first: "
                << first_failure_ << "\n";
    return kOk;
  }

 private:
  const Options& o_;
  const app::PreparedSweep& sweep_;
  Shard shard_ = o_.shard.value_or(Shard{});
  std::optional<app::JournaledSweep> journal_;
  std::optional<SweepProgress> progress_;
  std::string first_failure_, execution_;
};

}  // namespace

int sweep_command(const Args& args) {
  if (wants_help(args, kSweepUsage)) return kOk;
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(std::string(what) + " needs a value");
      return args[++i];
    };
    try {
      if (a == "-o" || a == "--output") {
        o.output_path = value("-o");
      } else if (a.rfind("--output=", 0) == 0) {
        o.output_path = a.substr(9);
      } else if (a == "--threads" || a.rfind("--threads=", 0) == 0) {
        const std::string v = a == "--threads" ? value("--threads") : a.substr(10);
        const std::uint64_t n = parse_count(v, "--threads");
        if (n < 1 || n > 1024) throw std::invalid_argument("--threads must be 1 to 1024");
        o.threads = static_cast<int>(n);
      } else if (a == "--shard" || a.rfind("--shard=", 0) == 0) {
        o.shard = parse_shard(a == "--shard" ? value("--shard") : a.substr(8));
      } else if (a == "--set") {
        o.sets.push_back(value("--set"));
      } else if (a.rfind("--set=", 0) == 0) {
        o.sets.push_back(a.substr(6));
      } else if (a == "--resume") {
        o.resume = true;
      } else if (a == "-q" || a == "--quiet") {
        o.quiet = true;
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option '" + a + "'");
      } else if (o.sweep_path.empty()) {
        o.sweep_path = a;
      } else {
        throw std::invalid_argument("unexpected argument '" + a + "'");
      }
    } catch (const std::invalid_argument& e) {
      std::cerr << "magsim sweep: error: " << e.what() << "\n" << kSweepUsage;
      return kBadInput;
    }
  }
  if (o.sweep_path.empty()) {
    std::cerr << "magsim sweep: error: no sweep file given\n" << kSweepUsage;
    return kBadInput;
  }
  try {
    if (!o.shard) o.shard = slurm_shard();
  } catch (const std::invalid_argument& e) {
    std::cerr << "magsim sweep: error: " << e.what() << "\n";
    return kBadInput;
  }
  if (o.output_path.empty()) o.output_path = default_output_path(o.sweep_path);

  std::signal(SIGINT, on_sweep_signal);
  std::signal(SIGTERM, on_sweep_signal);
  // Under mpirun, Ctrl-C kills the ranks a second after the SIGTERM it forwards; SIGUSR1 is
  // forwarded alone, so `kill -USR1 <mpirun pid>` stops a sweep with its journal in order.
  std::signal(SIGUSR1, on_sweep_signal);

  if (!app::launched_by_mpirun()) {
    app::PreparedSweep sweep;
    try {
      sweep = app::prepare_sweep(o.sweep_path, o.sets);
    } catch (const app::ScenarioError& e) {
      std::cerr << e.formatted() << "\n";
      return kBadInput;
    }
    if (const std::string in = app::input_at_output_path(
            o.output_path, {o.sweep_path, sweep.layout.base_file}); !in.empty()) {
      std::cerr << "magsim sweep: error: the output " << o.output_path << " is an input (" << in
                << "); give another -o\n";
      return kBadInput;
    }
    const int threads =
        o.threads > 0 ? o.threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    try {
      SweepRoot root(o, sweep);
      if (!root.setup(1, threads)) return kFailure;
      app::run_sweep_on_threads(
          sweep, root.todo(), threads,
          [&](engine::sweep::RunRecord&& r) { root.record(std::move(r)); }, &g_cancel);
      return root.finish();
    } catch (const std::exception& e) {
      std::cerr << "magsim sweep: error: " << e.what() << "\n";
      return kFailure;
    }
  }

  // Under mpirun: every rank reads the sweep file (it is small) and builds the same plan; rank 0
  // alone reports a bad file, reads the journal and writes the output.
  std::optional<app::SweepRanks> session;
  try {
    session.emplace();
  } catch (const std::exception& e) {
    std::cerr << "magsim sweep: error: " << e.what() << "\n";
    return kFailure;
  }
  const bool root = session->is_root();
  app::PreparedSweep sweep;
  std::string error;
  int code = kOk;
  try {
    sweep = app::prepare_sweep(o.sweep_path, o.sets);
    if (const std::string in = app::input_at_output_path(
            o.output_path, {o.sweep_path, sweep.layout.base_file}); !in.empty()) {
      error = "magsim sweep: error: the output " + o.output_path + " is an input (" + in +
              "); give another -o";
      code = kBadInput;
    }
  } catch (const app::ScenarioError& e) {
    error = e.formatted();
    code = kBadInput;
  }
  if (!session->all_ok(error.empty())) {
    if (root) std::cerr << (error.empty() ? "magsim sweep: another rank failed to read the sweep"
                                          : error)
                        << "\n";
    return code == kOk ? kFailure : code;
  }
  const int threads = o.threads > 0 ? o.threads : 1;
  // Rank 0 opens the journal; every rank learns whether it could before the work starts.
  std::optional<SweepRoot> writer;
  bool ready = true;
  if (root) {
    try {
      writer.emplace(o, sweep);
      ready = writer->setup(session->size(), threads);
    } catch (const std::exception& e) {
      std::cerr << "magsim sweep: error: " << e.what() << "\n";
      ready = false;
    }
  }
  if (!session->all_ok(ready)) return kFailure;
  try {
    session->run(
        sweep, root ? writer->todo() : std::vector<std::uint64_t>{}, threads,
        [&](engine::sweep::RunRecord&& r) { writer->record(std::move(r)); }, &g_cancel);
    return root ? writer->finish() : kOk;
  } catch (const std::exception& e) {
    std::cerr << "magsim sweep: error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace magsim::cli
