// The envelope: periodicity detection on the timeline, strides over days, reconstruction.
#include "engine/solve/envelope.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

namespace magsim::engine {
namespace {

constexpr double kTimeTolH = 1e-7;
// A transient that shrinks by more than this a day is summed geometrically in a jump.
constexpr double kMaxDecay = 0.995;

struct DayChange {
  double offset_h;
  SeriesAction::Kind kind;
  int target;
  double amount;
};

bool same_change(const DayChange& a, const DayChange& b) {
  return std::abs(a.offset_h - b.offset_h) <= kTimeTolH && a.kind == b.kind &&
         a.target == b.target &&
         std::abs(a.amount - b.amount) <= 1e-12 * std::max(std::abs(a.amount), std::abs(b.amount));
}

bool same_day(const std::vector<DayChange>& a, const std::vector<DayChange>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_change(a[i], b[i])) return false;
  return true;
}

// A day whose rate and signal deltas do not sum to zero leaves the inputs changed for the next.
bool day_closes(const std::vector<DayChange>& day) {
  std::map<std::pair<int, int>, std::pair<double, double>> net;  // (kind, target) -> sum, sum |.|
  for (const auto& c : day) {
    if (c.kind == SeriesAction::Kind::Bolus) continue;
    auto& s = net[{static_cast<int>(c.kind), c.target}];
    s.first += c.amount;
    s.second += std::abs(c.amount);
  }
  for (const auto& [key, s] : net)
    if (std::abs(s.first) > 1e-12 * s.second) return false;
  return true;
}

// The time of day in the middle of the longest gap between the changes' times of day.
double day_start_phase(std::vector<double> phases) {
  if (phases.empty()) return 0.0;
  std::sort(phases.begin(), phases.end());
  double best_gap = phases.front() + kEnvelopePeriodH - phases.back();
  double start = std::fmod(phases.back() + 0.5 * best_gap, kEnvelopePeriodH);
  for (size_t i = 1; i < phases.size(); ++i) {
    const double gap = phases[i] - phases[i - 1];
    if (gap > best_gap) {
      best_gap = gap;
      start = phases[i - 1] + 0.5 * gap;
    }
  }
  return start;
}

// Samples of one exact day (time, outputs, state and the signals in force): recorded, and
// passed on to the run's sink unless held back.
class DayRecorder : public SampleSink {
 public:
  DayRecorder(EnvelopeHost& host, size_t n_outputs, size_t n_states, size_t n_signals)
      : host_(host), ny_(n_outputs), nx_(n_states), ns_(n_signals) {}
  void start(double day_start_h, bool hold) {
    day_start_ = day_start_h;
    hold_ = hold;
    t_.clear();
    y_.clear();
    x_.clear();
    u_.clear();
    index_.clear();
  }
  void begin(const ModelInfo&) override {}
  void sample(double t, const double* y, const double* x) override {
    t_.push_back(t);
    y_.insert(y_.end(), y, y + ny_);
    x_.insert(x_.end(), x, x + nx_);
    const auto& u = host_.signals();
    u_.insert(u_.end(), u.begin(), u.begin() + static_cast<std::ptrdiff_t>(ns_));
    index_.emplace_back(phase(t - day_start_), t_.size() - 1);
    if (!hold_) host_.run_sink().sample(t, y, x);
  }
  void release() {
    for (size_t k = 0; k < t_.size(); ++k) host_.run_sink().sample(t_[k], &y_[k * ny_], &x_[k * nx_]);
    hold_ = false;
  }
  void finish() { std::sort(index_.begin(), index_.end()); }
  // The recorded sample at this time of day nearest to `t` (-1: none).
  long at_phase(double phase_h, double t) const {
    auto it = std::lower_bound(index_.begin(), index_.end(),
                               std::make_pair(phase_h - kTimeTolH, size_t{0}));
    long best = -1;
    for (; it != index_.end() && it->first <= phase_h + kTimeTolH; ++it)
      if (best < 0 || std::abs(t_[it->second] - t) < std::abs(t_[static_cast<size_t>(best)] - t))
        best = static_cast<long>(it->second);
    return best;
  }
  double time(long k) const { return t_[static_cast<size_t>(k)]; }
  const double* state(long k) const { return &x_[static_cast<size_t>(k) * nx_]; }
  const double* signals(long k) const { return &u_[static_cast<size_t>(k) * ns_]; }
  static double phase(double since_day_start_h) {
    double p = std::fmod(since_day_start_h, kEnvelopePeriodH);
    if (p < 0) p += kEnvelopePeriodH;
    if (kEnvelopePeriodH - p <= kTimeTolH) p = 0;
    return p;
  }

