// A scenario becomes a Problem: parameters (defaults, then the subject and its conditions, then
// the scenario's own overrides, which win) and a timeline of meals, supplements, infusions and
// drug doses, with the day-averaged inputs that hold the body at its steady state before t = 0.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/model/errors.hpp"
#include "engine/scenario/timing.hpp"
#include "models/magnesium/conditions.hpp"
#include "models/magnesium/drugs.hpp"
#include "models/magnesium/magnesium.hpp"
#include "models/magnesium/model_internals.hpp"
#include "models/magnesium/serum_speciation.hpp"
#include "models/magnesium/subject.hpp"

namespace magsim::models::magnesium {
namespace {

int index_of_route(const engine::ModelInfo& info, const std::string& name) {
  for (size_t i = 0; i < info.routes.size(); ++i)
    if (info.routes[i].name == name) return static_cast<int>(i);
  return -1;
}

int index_of_parameter(const engine::ModelInfo& info, const std::string& name) {
  for (size_t i = 0; i < info.parameters.size(); ++i)
    if (info.parameters[i].name == name) return static_cast<int>(i);
  return -1;
}

class TimelineBuilder {
 public:
  // `history_h` (<= 0): where the timeline starts, before t = 0 for a diet history; the steady
  // state is that of the inputs in force there.
  TimelineBuilder(const engine::Scenario& sc, const engine::ModelInfo& info, const std::vector<double>& p,
                  double history_h)
      : sc_(sc), info_(info), p_(p), meal_h_(p[par::gut_meal_duration]), h0_(history_h) {
    s_.steady_route_rates.assign(info.routes.size(), 0.0);
    s_.steady_signals.assign(info.signals.size(), 0.0);
    for (size_t i = 0; i < info.signals.size(); ++i) s_.steady_signals[i] = info.signals[i].default_value;
    meal_signal_ = 0;  // the model declares "meal" first
  }

  [[noreturn]] void fail(const engine::SourceMark& mark, const std::string& message) const {
    throw engine::ScenarioError(sc_.file, mark.line, mark.column, message);
  }

  int route(const std::string& name, const engine::SourceMark& mark) const {
    const int r = index_of_route(info_, name);
    if (r < 0) fail(mark, "the magnesium model has no dose route '" + name + "'");
    return r;
  }

  void bolus(double t, int r, double amount, const std::string& kind) {
    s_.boluses.push_back({t, r, amount});
    s_.events.push_back({t, kind, info_.routes[r].name, amount, info_.routes[r].unit});
  }

  void rate_step(double t, int r, double delta) { s_.rate_steps.push_back({t, r, delta}); }

  // A repeating regimen, kept as its rule: the integrator unrolls it as the run goes.
  void series(engine::Occurrences when, std::vector<engine::SeriesAction> actions,
              std::vector<engine::EventRecord> records) {
    s_.series.push_back({std::move(when), std::move(actions), std::move(records), sc_.duration_h});
  }
  engine::SeriesAction bolus_action(int r, double amount) const {
    return {engine::SeriesAction::Kind::Bolus, 0.0, r, amount};
  }
  // The meal signal's +1 at an occurrence and -1 when it has been digested.
  void add_meal_pulse(std::vector<engine::SeriesAction>& actions) const {
    actions.push_back({engine::SeriesAction::Kind::Signal, 0.0, meal_signal_, +1.0});
    actions.push_back({engine::SeriesAction::Kind::Signal, meal_h_, meal_signal_, -1.0});
  }
  engine::EventRecord record(const std::string& kind, int r, double amount) const {
    return {0.0, kind, info_.routes[r].name, amount, info_.routes[r].unit};
  }

