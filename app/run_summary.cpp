#include "app/run_summary.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace magsim::app {

void RunSummary::begin(const engine::ModelInfo& info) {
  serum_ = info.find_output("serum_mg_total");
  urine_ = info.find_output("cum_urine");
  intake_ = info.find_output("cum_intake");
  absorbed_ = info.find_output("cum_absorbed");
  urine_rate_ = info.find_output("urine_mg_rate");
  have_start_ = have_start_plus_day_ = have_day_before_start_ = false;
  first_.clear();
  day_before_end_.clear();
  last_.assign(info.outputs.size(), 0.0);
  labels_.clear();
  names_.clear();
  for (const auto& o : info.outputs) {
    labels_.push_back(o.description);
    names_.push_back(o.name);
  }
  alerts_.begin(info);
}

std::vector<std::string> RunSummary::warnings() const {
  std::vector<std::string> out;
  for (const auto& r : alerts_.reports()) {
    if (!r.crossed) continue;
    std::string label = r.threshold.series;
    for (std::size_t k = 0; k < names_.size(); ++k)
      if (names_[k] == label) label = labels_[k];
    out.push_back(r.warning_text(label));
  }
  return out;
}

void RunSummary::sample(double t, const double* y, const double* x) {
  alerts_.sample(t, y, x);
  if (first_.empty()) first_.assign(y, y + last_.size());
  // The last sample at or before end - 24 h starts the "last 24 h" window.
  if (t <= duration_h_ - 24.0 + 1e-9) {
    day_before_end_.assign(y, y + last_.size());
    t_day_before_end_ = t;
  }
  if (urine_ >= 0 && infusion_dose_mmol_ > 0) {
    if (t <= infusion_start_h_ + 1e-9) {
      urine_at_start_ = y[urine_];
      if (urine_rate_ >= 0) urine_rate_at_start_ = y[urine_rate_];
      have_start_ = true;
    }
    if (t <= infusion_start_h_ - 24.0 + 1e-9 && t >= infusion_start_h_ - 24.0 - 1e-9) {
      urine_at_start_minus_day_ = y[urine_];
      have_day_before_start_ = true;
    }
    if (t <= infusion_start_h_ + 24.0 + 1e-9 && t >= infusion_start_h_ + 24.0 - 1e-9) {
      urine_at_start_plus_day_ = y[urine_];
      have_start_plus_day_ = true;
    }
  }
  last_.assign(y, y + last_.size());
  t_last_ = t;
}

double RunSummary::retention_percent() const {
  if (!(infusion_dose_mmol_ > 0) || !have_start_ || !have_start_plus_day_ || urine_rate_ < 0 ||
      first_.empty())
    return std::numeric_limits<double>::quiet_NaN();
  // The baseline is the body's own urine just before the test: the 24-h collection before the
  // infusion when the run has it, else the urine rate at the infusion start (a body depleted
  // before the test excretes far less than at t = 0).
  const double baseline_per_day = have_day_before_start_ ? urine_at_start_ - urine_at_start_minus_day_
                                                         : urine_rate_at_start_;  // mmol/d
  const double extra = urine_at_start_plus_day_ - urine_at_start_ - baseline_per_day;
  return 100.0 * (infusion_dose_mmol_ - extra) / infusion_dose_mmol_;
}

void RunSummary::print(std::ostream& os, const engine::RunStats& stats,
                       const std::string& output_path) const {
  auto line = [&](const char* label, double value, const char* unit, const char* fmt = "%.4g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, value);
    char row[256];
    std::snprintf(row, sizeof row, "  %-36s %12s %s\n", label, buf, unit);
    os << row;
  };
  os << "summary (" << t_last_ / 24.0 << " d simulated):\n";
  if (serum_ >= 0 && !first_.empty()) {
    line("serum Mg, start", first_[static_cast<size_t>(serum_)], "mmol/L", "%.4f");
    line("serum Mg, end", last_[static_cast<size_t>(serum_)], "mmol/L", "%.4f");
  }
  if (urine_ >= 0 && !first_.empty()) {
    const auto& from = t_day_before_end_ >= 0 ? day_before_end_ : first_;
    const double t_from = t_day_before_end_ >= 0 ? t_day_before_end_ : 0.0;
    const double hours = t_last_ - t_from;
    const double urine = last_[static_cast<size_t>(urine_)] - from[static_cast<size_t>(urine_)];
    if (hours > 0) {
      char label[64];
      std::snprintf(label, sizeof label, "urine Mg, last %.4g h", hours);
      line(label, urine, "mmol");
    }
  }
  if (intake_ >= 0 && absorbed_ >= 0 && !first_.empty()) {
    // Cumulative balances count from 0 at t = 0, before the doses given at t = 0: the first
    // sample already holds those, so the run's intake is the last value, not last - first.
    const double intake = last_[static_cast<size_t>(intake_)];
    const double absorbed = last_[static_cast<size_t>(absorbed_)];
    line("Mg intake (oral, IV, IM)", intake, "mmol");
    if (intake > 0) line("absorbed, fraction of intake", 100.0 * absorbed / intake, "%", "%.1f");
  }
  const double retention = retention_percent();
  if (std::isfinite(retention)) {
    line("parenteral Mg given (IV, IM)", infusion_dose_mmol_, "mmol");
    line("retention, 24 h from first IV/IM dose", retention, "%", "%.1f");
  } else if (infusion_dose_mmol_ > 0) {
    os << "  retention: needs samples at the infusion start and 24 h later\n";
  }
  for (const auto& r : alerts_.ranges()) {
    char label[64], value[96];
    std::snprintf(label, sizeof label, "%s, peak", r.series.c_str());
    std::snprintf(value, sizeof value, "%s at %.1f h", r.unit.c_str(), r.max_h);
    line(label, r.max, value, "%.4g");
    std::snprintf(label, sizeof label, "%s, trough", r.series.c_str());
    std::snprintf(value, sizeof value, "%s at %.1f h", r.unit.c_str(), r.min_h);
    line(label, r.min, value, "%.4g");
  }
  for (const auto& r : alerts_.reports()) {
    char label[96];
    std::snprintf(label, sizeof label, "time %s %g %s", 
                  r.threshold.direction == engine::ThresholdDirection::Above ? "above" : "below",
                  r.threshold.value, r.threshold.unit.c_str());
    line(label, r.time_beyond_h, ("h  (" + r.threshold.meaning + ")").c_str(), "%.2f");
  }
  line("mass-balance error", stats.mass_balance_error, "mmol", "%.2e");
  line("mass-balance error, relative", stats.mass_balance_relative_error, "", "%.2e");
  line("wall time", stats.wall_seconds, "s", "%.3f");
  os << "  output: " << output_path << "\n";
}

}  // namespace magsim::app
