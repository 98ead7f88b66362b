#include "engine/scenario/parser.hpp"
#include "engine/scenario/limits.hpp"
#include "engine/scenario/yaml_limits.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/model/errors.hpp"
#include "engine/scenario/input_file.hpp"

namespace magsim::engine {
namespace {

using units::QuantityKind;
using units::UnitError;
namespace limits = scenario_limits;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Optimal string alignment distance: insertions, deletions, substitutions, transpositions.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

// "; did you mean 'x'?" or "; expected one of: a, b, c".
std::string suggestion(const std::string& word, const std::vector<std::string>& options) {
  const std::string best = closest_name(word, options);
  if (!best.empty()) return "; did you mean '" + best + "'?";
  if (options.empty()) return "";
  return "; expected one of: " + join(options);
}

std::string node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    default:
      return "nothing";
  }
}

const std::vector<std::string> kTopKeys{"name",        "description", "duration",    "output",
                                        "subject",     "diet",        "supplements", "infusions",
                                        "medications", "parameters",  "initial",     "solver",
                                        "injections"};
const std::vector<std::string> kSubjectKeys{"sex",  "age",     "weight",    "height",
                                            "egfr", "albumin", "conditions"};
const std::vector<std::string> kOutputKeys{"interval", "times", "variables"};
const std::vector<std::string> kSolverKeys{"method", "rtol", "atol", "max_step"};
const std::vector<std::string> kDietKeys{"magnesium", "meals"};
const std::vector<std::string> kDietStepKeys{"from", "rate"};
const std::vector<std::string> kSupplementKeys{"form", "dose",  "salt_dose", "times",
                                               "at",   "start", "stop",      "with_meal"};
const std::vector<std::string> kInfusionKeys{"form",   "loading",     "rate",     "salt_rate",
                                             "start",  "duration",    "stop",     "pauses",
                                             "amount", "salt_amount", "over"};
const std::vector<std::string> kPauseKeys{"from", "to", "at", "for"};
const std::vector<std::string> kInjectionKeys{"form", "route", "amount", "salt_amount",
                                              "at",   "every", "start",  "stop"};
const std::vector<std::string> kInjectionRoutes{"im", "iv"};
const std::vector<std::string> kLoadingKeys{"amount", "salt_amount", "over"};
const std::vector<std::string> kMedicationKeys{"drug", "route", "dose", "times",
                                               "at",   "start", "stop"};
const std::vector<std::string> kSolverMethods{"rosenbrock4", "dopri5", "dop853", "envelope"};
const std::vector<std::string> kInitialModes{"steady_state", "default"};
const std::vector<std::string> kRoutes{"oral", "iv"};

struct Field {
  std::string name;
  YAML::Node key;
  YAML::Node value;
};

// Turns a YAML tree into a Scenario; knows where each node came from (file or --set).
class Reader {
 public:
  Reader(std::string file, const Vocabulary& vocab) : file_(std::move(file)), vocab_(vocab) {}