 private:
  EnvelopeHost& host_;
  size_t ny_, nx_, ns_;
  double day_start_ = 0;
  bool hold_ = false;
  std::vector<double> t_, y_, x_, u_;
  std::vector<std::pair<double, size_t>> index_;  // (time of day since the day start, sample)
};

// The day-to-day model behind a jump. From the last three daily increments of the day-start
// state, g_a, g_b, g (oldest first), and their changes D1 = g_b - g_a, D = g - g_b: the increment
// is a slow drift plus a transient that shrinks by rho a day (the part of the state that a jump
// or the start put off the periodic orbit), rho = <D, D1> / <D1, D1> in the integrator's norm;
// the increments ahead are then g + D (rho + ... + rho^j). Without such a transient (rho
// outside (0, kMaxDecay)) rho is taken as 1: the drift's increments grow by D a day, the
// second-order extrapolation. q days ahead the state has moved by q g + curvature(q) D, the same
// coefficients for every state, so a jump keeps any linear invariant of the day map exactly.
struct DayModel {
  double rho = 1;
  // sum_{m=1..q} sum_{j=1..m} rho^j
  double curvature(long q) const {
    double total = 0, power = 1, inner = 0;
    for (long m = 1; m <= q; ++m) {
      power *= rho;
      inner += power;
      total += inner;
    }
    return total;
  }
};

class WindowStepper {
 public:
  WindowStepper(EnvelopeHost& host, const ModelInfo& info, const Problem& problem,
                EnvelopeStats& stats)
      : host_(host),
        info_(info),
        problem_(problem),
        stats_(stats),
        recorders_(4, DayRecorder(host, info.outputs.size(), info.states.size(),
                                  info.signals.size())) {
    for (size_t i = 0; i < 3; ++i) days_[i] = &recorders_[i];
    landing_ = &recorders_[3];
  }

  void run(const PeriodicWindow& w, std::vector<double>& x);

 private:
  double day(long k) const { return from_ + kEnvelopePeriodH * static_cast<double>(k); }
  void exact_day(long k, std::vector<double>& x, DayRecorder& rec, bool hold) {
    rec.start(day(k), hold);
    host_.redirect_samples(&rec);
    host_.integrate_exact(x, day(k), day(k + 1));
    host_.redirect_samples(nullptr);
    rec.finish();
    ++stats_.exact_days;
  }
  double weighted(double d, const std::vector<double>& x, size_t i) const;
  void reconstruct(const std::vector<double>& times, double origin, long span_days,
                   const DayModel& model);