  // A meal being digested from t for meal_duration: +1 then -1 on the meal signal. A meal
  // begun before the timeline's start and still being digested counts from its start.
  void meal_pulse(double t) {
    const double end = t + meal_h_;
    if (end <= h0_ || t >= sc_.duration_h) return;
    s_.signal_steps.push_back({std::max(t, h0_), meal_signal_, +1.0});
    if (end < sc_.duration_h) s_.signal_steps.push_back({end, meal_signal_, -1.0});
  }

  double diet_rate_at(double t) const {
    double r = 0;
    for (const auto& step : sc_.diet.schedule)
      if (step.from_h <= t) r = step.rate_mmol_per_h;
    return r;
  }

  void diet() {
    const int food = route("oral.food", sc_.diet.mark);
    const auto& meals = sc_.diet.meals_h;
    s_.steady_route_rates[food] += diet_rate_at(h0_);
    if (meals.empty()) {
      // Grazing: the diet is a continuous rate, stepping where the schedule changes.
      double current = 0;
      for (const auto& step : sc_.diet.schedule) {
        const double t = std::max(step.from_h, h0_);
        if (t >= sc_.duration_h) break;
        rate_step(t, food, step.rate_mmol_per_h - current);
        s_.events.push_back({t, "diet_rate", "oral.food", step.rate_mmol_per_h, "mmol/h"});
        current = step.rate_mmol_per_h;
      }
      return;
    }
    // Meals: each carries the day's intake at the rate then in force, shared equally.
    const double per_meal_h = 24.0 / static_cast<double>(meals.size());
    if (diet_rate_at(h0_) > 0)
      s_.steady_signals[meal_signal_] += static_cast<double>(meals.size()) * std::min(meal_h_, per_meal_h) / 24.0;
    // Meals eaten before the start and still being digested: their Mg is in the steady state.
    if (diet_rate_at(h0_) > 0)
      for (double day = std::floor(h0_ / 24.0) * 24.0 - 24.0; day < h0_; day += 24.0)
        for (double tod : meals)
          if (day + tod < h0_) meal_pulse(day + tod);
    // From the start, one daily series per step of the diet: a meal carries the day's Mg at the
    // rate then in force; a step of zero means no food (fasting, as in Lindberg 1990's tests): no
    // meal is eaten, so gastric emptying and acid stay basal.
    const auto& steps = sc_.diet.schedule;
    for (size_t k = 0; k < steps.size(); ++k) {
      const double from = std::max(steps[k].from_h, h0_);
      const double to = std::min(k + 1 < steps.size() ? steps[k + 1].from_h : sc_.duration_h,
                                 sc_.duration_h);
      const double amount = steps[k].rate_mmol_per_h * per_meal_h;
      if (!(to > from) || !(amount > 0)) continue;
      engine::Occurrences when;
      when.times_of_day_h = meals;
      std::sort(when.times_of_day_h.begin(), when.times_of_day_h.end());
      when.daily_from_h = when.from_h = from;
      when.daily_to_h = when.to_h = to;
      std::vector<engine::SeriesAction> actions{bolus_action(food, amount)};
      add_meal_pulse(actions);
      series(std::move(when), std::move(actions), {record("meal", food, amount)});
    }
  }

  // A dose given as salt mass was converted to elemental Mg by the parser at the salt's declared
  // Mg content; this is the factor from that to the run's salt.<form>.mg_fraction, so that a
  // scenario declaring another hydrate gets its Mg content (1 when the parameter is unchanged).
  double salt_content_factor(const std::string& form) const {
    for (int k = 0; k < kNumSalts; ++k)
      if (form == kSalts[k].name) {
        const size_t i = static_cast<size_t>(salt_parameter(k, SaltProperty::mg_fraction));
        return p_[i] / info_.parameters[i].value;
      }
    return 1.0;
  }

  double supplement_mmol(const engine::Supplement& sup) const {
    return sup.salt_dose_mg > 0 ? sup.dose_mmol * salt_content_factor(sup.form) : sup.dose_mmol;
  }