  // Nodes that came from a --set argument: errors in them point into that argument.
  void register_set_node(const YAML::Node& n, int value_column) {
    set_nodes_.push_back({n, value_column});
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        register_set_node(it->first, value_column);
        register_set_node(it->second, value_column);
      }
    } else if (n.IsSequence()) {
      for (auto it = n.begin(); it != n.end(); ++it) register_set_node(*it, value_column);
    }
  }
  void register_set_key(const YAML::Node& key, int column) {
    set_nodes_.push_back({key, column, true});
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message,
                         std::size_t offset = 0) const {
    const YAML::Mark m = at.Mark();
    // Inside a quoted scalar, offsets count from after the opening quote.
    const int quote = (offset > 0 && at.IsScalar() && at.Tag() == "!") ? 1 : 0;
    for (const auto& s : set_nodes_) {
      if (s.node.is(at)) {
        const int col = s.fixed ? s.column : s.column + std::max(0, m.column);
        throw ScenarioError("--set", 1, col + quote + static_cast<int>(offset), message);
      }
    }
    if (m.is_null() || m.line < 0) throw ScenarioError(file_, 1, 1, message);
    throw ScenarioError(file_, m.line + 1, m.column + 1 + quote + static_cast<int>(offset),
                        message);
  }

  SourceMark mark(const YAML::Node& n) const {
    if (from_set(n)) return {};
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) return {};
    return {m.line + 1, m.column + 1};
  }

  // The fields of a map, keys checked against `allowed` and for duplicates.
  std::vector<Field> fields(const YAML::Node& map, const std::string& context,
                            const std::vector<std::string>& allowed,
                            const std::string& unknown_what = "key") const {
    std::vector<Field> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar())
        fail(key, "expected a plain key in " + context + ", got " + node_kind(key));
      const std::string name = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        fail(key, "unknown " + unknown_what + " '" + name + "' in " + context +
                      suggestion(name, allowed));
      for (const auto& f : out)
        if (f.name == name) {
          const SourceMark first = mark(f.key);
          fail(key,
               "duplicate key '" + name + "' in " + context +
                   (first.line > 0 ? " (first given on line " + std::to_string(first.line) + ")"
                                   : std::string()));
        }
      out.push_back({name, key, it->second});
    }
    return out;
  }

  static const Field* find(const std::vector<Field>& fs, const std::string& name) {
    for (const auto& f : fs)
      if (f.name == name) return &f;
    return nullptr;
  }

  void expect_map(const YAML::Node& n, const YAML::Node& where, const std::string& what) const {
    if (n.IsMap() || n.IsNull()) return;
    fail(n.IsNull() ? where : n,
         "expected a map (key: value) for " + what + ", got " + node_kind(n));
  }
  void expect_list(const YAML::Node& n, const std::string& what) const {
    if (n.IsSequence() || n.IsNull()) return;
    fail(n, "expected a list ([...] or '- ' items) for " + what + ", got " + node_kind(n));
  }

  bool from_set(const YAML::Node& n) const {
    for (const auto& s : set_nodes_)
      if (s.node.is(n)) return true;
    return false;
  }

  std::string scalar(const Field& f) const {
    if (f.value.IsNull())
      fail(from_set(f.value) ? f.value : f.key, "'" + f.name + "' has no value");
    if (!f.value.IsScalar())
      fail(f.value, "expected a single value for '" + f.name + "', got " + node_kind(f.value));
    return f.value.Scalar();
  }

  double quantity(const Field& f, const QuantityKind& kind) const {
    return quantity_of(f.value, scalar(f), kind);
  }
  // A quantity of `kind`; a time or time span (unit h) lies within 150 y of t = 0
  // (scenario_limits::max_time_h) unless `lifetime` is false (the caller has its own range).
  double quantity_of(const YAML::Node& n, const std::string& text, const QuantityKind& kind,
                     bool lifetime = true) const {
    try {
      const double v = units::convert(text, kind, element_);
      if (lifetime && kind.unit == "h" && std::fabs(v) > limits::max_time_h)
        fail(n, kind.what == units::kinds::duration().what
                    ? "a duration of '" + text + "' is longer than a lifetime; at most 150 y"
                    : "a time of '" + text + "' is further from t = 0 than a lifetime; times lie "
                      "within -150 y to 150 y");
      return v;
    } catch (const UnitError& e) {
      const std::size_t kg = per_kg_position(text);
      if (kg != std::string::npos && kind.unit.find("kg") == std::string::npos)
        fail(n,
             "'" + text + "' is per kg of body weight; doses per kg are taken only for the "
             "amounts and rates of infusions and injections and for supplement doses, not for " +
                 kind.what,
             kg);
      fail(n, e.what(), e.offset());
    }
  }
  // Where "/kg" (per kg of body weight) starts in a quantity's text, or npos.
  static std::size_t per_kg_position(const std::string& text) {
    for (std::size_t p = text.find("/kg"); p != std::string::npos; p = text.find("/kg", p + 1)) {
      const std::size_t end = p + 3;
      if (end == text.size() || text[end] == '/' || text[end] == ' ') return p;
    }
    return std::string::npos;
  }
  // A dose or rate that may be given per kg of body weight ("250 mg/kg", "15 mg/kg/h"):
  // multiplied by the subject's weight, which must then be given.
  double dose_quantity(const Field& f, const QuantityKind& kind, const std::string& what) const {
    const std::string text = scalar(f);
    const std::size_t kg = per_kg_position(text);
    if (kg == std::string::npos) return non_negative(f, kind, what);
    if (!weight_given_)
      fail(f.value,
           "'" + text + "' is a dose per kg of body weight; give the subject's weight "
           "(subject: {weight: 70 kg})",
           kg);
    const std::string absolute = text.substr(0, kg) + text.substr(kg + 3);
    double v = 0;
    try {
      v = units::convert(absolute, kind, element_);
    } catch (const UnitError& e) {
      fail(f.value, "'" + text + "': per kg, " + e.what(), e.offset() > kg ? e.offset() + 3 : e.offset());
    }
    if (v < 0) fail(f.value, what + " cannot be negative, got '" + text + "'");
    return v * weight_kg_;
  }
  double non_negative(const Field& f, const QuantityKind& kind, const std::string& what) const {
    const double v = quantity(f, kind);
    if (v < 0) fail(f.value, what + " cannot be negative, got '" + f.value.Scalar() + "'");
    return v;
  }
  double positive(const Field& f, const QuantityKind& kind, const std::string& what) const {
    const double v = quantity(f, kind);
    if (!(v > 0)) fail(f.value, what + " must be positive, got '" + f.value.Scalar() + "'");
    return v;
  }
  double within(const Field& f, const QuantityKind& kind, const std::string& what, double lo,
                double hi, bool lo_open = false) const {
    const double v = quantity(f, kind);
    if (v < lo || v > hi || (lo_open && v == lo)) {
      const std::string range = lo_open ? "above " + units::shortest_number(lo) + " and at most " +
                                              units::shortest_number(hi) + " " + kind.unit
                                        : "within " + units::shortest_number(lo) + "-" +
                                              units::shortest_number(hi) + " " + kind.unit;
      fail(f.value, what + " of '" + f.value.Scalar() + "' is impossible: it must be " + range);
    }
    return v;
  }
  double plain_number(const Field& f) const {
    const std::string s = scalar(f);
    units::Quantity q;
    try {
      q = units::parse_quantity(s);
    } catch (const UnitError&) {
      fail(f.value, "expected a plain number for '" + f.name + "' (e.g. 1e-6), got '" + s + "'");
    }
    if (!q.unit_text.empty())
      fail(f.value, "'" + f.name + "' is a plain number without unit (e.g. 1e-6), got '" + s + "'",
           q.unit_offset);
    return q.value;
  }
  bool boolean(const Field& f) const {
    const std::string s = lower(scalar(f));
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail(f.value, "expected true or false for '" + f.name + "', got '" + f.value.Scalar() + "'");
  }
  std::string name_from(const Field& f, const std::vector<std::string>& options,
                        const std::string& what) const {
    const std::string s = scalar(f);
    if (std::find(options.begin(), options.end(), s) == options.end())
      fail(f.value, "unknown " + what + " '" + s + "'" + suggestion(s, options));
    return s;
  }
  double time_of_day(const YAML::Node& n) const {
    if (!n.IsScalar()) fail(n, "expected a time of day \"HH:MM\", got " + node_kind(n));
    try {
      return parse_time_of_day(n.Scalar());
    } catch (const UnitError& e) {
      fail(n, e.what());
    }
  }

  Scenario read(const YAML::Node& root);

 private:
  struct SetNode {
    YAML::Node node;
    int column;
    bool fixed = false;  // a key created by --set: column is exact, not relative to its mark
  };

  void read_output(const Field& f, Scenario& s) const;
  void read_subject(const Field& f, Subject& subject) const;
  void read_diet(const Field& f, Diet& diet) const;
  DoseTiming read_timing(const YAML::Node& item, const std::vector<Field>& fs) const;
  // A time or a list of times ('at: 3 d', 'times: [0.5 h, 2 h]'): the scalar nodes, never empty.
  std::vector<YAML::Node> time_list(const Field& f, const std::string& example) const {
    const std::string key = "'" + f.name + "'";
    if (f.value.IsNull()) fail(f.key, key + " has no value; write e.g. " + example);
    if (f.value.IsMap())
      fail(f.value, "expected a time or a list of times for " + key + ", got a map");
    std::vector<YAML::Node> nodes;
    if (f.value.IsScalar()) nodes.push_back(f.value);
    for (auto it = f.value.begin(); it != f.value.end(); ++it) nodes.push_back(*it);
    if (nodes.empty()) fail(f.value, key + " is empty; write e.g. " + example);
    for (const auto& n : nodes)
      if (!n.IsScalar()) fail(n, "expected a time such as \"3 d\", got " + node_kind(n));
    return nodes;
  }
  // A dose given as elemental Mg under `elemental_key` or as salt mass under `salt_key`
  // (exactly one of them; `needs` is the message when neither is there), in mmol of Mg at the
  // salt's declared content; salt_mg > 0 when it was given as salt mass.
  struct DoseAmount {
    double mmol = 0;
    double salt_mg = 0;
  };
  DoseAmount read_dose_amount(const std::vector<Field>& fs, const YAML::Node& where, const char* elemental_key,
                              const char* salt_key, const SaltForm& salt, const std::string& what,
                              const std::string& needs) const {
    const Field* elemental = find(fs, elemental_key);
    const Field* salt_mass = find(fs, salt_key);
    if (elemental && salt_mass)
      fail(salt_mass->key, std::string("give either '") + elemental_key + "' (elemental Mg) or '" + salt_key +
                               "' (mass of the salt), not both");
    if (!elemental && !salt_mass) fail(where, needs);
    DoseAmount d;
    if (elemental) {
      d.mmol = dose_quantity(*elemental, units::kinds::elemental_amount(element_), what);
    } else {
      d.salt_mg = dose_quantity(*salt_mass, units::kinds::salt_mass(), what);
      d.mmol = salt_to_elemental_mmol(d.salt_mg, salt);
    }
    at_most_elemental(elemental ? *elemental : *salt_mass, d.mmol, limits::max_dose_mg, "",
                      what, "per dose");
    return d;
  }
  // Refuses an elemental amount (mmol) or rate (mmol/h, `per` "/h" or "/d") above `max_mg` (mg
  // elemental, per that time), naming the range and, for a salt mass or a dose per kg, what
  // the given text came to.
  void at_most_elemental(const Field& f, double mmol, double max_mg, const std::string& per,
                         const std::string& what, const std::string& range_note) const {
    const double scale = per == "/d" ? 24.0 : 1.0;  // mmol/h -> mmol/d
    const double max_mmol = max_mg / element_.molar_mass_g_per_mol;
    if (mmol * scale <= max_mmol) return;
    const std::string text = f.value.Scalar();
    const std::string unit_g = "g" + per, unit_mmol = "mmol" + per;
    const bool converted = f.name.rfind("salt_", 0) == 0 || per_kg_position(text) != std::string::npos;
    fail(f.value, what + " of '" + text + "'" +
                      (converted ? " (" + units::shortest_number(round3(mmol * scale * element_.molar_mass_g_per_mol / 1000)) +
                                       " " + unit_g + " elemental " + element_.symbol + ")"
                                 : std::string()) +
                      " is implausible: it must be at most " +
                      units::shortest_number(max_mg / 1000) + " " + unit_g + " elemental " +
                      element_.symbol + " (" + units::shortest_number(std::round(max_mmol)) + " " +
                      unit_mmol + ")" + (range_note.empty() ? "" : " " + range_note));
  }
  static double round3(double v) {
    if (!(std::fabs(v) > 0) || !std::isfinite(v)) return v;
    const double p = std::pow(10.0, 2 - std::floor(std::log10(std::fabs(v))));
    return std::round(v * p) / p;
  }

  Supplement read_supplement(const YAML::Node& item) const;
  Infusion read_infusion(const YAML::Node& item, double run_h) const;
  void read_pauses(const Field& f, Infusion& inf, double end_h) const;
  Injection read_injection(const YAML::Node& item, double run_h) const;
  Medication read_medication(const YAML::Node& item) const;
  void read_parameters(const Field& f, Scenario& s) const;
  void read_solver(const Field& f, SolverSpec& solver) const;
  void read_initial(const Field& f, Scenario& s) const;

  // The form a name stands for (an alias resolves to its form).
  std::string canonical_salt(const std::string& name) const {
    const SaltForm* salt = vocab_.find_salt(name);
    return salt && !salt->alias_of.empty() ? salt->alias_of : name;
  }

  std::vector<std::string> salt_names(bool iv_only) const {
    std::vector<std::string> names;
    for (const auto& salt : vocab_.salts)
      if (!iv_only || salt.iv) names.push_back(salt.name);
    return names;
  }

  std::string file_;
  const Vocabulary& vocab_;
  units::Element element_ = scenario_defaults::element();
  std::vector<SetNode> set_nodes_;
  // The subject's weight, for doses per kg; set before any dose is read.
  double weight_kg_ = 70;
  bool weight_given_ = false;
};

