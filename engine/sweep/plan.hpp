// A sweep definition expanded into runs: the input columns of the result and, for run i, its
// input values and the scenario edits (PATH=VALUE, as --set) that make its scenario from the base.
// Run i's inputs are a pure function of (definition, i): designs and populations draw from
// counter-based streams keyed by the point or subject index, never by the order of computation.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/sweep/population.hpp"
#include "engine/scenario/scenario.hpp"
#include "engine/sweep/definition.hpp"
#include "engine/sweep/design.hpp"
#include "engine/sweep/record.hpp"
#include "engine/model/vocabulary.hpp"

namespace magsim::engine::sweep {

// Makes the scenario of a list of edits applied to the base (the caller's scenario loading, with
// whatever model checks it adds); throws ScenarioError, with file "--set" and the column inside
// "PATH=VALUE" for a bad edit.
using ScenarioLoader = std::function<Scenario(const std::vector<std::string>& edits)>;

class SweepPlan {
 public:
  // Checks every edit of the definition against the base scenario (each grid level, both bounds
  // of each range, each arm, the first subject's covariates and every flag's item) and reports a
  // bad one at its place in the sweep file, as a ScenarioError. `vocab` gives the typical values
  // of the parameters under between-subject variability.
  SweepPlan(SweepDefinition definition, const Vocabulary& vocab, const ScenarioLoader& load);

  const SweepDefinition& definition() const { return def_; }
  std::uint64_t runs() const { return runs_; }
  const std::vector<SweepColumn>& columns() const { return columns_; }

  struct Run {
    std::vector<InputValue> inputs;  // one per column
    std::vector<std::string> edits;  // applied in order; a later edit of a path wins
  };
  // i < runs(), else std::out_of_range.
  Run run(std::uint64_t i) const;

  // The sweep with every default and every drawn distribution written out (YAML); with the
  // base scenario's text it identifies the results (SweepLayout::fingerprint).
  const std::string& resolved() const { return resolved_; }

 private:
  void check_edit(const std::vector<std::string>& before, const SweepEdit& edit,
                  const ScenarioLoader& load) const;
  std::string resolve() const;

  SweepDefinition def_;
  std::uint64_t points_ = 1, grid_cells_ = 1, arms_ = 1, runs_ = 1;
  std::unique_ptr<FactorialGrid> grid_;
  std::unique_ptr<Design> samples_;
  std::unique_ptr<PopulationSampler> population_;
  std::vector<double> typical_;       // of each varied parameter, in its unit
  std::vector<std::string> bsv_unit_;  // of each varied parameter
  std::vector<SweepColumn> columns_;
  std::string resolved_;
};

}  // namespace magsim::engine::sweep