  void supplements() {
    for (const auto& sup : sc_.supplements) {
      const int r = route("oral." + sup.form, sup.mark);
      const double dose = supplement_mmol(sup);
      if (!(dose >= 0)) fail(sup.mark, "supplement dose must not be negative");
      std::vector<engine::SeriesAction> actions{bolus_action(r, dose)};
      if (sup.with_meal) add_meal_pulse(actions);
      series(engine::occurrences_of(sup.timing, h0_, sc_.duration_h), std::move(actions),
             {record("supplement", r, dose)});
      const double per_day = engine::daily_doses_in_force_at(sup.timing, h0_);
      s_.steady_route_rates[r] += dose * per_day / 24.0;
      if (sup.with_meal) s_.steady_signals[meal_signal_] += per_day * meal_h_ / 24.0;
    }
  }

  void infusions() {
    const int iv = route("iv", engine::SourceMark{});
    for (const auto& inf : sc_.infusions) {
      if (inf.loading_mmol < 0 || inf.rate_mmol_per_h < 0 || inf.duration_h < 0 || inf.loading_over_h < 0)
        fail(inf.mark, "infusion amounts, rates and durations must not be negative");
      const double content = salt_content_factor(inf.form);
      const double loading = inf.loading_mmol * (inf.loading_as_salt ? content : 1.0);
      const double rate = inf.rate_mmol_per_h * (inf.rate_as_salt ? content : 1.0);
      double t = inf.start_h;
      if (loading > 0) {
        if (inf.loading_over_h > 0 && !below_resolution(t, inf.loading_over_h)) {
          rate_window(iv, t, t + inf.loading_over_h, loading / inf.loading_over_h, "loading", inf.pauses);
        } else if (t >= h0_ && t < sc_.duration_h) {
          bolus(t, iv, loading, "loading_bolus");
        }
        t += inf.loading_over_h;
      }
      if (rate > 0 && inf.duration_h > 0) {
        if (!below_resolution(t, inf.duration_h))
          rate_window(iv, t, t + inf.duration_h, rate, "maintenance", inf.pauses);
        else if (t >= h0_ && t < sc_.duration_h)
          bolus(t, iv, rate * inf.duration_h, "loading_bolus");
      }
    }
  }

  // An infusion this short next to the time it starts at cannot be timed in doubles: its end
  // minus its start would carry a relative error above 1e-9 (at 10 y, one shorter than 31 s), and
  // its huge rate would leave round-off in the rates beside it. It is given as a bolus at its
  // start instead: exactly its amount, at most 1e-7 of the elapsed time early.
  static bool below_resolution(double start_h, double span_h) {
    return span_h < 1e-7 * std::max(1.0, std::abs(start_h));
  }

  // Injections: each a bolus into its route (the IM depot, or the ECF for an IV push).
  void injections() {
    for (const auto& inj : sc_.injections) {
      if (!(inj.dose_mmol >= 0)) fail(inj.mark, "injection dose must not be negative");
      const int r = route(inj.route, inj.mark);
      const double dose = inj.salt_dose_mg > 0 ? inj.dose_mmol * salt_content_factor(inj.form) : inj.dose_mmol;
      engine::Occurrences when;
      when.at_h = inj.at_h;
      std::sort(when.at_h.begin(), when.at_h.end());
      if (inj.every_h > 0) {
        when.every_h = inj.every_h;
        when.every_from_h = inj.start_h;
        when.every_to_h = inj.stop_h;
      }
      when.from_h = h0_;
      when.to_h = sc_.duration_h;
      series(std::move(when), {bolus_action(r, dose)},
             {record(inj.route == "im" ? "im_injection" : "iv_bolus", r, dose)});
    }
  }