Scenario Reader::read(const YAML::Node& root) {
  if (root.IsNull())
    throw ScenarioError(
        file_, 1, 1, "the scenario is empty: it needs at least 'duration' (e.g. duration: 12 w)");
  if (!root.IsMap())
    fail(root,
         "expected a map of scenario keys (name, duration, subject, ...) at the top level, got " +
             node_kind(root));
  const auto fs = fields(root, "scenario", kTopKeys);

  Scenario s;
  s.file = file_;
  s.name = std::filesystem::path(file_).stem().string();
  if (const Field* f = find(fs, "name")) s.name = scalar(*f);
  if (const Field* f = find(fs, "description")) s.description = scalar(*f);

  const Field* duration = find(fs, "duration");
  if (!duration) fail(root, "missing required key 'duration' (e.g. duration: 12 w)");
  // At most 150 y (scenario_limits::max_time_h, checked with every time).
  s.duration_h = positive(*duration, units::kinds::duration(), "duration");

  s.output.interval_h = std::min(scenario_defaults::output_interval_h, s.duration_h);
  if (const Field* f = find(fs, "output")) read_output(*f, s);
  if (const Field* f = find(fs, "subject")) {
    read_subject(*f, s.subject);
    if (f->value.IsMap())
      for (auto it = f->value.begin(); it != f->value.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == "weight") weight_given_ = true;
  }
  weight_kg_ = s.subject.weight_kg;
  s.diet = default_diet();
  if (const Field* f = find(fs, "diet")) read_diet(*f, s.diet);

  const auto items = [&](const char* key, const std::string& what, auto read_one) {
    if (const Field* f = find(fs, key)) {
      expect_list(f->value, "'" + std::string(key) + "' (" + what + ")");
      for (auto it = f->value.begin(); it != f->value.end(); ++it) read_one(*it);
    }
  };
  items("supplements", "- form: citrate ...",
        [&](const YAML::Node& n) { s.supplements.push_back(read_supplement(n)); });
  items("infusions", "- form: sulfate ...",
        [&](const YAML::Node& n) { s.infusions.push_back(read_infusion(n, s.duration_h)); });
  items("injections", "- {form: sulfate, route: im, salt_amount: 5 g, at: [0 h]}",
        [&](const YAML::Node& n) { s.injections.push_back(read_injection(n, s.duration_h)); });
  items("medications", "- drug: omeprazole ...",
        [&](const YAML::Node& n) { s.medications.push_back(read_medication(n)); });

  if (const Field* f = find(fs, "parameters")) read_parameters(*f, s);
  if (const Field* f = find(fs, "initial")) {
    read_initial(*f, s);
    if (!s.measured.empty() && !s.diet.schedule.empty() && s.diet.schedule.front().from_h < 0)
      fail(f->value, "measured initial values describe t = 0, and the diet history starts "
                     "before it from its own steady state; give one or the other");
  }
  if (const Field* f = find(fs, "solver")) read_solver(*f, s.solver);
  return s;
}

// initial: steady_state | default | {NAME: VALUE, ...} (measured values, names and plausible
// ranges from the model's vocabulary).
void Reader::read_initial(const Field& f, Scenario& s) const {
  s.initial_mark = mark(f.value.IsNull() ? f.key : f.value);
  if (!f.value.IsMap()) {
    s.initial = name_from(f, kInitialModes, "initial state");
    return;
  }
  std::vector<std::string> names;
  for (const auto& m : vocab_.measurable) names.push_back(m.name);
  if (names.empty()) fail(f.value, "this model takes no measured start values");
  if (f.value.size() == 0)
    fail(f.value, "no measured value given; e.g. initial: {" + names.front() + ": " +
                      units::kinds::elemental_concentration(element_).example + "}");
  for (const Field& v : fields(f.value, "initial", names, "measured value")) {
    const MeasuredQuantity* q = vocab_.find_measurable(v.name);
    const QuantityKind kind{q->unit,     q->what,          q->unit + ", mg/dL, mEq/L",
                            "0.85 " + q->unit, q->elemental, false};
    s.measured.push_back({v.name, within(v, kind, q->what, q->min, q->max), q->unit, mark(v.value)});
  }
  s.initial = "measured";
}

void Reader::read_output(const Field& f, Scenario& s) const {
  expect_map(f.value, f.key, "'output' (e.g. {interval: 30 min})");
  const auto fs = fields(f.value, "output", kOutputKeys);
  if (const Field* i = find(fs, "interval")) {
    const double v = quantity(*i, units::kinds::duration());
    if (!(v > 0))
      fail(i->value, "output interval must be positive, got '" + i->value.Scalar() + "'");
    if (v > s.duration_h)
      fail(i->value, "output interval '" + i->value.Scalar() + "' is longer than the duration (" +
                         units::format_best(s.duration_h, "h", {"y", "w", "d", "h", "min"}) + ")");
    if (!(s.duration_h / v <= scenario_defaults::max_output_samples)) {
      char count[32], least[32];
      std::snprintf(least, sizeof least, "%.3g s",
                    s.duration_h / scenario_defaults::max_output_samples * 3600);
      std::snprintf(count, sizeof count, std::isfinite(s.duration_h / v) ? "%.3g" : "more than 1e308",
                    s.duration_h / v);
      fail(i->value, "output interval '" + i->value.Scalar() + "' gives " + count + " samples over " +
                         units::format_best(s.duration_h, "h", {"y", "w", "d", "h", "min"}) +
                         "; at most 1e9 per series (an interval of at least " + least + ")");
    }
    s.output.interval_h = v;
  }
  if (const Field* t = find(fs, "times")) {
    // Lab-draw times, in addition to the interval; alone, they replace it (samples at 0, at
    // each time and at the end).
    for (const auto& n : time_list(*t, "times: [0.5 h, 2 h]")) {
      const double h = quantity_of(n, n.Scalar(), units::kinds::time_point());
      if (!(h >= 0) || h > s.duration_h)
        fail(n, "output time '" + n.Scalar() + "' is outside the run (0 to " +
                    units::format_best(s.duration_h, "h", {"y", "w", "d", "h", "min"}) + ")");
      if (std::find(s.output.times_h.begin(), s.output.times_h.end(), h) != s.output.times_h.end())
        fail(n, "output time '" + n.Scalar() + "' is listed twice");
      s.output.times_h.push_back(h);
    }
    std::sort(s.output.times_h.begin(), s.output.times_h.end());
    if (!find(fs, "interval")) s.output.interval_h = s.duration_h;
  }
  if (const Field* v = find(fs, "variables")) {
    expect_list(v->value, "'variables' (e.g. [serum_mg_total, urine_mg_rate])");
    for (auto it = v->value.begin(); it != v->value.end(); ++it) {
      const YAML::Node n = *it;
      if (!n.IsScalar()) fail(n, "expected an output name, got " + node_kind(n));
      if (std::find(vocab_.outputs.begin(), vocab_.outputs.end(), n.Scalar()) ==
          vocab_.outputs.end())
        fail(n, "unknown output variable '" + n.Scalar() + "'" +
                    suggestion(n.Scalar(), vocab_.outputs));
      s.output.variables.push_back(n.Scalar());
    }
  }
}

