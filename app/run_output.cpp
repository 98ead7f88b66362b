#include "app/run_output.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "engine/io/csv_writer.hpp"
#include "engine/io/run_writer.hpp"
#include "engine/solve/simulator.hpp"
#include "engine/version_info.hpp"
#include "models/magnesium/clinical_thresholds.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {

RunFormat parse_run_format(const std::string& name) {
  if (name == "hdf5" || name == "h5") return RunFormat::Hdf5;
  if (name == "csv") return RunFormat::Csv;
  if (name == "netcdf" || name == "nc") return RunFormat::NetCdf;
  throw std::invalid_argument("unknown format '" + name + "' (known: hdf5, csv, netcdf)");
}

RunFormat run_format_for(const std::string& path,
                         const std::optional<RunFormat>& explicit_format) {
  if (explicit_format) return *explicit_format;
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".h5" || ext == ".hdf5") return RunFormat::Hdf5;
  if (ext == ".csv") return RunFormat::Csv;
  if (ext == ".nc") return RunFormat::NetCdf;
  throw std::invalid_argument(
      "cannot tell the format of output '" + path + "' from its extension" +
      (ext.empty() ? std::string(" (it has none)") : " '" + ext + "'") +
      ": use .h5 or .hdf5 (HDF5), .csv (CSV) or .nc (netCDF-4), or give --format hdf5|csv|netcdf");
}

const char* run_format_extension(RunFormat format) {
  switch (format) {
    case RunFormat::Csv: return ".csv";
    case RunFormat::NetCdf: return ".nc";
    case RunFormat::Hdf5: break;
  }
  return ".h5";
}

std::unique_ptr<engine::io::RunWriter> open_run_writer(const std::string& path, RunFormat format,
                                                   engine::io::RunMetadata metadata) {
  switch (format) {
    case RunFormat::Csv:
      return std::make_unique<engine::io::CsvRunWriter>(path, std::move(metadata));
    case RunFormat::NetCdf:
      return std::make_unique<engine::io::Hdf5RunWriter>(path, std::move(metadata),
                                                     engine::io::RunFileLayout::NetCdf);
    case RunFormat::Hdf5: break;
  }
  return std::make_unique<engine::io::Hdf5RunWriter>(path, std::move(metadata));
}

engine::io::RunMetadata run_metadata(const LoadedScenario& loaded, const std::string& scenario_file) {
  const auto& info = models::magnesium::model().info();
  const auto& solver = loaded.problem.solver;
  engine::io::RunMetadata meta;
  meta.magsim_version = engine::kVersion;
  meta.git_revision = engine::kGitRevision;
  meta.model_name = info.name;
  meta.model_version = info.version;
  meta.scenario_file = scenario_file;
  meta.scenario_given = loaded.scenario.source_text;
  meta.scenario_resolved = loaded.resolved_text;
  meta.solver_method = engine::method_name(solver.method);
  meta.rtol = solver.rtol;
  meta.atol = solver.atol;
  meta.max_step_h = solver.max_step_h;
  meta.variables = loaded.scenario.output.variables;
  // An upper bound of the samples, so that a short run's series chunks are no longer than it.
  const double rows = engine::SampleClock::count_estimate(
      loaded.problem.duration_h, loaded.problem.output_interval_h,
      loaded.problem.output_times_h.size());
  if (rows >= 1 && rows < static_cast<double>(engine::io::Hdf5RunWriter::kChunkRows))
    meta.expected_rows = static_cast<std::size_t>(rows);
  return meta;
}

void write_run_inputs(engine::io::RunWriter& writer, const LoadedScenario& loaded) {
  writer.write_parameters(models::magnesium::model().info().parameters, loaded.problem.parameters);
  const engine::Schedule& schedule = loaded.problem.schedule;
  writer.write_events([&](const std::function<void(const engine::EventRecord&)>& fn) {
    engine::for_each_record(schedule, fn);
  });
}

