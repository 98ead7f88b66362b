// Sweep files (YAML) to a SweepDefinition: the base scenario, what varies and how, what each run
// reports. Every mistake is a ScenarioError at the offending key or value of the sweep file.
//
//   base: ../healthy_adult.yaml          # a scenario file, relative to this file
//   set: {duration: 8 w}                 # optional: edits every run gets (PATH: VALUE, as --set)
//   sweep:                               # one or more of grid, samples, population, arms:
//     grid: {PATH: [VALUE, ...], ...}    #   full factorial
//     samples: {n: 1000, method: latin_hypercube | sobol | random, seed: 1,
//               ranges: {PATH: [LOW, HIGH] | {low: LOW, high: HIGH, scale: linear | log}}}
//     population: {n: 5000, seed: 7,     #   virtual subjects from the model's reference
//                  covariates: {NAME: {KEY: VALUE}},        # change a covariate's distribution
//                  variability: {PARAMETER: CV},            # add, change (0 removes) a CV
//                  correlation: [[PARAMETER, PARAMETER, RHO], ...]}
//     arms: {NAME: {PATH: VALUE, ...}, ...}   # every point and grid cell under each arm
//   summary: [serum_mg_total.final, urine_mg.last_24h, ...]
//   keep_series: false | true | [SERIES, ...]
//
// Runs cross the designs: run = ((point x grid cell) x arm), the arm varying fastest, then the
// grid (its last path fastest), then the sample point or subject.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sweep/population.hpp"
#include "engine/scenario/scenario.hpp"
#include "engine/sweep/design.hpp"

namespace magsim::engine::sweep {

struct NamedItem {
  std::string text;
  SourceMark mark;
};

// One scenario edit, PATH=VALUE as for --set, with where the sweep file wrote it.
struct SweepEdit {
  std::string path;
  std::string value;     // YAML text (flow style for lists and maps)
  SourceMark path_mark;  // of the key
  SourceMark value_mark; // of the value
  bool value_quoted = false;
  std::string origin;  // where the marks point: "" the sweep file, "--set" a command-line edit
  std::string text() const { return path + "=" + value; }
};

struct GridFactor {
  std::string path;
  SourceMark mark;
  std::vector<SweepEdit> levels;  // one edit per level, same path
  bool numeric = false;           // every level a number with a unit convertible to `unit`
  std::string unit;               // of `numbers` (the first level's unit as written)
  std::vector<double> numbers;
};

struct SampledFactor {
  std::string path;
  SourceMark mark;
  Range range{0, 0};
  std::string unit;  // of the range and of the drawn values (the low bound's unit as written)
  SweepEdit low, high;  // the bounds as edits, to check them against the base scenario
};

enum class SampleMethod { LatinHypercube, Sobol, Random };
const char* sample_method_name(SampleMethod m);

struct SamplesDesign {
  std::uint64_t n = 0;
  SampleMethod method = SampleMethod::LatinHypercube;
  std::uint64_t seed = 0;
  std::vector<SampledFactor> factors;
  SourceMark mark;
};

struct PopulationDesign {
  std::uint64_t n = 0;
  std::uint64_t seed = 0;
  PopulationSpec spec;  // the model's reference population with the file's changes
  SourceMark mark;
  std::vector<NamedItem> variability_items;  // parameters the file names, where
};

struct Arm {
  std::string name;
  SourceMark mark;
  std::vector<SweepEdit> edits;
};

struct SweepDefinition {
  std::string file;       // the sweep file's path as given
  std::string text;       // its contents
  std::string base_file;  // the base scenario's path (relative to the working directory)
  std::string base_text;
  SourceMark base_mark;
  std::vector<SweepEdit> set;  // edits every run gets
  std::vector<GridFactor> grid;
  std::optional<SamplesDesign> samples;
  std::optional<PopulationDesign> population;
  std::vector<Arm> arms;
  std::vector<NamedItem> summary;
  bool keep_series = false;
  std::vector<NamedItem> keep_series_names;  // empty with keep_series: all series
  SourceMark keep_series_mark;                // of the keep_series value
  SourceMark sweep_mark;                     // of the `sweep` key, for errors about the whole
};

// Reads a sweep file and its base scenario's text. `reference` is the model's reference
// population, which `population:` starts from. Throws ScenarioError (file:line:col) for anything
// wrong in the sweep file itself, and for an unreadable base file (at the `base` value). Does
// not check the edits against the base scenario: SweepPlan does, with the model's vocabulary.
SweepDefinition parse_sweep_file(const std::string& path, const PopulationSpec& reference,
                                 const std::vector<std::string>& sets = {});
// `base_text`, when given, is the base scenario itself (e.g. a scenario built in Python); the
// file then needs no `base` key, and one given only names the base in messages and the output.
//
// `sets` are "--set KEY.KEY=VALUE" edits of the sweep file itself, e.g. "sweep.population.n=200"
// or "set.duration=8 w" (a key that holds dots, such as a grid path, is matched whole); a bad one
// is reported as "--set:1:COLUMN".
SweepDefinition parse_sweep_text(const std::string& text, const std::string& file,
                                 const PopulationSpec& reference,
                                 const std::string* base_text = nullptr,
                                 const std::vector<std::string>& sets = {});

}  // namespace magsim::engine::sweep
