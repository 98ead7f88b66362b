#include "engine/model/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace magsim::engine {
namespace {

constexpr const char* kTooFine = "a regimen repeats faster than time can be told apart at its start";

}  // namespace

OccurrenceCursor::OccurrenceCursor(Occurrences occurrences) : o_(std::move(occurrences)) {
  const Occurrences& o = o_;
  daily_lo_ = std::max(o.daily_from_h, o.from_h);
  daily_hi_ = std::min(o.daily_to_h, o.to_h);
  if (!o.times_of_day_h.empty() && daily_hi_ > daily_lo_) {
    first_midnight_ = std::floor(daily_lo_ / 24.0) * 24.0;
    daily_ = daily_time();
    while (daily_ < daily_lo_) step_daily();
    if (daily_ >= daily_hi_) daily_ = kNoTime;
  }
  every_hi_ = std::min(o.every_to_h, o.to_h);
  if (o.every_h > 0 && std::isfinite(o.every_h)) {
    // The first k with every_from + k every >= from, found without stepping there.
    const double skip = std::ceil((o.from_h - o.every_from_h) / o.every_h);
    period_ = skip > 0 ? skip : 0;
    every_ = periodic_time();
    for (int k = 0; every_ < o.from_h; ++k) {
      if (k == 4) throw std::invalid_argument(kTooFine);
      every_ = (period_ += 1, periodic_time());
    }
    if (every_ >= every_hi_) every_ = kNoTime;
  }
  while (at_index_ < o.at_h.size() && o.at_h[at_index_] < o.from_h) ++at_index_;
  single_ = single_time();
}

double OccurrenceCursor::peek() const { return std::min({daily_, every_, single_}); }

void OccurrenceCursor::advance() {
  const double t = peek();
  if (daily_ == t) {
    step_daily();
    if (daily_ >= daily_hi_) daily_ = kNoTime;
  } else if (every_ == t) {
    period_ += 1;
    every_ = periodic_time();
    // A period below the resolution of doubles at this time would repeat one time forever.
    if (!(every_ > t)) throw std::invalid_argument(kTooFine);
    if (every_ >= every_hi_) every_ = kNoTime;
  } else if (single_ == t) {
    ++at_index_;
    single_ = single_time();
  }
}

double OccurrenceCursor::daily_time() const {
  return first_midnight_ + 24.0 * day_ + o_.times_of_day_h[tod_];
}
void OccurrenceCursor::step_daily() {
  if (++tod_ == o_.times_of_day_h.size()) tod_ = 0, day_ += 1;
  daily_ = daily_time();
}
double OccurrenceCursor::periodic_time() const { return o_.every_from_h + period_ * o_.every_h; }
double OccurrenceCursor::single_time() const {
  if (at_index_ >= o_.at_h.size() || !(o_.at_h[at_index_] < o_.to_h)) return kNoTime;
  return o_.at_h[at_index_];
}

namespace {

// The single changes in time order: 4-byte references into the schedule's lists.
class SingleChanges {
 public:
  enum Kind : uint32_t { kBolus = 0, kRate = 1, kSignal = 2 };
  explicit SingleChanges(const Schedule& s) : s_(&s) {
    order_.reserve(s.boluses.size() + s.rate_steps.size() + s.signal_steps.size());
    for (size_t i = 0; i < s.boluses.size(); ++i) order_.push_back(encode(kBolus, i));
    for (size_t i = 0; i < s.rate_steps.size(); ++i) order_.push_back(encode(kRate, i));
    for (size_t i = 0; i < s.signal_steps.size(); ++i) order_.push_back(encode(kSignal, i));
    std::stable_sort(order_.begin(), order_.end(),
                     [&](uint32_t a, uint32_t b) { return time(a) < time(b); });
  }
  double peek() const { return next_ < order_.size() ? time(order_[next_]) : kNoTime; }
  TimelineChange pop() {
    const uint32_t code = order_[next_++];
    const size_t i = code & kIndexMask;
    switch (static_cast<Kind>(code >> 30)) {
      case kBolus: {
        const auto& b = s_->boluses[i];
        return {SeriesAction::Kind::Bolus, b.time_h, b.route, b.amount};
      }
      case kRate: {
        const auto& r = s_->rate_steps[i];
        return {SeriesAction::Kind::Rate, r.time_h, r.route, r.delta};
      }
      default: {
        const auto& g = s_->signal_steps[i];
        return {SeriesAction::Kind::Signal, g.time_h, g.signal, g.delta};
      }
    }
  }

