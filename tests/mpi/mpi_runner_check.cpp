// What this protects: a sweep computed on MPI ranks gives rank 0 exactly the records one thread
// would have computed, each once, whatever rank computed it and in whatever order; rank 0
// computes too; cancelling or a failing handler ends every rank cleanly with no run lost or left
// in flight; and the collectives the CLI uses agree on every rank.
//
// Run under mpirun with any number of ranks (ctest runs 1 and 3). Exits 0 when every check
// passes on every rank, 1 otherwise, with the failures on stderr.
//
//   magsim_mpi_check                          the checks
//   magsim_mpi_check --bench RUNS MS THREADS  time RUNS runs of MS ms of CPU each, THREADS per
//                                             rank, and print the parallel efficiency
#include "engine/sweep/mpi/sweep_mpi.hpp"

// The test reads per-rank counters with plain MPI (C API only; see sweep_mpi.cpp).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using magsim::engine::sweep::decode_record;
using magsim::engine::sweep::encode_record;
using magsim::engine::sweep::InputValue;
using magsim::engine::sweep::RunFunction;
using magsim::engine::sweep::RunRecord;
using magsim::engine::sweep::RunStatus;
namespace mpi = magsim::engine::sweep::mpi;

// The fake model: a record that is a pure function of the index, with the parts real records have
// (numeric and text inputs, summaries with NaN, failures with messages, series). Every 25th run
// keeps a 20000-sample series (160 kB), so that some records exceed MPI's eager limit and travel
// by the rendezvous protocol.
RunRecord fake_result(std::uint64_t i) {
  RunRecord r;
  r.index = i;
  const double x = static_cast<double>(i);
  if (i % 11 == 3) {
    r.status = RunStatus::Failed;
    r.message = "fake failure: run " + std::to_string(i) + " is 3 mod 11";
  } else {
    r.status = RunStatus::Ok;
  }
  r.inputs = {InputValue{0.5 * x, ""}, InputValue{0, i % 3 == 0 ? "oxide" : "citrate"}};
  r.summaries = {std::sin(0.1 * x), std::exp(-x / 50), std::sqrt(x),
                 i % 7 == 0 ? std::numeric_limits<double>::quiet_NaN() : std::log1p(x)};
  const std::size_t samples = i % 25 == 0 ? 20000 : 8;
  std::vector<double> series(samples);
  for (std::size_t k = 0; k < samples; ++k) series[k] = std::cos(0.01 * x * static_cast<double>(k));
  r.series = {std::move(series)};
  return r;
}

// The same without the side channel: wall_time_s is not part of a record's identity, so the test
// uses it to say which rank computed the run.
std::string identity_bytes(RunRecord r) {
  r.wall_time_s = 0;
  return encode_record(r);
}

// Runs differ in cost (0 to 20 ms, sleeping so that three ranks on two cores stay quick), as real
// runs differ, so the dynamic hand-out matters.
struct FakeRuns {
  int rank = 0;
  std::atomic<std::uint64_t> calls{0};  // runs computed on this rank
  RunFunction function() {
    return [this](std::uint64_t i) {
      ++calls;
      std::this_thread::sleep_for(std::chrono::milliseconds((i * 37) % 21));
      RunRecord r = fake_result(i);
      r.wall_time_s = rank;
      return r;
    };
  }
};

std::uint64_t sum_over_ranks(std::uint64_t mine) {
  std::uint64_t all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return all;
}

// What a sweep delivered on this rank, and what went wrong with it.
struct Delivered {
  std::map<std::uint64_t, int> times_seen;
  std::vector<std::uint64_t> by_rank;
  std::uint64_t handled = 0;
  std::vector<std::string> problems;
};

// A handler that checks each record against the serial computation, counts it, and notices
// concurrent or off-rank calls.
struct CheckingHandler {
  const mpi::Session& session;
  Delivered& out;
  std::atomic<int> inside{0};
  void operator()(RunRecord&& r) {
    if (inside.fetch_add(1) != 0) out.problems.push_back("handler called concurrently");
    if (session.rank() != 0)
      out.problems.push_back("handler called on rank " + std::to_string(session.rank()));
    ++out.handled;
    ++out.times_seen[r.index];
    const int by = static_cast<int>(r.wall_time_s);
    if (by >= 0 && by < session.size()) ++out.by_rank[static_cast<std::size_t>(by)];
    // Through bytes and back, as the records of other ranks came.
    if (identity_bytes(decode_record(encode_record(r))) != identity_bytes(fake_result(r.index)))
      out.problems.push_back("run " + std::to_string(r.index) + " differs from the serial result");
    inside.fetch_sub(1);
  }
};

