#include "engine/sweep/mpi/sweep_mpi.hpp"

// Only the C API: Open MPI's and MPICH's mpi.h otherwise pull in the deprecated C++ bindings,
// which need a library (libmpi_cxx) that MPI::MPI_C does not link.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace magsim::engine::sweep::mpi {

struct Session::Impl {
  MPI_Comm comm = MPI_COMM_NULL;  // our own copy of MPI_COMM_WORLD: our tags meet no one else's
  int rank = 0;
  int size = 1;
  int uncaught_at_start = 0;      // std::uncaught_exceptions() when the Session was made
};

namespace {

// The protocol between rank 0 and the other ranks, one message per arrow:
//   worker -> 0   kRequest  (empty)    a compute thread is free; answered by kAssign or kStop
//   worker -> 0   kRecord   (bytes)    encode_record of a finished run
//   worker -> 0   kDone     (empty)    last message: all threads stopped, all records sent
//   0 -> worker   kAssign   (uint64)   the index to compute next
//   0 -> worker   kStop     (empty)    nothing more to compute, now and for ever
// MPI keeps the order of the messages from one rank to another, so when rank 0 sees a worker's
// kDone it has seen all that worker's records.
enum Tag : int { kRequest = 1, kRecord = 2, kDone = 3, kAssign = 4, kStop = 5 };

// How long a thread waiting for MPI sleeps between polls: short at first (an answer or the next
// message often follows soon), then longer, up to 1 ms. At most 1 ms of hand-over latency costs a
// run of 50 ms about 2 %; each poll costs some 20 us of CPU. Open MPI's blocking calls (MPI_Recv,
// MPI_Wait, collectives) busy-poll instead, which on a machine with as many ranks as cores would
// take a core from the runs.
class Backoff {
 public:
  // Each sleep is `growth` times the previous one.
  explicit Backoff(double growth = 2) : growth_(growth) {}
  std::chrono::microseconds next() {
    const double d = delay_us_;
    delay_us_ = std::min(delay_us_ * growth_, kLongestUs);
    return std::chrono::microseconds(static_cast<long>(d));
  }
  void reset() { delay_us_ = kShortestUs; }

 private:
  static constexpr double kShortestUs = 50;
  static constexpr double kLongestUs = 1000;
  double growth_;
  double delay_us_ = kShortestUs;
};

void wait_politely(MPI_Request& request) {
  Backoff backoff;
  for (;;) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(backoff.next());
  }
}

// Non-blocking sends whose buffers live until MPI is done with them. A blocking MPI_Send of a
// large record would wait (spinning) until rank 0 gets round to receiving it.
class PendingSends {
 public:
  explicit PendingSends(MPI_Comm comm) : comm_(comm) {}
  PendingSends(const PendingSends&) = delete;
  PendingSends& operator=(const PendingSends&) = delete;
  ~PendingSends() { wait_all(); }  // MPI may still read the buffers

  void send_bytes(int dest, Tag tag, std::string bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
      throw std::runtime_error("MPI sweep: a record of " + std::to_string(bytes.size()) +
                               " bytes is too large to send (limit 2 GiB)");
    Pending& p = pending_.emplace_back();  // std::list: the buffer does not move
    p.bytes = std::move(bytes);
    MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, dest, tag, comm_,
              &p.request);
  }
  void send_index(int dest, Tag tag, std::uint64_t index) {
    Pending& p = pending_.emplace_back();
    p.index = index;
    MPI_Isend(&p.index, 1, MPI_UINT64_T, dest, tag, comm_, &p.request);
  }
  // Lets MPI move data along and forgets the sends that completed.
  void progress() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? pending_.erase(it) : std::next(it);
    }
  }
  bool empty() const { return pending_.empty(); }
  void wait_all() {
    Backoff backoff;
    for (;;) {
      progress();
      if (pending_.empty()) return;
      std::this_thread::sleep_for(backoff.next());
    }
  }

 private:
  struct Pending {
    MPI_Request request = MPI_REQUEST_NULL;
    std::string bytes;
    std::uint64_t index = 0;
  };
  MPI_Comm comm_;
  std::list<Pending> pending_;
};

