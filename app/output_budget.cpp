#include "app/output_budget.hpp"

#include <sys/statvfs.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/model/schedule.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {
namespace {

// An /events row: time and amount (8 bytes each) and three short fixed-length strings.
constexpr double kEventRowBytes = 96;
// Attributes, /parameters, the scenario texts and HDF5's own metadata: small and bounded.
constexpr double kFixedFileBytes = 1 << 20;

std::string count_text(double n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, n < 1e6 ? "%.0f" : "%.3g", n);
  return buf;
}

}  // namespace

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000 && u < 6) bytes /= 1000, ++u;
  char buf[48];
  std::snprintf(buf, sizeof buf, bytes < 10 && u > 0 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

OutputEstimate estimate_output(const LoadedScenario& loaded) {
  const auto& info = models::magnesium::model().info();
  const auto& p = loaded.problem;
  OutputEstimate e;
  e.samples = engine::SampleClock::count_estimate(p.duration_h, p.output_interval_h,
                                                  p.output_times_h.size());
  const auto& variables = loaded.scenario.output.variables;
  e.series = 1.0 + static_cast<double>(variables.empty() ? info.outputs.size() : variables.size());
  e.events = engine::record_count(p.schedule);
  e.file_bytes = e.samples * e.series * 8 + e.events * kEventRowBytes + kFixedFileBytes;
  e.memory_bytes =
      e.samples * static_cast<double>(1 + info.outputs.size() + info.states.size()) * 8 +
      e.events * kEventRowBytes;
  return e;
}

OutputEstimate as_text_table(OutputEstimate e) {
  constexpr double kCharactersPerNumber = 25;
  e.file_bytes = e.samples * e.series * kCharactersPerNumber + kFixedFileBytes;
  return e;
}

std::string file_does_not_fit(const OutputEstimate& e, const std::string& output_path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(output_path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return "";  // the writer reports an unusable folder itself
  const double free_bytes = static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize);
  if (e.file_bytes <= free_bytes) return "";
  std::ostringstream msg;
  msg << "the output would need up to " << format_bytes(e.file_bytes) << " ("
      << count_text(e.samples) << " samples x " << count_text(e.series) << " series";
  if (e.events >= 1) msg << ", " << count_text(e.events) << " events";
  msg << ") and " << dir.string() << " has " << format_bytes(free_bytes)
      << " free; choose a longer output interval, fewer output variables, or another folder";
  return msg.str();
}

std::string memory_does_not_fit(const OutputEstimate& e) {
  std::ostringstream what;
  what << "the result (" << count_text(e.samples) << " samples of every output and state";
  if (e.events >= 1) what << ", " << count_text(e.events) << " events";
  what << ")";
  return memory_does_not_fit(e.memory_bytes, what.str());
}

std::string memory_does_not_fit(double bytes, const std::string& what) {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = -1;
  while (meminfo >> key) {
    if (key == "MemAvailable:") {
      meminfo >> kb;
      break;
    }
    meminfo.ignore(1 << 10, '\n');
  }
  if (!(kb > 0)) return "";  // not Linux, or unreadable: no figure to compare with
  const double available = kb * 1024;
  if (bytes <= available) return "";
  return what + " would need " + format_bytes(bytes) + " of memory and " + format_bytes(available) +
         " is available; choose a longer output interval or a shorter run";
}

}  // namespace magsim::app
