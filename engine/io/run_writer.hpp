// Streams one run to an HDF5 file laid out as docs/output.md describes, readable as it is by
// h5py and by xarray.open_dataset(path, group="series").
//
//   /series/time            float64 (T), units "h", a dimension scale named "time"
//   /series/<output>        float64 (T), attributes units, description; time attached as its scale
//   /parameters/<name>      scalar float64 per parameter: the value used in the run, with
//                           attributes units, min, max, default, source, note
//   /events                 compound (N): time_h f8, kind str, what str, amount f8, unit str
//   /scenario/given         scalar string: the scenario text as the user wrote it
//   /scenario/resolved      scalar string: the same with every default filled in
//   /  (root attributes)    magsim_version, git_revision, model, model_version, scenario_file,
//                           solver_method, rtol, atol, max_step (+ max_step_units = "h"), and
//                           whatever the caller adds with set_attribute()
//
// Strings (attributes and datasets) are variable-length UTF-8. A numeric root attribute with a
// unit is stored as `<name>` (float64) plus a string attribute `<name>_units`; a number without a
// unit has no companion.
//
// Series are chunked (kChunkRows rows, or RunMetadata::expected_rows when that is smaller: a
// short run does not compress and write a mostly empty 4096-row chunk per series), extendible
// and deflate-compressed when the filter is available. sample() appends to an in-memory buffer of one chunk per series and writes each full
// chunk as soon as it fills, so memory stays bounded however long the run.
//
// Nothing half-written ever appears at the output path: the writer works in a temporary file in
// the same directory (".<name>.tmp.<pid>.<n>") and commit() renames it onto the final path
// atomically. Destroying the writer without commit() (an exception, a cancelled run) deletes the
// temporary file and leaves whatever was at the final path untouched.
//
// Errors (unwritable directory, full disk, ...) are std::runtime_error naming the path; HDF5
// prints nothing. A write that fails during the run leaves the writer "broken": commit() then
// refuses and the destructor discards the file. commit() wants 4 MiB free (and that much
// headroom under RLIMIT_FSIZE) before its final flush, because HDF5 1.10 cannot close a file
// whose final metadata flush failed (and then crashes at process exit); only a disk filling up
// in the moment between that check and the flush, or an I/O error there, can still hit this.
// /events is a compound with string fields, on the dimension /event (0, 1, ...): h5py and
// xarray's h5netcdf engine read it; netCDF-C (xarray's default engine) skips compound variables.
//
// The netCDF-4 layout (RunFileLayout::NetCdf, for "magsim run -o x.nc") is the same file with
// the series at the root (/time as the dimension "time", /<output> on it, so that
// xarray.open_dataset(path) shows them) and /events as a group of columns on the dimension
// "event" (event, time [h], kind, what, amount, unit); every other part is as above. netCDF-4
// files are HDF5 files with dimension scales; netCDF-C reads them without further conventions. Threads: HDF5 1.10 serial is not thread-safe — no two writers (or readers) may
// be used concurrently from different threads; a caller running runs in parallel must serialize
// every call into these classes.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "engine/model/model.hpp"
#include "engine/solve/sample_sink.hpp"
#include "engine/model/schedule.hpp"

namespace magsim::engine::io {

// What a run file records about how it was made. Empty strings are written as empty attributes,
// except magsim_version / git_revision (default: this build) and model / model_version (default:
// ModelInfo given to begin()).
struct RunMetadata {
  std::string magsim_version;
  std::string git_revision;
  std::string model_name;
  std::string model_version;
  std::string scenario_file;      // path as the user gave it
  std::string scenario_given;     // scenario text as given
  std::string scenario_resolved;  // scenario text with every default filled in
  std::string solver_method;
  double rtol = 0;
  double atol = 0;
  double max_step_h = std::numeric_limits<double>::infinity();
  // Series to keep, by name: model outputs first, then states. Empty: every output.
  std::vector<std::string> variables;
  // An upper bound of the rows the series will get (0: unknown): the chunk is no longer than
  // that. Any number of rows can still be written.
  std::size_t expected_rows = 0;
};

// One series a run file keeps: a model output (index into ModelInfo::outputs) or a state
// (from_state: index into ModelInfo::states).
struct RunSeries {
  std::string name, unit, description;
  bool from_state = false;
  int index = -1;
};

// The series a run file keeps: every output when `variables` is empty, else the listed outputs
// and states in the order given (repeats dropped). Throws std::invalid_argument naming the model's
// outputs for an unknown name.
std::vector<RunSeries> select_run_series(const ModelInfo& info,
                                         const std::vector<std::string>& variables);

// What every run-file writer offers (HDF5 and netCDF-4: Hdf5RunWriter; CSV: CsvRunWriter), so
// that a caller chooses the format once (app::open_run_writer) and writes the same way.
class RunWriter : public SampleSink {
 public:
  // /events from a source that calls its argument once per record, in order, and gives the same
  // records each time it is called (it is called twice; for_each_record is one).
  using EventSource = std::function<void(const std::function<void(const EventRecord&)>&)>;