void receive_empty(MPI_Comm comm, int source, int tag) {
  // Already arrived (probed), so this returns at once.
  MPI_Recv(nullptr, 0, MPI_BYTE, source, tag, comm, MPI_STATUS_IGNORE);
}

std::string receive_bytes(MPI_Comm comm, const MPI_Status& probed) {
  int count = 0;
  MPI_Get_count(&probed, MPI_BYTE, &count);
  std::string bytes(static_cast<std::size_t>(std::max(count, 0)), '\0');
  // A large record may still be on its way (rendezvous protocol): wait for it without spinning.
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Irecv(bytes.data(), count, MPI_BYTE, probed.MPI_SOURCE, probed.MPI_TAG, comm, &request);
  wait_politely(request);
  return bytes;
}

// The RunFunction contract says a run does not throw. If one does anyway, this rank cannot keep
// its part of the protocol (rank 0 would wait for that record for ever), so it stops the job
// loudly instead: an aborted process makes mpirun end every rank.
RunRecord call_run(const RunFunction& run, std::uint64_t index, int rank) {
  const char* what = "an exception that is not a std::exception";
  try {
    return run(index);
  } catch (const std::exception& e) {
    what = e.what();
    std::fprintf(stderr, "magsim: rank %d: run %llu threw \"%s\"; a run must return a failed "
                 "record instead. Aborting every rank.\n",
                 rank, static_cast<unsigned long long>(index), what);
  } catch (...) {
    std::fprintf(stderr, "magsim: rank %d: run %llu threw %s; aborting every rank.\n", rank,
                 static_cast<unsigned long long>(index), what);
  }
  std::fflush(stderr);
  std::abort();
}

// Joins the extra compute threads when the calling thread leaves, normally or not, after
// telling them to stop (so that an unexpected exception cannot leave joinable threads behind,
// which would call std::terminate).
class ThreadPool {
 public:
  explicit ThreadPool(std::function<void()> stop) : stop_(std::move(stop)) {}
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() {
    stop_();
    for (auto& t : threads_) t.join();
  }
  template <class F>
  void start(int n, F f) {
    for (int i = 0; i < n; ++i) threads_.emplace_back(f);
  }

 private:
  std::function<void()> stop_;
  std::vector<std::thread> threads_;
};

// ---- rank 0 -------------------------------------------------------------------------------------