 private:
  static constexpr uint32_t kIndexMask = (1u << 30) - 1;
  static uint32_t encode(Kind kind, size_t i) {
    if (i > kIndexMask) throw std::length_error("schedule has more than 2^30 single changes of one kind");
    return (static_cast<uint32_t>(kind) << 30) | static_cast<uint32_t>(i);
  }
  double time(uint32_t code) const {
    const size_t i = code & kIndexMask;
    switch (static_cast<Kind>(code >> 30)) {
      case kBolus: return s_->boluses[i].time_h;
      case kRate: return s_->rate_steps[i].time_h;
      default: return s_->signal_steps[i].time_h;
    }
  }
  const Schedule* s_;
  std::vector<uint32_t> order_;
  size_t next_ = 0;
};

// One action or /events line of one series: at each occurrence plus `offset_h`, until the
// series' end.
template <class Item>
struct SeriesStream {
  const DoseSeries* series;
  const Item* item;
  double offset_h;
  OccurrenceCursor when;
  double peek() const {
    const double t = when.peek() + offset_h;
    return t < series->end_h ? t : kNoTime;
  }
};
using ActionStream = SeriesStream<SeriesAction>;
using RecordStream = SeriesStream<EventRecord>;

// Index of the stream with the earliest head (the first of equal ones), or -1 when all are done.
template <class Streams>
int earliest(double first_head, const Streams& streams) {
  int best = first_head < kNoTime ? 0 : -1;
  double t = first_head;
  for (size_t k = 0; k < streams.size(); ++k)
    if (streams[k].peek() < t) t = streams[k].peek(), best = static_cast<int>(k) + 1;
  return best;
}

}  // namespace

struct TimelineCursor::Impl {
  SingleChanges singles;
  std::vector<ActionStream> streams;
  explicit Impl(const Schedule& s) : singles(s) {
    for (const auto& series : s.series)
      for (const auto& action : series.actions)
        streams.push_back({&series, &action, action.offset_h, OccurrenceCursor(series.when)});
  }
};

TimelineCursor::TimelineCursor(const Schedule& schedule) : impl_(new Impl(schedule)) {}
TimelineCursor::~TimelineCursor() { delete impl_; }
TimelineCursor::TimelineCursor(TimelineCursor&& other) noexcept : impl_(other.impl_) {
  other.impl_ = nullptr;
}

bool TimelineCursor::done() const { return !(next_time() < kNoTime); }

double TimelineCursor::next_time() const {
  double t = impl_->singles.peek();
  for (const auto& s : impl_->streams) t = std::min(t, s.peek());
  return t;
}

TimelineChange TimelineCursor::pop() {
  const int k = earliest(impl_->singles.peek(), impl_->streams);
  if (k == 0) return impl_->singles.pop();
  auto& s = impl_->streams[static_cast<size_t>(k - 1)];
  const TimelineChange c{s.item->kind, s.peek(), s.item->target, s.item->amount};
  s.when.advance();
  return c;
}

void for_each_change(const Schedule& schedule, const std::function<void(const TimelineChange&)>& fn) {
  TimelineCursor cursor(schedule);
  while (!cursor.done()) fn(cursor.pop());
}

void for_each_record(const Schedule& schedule, const std::function<void(const EventRecord&)>& fn) {
  std::vector<uint32_t> order(schedule.events.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return schedule.events[a].time_h < schedule.events[b].time_h;
  });
  std::vector<RecordStream> streams;
  for (const auto& series : schedule.series)
    for (const auto& record : series.records)
      streams.push_back({&series, &record, 0.0, OccurrenceCursor(series.when)});
  size_t next = 0;
  EventRecord line;
  for (;;) {
    const double single = next < order.size() ? schedule.events[order[next]].time_h : kNoTime;
    const int k = earliest(single, streams);
    if (k < 0) return;
    if (k == 0) {
      fn(schedule.events[order[next++]]);
      continue;
    }
    auto& s = streams[static_cast<size_t>(k - 1)];
    line = *s.item;
    line.time_h = s.peek();
    s.when.advance();
    fn(line);
  }
}

double occurrence_count(const Occurrences& o, double limit_h) {
  const double to = std::min(o.to_h, limit_h);
  double n = 0;
  // Daily: for each time of day, the whole days k with midnight + 24 k + tod in [lo, hi).
  const double lo = std::max(o.daily_from_h, o.from_h), hi = std::min(o.daily_to_h, to);
  if (hi > lo && std::isfinite(lo))
    for (double tod : o.times_of_day_h) {
      if (!std::isfinite(hi)) return std::numeric_limits<double>::infinity();
      const double first = std::ceil((lo - tod) / 24.0), last = std::ceil((hi - tod) / 24.0) - 1;
      if (last >= first) n += last - first + 1;
    }
  // Periodic: every_from + k every in [max(from, every_from), min(every_to, to)).
  if (o.every_h > 0 && std::isfinite(o.every_h)) {
    const double a = std::max(o.from_h, o.every_from_h), b = std::min(o.every_to_h, to);
    if (b > a) {
      if (!std::isfinite(b)) return std::numeric_limits<double>::infinity();
      const double first = std::ceil((a - o.every_from_h) / o.every_h);
      const double last = std::ceil((b - o.every_from_h) / o.every_h) - 1;
      if (last >= first) n += last - first + 1;
    }
  }
  for (double at : o.at_h) n += at >= o.from_h && at < to ? 1 : 0;
  return n;
}

double record_count(const Schedule& schedule) {
  double n = static_cast<double>(schedule.events.size());
  for (const auto& series : schedule.series)
    n += occurrence_count(series.when, series.end_h) * static_cast<double>(series.records.size());
  return n;
}

std::vector<EventRecord> all_records(const Schedule& schedule) {
  std::vector<EventRecord> out;
  for_each_record(schedule, [&](const EventRecord& e) { out.push_back(e); });
  return out;
}

}  // namespace magsim::engine
