// A sweep of the magnesium model: the sweep file read and checked against the model, the result's
// layout, and one run computed from its index. Shared by `magsim sweep` and magsim.sweep().
//
// Summary metrics a sweep file may list: app/metrics.hpp (each run gives one number per metric).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "app/metrics.hpp"
#include "engine/solve/series_statistics.hpp"
#include "engine/sweep/plan.hpp"
#include "engine/sweep/record.hpp"
#include "engine/io/sweep_file.hpp"

namespace magsim::app {

using SweepMetric = Metric;  // app/metrics.hpp
using engine::sweep::RunRecord;
using engine::sweep::RunStatus;
using engine::sweep::SweepColumn;
using engine::sweep::SweepLayout;
using engine::sweep::run_status_name;

struct PreparedSweep {
  std::unique_ptr<engine::sweep::SweepPlan> plan;
  std::vector<SweepMetric> metrics;
  std::vector<int> kept_outputs;  // output indices of the kept series
  engine::sweep::SweepLayout layout;
};

// Reads and checks a sweep file (and its base scenario), builds the result's layout. Throws
// engine::ScenarioError (file:line:col) for anything wrong.
// `sets`: edits of the sweep file itself ("sweep.population.n=200"), as `magsim sweep --set`.
PreparedSweep prepare_sweep(const std::string& path, const std::vector<std::string>& sets = {});
// `base_text`: the base scenario's text, when it is not a file (Python's magsim.sweep).
PreparedSweep prepare_sweep_text(const std::string& text, const std::string& name,
                                 const std::string* base_text = nullptr,
                                 const std::vector<std::string>& sets = {});

// Computes run `index`: never throws; a run that fails (a scenario the model refuses, a
// numerical failure, cancellation) is a Failed record with the message.
engine::sweep::RunRecord compute_run(const PreparedSweep& sweep, std::uint64_t index,
                              const std::atomic<bool>* cancel = nullptr);

// The names `summary:` accepts besides SERIES.STAT, for messages and docs.
const char* sweep_metric_help();

// Joins the shard files of one sweep (`magsim sweep --shard I/N`) into `output`, the file one
// process would have written; throws std::runtime_error naming the file for a shard of another
// sweep, a damaged shard or an output it cannot write.
engine::io::MergeReport merge_sweep_shards(const std::string& output,
                                           const std::vector<std::string>& shards);

}  // namespace magsim::app
