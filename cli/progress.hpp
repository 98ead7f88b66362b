// Progress of a long run on stderr: a bar that redraws on a terminal, a plain line every ten
// seconds otherwise, nothing when quiet or when the run is over in under a second.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "app/simulate.hpp"

namespace magsim::cli {

class ProgressSink : public app::SampleSink {
 public:
  ProgressSink(double duration_h, bool quiet)
      : duration_h_(duration_h), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}
  void begin(const app::ModelInfo&) override { start_ = last_ = Clock::now(); }
  void sample(double t, const double*, const double*) override {
    if (quiet_) return;
    const auto now = Clock::now();
    const double since_start = seconds(now - start_);
    const double since_last = seconds(now - last_);
    if (since_start < 1.0 || since_last < (tty_ ? 0.2 : 10.0)) return;
    last_ = now;
    shown_ = true;
    const double done = t / duration_h_;
    const double eta = done > 0 ? since_start * (1 - done) / done : 0;
    if (tty_) {
      const int width = 30, filled = static_cast<int>(done * width);
      char bar[width + 1];
      for (int i = 0; i < width; ++i) bar[i] = i < filled ? '=' : ' ';
      bar[width] = '\0';
      std::fprintf(stderr, "\r[%s] %5.1f%%  t = %.1f d  eta %.0f s ", bar, 100 * done, t / 24,
                   eta);
    } else {
      std::fprintf(stderr, "progress: %.1f%% (t = %.1f d of %.1f d), eta %.0f s\n", 100 * done,
                   t / 24, duration_h_ / 24, eta);
    }
    std::fflush(stderr);
  }
  void end() override {
    if (shown_ && tty_) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  double duration_h_;
  bool quiet_;
  bool tty_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

}  // namespace magsim::cli