// Rank 0's calling thread coordinates: it answers the other ranks' requests from the same list
// its own compute threads take from, receives their records, and hands every record, its own
// threads' ones included, to the handler. Its compute threads take indices directly (a mutex, no
// messages) and queue their records for it.
void coordinate(const Session::Impl& s, const std::vector<std::uint64_t>& todo, int threads,
                const RunFunction& run, const RecordHandler& handler,
                const std::atomic<bool>* cancel) {
  std::mutex mutex;
  std::condition_variable records_ready;  // compute threads -> coordinator
  std::size_t next = 0;                   // position in todo of the next run to hand out
  bool closed = false;                    // no run is handed out any more
  bool stopping = false;                  // the handler failed
  std::deque<RunRecord> inbox;            // finished on this rank, not yet handled
  int live = threads;                     // compute threads of this rank still running

  // Under `mutex`. Once it returns false it always does: a worker rank that got kStop has let its
  // threads go, so it must never be offered a run again.
  auto take_next = [&](std::uint64_t& index) {
    if (!closed && (stopping || (cancel != nullptr && cancel->load()) || next >= todo.size()))
      closed = true;
    if (closed) return false;
    index = todo[next++];
    return true;
  };

  ThreadPool pool([&] {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  });
  pool.start(threads, [&] {
    for (;;) {
      std::uint64_t index = 0;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!take_next(index)) break;
      }
      RunRecord record = call_run(run, index, s.rank);
      std::lock_guard<std::mutex> lock(mutex);
      inbox.push_back(std::move(record));
      records_ready.notify_one();
    }
    std::lock_guard<std::mutex> lock(mutex);
    --live;
    records_ready.notify_one();
  });

  std::exception_ptr failure;
  auto fail = [&](std::exception_ptr e) {
    if (!failure) failure = std::move(e);
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  };
  auto deliver = [&](RunRecord&& record) {
    if (failure) return;  // after a handler failure the remaining records are dropped
    try {
      handler(std::move(record));
    } catch (...) {
      fail(std::current_exception());
    }
  };

  const int workers = s.size - 1;
  int workers_done = 0;
  std::uint64_t sent_out = 0, came_back = 0;  // runs handed to / records received from workers
  bool local_done = false;
  PendingSends sends(s.comm);
  Backoff backoff;
  for (;;) {
    std::deque<RunRecord> finished;
    {
      std::unique_lock<std::mutex> lock(mutex);
      auto ready = [&] { return !inbox.empty() || (live == 0 && !local_done); };
      // Alone, there is nothing to poll: sleep until a compute thread has something.
      if (workers > 0)
        records_ready.wait_for(lock, backoff.next(), ready);
      else
        records_ready.wait(lock, ready);
      finished.swap(inbox);
      local_done = live == 0;  // then `inbox` stays empty: nobody is left to fill it
    }
    bool activity = !finished.empty();
    for (RunRecord& r : finished) deliver(std::move(r));

    while (workers > 0) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, s.comm, &flag, &status);
      if (!flag) break;
      activity = true;
      const int source = status.MPI_SOURCE;
      switch (status.MPI_TAG) {
        case kRequest: {
          receive_empty(s.comm, source, kRequest);
          std::uint64_t index = 0;
          bool got = false;
          {
            std::lock_guard<std::mutex> lock(mutex);
            got = take_next(index);
          }
          if (got) {
            sends.send_index(source, kAssign, index);
            ++sent_out;
          } else {
            sends.send_bytes(source, kStop, {});
          }
          break;
        }
        case kRecord: {
          const std::string bytes = receive_bytes(s.comm, status);
          ++came_back;
          RunRecord record;
          try {
            record = decode_record(bytes);
          } catch (const std::exception& e) {
            fail(std::make_exception_ptr(std::runtime_error(
                "MPI sweep: the record from rank " + std::to_string(source) +
                " cannot be read: " + e.what())));
            break;
          }
          deliver(std::move(record));
          break;
        }
        case kDone:
          receive_empty(s.comm, source, kDone);
          ++workers_done;
          break;
        default:
          // Only this file sends on this communicator; another tag is a bug here.
          std::fprintf(stderr, "magsim: MPI sweep: unexpected message (tag %d) from rank %d\n",
                       status.MPI_TAG, source);
          MPI_Abort(s.comm, 1);
      }
    }
    sends.progress();
    if (local_done && workers_done == workers) break;
    if (activity) backoff.reset();
  }
  sends.wait_all();
  if (sent_out != came_back && !failure)
    throw std::logic_error("MPI sweep: " + std::to_string(sent_out) + " runs handed out, " +
                           std::to_string(came_back) + " came back");
  if (failure) std::rethrow_exception(failure);
}

// ---- ranks > 0 ----------------------------------------------------------------------------------