void Reader::read_subject(const Field& f, Subject& subject) const {
  expect_map(f.value, f.key, "'subject' (e.g. {sex: female, age: 67 y})");
  subject.mark = mark(f.value.IsNull() ? f.key : f.value);
  const auto fs = fields(f.value, "subject", kSubjectKeys);
  namespace k = units::kinds;
  if (const Field* x = find(fs, "sex")) subject.sex = name_from(*x, vocab_.sexes, "sex");
  if (const Field* x = find(fs, "age")) subject.age_y = within(*x, k::age(), "an age", limits::min_age_y, limits::max_age_y);
  if (const Field* x = find(fs, "weight"))
    subject.weight_kg = within(*x, k::body_weight(), "a body weight", limits::min_weight_kg,
                                limits::max_weight_kg);
  if (const Field* x = find(fs, "height"))
    subject.height_cm = within(*x, k::body_height(), "a height", limits::min_height_cm,
                                limits::max_height_cm);
  if (const Field* x = find(fs, "egfr"))
    subject.egfr_ml_min_173 = within(*x, k::egfr(), "an eGFR", 0, limits::max_egfr, true);
  if (const Field* x = find(fs, "albumin"))
    subject.albumin_g_per_L = within(*x, k::albumin(), "a serum albumin",
                                      limits::min_albumin_g_per_L, limits::max_albumin_g_per_L);
  if (const Field* x = find(fs, "conditions")) {
    expect_list(x->value, "'conditions' (e.g. [pregnancy, crohns])");
    for (auto it = x->value.begin(); it != x->value.end(); ++it) {
      const YAML::Node n = *it;
      if (!n.IsScalar()) fail(n, "expected a condition name, got " + node_kind(n));
      const std::string& c = n.Scalar();
      if (std::find(vocab_.conditions.begin(), vocab_.conditions.end(), c) ==
          vocab_.conditions.end())
        fail(n, "unknown condition '" + c + "'" + suggestion(c, vocab_.conditions));
      if (std::find(subject.conditions.begin(), subject.conditions.end(), c) !=
          subject.conditions.end())
        fail(n, "condition '" + c + "' is listed twice");
      subject.conditions.push_back(c);
    }
  }
}

void Reader::read_diet(const Field& f, Diet& diet) const {
  expect_map(f.value, f.key, "'diet' (e.g. {magnesium: 250 mg/d})");
  diet.mark = mark(f.value.IsNull() ? f.key : f.value);
  const auto fs = fields(f.value, "diet", kDietKeys);
  const auto rate_kind = units::kinds::elemental_rate(element_);
  if (const Field* m = find(fs, "magnesium")) {
    diet.schedule.clear();
    if (m->value.IsSequence()) {
      if (m->value.size() == 0)
        fail(m->value, "the diet schedule is empty; give at least {from: 0 d, rate: 300 mg/d}");
      for (auto it = m->value.begin(); it != m->value.end(); ++it) {
        const YAML::Node step = *it;
        if (!step.IsMap())
          fail(step,
               "expected a schedule step {from: 0 d, rate: 300 mg/d}, got " + node_kind(step));
        const auto sf = fields(step, "diet schedule step", kDietStepKeys);
        const Field* from = find(sf, "from");
        const Field* rate = find(sf, "rate");
        if (!from) fail(step, "a diet schedule step needs 'from' (e.g. from: 14 d)");
        if (!rate) fail(step, "a diet schedule step needs 'rate' (e.g. rate: 300 mg/d)");
        DietStep d;
        d.from_h = quantity(*from, units::kinds::time_point());
        if (diet.schedule.empty() && d.from_h > 0)
          fail(from->value, "the first diet step must start at 0 (from: 0 d) or before it (a "
                            "diet history, e.g. from: -26 w), got '" +
                                from->value.Scalar() + "'");
        if (diet.schedule.empty() && d.from_h < -scenario_defaults::max_history_h)
          fail(from->value, "a diet history of '" + from->value.Scalar() +
                                "' reaches back too far; at most 10 y (from: -10 y)");
        if (!diet.schedule.empty() && !(d.from_h > diet.schedule.back().from_h))
          fail(from->value, "diet steps must be in time order: '" + from->value.Scalar() +
                                "' is not after the previous step");
        d.rate_mmol_per_h = non_negative(*rate, rate_kind, "a Mg intake");
        at_most_elemental(*rate, d.rate_mmol_per_h, limits::max_diet_mg_per_day, "/d",
                          "a Mg intake", "");
        diet.schedule.push_back(d);
      }
    } else if (m->value.IsScalar()) {
      diet.schedule.push_back({0, non_negative(*m, rate_kind, "a Mg intake")});
      at_most_elemental(*m, diet.schedule.back().rate_mmol_per_h, limits::max_diet_mg_per_day,
                        "/d", "a Mg intake", "");
    } else {
      fail(m->value.IsNull() ? m->key : m->value,
           "expected a daily Mg intake (e.g. magnesium: 250 mg/d) or a schedule list "
           "[{from: 0 d, rate: 350 mg/d}, ...], got " +
               node_kind(m->value));
    }
  }
  if (const Field* m = find(fs, "meals")) {
    expect_list(m->value, "'meals' (e.g. [\"07:30\", \"12:30\", \"19:00\"])");
    diet.meals_h.clear();
    for (auto it = m->value.begin(); it != m->value.end(); ++it)
      diet.meals_h.push_back(time_of_day(*it));
  }
}

DoseTiming Reader::read_timing(const YAML::Node& item, const std::vector<Field>& fs) const {
  DoseTiming t;
  const Field* times = find(fs, "times");
  const Field* at = find(fs, "at");
  if (times && at) fail(at->key, "give either 'times' (daily) or 'at' (single doses), not both");
  if (!times && !at)
    fail(item, "a dose needs 'times: [\"08:00\"]' (daily) or 'at: 3 d' (once, from t = 0)");
  if (times) {
    if (times->value.IsNull())
      fail(times->key, "'times' has no value; write e.g. times: [\"08:00\"]");
    if (times->value.IsMap())
      fail(times->value, "expected a list of times of day for 'times', got a map");
    std::vector<YAML::Node> nodes;
    if (times->value.IsScalar()) nodes.push_back(times->value);
    for (auto it = times->value.begin(); it != times->value.end(); ++it) nodes.push_back(*it);
    if (nodes.empty()) fail(times->value, "'times' is empty; write e.g. times: [\"08:00\"]");
    for (const auto& n : nodes) {
      const double h = time_of_day(n);
      if (std::find(t.times_of_day_h.begin(), t.times_of_day_h.end(), h) != t.times_of_day_h.end())
        fail(n, "time of day '" + n.Scalar() + "' is listed twice");
      t.times_of_day_h.push_back(h);
    }
    const Field* start = find(fs, "start");
    const Field* stop = find(fs, "stop");
    if (start) t.start_h = quantity(*start, units::kinds::time_point());
    if (stop) {
      t.stop_h = quantity(*stop, units::kinds::time_point());
      if (!(t.stop_h > t.start_h))
        fail(stop->value, "stop '" + stop->value.Scalar() + "' is not after start (" +
                              (start ? "'" + start->value.Scalar() + "'" : std::string("0 h")) +
                              ")");
    }
  } else {
    for (const char* k : {"start", "stop"})
      if (const Field* x = find(fs, k))
        fail(x->key,
             "'" + std::string(k) + "' applies to daily 'times'; 'at' is measured from t = 0");
    for (const auto& n : time_list(*at, "at: 3 d")) {
      const double h = quantity_of(n, n.Scalar(), units::kinds::time_point());
      if (h < 0)
        fail(n, "a single dose cannot be before t = 0, got '" + n.Scalar() +
                    "' (use 'times' with a negative 'start' for a regimen already running)");
      t.at_h.push_back(h);
    }
  }
  return t;
}