  EnvelopeHost& host_;
  const ModelInfo& info_;
  const Problem& problem_;
  EnvelopeStats& stats_;
  // The last three exact days (newest first), and the first exact day after a jump.
  std::vector<DayRecorder> recorders_;
  DayRecorder* days_[3] = {};
  DayRecorder* landing_ = nullptr;
  // The recorder for the next exact day: the oldest one moves to the front.
  DayRecorder& next_day() {
    std::rotate(days_, days_ + 2, days_ + 3);
    return *days_[0];
  }
  double from_ = 0;
};

// |d| / (atol + rtol |x_i|), both in the integrator's scaling (x / scale).
double WindowStepper::weighted(double d, const std::vector<double>& x, size_t i) const {
  const double scale = info_.states[i].scale > 0 ? info_.states[i].scale : 1.0;
  return std::abs(d) / scale / (problem_.solver.atol + problem_.solver.rtol * std::abs(x[i]) / scale);
}

// Samples on skipped days. The exact day before the jump (a) starts at `origin` with the state
// x1, the first exact day after it (b) `span_days` later; the day model puts day i's start at
// x1 + i g + curvature(i - 1) D. A sample at the time of day of a's sample at day ia and b's at
// day ib (ia < i < ib) is the blend (1 - s) a + s b, s = (i - ia) / (ib - ia), plus how far the
// model's path bends away from the straight line between them (the g terms cancel), with the
// change of the increments at that time of day, from a and the two exact days before it, in
// place of D. Its outputs are the model's, with the signals of a's sample.
void WindowStepper::reconstruct(const std::vector<double>& times, double origin, long span_days,
                                const DayModel& model) {
  const size_t nx = info_.states.size();
  std::vector<double> bend(static_cast<size_t>(span_days) + 1, 0.0);  // curvature(i - 1)
  for (long i = 1; i <= span_days; ++i) bend[static_cast<size_t>(i)] = model.curvature(i - 1);
  std::vector<double> y(info_.outputs.size()), xs(nx);
  const DayRecorder& a = *days_[0];
  const DayRecorder& a1 = *days_[1];
  const DayRecorder& a2 = *days_[2];
  const DayRecorder& b = *landing_;
  auto day_of = [&](double t) {
    return std::clamp(std::lround(std::floor((t - origin) / kEnvelopePeriodH + 1e-9)), 0L, span_days);
  };
  for (double t : times) {
    const double phase = DayRecorder::phase(t - from_);
    const long ka = a.at_phase(phase, t), kb = b.at_phase(phase, t);
    const long ka1 = ka < 0 ? -1 : a1.at_phase(phase, a.time(ka) - kEnvelopePeriodH);
    const long ka2 = ka < 0 ? -1 : a2.at_phase(phase, a.time(ka) - 2 * kEnvelopePeriodH);
    if (ka < 0 || kb < 0 || ka1 < 0 || ka2 < 0)
      throw std::logic_error("envelope: no exact sample at " + std::to_string(phase) +
                             " h into the day to reconstruct t = " + std::to_string(t) + " h from");
    const long ia = day_of(a.time(ka)), ib = day_of(b.time(kb)), i = day_of(t);
    const double s = static_cast<double>(i - ia) / static_cast<double>(ib - ia);
    const auto at = [&](long j) { return bend[static_cast<size_t>(j)]; };
    // The change of increments at this time of day ends at day ia; D ends at day 1.
    const double c = (at(i) - (1 - s) * at(ia) - s * at(ib)) * std::pow(model.rho, 1 - ia);
    const double *xa = a.state(ka), *xa1 = a1.state(ka1), *xa2 = a2.state(ka2), *xb = b.state(kb);
    for (size_t j = 0; j < nx; ++j)
      xs[j] = (1 - s) * xa[j] + s * xb[j] + c * (xa[j] - 2 * xa1[j] + xa2[j]);
    host_.outputs(t, xs.data(), a.signals(ka), y.data());
    host_.run_sink().sample_reconstructed(t, y.data(), xs.data());
    ++stats_.reconstructed_samples;
  }
}

void WindowStepper::run(const PeriodicWindow& w, std::vector<double>& x) {
  from_ = w.from_h;
  const long days = w.days();
  const size_t n = x.size();
  // x3, x2, x1: the states at the three day starts before x's, linked to it by exact days.
  std::vector<double> x3(n), x2(n), x1(n), g(n), d1(n), d(n), r(n), landing(n);
  int chain = 0;  // exact days in a row behind x
  long last_stride = 4;
  long k = 0;
  while (k < days) {
    if (chain >= 3) {
      // The day model (DayModel) from the last three increments; what it leaves unexplained,
      // r = D - rho D1 (or D itself when rho = 1), is taken as curvature of the drift that the
      // jump misses: the error estimate of a jump over H days is H (H + 1) / 2 |r|, the
      // difference between a first- and a second-order extrapolation of it, in the
      // integrator's norm (atol + rtol |x| on x / scale), and must stay below kEnvelopeJumpTolerance.
      double dd = 0, d1d = 0;
      for (size_t i = 0; i < n; ++i) {
        const double gb = x1[i] - x2[i], ga = x2[i] - x3[i];
        g[i] = x[i] - x1[i];
        d1[i] = gb - ga;
        d[i] = g[i] - gb;
        const double w2 = std::pow(weighted(1.0, x, i), 2);
        dd += d1[i] * d1[i] * w2;
        d1d += d1[i] * d[i] * w2;
      }
      DayModel model;
      const double rho = dd > 0 ? d1d / dd : 0.0;
      if (rho > 0 && rho < kMaxDecay) model.rho = rho;
      double e = 0;
      for (size_t i = 0; i < n; ++i)
        e = std::max(e, weighted(model.rho < 1 ? d[i] - rho * d1[i] : d[i], x, i));
      long h = kEnvelopeMaxStrideDays;
      if (e > 1e-12) h = std::lround(std::floor((std::sqrt(1 + 8 * kEnvelopeJumpTolerance / e) - 1) / 2));
      h = std::min({h, 2 * last_stride, kEnvelopeMaxStrideDays, days - k - 2});
      // A jump that would take an amount clearly below zero (below what the integrator lets
      // pass, -max(1e-6, 10 atol) x scale) is halved until it does not.
      for (; h >= 2; h /= 2) {
        const auto hd = static_cast<double>(h);
        const double bend = model.curvature(h);
        bool negative = false;
        for (size_t i = 0; i < n; ++i) {
          landing[i] = x[i] + hd * g[i] + bend * d[i];
          const auto& state = info_.states[i];
          const double floor =
              -std::max(1e-6, 10 * problem_.solver.atol) * (state.scale > 0 ? state.scale : 1.0);
          if (landing[i] < floor && state.kind == StateKind::Dynamic && !state.signed_value)
            negative = true;
        }
        if (!negative) break;
      }
      if (h >= 2) {
        const auto hd = static_cast<double>(h);
        stats_.max_error_estimate =
            std::max(stats_.max_error_estimate, 0.5 * hd * (hd + 1) * e / kEnvelopeJumpTolerance);
        host_.skip_timeline(day(k), day(k + h));
        std::vector<double> skipped;
        while (host_.next_sample() < day(k + h) - kTimeTolH) {
          skipped.push_back(host_.next_sample());
          host_.advance_sample();
        }
        x = landing;
        exact_day(k + h, x, *landing_, true);
        reconstruct(skipped, day(k - 1), h + 1, model);
        landing_->release();
        // The landing day is now the newest exact day; the oldest recorder is free.
        std::swap(landing_, days_[2]);
        std::rotate(days_, days_ + 2, days_ + 3);
        ++stats_.strides;
        stats_.skipped_days += h;
        last_stride = h;
        // The landing day lets what the jump put off the slow orbit (the fast, within-day part
        // of the state) relax; the differences for the next jump start after it.
        k += h + 1;
        chain = 0;
        continue;
      }
    }
    x3.swap(x2);
    x2.swap(x1);
    x1 = x;
    exact_day(k, x, next_day(), false);
    ++k;
    ++chain;
  }
}

}  // namespace