  // The parameters used (values[i] for info[i]) and the dose, meal and infusion schedule.
  virtual void write_parameters(const std::vector<ParameterInfo>& info,
                                const std::vector<double>& values) = 0;
  virtual void write_events(const EventSource& each) = 0;
  // Result attributes: a number with its unit ("" for none), or a text.
  virtual void set_attribute(const std::string& name, double value, const std::string& unit) = 0;
  virtual void set_attribute(const std::string& name, const std::string& value) = 0;
  void set_attribute(const std::string& name, const char* value) {
    set_attribute(name, std::string(value));
  }
  // Completes the file and renames it onto its final path; without commit() the destructor
  // removes the temporary file.
  virtual void commit() = 0;
  virtual const std::string& path() const = 0;
};

// The HDF5 layout (/series group, /events table) or the netCDF-4 one (series at the root).
enum class RunFileLayout { Hdf5, NetCdf };

class Hdf5RunWriter : public RunWriter {
 public:
  static constexpr std::size_t kChunkRows = 4096;

  // Creates the temporary file next to `path` and writes the metadata attributes and /scenario.
  // Throws std::runtime_error naming the path if the directory is missing or not writable.
  Hdf5RunWriter(std::string path, RunMetadata metadata,
                RunFileLayout layout = RunFileLayout::Hdf5);
  ~Hdf5RunWriter() override;  // without commit(): deletes the temporary file
  Hdf5RunWriter(Hdf5RunWriter&&) noexcept;
  Hdf5RunWriter& operator=(Hdf5RunWriter&&) noexcept;
  Hdf5RunWriter(const Hdf5RunWriter&) = delete;
  Hdf5RunWriter& operator=(const Hdf5RunWriter&) = delete;

  // SampleSink. begin() creates the series (throws std::invalid_argument for an unknown name in
  // metadata.variables, a name "time" or a name containing '/'); sample() buffers and writes full
  // chunks; end() writes the rows still buffered.
  void begin(const ModelInfo& info) override;
  void sample(double t_h, const double* outputs, const double* state) override;
  // With solver_method "envelope" the file has a 0/1 series "reconstructed"; 1 for these.
  void sample_reconstructed(double t_h, const double* outputs, const double* state) override;
  void end() override;

  // /parameters: values[i] is the value used for info[i] (info[i].value is kept as `default`).
  void write_parameters(const std::vector<ParameterInfo>& info,
                        const std::vector<double>& values) override;
  // /events; an empty list writes an empty table.
  void write_events(const std::vector<EventRecord>& events);
  void write_events(const EventSource& each) override;

  // Root attributes; replace an attribute of the same name (including the metadata ones).
  void set_attribute(const std::string& name, double value, const std::string& unit) override;
  void set_attribute(const std::string& name, const std::string& value) override;
  using RunWriter::set_attribute;

  // Writes what is still buffered, closes the file and renames it onto the final path. After
  // commit() the writer accepts no more calls. Throws std::runtime_error naming the path on
  // failure, in which case the final path is untouched.
  void commit() override;

  const std::string& path() const override;
  const std::string& temporary_path() const;
  std::size_t samples_written() const;  // samples received so far (buffered or on disk)
  // Rows the in-memory buffer can hold per series: stays <= kChunkRows (memory does not grow).
  std::size_t buffer_capacity_rows() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace magsim::engine::io