Supplement Reader::read_supplement(const YAML::Node& item) const {
  if (!item.IsMap())
    fail(item, "expected a supplement {form: citrate, dose: 150 mg, times: [\"08:00\"]}, got " +
                   node_kind(item));
  const auto fs = fields(item, "supplement", kSupplementKeys);
  Supplement s;
  s.mark = mark(item);
  const Field* form = find(fs, "form");
  if (!form) fail(item, "a supplement needs 'form' (" + join(salt_names(false)) + ")");
  s.form = canonical_salt(name_from(*form, salt_names(false), "salt form"));
  const SaltForm* salt = vocab_.find_salt(s.form);
  if (!salt->oral) fail(form->value, "salt form '" + s.form + "' is not taken by mouth");
  const DoseAmount dose = read_dose_amount(
      fs, item, "dose", "salt_dose", *salt, "a dose",
      "a supplement needs 'dose' (elemental, e.g. 150 mg) or 'salt_dose' (salt as sold)");
  s.dose_mmol = dose.mmol;
  s.salt_dose_mg = dose.salt_mg;
  s.timing = read_timing(item, fs);
  if (const Field* w = find(fs, "with_meal")) s.with_meal = boolean(*w);
  return s;
}

Infusion Reader::read_infusion(const YAML::Node& item, double run_h) const {
  if (!item.IsMap())
    fail(item,
         "expected an infusion {form: sulfate, salt_rate: 1 g/h, ...}, got " + node_kind(item));
  const auto fs = fields(item, "infusion", kInfusionKeys);
  Infusion inf;
  inf.mark = mark(item);
  inf.form = scenario_defaults::infusion_form;
  if (const Field* form = find(fs, "form")) {
    inf.form = canonical_salt(name_from(*form, salt_names(false), "salt form"));
    if (!vocab_.find_salt(inf.form)->iv)
      fail(form->value,
           "salt form '" + inf.form + "' cannot be given IV; IV forms: " + join(salt_names(true)));
  }
  const SaltForm* salt = vocab_.find_salt(inf.form);
  if (!salt)
    fail(item,
         "the default infusion form '" + inf.form + "' is not known to this model; give 'form'");

  // An amount over a time: the loading dose, or a bolus given as an item of its own.
  const auto read_amount = [&](const std::vector<Field>& af, const YAML::Node& where,
                               const std::string& what) {
    return read_dose_amount(af, where, "amount", "salt_amount", *salt, what,
                            what + " needs 'amount' (elemental) or 'salt_amount' (e.g. 4 g)");
  };
  const Field* loading = find(fs, "loading");
  const Field* bolus_amount = find(fs, "amount");
  const Field* bolus_salt = find(fs, "salt_amount");
  const Field* bolus_over = find(fs, "over");
  const bool bolus = bolus_amount || bolus_salt;
  if (loading) {
    if (!loading->value.IsMap())
      fail(loading->value.IsNull() ? loading->key : loading->value,
           "expected a map {salt_amount: 4 g, over: 20 min} for 'loading', got " +
               node_kind(loading->value));
    const auto lf = fields(loading->value, "loading", kLoadingKeys);
    const Field* over = find(lf, "over");
    const DoseAmount load = read_amount(lf, loading->value, "a loading dose");
    inf.loading_mmol = load.mmol;
    inf.loading_as_salt = load.salt_mg > 0;
    if (!over) fail(loading->value, "a loading dose needs 'over' (e.g. over: 20 min)");
    inf.loading_over_h = positive(*over, units::kinds::duration(), "'over'");
  }
  if (bolus || bolus_over) {
    const Field* first = bolus_amount ? bolus_amount : bolus_salt ? bolus_salt : bolus_over;
    if (loading)
      fail(first->key, "give either 'loading' (a load before a maintenance rate) or a bolus "
                       "'amount'/'salt_amount' of its own, not both");
    if (!bolus)
      fail(bolus_over->key, "'over' is the time a bolus takes; give 'amount' or 'salt_amount' too");
    for (const char* k : {"rate", "salt_rate", "duration", "stop", "pauses"})
      if (const Field* x = find(fs, k))
        fail(x->key, "a bolus ('amount'/'salt_amount') has no maintenance phase, so no '" +
                         std::string(k) +
                         "'; for a load followed by a rate write loading: {salt_amount: 4 g, over: "
                         "20 min} and salt_rate");
    const DoseAmount dose = read_amount(fs, item, "a bolus");
    inf.loading_mmol = dose.mmol;
    inf.loading_as_salt = dose.salt_mg > 0;
    // Without 'over' the bolus is given at once (an IV push).
    if (bolus_over) inf.loading_over_h = positive(*bolus_over, units::kinds::duration(), "'over'");
  }
  const Field* rate = find(fs, "rate");
  const Field* salt_rate = find(fs, "salt_rate");
  if (rate && salt_rate)
    fail(salt_rate->key,
         "give either 'rate' (elemental Mg) or 'salt_rate' (salt mass per time), not both");
  if (!loading && !bolus && !rate && !salt_rate)
    fail(item, "an infusion needs 'rate' (e.g. 4 mmol/h), 'salt_rate' (e.g. 1 g/h), 'loading', "
               "or a bolus 'amount'/'salt_amount'");
  if (rate)
    inf.rate_mmol_per_h = dose_quantity(*rate, units::kinds::elemental_rate(element_), "a rate");
  if (salt_rate) {
    inf.rate_mmol_per_h = salt_to_elemental_mmol(
        dose_quantity(*salt_rate, units::kinds::salt_rate(), "a rate"), *salt);
    inf.rate_as_salt = true;
  }
  if (rate || salt_rate)
    at_most_elemental(rate ? *rate : *salt_rate, inf.rate_mmol_per_h, limits::max_rate_mg_per_h,
                      "/h", "an infusion rate", "");
  if (const Field* start = find(fs, "start")) {
    inf.start_h = quantity(*start, units::kinds::time_point());
    if (inf.start_h < 0)
      fail(start->value,
           "an infusion cannot start before t = 0, got '" + start->value.Scalar() + "'");
  }
  const Field* duration = find(fs, "duration");
  const Field* stop = find(fs, "stop");
  if (duration && stop)
    fail(stop->key, "give either 'duration' (of the maintenance infusion) or 'stop' (the time it "
                    "ends), not both");
  for (const Field* x : {duration, stop})
    if (x && !rate && !salt_rate)
      fail(x->key, "'" + x->name +
                       "' is the end of the maintenance infusion; give 'rate' or 'salt_rate' too");
  const double maintenance_from = inf.start_h + inf.loading_over_h;
  if (duration) {
    inf.duration_h = positive(*duration, units::kinds::duration(), "an infusion duration");
  } else if (stop) {
    inf.stop_h = quantity(*stop, units::kinds::time_point());
    if (!(inf.stop_h > maintenance_from))
      fail(stop->value, "stop '" + stop->value.Scalar() +
                            "' is not after the infusion's start" +
                            (inf.loading_over_h > 0 ? " and loading dose" : "") + " (" +
                            units::format_best(maintenance_from, "h", {"h", "d", "min"}) + ")");
    inf.duration_h = inf.stop_h - maintenance_from;
  } else if (rate || salt_rate) {
    inf.duration_h = std::max(0.0, run_h - maintenance_from);  // until the end
  }
  if (const Field* p = find(fs, "pauses"))
    read_pauses(*p, inf, maintenance_from + inf.duration_h);
  return inf;
}

