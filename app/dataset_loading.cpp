#include "app/dataset_loading.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "app/scenario_loading.hpp"
#include "engine/model/errors.hpp"
#include "engine/io/csv_writer.hpp"
#include "engine/io/hdf5_atomic.hpp"
#include "engine/scenario/check.hpp"
#include "engine/scenario/units.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {

LoadedDataset load_dataset(const std::string& mapping_path, const std::string& csv_path_or_empty) {
  namespace mg = models::magnesium;
  LoadedDataset out;
  out.dataset =
      engine::fit::read_dataset(mapping_path, csv_path_or_empty, mg::model().info(), mg::vocabulary());
  out.warnings = out.dataset.warnings;
  for (const auto& s : out.dataset.subjects) {
    out.warnings.insert(out.warnings.end(), s.warnings.begin(), s.warnings.end());
    try {
      const LoadedScenario loaded = load_scenario_text(s.scenario_yaml, s.scenario_name, {});
      for (const auto& w : engine::check_scenario(loaded.scenario, mg::vocabulary()))
        out.warnings.push_back(engine::fit::locate_in_dataset(s, w).formatted());
    } catch (const engine::ScenarioError& e) {
      throw engine::fit::locate_in_dataset(s, e);
    }
  }
  return out;
}

std::string observations_csv(const engine::fit::Dataset& dataset, const engine::fit::DatasetSubject& subject) {
  std::string out = "series,time_h,start_h,value,unit,censored,where\n";
  for (const auto& o : subject.observations) {
    std::string unit;
    for (const auto& [series, u] : dataset.series_units)
      if (series == o.series) unit = u;
    out += engine::io::csv_field(o.series) + "," + engine::units::shortest_number(o.time_h) + "," +
           (std::isnan(o.start_h) ? std::string() : engine::units::shortest_number(o.start_h)) +
           "," + engine::units::shortest_number(o.value) + "," + engine::io::csv_field(unit) + "," +
           (o.censored ? "1" : "0") + "," + engine::io::csv_field(o.where) + "\n";
  }
  return out;
}

}  // namespace magsim::app
