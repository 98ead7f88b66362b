// Streams one run to a CSV file ("magsim run -o x.csv"), for spreadsheets, R and pandas:
//
//   time,serum_mg_total,serum_mg_ionized,...      first row: series names
//   h,mmol/L,mmol/L,...                           second row: their units
//   0,0.85,0.53,...                               then one row per sample time
//   ...
//   # magsim_version: 0.1.0                       after the rows: how the run was made and its
//   # wall_time: 0.12 s                           results (the run file's root attributes, with
//   # parameter body.weight: 70 kg                units), the parameters used, one per line
//
// pandas: pd.read_csv(path, header=[0, 1], comment="#"). Numbers are written in the shortest
// form that reads back to the same double; fields holding a comma, a quote or a line break are
// quoted (RFC 4180). The series are those of the HDF5 file (RunMetadata::variables). The
// schedule (/events) and the scenario texts have no place in a table: the comment lines give
// the number of events and the scenario file; use .h5 or .nc to keep them.
//
// Atomic like the HDF5 writer: the rows go to a temporary file beside the final path, renamed
// onto it by commit(); destroying the writer without commit() removes the temporary file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/io/run_writer.hpp"

namespace magsim::engine::io {

class CsvRunWriter : public RunWriter {
 public:
  // Checks the path and creates the temporary file (std::runtime_error "cannot write output
  // '<path>': ..." if the directory is missing or not writable, or the path is not a regular file).
  CsvRunWriter(std::string path, RunMetadata metadata);
  ~CsvRunWriter() override;
  CsvRunWriter(const CsvRunWriter&) = delete;
  CsvRunWriter& operator=(const CsvRunWriter&) = delete;

  void begin(const ModelInfo& info) override;
  void sample(double t_h, const double* outputs, const double* state) override;
  // With solver_method "envelope" the last column is "reconstructed": 1 for these, else 0.
  void sample_reconstructed(double t_h, const double* outputs, const double* state) override;
  void end() override;

  void write_parameters(const std::vector<ParameterInfo>& info,
                        const std::vector<double>& values) override;
  void write_events(const EventSource& each) override;
  void set_attribute(const std::string& name, double value, const std::string& unit) override;
  void set_attribute(const std::string& name, const std::string& value) override;
  using RunWriter::set_attribute;

  void commit() override;
  const std::string& path() const override;
  const std::string& temporary_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One CSV field: as it is, or quoted (doubling inner quotes) when it holds ',', '"', CR or LF.
std::string csv_field(const std::string& text);
// A number in the shortest form that reads back to the same double ("nan", "inf", "-inf" for
// the non-finite values).
std::string shortest_number(double value);

}  // namespace magsim::engine::io