// pauses: [{from: 6 h, to: 7 h}, {at: 12 h, for: 30 min}]: the infusion is off, and its end
// does not move.
void Reader::read_pauses(const Field& f, Infusion& inf, double end_h) const {
  const std::string example = "pauses: [{from: 6 h, to: 7 h}] or [{at: 6 h, for: 1 h}]";
  if (f.value.IsNull()) fail(f.key, "'pauses' has no value; write e.g. " + example);
  if (!f.value.IsSequence())
    fail(f.value, "expected a list for 'pauses' (e.g. " + example + "), got " + node_kind(f.value));
  const std::string span_text = units::format_best(inf.start_h, "h", {"h", "d", "min"}) + " to " +
                                units::format_best(end_h, "h", {"h", "d", "min"});
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    const YAML::Node n = *it;
    if (!n.IsMap()) fail(n, "expected a pause {from: 6 h, to: 7 h}, got " + node_kind(n));
    const auto pf = fields(n, "pause", kPauseKeys);
    const Field* from = find(pf, "from");
    const Field* to = find(pf, "to");
    const Field* at = find(pf, "at");
    const Field* length = find(pf, "for");
    InfusionPause p;
    if (from || to) {
      if (at || length)
        fail((at ? at : length)->key, "give a pause as {from, to} or as {at, for}, not a mix");
      if (!from || !to) fail(n, "a pause needs both 'from' and 'to' (e.g. {from: 6 h, to: 7 h})");
      p.from_h = quantity(*from, units::kinds::time_point());
      p.to_h = quantity(*to, units::kinds::time_point());
      if (!(p.to_h > p.from_h))
        fail(to->value, "a pause must end after it begins: 'to' '" + to->value.Scalar() +
                            "' is not after 'from' '" + from->value.Scalar() + "'");
    } else {
      if (!at || !length) fail(n, "a pause needs 'from' and 'to', or 'at' and 'for'");
      p.from_h = quantity(*at, units::kinds::time_point());
      p.to_h = p.from_h + positive(*length, units::kinds::duration(), "a pause length");
    }
    const YAML::Node& where = from ? from->value : at->value;
    if (p.from_h < inf.start_h || p.to_h > end_h)
      fail(where, "the pause is outside the infusion, which runs from " + span_text);
    if (!inf.pauses.empty() && p.from_h < inf.pauses.back().to_h)
      fail(where, "pauses must be in time order and must not overlap: this one begins before "
                  "the previous one ends");
    inf.pauses.push_back(p);
  }
}

Injection Reader::read_injection(const YAML::Node& item, double run_h) const {
  if (!item.IsMap())
    fail(item, "expected an injection {form: sulfate, route: im, salt_amount: 5 g, at: [0 h]}, "
               "got " +
                   node_kind(item));
  const auto fs = fields(item, "injection", kInjectionKeys);
  Injection inj;
  inj.mark = mark(item);
  inj.form = scenario_defaults::infusion_form;
  if (const Field* form = find(fs, "form")) {
    inj.form = canonical_salt(name_from(*form, salt_names(false), "salt form"));
    if (!vocab_.find_salt(inj.form)->iv)
      fail(form->value, "salt form '" + inj.form +
                            "' cannot be injected; injectable forms: " + join(salt_names(true)));
  }
  const SaltForm* salt = vocab_.find_salt(inj.form);
  if (!salt)
    fail(item,
         "the default injection form '" + inj.form + "' is not known to this model; give 'form'");
  if (const Field* r = find(fs, "route")) inj.route = name_from(*r, kInjectionRoutes, "route");
  const DoseAmount dose = read_dose_amount(
      fs, item, "amount", "salt_amount", *salt, "a dose",
      "an injection needs 'amount' (elemental, e.g. 20 mmol) or 'salt_amount' (e.g. 5 g MgSO4)");
  inj.dose_mmol = dose.mmol;
  inj.salt_dose_mg = dose.salt_mg;
  const Field* at = find(fs, "at");
  const Field* every = find(fs, "every");
  if (at && every)
    fail(every->key, "give either 'at' (single injections) or 'every' (repeated), not both; "
                     "write two items for both");
  if (!at && !every)
    fail(item, "an injection needs 'at: [0 h]' (once at each time) or 'every: 4 h' (repeated)");
  if (at) {
    for (const char* k : {"start", "stop"})
      if (const Field* x = find(fs, k))
        fail(x->key, "'" + std::string(k) + "' applies to 'every'; 'at' times are from t = 0");
    for (const auto& n : time_list(*at, "at: [0 h]")) {
      const double h = quantity_of(n, n.Scalar(), units::kinds::time_point());
      if (h < 0 || h >= run_h)
        fail(n, "injection time '" + n.Scalar() + "' is outside the run (0 to " +
                    units::format_best(run_h, "h", {"y", "w", "d", "h", "min"}) + ")");
      inj.at_h.push_back(h);
    }
    std::sort(inj.at_h.begin(), inj.at_h.end());
  } else {
    inj.every_h = positive(*every, units::kinds::duration(), "'every'");
    if (inj.every_h < limits::min_injection_interval_h)
      fail(every->value, "injections 'every' '" + every->value.Scalar() +
                             "' is implausible: repeated injections are at least 1 min apart");
    const Field* start = find(fs, "start");
    const Field* stop = find(fs, "stop");
    if (start) {
      inj.start_h = quantity(*start, units::kinds::time_point());
      if (inj.start_h < 0)
        fail(start->value, "injections cannot start before t = 0, got '" + start->value.Scalar() +
                               "'");
    }
    if (stop) {
      inj.stop_h = quantity(*stop, units::kinds::time_point());
      if (!(inj.stop_h > inj.start_h))
        fail(stop->value, "stop '" + stop->value.Scalar() + "' is not after start (" +
                              (start ? "'" + start->value.Scalar() + "'" : std::string("0 h")) +
                              ")");
    }
  }
  return inj;
}

Medication Reader::read_medication(const YAML::Node& item) const {
  if (!item.IsMap())
    fail(item, "expected a medication {drug: omeprazole, dose: 20 mg, times: [\"07:00\"]}, got " +
                   node_kind(item));
  const auto fs = fields(item, "medication", kMedicationKeys);
  Medication m;
  m.mark = mark(item);
  const Field* drug = find(fs, "drug");
  if (!drug) fail(item, "a medication needs 'drug' (e.g. drug: omeprazole)");
  std::vector<std::string> names;
  for (const auto& d : vocab_.drugs) names.push_back(d.name);
  m.drug = name_from(*drug, names, "drug");
  const DrugInfo* info = vocab_.find_drug(m.drug);
  const auto& routes = info->routes;
  const bool oral_ok = std::find(routes.begin(), routes.end(), "oral") != routes.end();
  m.route = oral_ok || routes.empty() ? scenario_defaults::medication_route : routes.front();
  if (const Field* r = find(fs, "route")) {
    m.route = name_from(*r, kRoutes, "route");
    if (std::find(routes.begin(), routes.end(), m.route) == routes.end())
      fail(r->value,
           m.drug + " cannot be given by route '" + m.route + "'; its routes: " + join(routes));
  }
  const Field* dose = find(fs, "dose");
  if (!dose) fail(item, "a medication needs 'dose' (the drug's own mass, e.g. 20 mg)");
  m.dose_mg = non_negative(*dose, units::kinds::drug_mass(), "a dose");
  if (m.dose_mg > limits::max_drug_dose_mg)
    fail(dose->value, "a dose of '" + dose->value.Scalar() + "' of " + m.drug +
                          " is implausible: a drug dose must be at most 1 kg");
  m.timing = read_timing(item, fs);
  return m;
}