  // An infusion at `rate` over [from, to) less its pauses, clipped to the timeline. One that began
  // before its start counts from there (the steady-state start does not include it).
  void rate_window(int r, double from, double to, double rate, const std::string& phase,
                   const std::vector<engine::InfusionPause>& pauses) {
    const std::string what = "iv " + phase;
    // The pieces of [from, to) the pump is running.
    std::vector<std::pair<double, double>> on;
    double a = from;
    for (const auto& p : pauses) {
      if (p.to_h <= a || p.from_h >= to) continue;
      if (p.from_h > a) on.push_back({a, p.from_h});
      a = std::max(a, p.to_h);
    }
    if (a < to) on.push_back({a, to});
    for (const auto& [x, y] : on) {
      const double b0 = std::max(x, h0_);
      const double b1 = std::min(y, sc_.duration_h);
      if (b1 <= b0) continue;
      rate_step(b0, r, rate);
      if (y < sc_.duration_h) rate_step(y, r, -rate);
    }
    auto event = [&](double t, const char* kind) {
      if (t >= h0_ && t < sc_.duration_h) s_.events.push_back({t, kind, what, rate, "mmol/h"});
    };
    if (std::min(to, sc_.duration_h) <= std::max(from, h0_)) return;
    event(std::max(from, h0_), "infusion_start");
    for (const auto& p : pauses) {
      if (p.to_h <= from || p.from_h >= to) continue;
      event(std::max(p.from_h, from), "infusion_pause");
      if (p.to_h < to) event(p.to_h, "infusion_resume");
    }
    event(to, "infusion_stop");
  }

  void medications() {
    for (const auto& med : sc_.medications) {
      const DrugRecord* d = find_drug_record(med.drug);
      if (d == nullptr) {
        // Chelating drugs and others without a Mg effect: recorded only, for the reader.
        series(engine::occurrences_of(med.timing, h0_, sc_.duration_h), {},
               {{0.0, "dose_no_mg_effect", "drug." + med.drug + "." + med.route, med.dose_mg, "mg"}});
        continue;
      }
      if (!(med.dose_mg >= 0)) fail(med.mark, "medication dose must not be negative");
      const int r = route("drug." + med.drug + "." + med.route, med.mark);
      series(engine::occurrences_of(med.timing, h0_, sc_.duration_h), {bolus_action(r, med.dose_mg)},
             {record("drug", r, med.dose_mg)});
      s_.steady_route_rates[r] += med.dose_mg * engine::daily_doses_in_force_at(med.timing, h0_) / 24.0;
    }
  }

  engine::Schedule take() { return std::move(s_); }

