// A scenario as data: what the YAML file says, every quantity already converted to the engine's
// canonical units (time h, amount mmol of the element, volume L, drug mass mg). Produced by
// scenario_parser, consumed by a model's scenario mapping. Nothing here knows YAML.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace magsim::engine {

// 1-based position in the scenario file, for "file:line:col: error:" messages. line 0 = unknown.
struct SourceMark {
  int line = 0;
  int column = 0;
};

// When a dose is given: daily at `times_of_day_h` between start_h (inclusive) and stop_h
// (exclusive), and/or once at each of `at_h` (measured from t = 0).
struct DoseTiming {
  std::vector<double> times_of_day_h;  // hours after midnight, each in [0, 24)
  double start_h = 0;                  // may be negative: already taken before t = 0
  double stop_h = std::numeric_limits<double>::infinity();  // default: end of run
  std::vector<double> at_h;
};

struct Supplement {
  std::string form;         // salt form, from the model's vocabulary
  double dose_mmol = 0;     // elemental Mg per dose
  double salt_dose_mg = 0;  // > 0 when given as salt mass (dose_mmol is then derived from it)
  DoseTiming timing;
  bool with_meal = false;
  SourceMark mark;
};

// A time an infusion is switched off and on again: [from_h, to_h), absolute times.
struct InfusionPause {
  double from_h = 0;
  double to_h = 0;
};

// An IV infusion: a loading dose (or a bolus item on its own: loading without maintenance, over
// 0 h = given at once), then a maintenance rate. Doses per kg are already multiplied by the
// subject's weight.
struct Infusion {
  std::string form = "sulfate";
  double loading_mmol = 0;   // elemental
  double loading_over_h = 0;
  double rate_mmol_per_h = 0;  // maintenance, elemental
  double start_h = 0;
  double duration_h = 0;       // of the maintenance phase, which starts after the loading dose
  // The maintenance end as given by 'stop' (absolute time; duration_h is derived from it);
  // NaN when the end came from 'duration' or the end of the run.
  double stop_h = std::numeric_limits<double>::quiet_NaN();
  std::vector<InfusionPause> pauses;  // sorted, disjoint, inside [start_h, end of the infusion]
  // Given as salt mass ('salt_amount', 'salt_rate'): converted at the salt's declared Mg content,
  // which the model may change (another hydrate)
  bool loading_as_salt = false;
  bool rate_as_salt = false;
  SourceMark mark;
};

// Single injections (intramuscular, or an IV push) of the same dose: once at each of `at_h`
// and/or every `every_h` from start_h until (excluding) stop_h.
struct Injection {
  std::string form = "sulfate";
  std::string route = "im";  // "im" | "iv"
  double dose_mmol = 0;      // elemental Mg per injection
  double salt_dose_mg = 0;   // > 0 when given as salt mass (dose_mmol derived from it)
  std::vector<double> at_h;
  double every_h = 0;  // 0: no repeated injections
  double start_h = 0;
  double stop_h = std::numeric_limits<double>::infinity();  // default: end of run
  SourceMark mark;
};

struct Medication {
  std::string drug;          // from the model's vocabulary
  std::string route = "oral";  // "oral" or "iv"
  double dose_mg = 0;        // the drug's own mass
  DoseTiming timing;
  SourceMark mark;
};

struct DietStep {
  double from_h = 0;
  double rate_mmol_per_h = 0;  // elemental Mg intake
};

struct Diet {
  // Sorted by from_h; the first at 0, or before it: a diet history, which the run integrates
  // from the steady state at its start (at most scenario_defaults::max_history_h)
  std::vector<DietStep> schedule;
  std::vector<double> meals_h;         // times of day, hours after midnight; empty: grazing
  SourceMark mark;
};

struct Subject {
  std::string sex = "female";           // "female" | "male"
  double age_y = 40;
  double weight_kg = 70;
  double height_cm = std::numeric_limits<double>::quiet_NaN();  // NaN: not given
  // mL/min/1.73m2; NaN: not given, the model assumes a healthy adult's (and, in pregnancy,
  // the pregnancy rise on top of it; a given eGFR is taken as measured, rise included)
  double egfr_ml_min_173 = std::numeric_limits<double>::quiet_NaN();
  double albumin_g_per_L = std::numeric_limits<double>::quiet_NaN();  // NaN: not given
  std::vector<std::string> conditions;
  SourceMark mark;
};

struct OutputSpec {
  // Samples at 0, interval, 2 interval, ... and at the end; with only `times` given, the
  // interval is the duration (samples at 0 and at the end only).
  double interval_h = 1.0;
  std::vector<double> times_h;  // extra samples (lab draws), sorted, each in (0, duration)
  std::vector<std::string> variables;  // empty: all
};

struct SolverSpec {
  // "dop853" (explicit, 8th order, the default: the magnesium model is not stiff at its default
  // parameters; the fewest right-hand-side calls at the accuracy users need, see
  // docs/model.md#numerics) | "dopri5" (explicit, 5th order) | "rosenbrock4" (stiff, with the
  // model's Jacobian) | "envelope" (dop853 that strides over days where the inputs repeat daily)
  std::string method = "dop853";
  double rtol = 1e-6;
  double atol = 1e-9;
  double max_step_h = 24.0;
};

struct ParameterOverride {
  std::string name;
  double value = 0;  // in the parameter's declared unit
  SourceMark mark;
};

// A measured value the run starts from (initial: {serum_mg_total: 0.62 mmol/L}), in the unit of
// the model's MeasuredQuantity of that name.
struct MeasuredValue {
  std::string name;
  double value = 0;
  std::string unit;
  SourceMark mark;
};

struct Scenario {
  std::string file;         // path as given, for messages
  std::string source_text;  // the file as given (after --set edits)
  std::string name;
  std::string description;
  double duration_h = 24;
  OutputSpec output;
  Subject subject;
  Diet diet;
  std::vector<Supplement> supplements;
  std::vector<Infusion> infusions;
  std::vector<Injection> injections;
  std::vector<Medication> medications;
  std::vector<ParameterOverride> parameters;
  std::string initial = "steady_state";  // "steady_state" | "default" | "measured"
  std::vector<MeasuredValue> measured;    // initial: {NAME: VALUE, ...}: "measured"
  SourceMark initial_mark;                // where `initial` is given
  SolverSpec solver;
};

}  // namespace magsim::engine
