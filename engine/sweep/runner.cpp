#include "engine/sweep/runner.hpp"

#include <exception>
#include <mutex>
#include <thread>

namespace magsim::engine::sweep {

void run_on_threads(const std::vector<std::uint64_t>& todo, int threads, const RunFunction& run,
                    const RecordHandler& handler, const std::atomic<bool>* cancel) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex handler_mutex;
  std::exception_ptr failure;
  auto worker = [&] {
    for (;;) {
      if (stop.load() || (cancel != nullptr && cancel->load())) return;
      const std::size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      RunRecord record = run(todo[k]);
      std::lock_guard<std::mutex> lock(handler_mutex);
      if (failure) return;
      try {
        handler(std::move(record));
      } catch (...) {
        failure = std::current_exception();
        stop.store(true);
        return;
      }
    }
  };
  const int n = threads < 1 ? 1 : threads;
  if (n == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t) pool.emplace_back(worker);
    for (auto& th : pool) th.join();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace magsim::engine::sweep