 private:
  const engine::Scenario& sc_;
  const engine::ModelInfo& info_;
  const std::vector<double>& p_;
  double meal_h_;
  double h0_;
  int meal_signal_;
  engine::Schedule s_;
};

// The ECF amount (mmol) whose serum speciation gives `total` mmol/L of serum total Mg: the
// speciation is increasing in the amount, so bisection on [0, an amount above it].
double ecf_amount_for_serum_total(double total, const std::vector<double>& p) {
  const SubjectConstants c = subject_constants(p.data());
  auto serum_total = [&](double ecf) { return serum_speciation(ecf, c, p.data()).total; };
  double lo = 0, hi = std::max(1.0, total * (c.ecf_L + c.plasma_L));
  while (serum_total(hi) < total) hi *= 2;
  for (int k = 0; k < 200 && hi - lo > 1e-15 * hi; ++k) {
    const double mid = 0.5 * (lo + hi);
    (serum_total(mid) < total ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// initial: {serum_mg_total: ..., rbc_mg: ...}: the pools those values measure, held while the
// steady-state solver settles every other state (the other body pools, the gut lumen, TRPM6
// adaptation, drug states) around them.
std::vector<engine::ClampedState> measured_clamps(const engine::Scenario& sc,
                                                  const std::vector<double>& p) {
  std::vector<engine::ClampedState> clamps;
  const SubjectConstants c = subject_constants(p.data());
  for (const auto& m : sc.measured) {
    if (m.name == "serum_mg_total") {
      clamps.push_back({st::ecf, ecf_amount_for_serum_total(m.value, p)});
    } else if (m.name == "rbc_mg") {
      clamps.push_back({st::red_cells, m.value * c.red_cell_L});  // per litre of cells
    } else {
      throw engine::ScenarioError(sc.file, m.mark.line, m.mark.column,
                                  "the magnesium model cannot start from a measured '" + m.name + "'");
    }
  }
  return clamps;
}

engine::Method method_from(const engine::Scenario& sc) {
  using engine::Method;
  for (Method m : {Method::Rosenbrock4, Method::Dopri5, Method::Dop853, Method::Envelope})
    if (sc.solver.method == engine::method_name(m)) return m;
  throw engine::ScenarioError(sc.file, 0, 0, "solver.method '" + sc.solver.method +
                                                 "' is not one of rosenbrock4, dopri5, dop853, envelope");
}

}  // namespace

engine::Problem make_problem(const engine::Scenario& scenario) {
  const engine::ModelInfo& info = model().info();
  std::vector<double> p;
  for (const auto& pi : info.parameters) p.push_back(pi.value);

  // Overrides first, so that condition magnitudes given by name take effect; then the subject;
  // then the overrides again, so that a parameter named in the scenario wins over the subject.
  std::vector<int> override_index;
  for (const auto& o : scenario.parameters) {
    const int i = index_of_parameter(info, o.name);
    if (i < 0)
      throw engine::ScenarioError(scenario.file, o.mark.line, o.mark.column,
                                  "unknown parameter '" + o.name + "' (magsim params lists them)");
    if (!std::isfinite(o.value) || (info.parameters[i].min >= 0 && o.value < 0))
      throw engine::ScenarioError(scenario.file, o.mark.line, o.mark.column,
                                  "parameter '" + o.name + "' cannot be " + engine::message_number(o.value));
    override_index.push_back(i);
    p[i] = o.value;
  }
  apply_subject(scenario.subject, scenario.file, p);
  for (size_t k = 0; k < scenario.parameters.size(); ++k) p[override_index[k]] = scenario.parameters[k].value;

  engine::Problem problem;
  problem.parameters = p;
  // A diet schedule that starts before t = 0 is a history, integrated up to t = 0.
  const auto& diet = scenario.diet.schedule;
  problem.history_start_h = diet.empty() ? 0.0 : std::min(0.0, diet.front().from_h);
  TimelineBuilder timeline(scenario, info, p, problem.history_start_h);
  timeline.diet();
  timeline.supplements();
  timeline.infusions();
  timeline.injections();
  timeline.medications();
  problem.schedule = timeline.take();

  problem.duration_h = scenario.duration_h;
  problem.output_interval_h = scenario.output.interval_h;
  problem.output_times_h = scenario.output.times_h;
  if (scenario.initial == "steady_state") {
    problem.initial = engine::InitialKind::SteadyState;
    problem.initial_state = steady_state_guess(p, problem.schedule.steady_route_rates);
  } else if (scenario.initial == "measured") {
    // (The parser refuses measured values together with a diet history.)
    problem.initial = engine::InitialKind::SteadyState;
    problem.initial_state = steady_state_guess(p, problem.schedule.steady_route_rates);
    problem.clamped_states = measured_clamps(scenario, p);
  } else if (scenario.initial == "default") {
    // The subject at reference Mg status, gut empty, no drug on board.
    problem.initial = engine::InitialKind::Given;
    problem.initial_state = reference_state(p);
  } else {
    throw engine::ScenarioError(scenario.file, 0, 0,
                                "initial '" + scenario.initial + "' is not one of steady_state, default");
  }
  problem.solver.method = method_from(scenario);
  problem.solver.rtol = scenario.solver.rtol;
  problem.solver.atol = scenario.solver.atol;
  problem.solver.max_step_h = scenario.solver.max_step_h;
  return problem;
}

}  // namespace magsim::models::magnesium
