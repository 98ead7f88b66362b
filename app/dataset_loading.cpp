#include "app/dataset_loading.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "app/scenario_loading.hpp"
#include "engine/errors.hpp"
#include "engine/hdf5_output.hpp"
#include "engine/scenario_check.hpp"
#include "engine/units.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {

LoadedDataset load_dataset(const std::string& mapping_path, const std::string& csv_path_or_empty) {
  namespace mg = models::magnesium;
  LoadedDataset out;
  out.dataset =
      engine::read_dataset(mapping_path, csv_path_or_empty, mg::model().info(), mg::vocabulary());
  out.warnings = out.dataset.warnings;
  for (const auto& s : out.dataset.subjects) {
    out.warnings.insert(out.warnings.end(), s.warnings.begin(), s.warnings.end());
    try {
      const LoadedScenario loaded = load_scenario_text(s.scenario_yaml, s.scenario_name, {});
      for (const auto& w : engine::check_scenario(loaded.scenario, mg::vocabulary()))
        out.warnings.push_back(engine::locate_in_dataset(s, w).formatted());
    } catch (const engine::ScenarioError& e) {
      throw engine::locate_in_dataset(s, e);
    }
  }
  return out;
}

namespace {
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}
}  // namespace

std::string observations_csv(const engine::Dataset& dataset, const engine::DatasetSubject& subject) {
  std::string out = "series,time_h,start_h,value,unit,censored,where\n";
  for (const auto& o : subject.observations) {
    std::string unit;
    for (const auto& [series, u] : dataset.series_units)
      if (series == o.series) unit = u;
    out += csv_field(o.series) + "," + engine::units::shortest_number(o.time_h) + "," +
           (std::isnan(o.start_h) ? std::string() : engine::units::shortest_number(o.start_h)) +
           "," + engine::units::shortest_number(o.value) + "," + csv_field(unit) + "," +
           (o.censored ? "1" : "0") + "," + csv_field(o.where) + "\n";
  }
  return out;
}

void write_text_file(const std::string& path, const std::string& text, const std::string& what) {
  engine::hdf5::check_output_path(path, what);
  const std::string tmp = engine::hdf5::fresh_temporary_path(path);
  const std::string prefix = "cannot write " + what + " '" + path + "': ";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(prefix + std::strerror(errno));
  int err = 0;
  for (std::size_t done = 0; done < text.size() && err == 0;) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    else done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0) {
    try {
      engine::hdf5::require_replaceable(path, what);  // again: it may have changed meanwhile
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(prefix + std::strerror(err));
  }
}

}  // namespace magsim::app