void Reader::read_parameters(const Field& f, Scenario& s) const {
  expect_map(f.value, f.key, "'parameters' (name: value with unit, as `magsim params` lists)");
  std::vector<std::string> names;
  for (const auto& p : vocab_.parameters) names.push_back(p.name);
  for (const auto& p : fields(f.value, "parameters", names, "parameter")) {
    const ParameterInfo* info = vocab_.find_parameter(p.name);
    const std::string text = scalar(p);
    const std::string unit = info->unit.empty() ? "1" : info->unit;
    ParameterOverride o;
    o.name = p.name;
    o.mark = mark(p.key);
    try {
      o.value = units::convert(text, unit);
    } catch (const UnitError& e) {
      fail(p.value, "parameter '" + p.name + "' (in " + unit + "): " + e.what(), e.offset());
    }
    const std::string unit_text = unit == "1" ? "" : " " + unit;
    if (info->min >= 0 && o.value < 0)
      fail(p.value, "parameter '" + p.name + "' cannot be negative (plausible range " +
                        units::shortest_number(info->min) + " to " +
                        units::shortest_number(info->max) + unit_text + ")");
    // Outside the plausible range is a warning of `magsim check`; far outside, an error.
    const limits::Range r = limits::parameter_override_range(*info);
    if (!(o.value >= r.lo && o.value <= r.hi))
      fail(p.value, "parameter '" + p.name + "' = '" + text +
                        "' is far outside its plausible range " +
                        units::shortest_number(info->min) + " to " +
                        units::shortest_number(info->max) + unit_text +
                        ": an override must lie within " + units::shortest_number(r.lo) + " to " +
                        units::shortest_number(r.hi) + unit_text +
                        " (the plausible range widened tenfold" +
                        (limits::dimensionless(*info) && info->min >= 0 && info->max <= 1
                             ? "; a fraction is at most 1"
                             : "") +
                        ")");
    s.parameters.push_back(o);
  }
}

void Reader::read_solver(const Field& f, SolverSpec& solver) const {
  expect_map(f.value, f.key, "'solver' (e.g. {method: rosenbrock4, rtol: 1e-6})");
  const auto fs = fields(f.value, "solver", kSolverKeys);
  if (const Field* m = find(fs, "method"))
    solver.method = name_from(*m, kSolverMethods, "solver method");
  // Ranges: scenario_limits (docs/scenario.md, "Ranges").
  for (const char* k : {"rtol", "atol"}) {
    if (const Field* x = find(fs, k)) {
      const bool rtol = std::string(k) == "rtol";
      const double v = plain_number(*x);
      if (!(v > 0))
        fail(x->value,
             "'" + std::string(k) + "' must be a positive number, got '" + x->value.Scalar() + "'");
      const double lo = rtol ? limits::min_rtol : limits::min_atol;
      const double hi = rtol ? limits::max_rtol : limits::max_atol;
      if (!(v >= lo && v <= hi))
        fail(x->value, "'" + std::string(k) + "' of '" + x->value.Scalar() +
                           "' is out of range: it must be within " + units::shortest_number(lo) +
                           " to " + units::shortest_number(hi));
      (rtol ? solver.rtol : solver.atol) = v;
    }
  }
  if (const Field* x = find(fs, "max_step")) {
    const double v = quantity_of(x->value, scalar(*x), units::kinds::duration(), false);
    if (!(v >= limits::min_max_step_h && v <= limits::max_max_step_h))
      fail(x->value, "'max_step' of '" + x->value.Scalar() +
                         "' is out of range: it must be within 1 s to 30 d");
    solver.max_step_h = v;
  }
}

// --set PATH=VALUE ------------------------------------------------------------------------------

constexpr std::size_t kAppend = static_cast<std::size_t>(-1);  // index of "[+]"

struct PathStep {
  std::string key;  // empty for an index
  std::size_t index = 0;  // kAppend: a new item at the end
  int column = 1;  // 1-based, inside the --set argument
};

[[noreturn]] void set_error(int column, const std::string& message) {
  throw ScenarioError("--set", 1, column, message);
}

std::vector<PathStep> parse_set_path(const std::string& path) {
  std::vector<PathStep> steps;
  std::size_t i = 0;
  if (path.empty()) set_error(1, "expected PATH=VALUE (e.g. subject.egfr=30 mL/min/1.73m2)");
  while (i < path.size()) {
    const int col = static_cast<int>(i) + 1;
    if (path.compare(i, 3, "[+]") == 0) {
      // Append: "medications[+]={drug: omeprazole, ...}" adds an item at the end of a list.
      if (steps.empty()) set_error(col, "a path starts with a key, e.g. medications[+]");
      if (i + 3 != path.size()) set_error(col, "[+] (append) must end the path");
      steps.push_back({"", kAppend, col});
      break;
    }
    if (path[i] == '[') {
      std::size_t j = i + 1;
      std::size_t index = 0;
      while (j < path.size() && std::isdigit(static_cast<unsigned char>(path[j]))) {
        // Bounded before it can wrap (meals[18446744073709551616] once edited meals[0]).
        if (j - i > 9) set_error(col, "list index too large in '" + path + "' (at most 999999999)");
        index = index * 10 + static_cast<std::size_t>(path[j++] - '0');
      }
      if (j == i + 1 || j >= path.size() || path[j] != ']')
        set_error(col, "expected a list index such as [0] in '" + path + "'");
      if (steps.empty()) set_error(col, "a path starts with a key, e.g. supplements[0].dose");
      steps.push_back({"", index, col});
      i = j + 1;
      if (i < path.size() && path[i] == '.') {
        ++i;
        if (i >= path.size()) set_error(static_cast<int>(i), "path ends with '.'");
      }
      continue;
    }
    std::size_t j = i;
    while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
    if (j == i) set_error(col, "empty key in path '" + path + "'");
    steps.push_back({path.substr(i, j - i), 0, col});
    // Parameter names contain dots ("renal.gfr_scale"): the rest of the path is one key.
    if (steps.size() == 1 && steps[0].key == "parameters" && j < path.size() && path[j] == '.') {
      steps.push_back({path.substr(j + 1), 0, static_cast<int>(j) + 2});
      if (steps.back().key.empty()) set_error(static_cast<int>(j) + 1, "path ends with '.'");
      return steps;
    }
    i = j;
    if (i < path.size() && path[i] == '.') {
      ++i;
      if (i >= path.size()) set_error(static_cast<int>(i), "path ends with '.'");
    }
  }
  return steps;
}