std::vector<std::uint64_t> iota(std::uint64_t n) {
  std::vector<std::uint64_t> v(n);
  for (std::uint64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

std::string counts_text(const std::vector<std::uint64_t>& by_rank) {
  std::string s;
  for (std::size_t r = 0; r < by_rank.size(); ++r)
    s += (r ? " " : "") + std::to_string(r) + ":" + std::to_string(by_rank[r]);
  return s;
}

struct CheckResult {
  std::vector<std::string> problems;  // empty: passed
  std::string note;                   // for the log (rank 0)
};

// Every index once, equal to the serial computation, computed on every rank, rank 0 included.
CheckResult every_run_arrives_once(const mpi::Session& session, int threads,
                                   const std::vector<std::uint64_t>& todo) {
  FakeRuns runs;
  runs.rank = session.rank();
  Delivered d;
  d.by_rank.assign(static_cast<std::size_t>(session.size()), 0);
  CheckingHandler handler{session, d};
  const auto t0 = std::chrono::steady_clock::now();
  // Only rank 0's list counts; the others pass an empty one, as the CLI may.
  mpi::run_on_ranks(session, session.rank() == 0 ? todo : std::vector<std::uint64_t>{}, threads,
                    runs.function(), std::ref(handler));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::uint64_t computed = sum_over_ranks(runs.calls);
  CheckResult res;
  res.problems = d.problems;
  if (session.rank() != 0) return res;
  for (std::uint64_t i : todo)
    if (d.times_seen[i] != 1)
      res.problems.push_back("run " + std::to_string(i) + " arrived " +
                             std::to_string(d.times_seen[i]) + " times, expected once");
  if (d.times_seen.size() != todo.size())
    res.problems.push_back(std::to_string(d.times_seen.size()) + " distinct runs arrived, " +
                           std::to_string(todo.size()) + " expected");
  if (computed != todo.size())
    res.problems.push_back(std::to_string(computed) + " runs computed in all, " +
                           std::to_string(todo.size()) + " expected");
  for (std::size_t r = 0; r < d.by_rank.size(); ++r)
    if (d.by_rank[r] == 0 && !todo.empty())
      res.problems.push_back("rank " + std::to_string(r) + " computed no run");
  char buf[64];
  std::snprintf(buf, sizeof buf, ", %.2f s", seconds);
  res.note = "runs by rank " + counts_text(d.by_rank) + buf;
  return res;
}

// Cancelling after 40 records: no new run starts, the runs in flight still arrive, each once.
CheckResult cancel_collects_runs_in_flight(const mpi::Session& session, int threads) {
  FakeRuns runs;
  runs.rank = session.rank();
  Delivered d;
  d.by_rank.assign(static_cast<std::size_t>(session.size()), 0);
  std::atomic<bool> cancel{false};
  CheckingHandler check{session, d};
  auto handler = [&](RunRecord&& r) {
    check(std::move(r));
    if (d.handled == 40) cancel = true;
  };
  mpi::run_on_ranks(session, iota(200), threads, runs.function(), handler, &cancel);
  const std::uint64_t computed = sum_over_ranks(runs.calls);
  CheckResult res;
  res.problems = d.problems;
  if (session.rank() != 0) return res;
  if (d.handled < 40 || d.handled >= 200)
    res.problems.push_back(std::to_string(d.handled) + " records after cancelling at 40, "
                           "expected at least 40 and fewer than 200");
  for (const auto& [i, n] : d.times_seen)
    if (n != 1) res.problems.push_back("run " + std::to_string(i) + " arrived " +
                                       std::to_string(n) + " times");
  if (computed != d.handled)
    res.problems.push_back(std::to_string(computed) + " runs computed but " +
                           std::to_string(d.handled) + " handed to the handler: runs in flight "
                           "at the cancel were lost");
  res.note = std::to_string(d.handled) + " of 200 runs before stopping";
  return res;
}

// A handler that throws: rank 0 gets the exception after every rank is done; the other ranks
// return normally; the handler is not called again.
CheckResult handler_exception_reaches_rank0(const mpi::Session& session, int threads) {
  FakeRuns runs;
  runs.rank = session.rank();
  int calls = 0;
  auto handler = [&](RunRecord&&) {
    if (++calls == 30) throw std::runtime_error("disk full (fake)");
  };
  std::string caught;
  try {
    mpi::run_on_ranks(session, iota(200), threads, runs.function(), handler);
  } catch (const std::exception& e) {
    caught = e.what();
  }
  CheckResult res;
  if (session.rank() != 0) {
    if (!caught.empty()) res.problems.push_back("rank " + std::to_string(session.rank()) +
                                                " got the handler's exception: " + caught);
    return res;
  }
  if (caught != "disk full (fake)")
    res.problems.push_back("rank 0 caught \"" + caught + "\", expected \"disk full (fake)\"");
  if (calls != 30)
    res.problems.push_back("handler called " + std::to_string(calls) + " times, expected 30");
  return res;
}

CheckResult empty_sweep(const mpi::Session& session) {
  int calls = 0;
  FakeRuns runs;
  mpi::run_on_ranks(session, {}, 2, runs.function(), [&](RunRecord&&) { ++calls; });
  CheckResult res;
  if (calls != 0 || runs.calls != 0) res.problems.push_back("an empty sweep computed something");
  return res;
}

CheckResult collectives_agree(const mpi::Session& session) {
  CheckResult res;
  const int last = session.size() - 1;
  if (!mpi::all_ok(session, true)) res.problems.push_back("all_ok(true everywhere) is false");
  if (mpi::all_ok(session, session.rank() != last))
    res.problems.push_back("all_ok is true although rank " + std::to_string(last) + " said no");
  const std::string text = mpi::broadcast_from_root(
      session, session.rank() == 0 ? std::string("sweep.yaml: ok\n") + std::string(100000, 'x')
                                   : std::string("not this"));
  if (text != std::string("sweep.yaml: ok\n") + std::string(100000, 'x'))
    res.problems.push_back("broadcast_from_root gave rank " + std::to_string(session.rank()) +
                           " other text");
  mpi::barrier(session);
  if (!mpi::launched_by_mpirun())
    res.problems.push_back("launched_by_mpirun() is false under mpirun");
  if (!mpi::available()) res.problems.push_back("available() is false in the MPI build");
  return res;
}

// ---- timing ---------------------------------------------------------------------------------------

// Burns `ms` of this thread's CPU time: a fixed amount of work, whatever else shares the core.
void burn_cpu(double ms) {
  auto cpu_ms = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
  };
  const double end = cpu_ms() + ms;
  volatile double x = 1;
  while (cpu_ms() < end)
    for (int k = 0; k < 1000; ++k) x = x * 1.0000001 + 1e-9;
}

double cpu_seconds_of_process() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Besides the elapsed time, which other jobs on the machine inflate, reports per rank what the
// hand-out itself costs: CPU time beyond the runs' own (coordinator, messenger, MPI), and the
// time compute threads wait between runs (hand-out latency).
int bench(const mpi::Session& session, std::uint64_t n, double ms, int threads) {
  using clock = std::chrono::steady_clock;
  std::atomic<std::uint64_t> here{0};
  std::mutex mutex;
  double run_wall = 0, gaps = 0;  // s, summed over this rank's compute threads
  std::uint64_t gap_count = 0;
  auto run = [&](std::uint64_t i) {
    thread_local clock::time_point last_end{};
    const auto start = clock::now();
    ++here;
    burn_cpu(ms);
    const auto end = clock::now();
    {
      std::lock_guard<std::mutex> lock(mutex);
      run_wall += std::chrono::duration<double>(end - start).count();
      if (last_end != clock::time_point{}) {
        gaps += std::chrono::duration<double>(start - last_end).count();
        ++gap_count;
      }
    }
    last_end = end;
    RunRecord r = fake_result(i % 25 == 0 ? 1 : i);  // no 160 kB series: time the hand-out
    r.index = i;
    return r;
  };
  std::uint64_t handled = 0;
  mpi::barrier(session);
  const double cpu0 = cpu_seconds_of_process();
  const auto t0 = clock::now();
  mpi::run_on_ranks(session, iota(n), threads, run, [&](RunRecord&&) { ++handled; });
  const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
  const double cpu = cpu_seconds_of_process() - cpu0;

  // Per rank: runs, CPU beyond the runs (s), mean wait between runs (ms), run wall / run CPU.
  const double mine[4] = {static_cast<double>(here.load()),
                          cpu - static_cast<double>(here.load()) * ms / 1e3,
                          gap_count ? 1e3 * gaps / static_cast<double>(gap_count) : 0,
                          here.load() ? run_wall / (static_cast<double>(here.load()) * ms / 1e3) : 0};
  std::vector<double> all(4 * static_cast<std::size_t>(session.size()));
  MPI_Gather(mine, 4, MPI_DOUBLE, all.data(), 4, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (session.rank() == 0) {
    const double ideal = static_cast<double>(n) * ms / 1e3 / (session.size() * threads);
    std::printf("bench: %llu runs of %.0f ms CPU on %d rank(s) x %d thread(s): %.2f s, ideal "
                "%.2f s, efficiency %.1f %%\n",
                static_cast<unsigned long long>(n), ms, session.size(), threads, seconds, ideal,
                100 * ideal / seconds);
    for (int r = 0; r < session.size(); ++r) {
      const double* a = &all[4 * static_cast<std::size_t>(r)];
      std::printf("  rank %d: %3.0f runs, CPU beyond the runs %.3f s, mean wait between runs "
                  "%.2f ms, run wall/CPU %.2f\n",
                  r, a[0], a[1], a[2], a[3]);
    }
  }
  return handled == n || session.rank() != 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!mpi::launched_by_mpirun()) {
    std::fprintf(stderr, "magsim_mpi_check: run me under mpirun (e.g. mpirun -n 3 %s)\n",
                 argv[0]);
    return 1;
  }
  mpi::Session session;
  if (argc == 5 && std::string(argv[1]) == "--bench")
    return bench(session, std::strtoull(argv[2], nullptr, 10), std::atof(argv[3]),
                 std::atoi(argv[4]));

  // Runs 0..299 except those 1 mod 3, backwards: a resumed sweep's list of what is left.
  std::vector<std::uint64_t> resumed;
  for (std::uint64_t i = 300; i-- > 0;)
    if (i % 3 != 1) resumed.push_back(i);

  struct Check {
    const char* name;
    std::function<CheckResult()> run;
  };
  const std::vector<Check> checks = {
      {"MpiSweep.CollectivesAgreeOnEveryRank", [&] { return collectives_agree(session); }},
      {"MpiSweep.EveryRunArrivesOnceOneThreadPerRank",
       [&] { return every_run_arrives_once(session, 1, iota(200)); }},
      {"MpiSweep.EveryRunArrivesOnceTwoThreadsPerRank",
       [&] { return every_run_arrives_once(session, 2, iota(200)); }},
      {"MpiSweep.ResumedSubsetInAnyOrder", [&] { return every_run_arrives_once(session, 1, resumed); }},
      {"MpiSweep.CancelCollectsRunsInFlight", [&] { return cancel_collects_runs_in_flight(session, 1); }},
      {"MpiSweep.HandlerExceptionReachesRank0Only",
       [&] { return handler_exception_reaches_rank0(session, 2); }},
      // After an exception no message may be left over to confuse the next sweep.
      {"MpiSweep.EveryRunArrivesOnceAfterAFailedSweep",
       [&] { return every_run_arrives_once(session, 2, iota(200)); }},
      {"MpiSweep.EmptySweepReturnsOnEveryRank", [&] { return empty_sweep(session); }},
  };
  bool all_passed = true;
  for (const Check& c : checks) {
    const CheckResult r = c.run();
    for (const std::string& p : r.problems)
      std::fprintf(stderr, "%s: rank %d: %s\n", c.name, session.rank(), p.c_str());
    const bool passed = mpi::all_ok(session, r.problems.empty());
    all_passed = all_passed && passed;
    if (session.rank() == 0)
      std::printf("%-48s %s%s%s\n", c.name, passed ? "ok" : "FAILED", r.note.empty() ? "" : "  ",
                  r.note.c_str());
    std::fflush(stdout);
  }
  if (session.rank() == 0)
    std::printf("%d rank(s): %s\n", session.size(), all_passed ? "all checks passed" : "FAILED");
  return all_passed ? 0 : 1;
}
