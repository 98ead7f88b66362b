// Reads back a run file written by Hdf5RunWriter (see hdf5_writer.hpp for the layout): for tests,
// the CLI summary and the Python bindings. Same threading rule as the writer: HDF5 1.10 serial is
// not thread-safe, so calls must not run concurrently with any other HDF5 use.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "engine/model/schedule.hpp"

namespace magsim::engine::io {

// One entry of /parameters.
struct StoredParameter {
  std::string name;
  double value = 0;          // used in the run
  double default_value = 0;  // the model's default
  std::string unit;
  double min = 0;
  double max = 0;
  std::string source;
  std::string note;
};

struct RunFile {
  std::vector<double> time;                           // /series/time, h
  std::vector<std::string> series_names;              // in the order they were written
  std::map<std::string, std::vector<double>> series;  // name -> values (same length as time)
  std::map<std::string, std::string> units;           // series name (and "time") -> unit
  std::map<std::string, std::string> descriptions;    // series name (and "time") -> text
  std::map<std::string, std::size_t> chunk_rows;  // series name -> rows per chunk; 0 = not chunked
  std::map<std::string, bool> compressed;         // series name -> deflate filter present

  std::map<std::string, double> numeric_attributes;      // root attributes that are numbers
  std::map<std::string, std::string> string_attributes;  // root attributes that are strings

  std::vector<StoredParameter> parameters;  // in the order written
  std::vector<EventRecord> events;
  std::string scenario_given;
  std::string scenario_resolved;
};

// Throws std::runtime_error naming `path` if the file is missing, not HDF5, or not a run file.
// Missing optional parts (/parameters, /events, /scenario) read as empty.
RunFile read_run_file(const std::string& path);

}  // namespace magsim::engine::io