std::vector<RunAttribute> run_result_attributes(const LoadedScenario& loaded,
                                                const engine::RunStats& stats,
                                                const RunSummary& summary) {
  auto number = [](const char* name, double v, const char* unit) {
    return RunAttribute{name, true, v, unit, ""};
  };
  std::vector<RunAttribute> a{
      number("wall_time", stats.wall_seconds, "s"),
      number("mass_balance_error", stats.mass_balance_error, "mmol"),
      number("mass_balance_relative_error", stats.mass_balance_relative_error, "1"),
      RunAttribute{"steady_state_stage", false, 0, "", stats.steady_state_stage},
      number("steps", static_cast<double>(stats.steps), "1"),
      number("rejected_steps", static_cast<double>(stats.rejected_steps), "1"),
      number("rhs_evaluations", static_cast<double>(stats.rhs_evaluations), "1"),
      number("duration", loaded.problem.duration_h, "h"),
  };
  if (loaded.problem.solver.method == engine::Method::Envelope) {
    a.push_back(number("skipped_days", static_cast<double>(stats.skipped_days), "d"));
    a.push_back(number("reconstructed_samples", static_cast<double>(stats.reconstructed_samples), "1"));
  }
  if (std::isfinite(summary.retention_percent()))
    a.push_back(number("retention", summary.retention_percent(), "%"));
  // Clinical thresholds: the monitored series' peak and trough, and for every threshold its
  // level, first crossing (only when crossed) and time beyond; the warning lines as one text.
  auto add = [&](const std::string& name, double v, const std::string& unit) {
    a.push_back(RunAttribute{name, true, v, unit, ""});
  };
  for (const auto& r : summary.series_ranges()) {
    add(r.series + "_peak", r.max, r.unit);
    add(r.series + "_peak_time", r.max_h, "h");
    add(r.series + "_trough", r.min, r.unit);
    add(r.series + "_trough_time", r.min_h, "h");
  }
  for (const auto& r : summary.threshold_reports()) {
    const std::string prefix = "alert_" + r.threshold.id;
    add(prefix + "_level", r.threshold.value, r.threshold.unit);
    if (r.crossed) add(prefix + "_first", r.first_h, "h");  // absent: never crossed
    add(prefix + "_time_beyond", r.time_beyond_h, "h");
  }
  // Reference ranges of the series the run keeps, for the figures' normal-range band.
  const auto& kept = loaded.scenario.output.variables;
  for (const auto& r : models::magnesium::reference_ranges()) {
    if (!kept.empty() && std::find(kept.begin(), kept.end(), r.series) == kept.end()) continue;
    add(r.series + "_reference_low", r.low, r.unit);
    add(r.series + "_reference_high", r.high, r.unit);
    a.push_back(RunAttribute{r.series + "_reference_source", false, 0, "", r.source});
  }
  std::string warnings;
  for (const auto& w : summary.warnings()) warnings += (warnings.empty() ? "" : "\n") + w;
  a.push_back(RunAttribute{"warnings", false, 0, "", warnings});
  return a;
}

void write_run_results(engine::io::RunWriter& writer, const LoadedScenario& loaded,
                       const engine::RunStats& stats, const RunSummary& summary) {
  for (const auto& a : run_result_attributes(loaded, stats, summary)) {
    if (a.numeric)
      writer.set_attribute(a.name, a.number, a.unit);
    else
      writer.set_attribute(a.name, a.text);
  }
}

RunSummary make_run_summary(const LoadedScenario& loaded) {
  RunSummary summary(loaded.problem.duration_h);
  summary.set_thresholds(models::magnesium::vocabulary().thresholds);
  // Parenteral Mg (IV infusions and boluses, IM and IV injections) as the run's schedule gives
  // it: the same doses the integrator applies, after pauses, stops and the model's salt content.
  const auto& info = models::magnesium::model().info();
  const auto& schedule = loaded.problem.schedule;
  const double end = loaded.problem.duration_h;
  auto parenteral = [&](int route) {
    const std::string& n = info.routes[static_cast<size_t>(route)].name;
    return n == "iv" || n == "im";
  };
  double start = end, dose = 0, rate = 0, t = 0;
  // The changes come in time order, the repeating regimens unrolled one at a time.
  engine::for_each_change(schedule, [&](const engine::TimelineChange& c) {
    if (c.kind == engine::SeriesAction::Kind::Signal || c.target < 0 || !parenteral(c.target)) return;
    if (c.kind == engine::SeriesAction::Kind::Bolus) {
      if (c.time_h >= 0 && c.time_h < end) {
        start = std::min(start, c.time_h);
        dose += c.amount;
      }
    } else if (c.kind == engine::SeriesAction::Kind::Rate) {
      const double at = std::min(std::max(c.time_h, 0.0), end);
      dose += rate * (at - t);
      t = at;
      rate += c.amount;
      if (c.amount > 0 && c.time_h < end) start = std::min(start, std::max(c.time_h, 0.0));
    }
  });
  dose += rate * (end - t);
  if (dose > 0) summary.set_infusion(start, dose);
  return summary;
}

std::string input_at_output_path(const std::string& output, const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  for (const auto& in : inputs) {
    if (in.empty()) continue;
    std::error_code ec, ec_out, ec_in;
    if (fs::equivalent(output, in, ec) && !ec) return in;
    const fs::path a = fs::weakly_canonical(output, ec_out), b = fs::weakly_canonical(in, ec_in);
    if (!ec_out && !ec_in && a == b) return in;
  }
  return "";
}

}  // namespace magsim::app