// A worker rank has no messenger thread: each compute thread, the calling one included, sends
// its finished record and its request for the next index itself and polls for the answer, taking
// turns at MPI under a mutex (what MPI_THREAD_SERIALIZED asks). A thread takes whichever answer
// comes first, its own or another's: answers are interchangeable, and each thread sends one
// request and takes one answer, so none is left over. Compared with a messenger this saves two
// thread wake-ups per run, which on a busy machine can each wait milliseconds for a core.
void work(const Session::Impl& s, int threads, const RunFunction& run) {
  std::mutex mpi_turn;
  PendingSends sends(s.comm);  // under mpi_turn
  bool stopped = false;        // rank 0 answered kStop; under mpi_turn

  // The next index to compute, or none once rank 0 says stop.
  auto await_answer = [&]() -> std::optional<std::uint64_t> {
    // Rank 0 answers within about its poll interval, and this thread has nothing else to do:
    // poll often at first, backing off slowly (rank 0 may be busy in the handler).
    Backoff backoff(1.25);
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mpi_turn);
        sends.progress();
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(0, MPI_ANY_TAG, s.comm, &flag, &status);
        if (flag && status.MPI_TAG == kAssign) {
          std::uint64_t index = 0;
          MPI_Recv(&index, 1, MPI_UINT64_T, 0, kAssign, s.comm, MPI_STATUS_IGNORE);
          return index;
        }
        if (flag) {
          receive_empty(s.comm, 0, status.MPI_TAG);
          stopped = true;
          return std::nullopt;
        }
      }
      std::this_thread::sleep_for(backoff.next());
    }
  };
  auto compute = [&] {
    std::string record;  // the last run's, not yet sent
    bool have_record = false;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mpi_turn);
        // Record before request: rank 0 then has a thread's record before its next request.
        if (have_record) sends.send_bytes(0, kRecord, std::move(record));
        if (stopped) return;
        sends.send_bytes(0, kRequest, {});
      }
      const std::optional<std::uint64_t> index = await_answer();
      if (!index) return;
      record = encode_record(call_run(run, *index, s.rank));
      have_record = true;
    }
  };
  {
    ThreadPool pool([] {});  // the threads stop when rank 0 says so
    pool.start(threads - 1, compute);
    compute();
  }
  // All threads have sent their records and taken their answers: nothing more will come or go.
  sends.send_bytes(0, kDone, {});
  sends.wait_all();
}

}  // namespace

bool available() { return true; }

Session::Session() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized || finalized)
    throw std::runtime_error("MPI was already initialized in this process (one mpi::Session per "
                             "process, ever)");
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    throw std::runtime_error(
        "the MPI library provides thread support level " + std::to_string(provided) +
        ", magsim needs MPI_THREAD_SERIALIZED (" + std::to_string(MPI_THREAD_SERIALIZED) +
        "): its compute threads run beside the thread that talks to MPI");
  }
  impl_ = std::make_unique<Impl>();
  MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm);
  MPI_Comm_rank(impl_->comm, &impl_->rank);
  MPI_Comm_size(impl_->comm, &impl_->size);
  impl_->uncaught_at_start = std::uncaught_exceptions();
}

Session::~Session() {
  if (std::uncaught_exceptions() > impl_->uncaught_at_start && impl_->size > 1) {
    std::fprintf(stderr, "magsim: rank %d: an error ended this rank's part of the job; ending "
                 "every rank (MPI_Abort)\n", impl_->rank);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  // MPI_Finalize synchronizes the ranks too, but possibly by spinning, while rank 0 may still be
  // writing a file for a while.
  barrier(*this);
  MPI_Comm_free(&impl_->comm);
  MPI_Finalize();
}

int Session::rank() const { return impl_->rank; }
int Session::size() const { return impl_->size; }

void run_on_ranks(const Session& session, const std::vector<std::uint64_t>& todo,
                  int threads_per_rank, const RunFunction& run, const RecordHandler& handler,
                  const std::atomic<bool>* cancel) {
  const int threads = std::max(threads_per_rank, 1);
  if (session.rank() == 0)
    coordinate(session.impl(), todo, threads, run, handler, cancel);
  else
    work(session.impl(), threads, run);
}

bool all_ok(const Session& session, bool ok) {
  int mine = ok ? 1 : 0, all = 0;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Iallreduce(&mine, &all, 1, MPI_INT, MPI_LAND, session.impl().comm, &request);
  wait_politely(request);
  return all != 0;
}

std::string broadcast_from_root(const Session& session, const std::string& text) {
  const MPI_Comm comm = session.impl().comm;
  std::uint64_t size = session.rank() == 0 ? text.size() : 0;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibcast(&size, 1, MPI_UINT64_T, 0, comm, &request);
  wait_politely(request);
  if (size > static_cast<std::uint64_t>(INT_MAX))
    throw std::runtime_error("broadcast_from_root: text of " + std::to_string(size) +
                             " bytes is too large (limit 2 GiB)");
  std::string out = session.rank() == 0 ? text : std::string(size, '\0');
  MPI_Ibcast(out.data(), static_cast<int>(size), MPI_BYTE, 0, comm, &request);
  wait_politely(request);
  return out;
}

void barrier(const Session& session) {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(session.impl().comm, &request);
  wait_politely(request);
}

}  // namespace magsim::engine::sweep::mpi