void apply_set(YAML::Node& root, const std::string& arg, Reader& reader) {
  const std::size_t eq = arg.find('=');
  if (eq == std::string::npos)
    set_error(1, "expected PATH=VALUE (e.g. subject.egfr=30 mL/min/1.73m2), got '" + arg + "'");
  const std::vector<PathStep> steps = parse_set_path(arg.substr(0, eq));
  const int value_column = static_cast<int>(eq) + 2;
  YAML::Node value;
  try {
    value = load_yaml_bounded(arg.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    set_error(value_column + std::max(0, e.mark.column), "malformed --set value: " + e.msg);
  }
  // An empty value loads as a node-less Null; give it a node so that errors can find it.
  if (value.IsNull()) value = YAML::Node(YAML::NodeType::Null);
  reader.register_set_node(value, value_column);

  if (!root.IsMap() && !root.IsNull()) set_error(1, "the scenario is not a map of keys");
  YAML::Node node = root;
  std::string where = "the scenario";
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const PathStep& step = steps[s];
    const bool last = s + 1 == steps.size();
    if (step.key.empty() && step.index == kAppend) {
      if (!node.IsSequence() && !node.IsNull())
        set_error(step.column, where + " is not a list; nothing can be appended to it");
      node.push_back(value);
      return;
    }
    if (step.key.empty()) {
      if (!node.IsSequence())
        set_error(step.column, where + " is not a list; it cannot take an index");
      if (step.index >= node.size())
        set_error(step.column, "index " + std::to_string(step.index) + " is out of range: " +
                                   where + " has " + std::to_string(node.size()) + " item(s)");
      if (last) {
        node[step.index] = value;
        return;
      }
      node.reset(node[step.index]);
      where = where + "[" + std::to_string(step.index) + "]";
      continue;
    }
    if (!node.IsMap() && !node.IsNull())
      set_error(step.column, where + " is not a map; it has no key '" + step.key + "'");
    YAML::Node child;
    bool found = false;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == step.key) {
        child.reset(it->second);
        found = true;
        break;
      }
    }
    if (last) {
      if (found) {
        child = value;  // the value node in the tree now shares `value`
      } else {
        YAML::Node key(step.key);
        reader.register_set_key(key, step.column);
        node.force_insert(key, value);
      }
      return;
    }
    if (!found && steps[s + 1].index == kAppend && steps[s + 1].key.empty()) {
      YAML::Node key(step.key);
      YAML::Node list(YAML::NodeType::Sequence);
      reader.register_set_key(key, step.column);
      reader.register_set_key(list, step.column);
      list.push_back(value);
      node.force_insert(key, list);
      return;
    }
    if (!found) {
      if (steps[s + 1].key.empty())
        set_error(steps[s + 1].column,
                  "'" + step.key + "' is not in the scenario, so it has no item to set");
      YAML::Node key(step.key);
      YAML::Node map(YAML::NodeType::Map);
      reader.register_set_key(key, step.column);
      reader.register_set_key(map, step.column);
      node.force_insert(key, map);
      child.reset(map);
    }
    node.reset(child);
    where = "'" + step.key + "'";
  }
}

// yaml-cpp reports where it noticed a problem; for the two most common causes, point at the cause.
ScenarioError yaml_syntax_error(const std::string& text, const std::string& file,
                                const YAML::Exception& e) {
  const bool known = !e.mark.is_null() && e.mark.line >= 0;
  const std::size_t end =
      known && e.mark.pos >= 0 ? static_cast<std::size_t>(e.mark.pos) : text.size();
  // 1. A tab in the indentation of a line up to the error.
  int line = 1;
  for (std::size_t i = 0; i < text.size() && i <= end; ++line) {
    std::size_t j = i;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) {
      if (text[j] == '\t')
        return ScenarioError(file, line, static_cast<int>(j - i) + 1,
                             "malformed YAML: tab character in indentation (YAML indents with "
                             "spaces only)");
      ++j;
    }
    const std::size_t nl = text.find('\n', i);
    i = nl == std::string::npos ? text.size() : nl + 1;
  }
  // 2. A '[' or '{' never closed: point at it rather than at where the parser gave up.
  if (e.msg.find("flow not found") != std::string::npos) {
    struct Open {
      char c;
      int line, column;
    };
    std::vector<Open> open;
    char quote = 0;
    bool comment = false;
    char last = '\n';        // previous character
    char last_token = '\n';  // previous non-blank character on the line
    int l = 1, c = 0;
    for (std::size_t i = 0; i < std::min(end, text.size()); ++i) {
      const char ch = text[i];
      ++c;
      if (ch == '\n') {
        comment = false;
        ++l, c = 0, last = last_token = '\n';
        continue;
      }
      if (comment) continue;
      if (quote) {
        if (ch == '\\' && quote == '"')
          ++i, ++c;
        else if (ch == quote)
          quote = 0;
      } else if (ch == '#' && (last == ' ' || last == '\t' || last == '\n')) {
        comment = true;
      } else if ((ch == '"' || ch == '\'') &&
                 std::string("\n:[{,-").find(last_token) != std::string::npos) {
        quote = ch;
      } else if (ch == '[' || ch == '{') {
        open.push_back({ch, l, c});
      } else if ((ch == ']' || ch == '}') && !open.empty()) {
        open.pop_back();
      }
      last = ch;
      if (ch != ' ' && ch != '\t') last_token = ch;
    }
    if (!open.empty())
      return ScenarioError(
          file, open.back().line, open.back().column,
          std::string("malformed YAML: '") + open.back().c + "' is never closed (" + e.msg + ")");
  }
  return ScenarioError(file, known ? e.mark.line + 1 : 1, known ? e.mark.column + 1 : 1,
                       "malformed YAML: " + e.msg);
}

}  // namespace

std::string closest_name(const std::string& word, const std::vector<std::string>& options) {
  const std::string w = lower(word);
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& o : options) {
    const std::size_t d = edit_distance(w, lower(o));
    if (d < best_d) best_d = d, best = o;
  }
  const std::size_t allowed = std::max<std::size_t>(2, w.size() / 3);
  if (best_d <= allowed && best_d < std::max(w.size(), std::size_t{1})) return best;
  // A truncated name ("steady" for "steady_state") is a plausible typo too.
  if (w.size() >= 3)
    for (const auto& o : options)
      if (lower(o).rfind(w, 0) == 0) return o;
  return std::string();
}

double parse_time_of_day(const std::string& text) {
  const std::string bad = "expected a time of day \"HH:MM\" within 00:00-23:59, got '" + text + "'";
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || text.size() != colon + 3)
    throw UnitError(0, bad);
  int h = 0, m = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == colon) continue;
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) throw UnitError(0, bad);
    (i < colon ? h : m) = (i < colon ? h : m) * 10 + (text[i] - '0');
  }
  if (h > 23 || m > 59) throw UnitError(0, bad);
  return h + m / 60.0;
}

std::string format_time_of_day(double hours) {
  const long minutes = std::lround(hours * 60.0);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld", (minutes / 60) % 24, minutes % 60);
  return buf;
}

double salt_to_elemental_mmol(double salt_mg, const SaltForm& salt) {
  return salt_mg * salt.mg_mass_fraction / scenario_defaults::element().molar_mass_g_per_mol;
}

Diet default_diet() {
  Diet d;
  d.schedule.push_back(
      {0, units::convert(scenario_defaults::diet_magnesium,
                         units::kinds::elemental_rate(scenario_defaults::element()),
                         scenario_defaults::element())});
  for (const auto& m : scenario_defaults::meals()) d.meals_h.push_back(parse_time_of_day(m));
  return d;
}

YAML::Node load_yaml_text(const std::string& text, const std::string& filename) {
  try {
    return load_yaml_bounded(text);
  } catch (const YAML::Exception& e) {
    throw yaml_syntax_error(text, filename, e);
  }
}

Scenario parse_scenario_text(const std::string& text, const std::string& filename,
                             const Vocabulary& vocab, const std::vector<std::string>& sets) {
  Reader reader(filename, vocab);
  YAML::Node root;
  try {
    root = load_yaml_bounded(text);
  } catch (const YAML::Exception& e) {
    throw yaml_syntax_error(text, filename, e);
  }
  try {
    if (!sets.empty() && root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    for (const auto& set : sets) apply_set(root, set, reader);
    Scenario s = reader.read(root);
    if (sets.empty()) {
      s.source_text = text;
    } else {
      YAML::Emitter out;
      out << root;
      s.source_text = std::string(out.c_str()) + "\n";
    }
    return s;
  } catch (const YAML::Exception& e) {
    // Not expected from a parsed tree; report rather than crash.
    const bool known = !e.mark.is_null() && e.mark.line >= 0;
    throw ScenarioError(filename, known ? e.mark.line + 1 : 1, known ? e.mark.column + 1 : 1,
                        e.msg);
  }
}

Scenario parse_scenario_file(const std::string& path, const Vocabulary& vocab,
                             const std::vector<std::string>& sets) {
  std::string text;
  try {
    text = read_input_file(path);
  } catch (const InputFileError& e) {
    throw ScenarioError(path, 1, 1, std::string("cannot read scenario file: ") + e.what());
  }
  return parse_scenario_text(text, path, vocab, sets);
}

}  // namespace magsim::engine
