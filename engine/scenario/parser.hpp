// Scenario files (YAML) to engine::Scenario: every quantity converted to canonical units with its
// dimension checked, every name checked against the model's Vocabulary, and every mistake
// reported as a ScenarioError pointing at the offending key or value (file:line:column, 1-based).
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/scenario/scenario.hpp"
#include "engine/scenario/units.hpp"
#include "engine/model/vocabulary.hpp"

namespace magsim::engine {

// Reads and parses a scenario file. `sets` are "--set PATH=VALUE" overrides such as
// "subject.egfr=30 mL/min/1.73m2", "supplements[0].dose=200 mg", "parameters.renal.gfr_scale=0.5",
// or appends to a list: "medications[+]={drug: omeprazole, dose: 20 mg, times: ['07:00']}",
// applied to the YAML tree before conversion; a bad one is reported with file "--set", line 1
// and the column inside that argument. An unreadable file is an error at 1:1 with the OS reason.
Scenario parse_scenario_file(const std::string& path, const Vocabulary& vocab,
                             const std::vector<std::string>& sets = {});

// Same, from text already in memory; `filename` is used in messages and for the default name.
Scenario parse_scenario_text(const std::string& text, const std::string& filename,
                             const Vocabulary& vocab, const std::vector<std::string>& sets = {});

// YAML text to a tree; a syntax error is a ScenarioError pointing at its cause (an unclosed '[',
// a tab in the indentation) rather than where yaml-cpp gave up. For other YAML files of magsim
// (sweep files).
YAML::Node load_yaml_text(const std::string& text, const std::string& filename);

// What a scenario file may leave out, in one place. (Subject, output and solver defaults are the
// member initialisers in scenario.hpp.)
namespace scenario_defaults {
// Typical adult dietary Mg intake, near the mean of NHANES 2013-2016 adults (~300 mg/d).
inline constexpr const char* diet_magnesium = "300 mg/d";
inline const std::vector<std::string>& meals() {
  static const std::vector<std::string> m{"07:30", "12:30", "19:00"};
  return m;
}
inline constexpr const char* infusion_form = "sulfate";
inline constexpr const char* medication_route = "oral";
inline constexpr double output_interval_h = 1.0;  // shortened to the duration for short runs
// Samples per series at most: 1e9 rows of 57 series is 456 GB; an interval finer than
// duration / 1e9 is also finer than the resolution the sampler tells times apart with.
inline constexpr double max_output_samples = 1e9;
inline constexpr double max_duration_h = 150 * 8766.0;  // 150 y: longer than any subject lives
// A diet history before t = 0 reaches back at most 10 y: far beyond the slowest pool that
// matters (deep bone, t1/2 ~7 y, changes by < 1 % a year), and bounded cost.
inline constexpr double max_history_h = 10 * 8766.0;
// The element whose mass, amount (mmol) and charge (mEq) scenario quantities use.
inline units::Element element() { return units::Element{}; }
}  // namespace scenario_defaults

// Elemental mmol in `salt_mg` of a salt as sold (or mmol/h in mg/h): the one conversion behind
// salt_dose, salt_amount and salt_rate.
double salt_to_elemental_mmol(double salt_mg, const SaltForm& salt);

// The diet a scenario gets when it names none (scenario_defaults above, converted).
Diet default_diet();

// "HH:MM" (00:00-23:59) as hours after midnight; throws units::UnitError otherwise.
double parse_time_of_day(const std::string& text);
// Hours after midnight as "HH:MM", to the nearest minute.
std::string format_time_of_day(double hours);

// The option closest in spelling to `word` (case-insensitive edit distance), or "" if none is
// close enough to be a plausible typo.
std::string closest_name(const std::string& word, const std::vector<std::string>& options);

}  // namespace magsim::engine