long PeriodicWindow::days() const {
  return std::lround((to_h - from_h) / kEnvelopePeriodH);
}

std::vector<PeriodicWindow> periodic_windows(const Schedule& schedule, double from_h, double to_h,
                                             int min_days) {
  std::vector<TimelineChange> changes;
  std::vector<double> phases;
  for_each_change(schedule, [&](const TimelineChange& c) {
    if (c.time_h >= from_h && c.time_h < to_h) {
      changes.push_back(c);
      phases.push_back(DayRecorder::phase(c.time_h));
    }
  });
  const double start_phase = day_start_phase(std::move(phases));
  double day0 = start_phase + kEnvelopePeriodH * std::ceil((from_h - start_phase) / kEnvelopePeriodH);
  if (day0 < from_h) day0 += kEnvelopePeriodH;

  std::vector<PeriodicWindow> windows;
  std::vector<DayChange> previous, current;
  bool previous_valid = false;
  double run_from = day0;
  long run_days = 0;
  auto close_run = [&](double end) {
    if (run_days >= min_days) windows.push_back({run_from, end});
    run_days = 0;
  };
  size_t next = 0;
  while (next < changes.size() && changes[next].time_h < day0) ++next;
  for (double d = day0; d + kEnvelopePeriodH <= to_h; d += kEnvelopePeriodH) {
    const double end = d + kEnvelopePeriodH;
    current.clear();
    for (; next < changes.size() && changes[next].time_h < end; ++next)
      current.push_back({changes[next].time_h - d, changes[next].kind, changes[next].target,
                         changes[next].amount});
    const bool closes = day_closes(current);
    if (closes && previous_valid && same_day(current, previous)) {
      ++run_days;
    } else {
      close_run(d);
      if (closes) {
        run_from = d;
        run_days = 1;
      }
    }
    previous_valid = closes;
    previous.swap(current);
  }
  if (run_days > 0) close_run(run_from + kEnvelopePeriodH * static_cast<double>(run_days));
  return windows;
}

bool envelope_output_compatible(const Problem& problem) {
  const double per_day = kEnvelopePeriodH / problem.output_interval_h;
  return problem.output_interval_h <= kEnvelopePeriodH &&
         std::abs(per_day - std::round(per_day)) <= 1e-9 * per_day;
}

EnvelopeStats envelope_integrate(EnvelopeHost& host, const ModelInfo& info,
                                 const Problem& problem, std::vector<double>& x, double from,
                                 double to) {
  EnvelopeStats stats;
  std::vector<PeriodicWindow> windows;
  // A day with output at an extra time is left out of its window (the reconstruction has no
  // exact day with a sample at that time of day), splitting it in two.
  std::vector<double> extra = problem.output_times_h;
  std::sort(extra.begin(), extra.end());
  if (envelope_output_compatible(problem))
    for (const auto& w : periodic_windows(problem.schedule, from, to)) {
      double start = w.from_h;
      auto keep = [&](double end) {
        if (PeriodicWindow{start, end}.days() >= kEnvelopeMinDays) windows.push_back({start, end});
      };
      for (auto it = std::upper_bound(extra.begin(), extra.end(), w.from_h);
           it != extra.end() && *it < w.to_h; ++it) {
        const double day_start =
            w.from_h + kEnvelopePeriodH * std::floor((*it - w.from_h) / kEnvelopePeriodH);
        if (day_start + kEnvelopePeriodH <= start) continue;  // that day is already left out
        keep(std::max(start, day_start));
        start = day_start + kEnvelopePeriodH;
      }
      keep(w.to_h);
    }
  WindowStepper stepper(host, info, problem, stats);
  double t = from;
  for (const auto& w : windows) {
    if (w.from_h > t) host.integrate_exact(x, t, w.from_h);
    stepper.run(w, x);
    t = w.to_h;
    ++stats.windows;
  }
  if (t < to) host.integrate_exact(x, t, to);
  return stats;
}

}  // namespace magsim::engine
