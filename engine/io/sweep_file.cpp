#include "engine/io/sweep_file.hpp"

#include <fcntl.h>
#include <hdf5_hl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "engine/io/hdf5_handles.hpp"
#include "engine/io/hdf5_atomic.hpp"
#include "engine/version_info.hpp"

namespace magsim::engine::io {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Series chunks of about 128 KiB (16384 values): big enough that deflate works well and HDF5's
// per-chunk cost vanishes, small enough that reading one run's row decompresses little else and
// a chunk fits readers' default 1 MiB chunk cache several times over.
constexpr hsize_t kSeriesChunkValues = 16384;
// Text columns in chunks of about 64 KiB (of heap references; the strings live in the global heap).
constexpr hsize_t kTextChunkBytes = 65536;
constexpr unsigned kDeflateLevel = 4;
using hdf5::errno_text;
using hdf5::filter_can_encode;

// Root attributes every sweep file has; the caller's extras may not reuse these names.
constexpr const char* kStandardAttributes[] = {"magsim_version", "fingerprint",     "runs",
                                               "runs_ok",        "runs_failed",     "runs_not_run",
                                               "shard",          "sweep_file",      "base_scenario",
                                               "wall_time",      "wall_time_units", "execution"};

bool is_standard_attribute(const std::string& name) {
  return std::find(std::begin(kStandardAttributes), std::end(kStandardAttributes), name) !=
         std::end(kStandardAttributes);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}



bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// ---- layout checks ----------------------------------------------------------------------------

void check_columns(const std::vector<sweep::SweepColumn>& columns, const std::string& what,
                   bool numeric_only) {
  std::set<std::string> seen;
  for (const auto& c : columns) {
    if (c.name.empty() || c.name == "." || c.name.find('/') != std::string::npos)
      throw std::invalid_argument("cannot use " + what + " name '" + c.name +
                                  "' as an HDF5 dataset name (empty, '.' or contains '/')");
    if (!seen.insert(c.name).second)
      throw std::invalid_argument("sweep " + what + " '" + c.name + "' appears twice");
    if (numeric_only && !c.numeric)
      throw std::invalid_argument("sweep " + what + " '" + c.name + "' must be numeric");
  }
}

void check_layout(const sweep::SweepLayout& layout, const SweepFileAttributes& attrs) {
  check_columns(layout.inputs, "input", false);
  check_columns(layout.summaries, "summary", true);
  check_columns(layout.series, "series", true);
  for (const auto& s : layout.series)
    if (s.name == "time")
      throw std::invalid_argument(
          "a kept series may not be called 'time': /sweep/series/time is the time axis");
  if (!layout.series.empty() && layout.series_time_h.empty())
    throw std::invalid_argument("the sweep keeps series but gives no sample times");
  std::set<std::string> names(std::begin(kStandardAttributes), std::end(kStandardAttributes));
  for (const auto& a : attrs.extra) {
    const bool with_unit = std::holds_alternative<double>(a.value) && !a.unit.empty();
    if (a.name.empty() || !names.insert(a.name).second ||
        (with_unit && !names.insert(a.name + "_units").second))
      throw std::invalid_argument("sweep file attribute '" + a.name +
                                  "' is empty, repeated or a standard attribute");
  }
}

void check_record(const sweep::RunRecord& r, std::uint64_t index, const sweep::SweepLayout& layout,
                  const std::string& where) {
  const std::string run = "the record of run " + std::to_string(index);
  if (r.index != index)
    throw std::runtime_error(where + ": " + run + " says it is run " + std::to_string(r.index));
  auto check_size = [&](std::size_t got, std::size_t want, const char* what) {
    if (got != 0 && got != want)
      throw std::runtime_error(where + ": " + run + " has " + std::to_string(got) + " " + what +
                               ", the sweep has " + std::to_string(want));
  };
  check_size(r.inputs.size(), layout.inputs.size(), "inputs");
  check_size(r.summaries.size(), layout.summaries.size(), "summaries");
  check_size(r.series.size(), layout.series.size(), "series");
  for (std::size_t s = 0; s < r.series.size(); ++s)
    if (r.series[s].size() != layout.series_time_h.size())
      throw std::runtime_error(where + ": " + run + " has " + std::to_string(r.series[s].size()) +
                               " values of series '" + layout.series[s].name +
                               "', the sweep keeps " + std::to_string(layout.series_time_h.size()) +
                               " times");
}

// ---- the temporary output file ------------------------------------------------------------------


// The HDF5 file being written at a temporary name next to `path`: commit() renames it onto
// `path`; destroyed without commit() it is deleted. The failure handling follows
// Hdf5RunWriter's (hdf5_writer.cpp), for the same HDF5 1.10 reasons.
class OutputFile {
 public:
  explicit OutputFile(std::string path) : path_(std::move(path)) { create(); }
  ~OutputFile() { discard(); }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  hid_t id() const { return file_.get(); }
  std::string context(const std::string& action) const {
    return "cannot write sweep file '" + path_ + "': " + action;
  }
  // A write into the file failed: it is not to be closed the ordinary way (see discard()).
  void mark_broken() { broken_ = true; }

  // Flushes, closes, syncs and renames onto the final path. Every object opened in the file
  // must be closed before.
  void commit() {
    ensure_room(0);
    if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) {
      broken_ = flush_failed_ = true;
      hdf5::throw_error(context("writing temporary file '" + tmp_ + "'"));
    }
    file_.close(context("closing temporary file '" + tmp_ + "'"));
    hdf5::publish_temporary(tmp_, path_, "sweep file");
    committed_ = true;
  }

  // Throws unless `bytes` more (plus the reserve for the final metadata) fit on the disk and
  // under the process's file size limit. Every large write is preceded by this check: a write
  // that fails half-way leaves HDF5 with space allocated past the limit, and then even
  // discarding the file fails (closing extends it to its allocated size) and HDF5 1.10 crashes
  // at exit. The checks leave only a race with other writers to the same disk.
  void ensure_room(unsigned long long bytes) const {
    hdf5::ensure_room(tmp_, bytes, "sweep file", path_);
  }


 private:
  fs::path directory() const {
    const fs::path dir = fs::path(path_).parent_path();
    return dir.empty() ? fs::path(".") : dir;
  }

  void create() {
    hdf5::TemporaryFile t = hdf5::create_temporary_beside(path_, "sweep file");
    file_ = std::move(t.file);
    tmp_ = t.path;
  }


  void discard() noexcept {
    if (committed_ || tmp_.empty()) return;
    hdf5::ErrorPrintingOff quiet;
    if (broken_)
      hdf5::close_discarded_file(file_, flush_failed_);
    else
      file_.reset();
    std::remove(tmp_.c_str());
  }

  std::string path_;
  std::string tmp_;  // set once the temporary file exists: ours to delete
  hdf5::File file_;
  bool committed_ = false;
  bool broken_ = false;
  bool flush_failed_ = false;  // a metadata flush failed (see hdf5::close_discarded_file)
};

// ---- writing helpers ----------------------------------------------------------------------------

hdf5::Group create_group(hid_t loc, const std::string& name, const std::string& ctx) {
  hdf5::PropertyList gcpl(H5Pcreate(H5P_GROUP_CREATE), ctx);
  hdf5::check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
              ctx);
  return hdf5::Group(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), ctx);
}

hdf5::PropertyList dataset_properties(const std::string& ctx) {
  hdf5::PropertyList dcpl(H5Pcreate(H5P_DATASET_CREATE), ctx);
  hdf5::check(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED), ctx);
  return dcpl;
}

// No chunk cache: chunked data is written a whole chunk (or row of chunks) at a time, so each
// H5Dwrite goes straight to the file and a failing disk shows up there, not at close.
hdf5::PropertyList uncached_access(const std::string& ctx) {
  hdf5::PropertyList dapl(H5Pcreate(H5P_DATASET_ACCESS), ctx);
  hdf5::check(
      H5Pset_chunk_cache(dapl.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT),
      ctx);
  return dapl;
}

void write_scalar_text(hid_t loc, const std::string& name, const std::string& text,
                       const std::string& ctx) {
  hdf5::Datatype type = hdf5::utf8_string_type();
  hdf5::Dataspace space(H5Screate(H5S_SCALAR), ctx);
  hdf5::Dataset ds(
      H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      ctx);
  const char* p = text.c_str();
  hdf5::check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), ctx);
  ds.close(ctx);
}

void write_u64_attribute(hid_t obj, const std::string& name, std::uint64_t value,
                         const std::string& ctx) {
  hdf5::Dataspace space(H5Screate(H5S_SCALAR), ctx);
  hdf5::Attribute attr(
      H5Acreate2(obj, name.c_str(), H5T_STD_U64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), ctx);
  hdf5::check(H5Awrite(attr.get(), H5T_NATIVE_UINT64, &value), ctx);
  attr.close(ctx);
}

void attach_run_scale(hid_t ds, hid_t run_scale, const std::string& ctx) {
  hdf5::check(H5DSattach_scale(ds, run_scale, 0), ctx + " (attaching /sweep/run)");
}

void write_number_column(const OutputFile& out, hid_t group, const std::string& name,
                         const std::vector<double>& values, const std::string& unit,
                         const std::string& description, hid_t run_scale, const std::string& ctx) {
  out.ensure_room(values.size() * sizeof(double));
  const hsize_t dims[1] = {values.size()};
  hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr), ctx);
  hdf5::PropertyList dcpl = dataset_properties(ctx);
  hdf5::Dataset ds(H5Dcreate2(group, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                              dcpl.get(), H5P_DEFAULT),
                   ctx);
  if (!values.empty())
    hdf5::check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                ctx);
  hdf5::write_string_attribute(ds.get(), "units", unit, ctx);
  hdf5::write_string_attribute(ds.get(), "description", description, ctx);
  attach_run_scale(ds.get(), run_scale, ctx);
  ds.close(ctx);
}

// A text column: variable-length UTF-8 strings (netCDF's NC_STRING, which netCDF-C and so
// xarray's default engine read; Debian 12's netCDF-C 4.9.0 misreads fixed-length string columns
// and can crash on them), chunked and compressed, written a chunk at a time so memory stays at
// one chunk whatever N.
void write_text_column(const OutputFile& out, hid_t group, const std::string& name,
                       const std::vector<std::string>& values, const std::string& unit,
                       const std::string& description, hid_t run_scale, bool deflate,
                       const std::string& ctx) {
  hdf5::Datatype type = hdf5::utf8_string_type();
  const hsize_t n = values.size();
  const hsize_t dims[1] = {n}, maxdims[1] = {H5S_UNLIMITED};
  hdf5::Dataspace space(H5Screate_simple(1, dims, maxdims), ctx);
  // A chunk holds the strings' heap references (16 bytes each); the text is in the global heap.
  const hsize_t chunk_rows =
      std::max<hsize_t>(1, std::min<hsize_t>(std::max<hsize_t>(n, 1), kTextChunkBytes / 16));
  hdf5::PropertyList dcpl = dataset_properties(ctx);
  hdf5::check(H5Pset_chunk(dcpl.get(), 1, &chunk_rows), ctx);
  if (deflate) hdf5::check(H5Pset_deflate(dcpl.get(), kDeflateLevel), ctx);
  hdf5::PropertyList dapl = uncached_access(ctx);
  hdf5::Dataset ds(
      H5Dcreate2(group, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()),
      ctx);
  std::vector<const char*> block;
  for (hsize_t first = 0; first < n; first += chunk_rows) {
    const hsize_t count = std::min(chunk_rows, n - first);
    block.resize(count);
    std::size_t bytes = count * 16;
    for (hsize_t i = 0; i < count; ++i) {
      block[i] = values[first + i].c_str();
      bytes += values[first + i].size() + 16;  // the text and its global heap object header
    }
    out.ensure_room(bytes);
    hdf5::Dataspace file_space(H5Dget_space(ds.get()), ctx);
    hdf5::check(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr),
        ctx);
    hdf5::Dataspace memory_space(H5Screate_simple(1, &count, nullptr), ctx);
    hdf5::check(H5Dwrite(ds.get(), type.get(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                         block.data()),
                ctx);
  }
  if (!unit.empty()) hdf5::write_string_attribute(ds.get(), "units", unit, ctx);
  hdf5::write_string_attribute(ds.get(), "description", description, ctx);
  attach_run_scale(ds.get(), run_scale, ctx);
  ds.close(ctx);
}

// Chunk shape of a (runs, T) series: whole rows, as many as make ~128 KiB, so a run's row is
// read from one chunk; a row longer than two chunks' worth is split along time instead.
struct SeriesChunk {
  hsize_t rows, times;
};
SeriesChunk series_chunk(hsize_t runs, hsize_t times) {
  if (times > 2 * kSeriesChunkValues) return {1, kSeriesChunkValues};
  return {std::max<hsize_t>(1, std::min<hsize_t>(runs, kSeriesChunkValues / times)), times};
}

// The kept series of one sweep file, written a chunk of rows at a time.
class SeriesBlockWriter {
 public:
  SeriesBlockWriter(hid_t sweep_group, const sweep::SweepLayout& layout, hid_t run_scale, bool deflate,
                    bool shuffle, const OutputFile& out)
      : out_(out), times_(layout.series_time_h.size()) {
    group_ = create_group(sweep_group, "series", out.context("creating /sweep/series"));
    const std::string tctx = out.context("writing /sweep/series/time");
    const hsize_t tdims[1] = {times_};
    hdf5::Dataspace tspace(H5Screate_simple(1, tdims, nullptr), tctx);
    hdf5::PropertyList tdcpl = dataset_properties(tctx);
    hdf5::Dataset time(H5Dcreate2(group_.get(), "time", H5T_IEEE_F64LE, tspace.get(), H5P_DEFAULT,
                                  tdcpl.get(), H5P_DEFAULT),
                       tctx);
    out.ensure_room(times_ * sizeof(double));
    hdf5::check(H5Dwrite(time.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                         layout.series_time_h.data()),
                tctx);
    hdf5::write_string_attribute(time.get(), "units", "h", tctx);
    hdf5::write_string_attribute(time.get(), "description",
                                 "sample times of the kept series, since the start of each run",
                                 tctx);
    hdf5::check(H5DSset_scale(time.get(), "time"), tctx);

    const SeriesChunk chunk = series_chunk(layout.runs, times_);
    rows_per_block_ = chunk.rows;
    for (const auto& s : layout.series) {
      const std::string ctx = out.context("creating /sweep/series/" + s.name);
      const hsize_t dims[2] = {layout.runs, times_}, maxdims[2] = {H5S_UNLIMITED, times_};
      hdf5::Dataspace space(H5Screate_simple(2, dims, maxdims), ctx);
      hdf5::PropertyList dcpl = dataset_properties(ctx);
      const hsize_t chunk_dims[2] = {chunk.rows, chunk.times};
      hdf5::check(H5Pset_chunk(dcpl.get(), 2, chunk_dims), ctx);
      if (shuffle) hdf5::check(H5Pset_shuffle(dcpl.get()), ctx);
      if (deflate) hdf5::check(H5Pset_deflate(dcpl.get(), kDeflateLevel), ctx);
      hdf5::PropertyList dapl = uncached_access(ctx);
      hdf5::Dataset ds(H5Dcreate2(group_.get(), s.name.c_str(), H5T_IEEE_F64LE, space.get(),
                                  H5P_DEFAULT, dcpl.get(), dapl.get()),
                       ctx);
      hdf5::write_string_attribute(ds.get(), "units", s.unit, ctx);
      hdf5::write_string_attribute(ds.get(), "description", s.description, ctx);
      attach_run_scale(ds.get(), run_scale, ctx);
      hdf5::check(H5DSattach_scale(ds.get(), time.get(), 1), ctx + " (attaching the time scale)");
      names_.push_back(s.name);
      datasets_.push_back(std::move(ds));
      blocks_.emplace_back();
      blocks_.back().reserve(rows_per_block_ * times_);
    }
    time.close(tctx);
  }

  // Appends run `index`'s rows (NaN rows if `series` is empty); runs come in order.
  void add(const std::vector<std::vector<double>>& series) {
    for (std::size_t s = 0; s < blocks_.size(); ++s) {
      if (series.empty())
        blocks_[s].insert(blocks_[s].end(), times_, kNaN);
      else
        blocks_[s].insert(blocks_[s].end(), series[s].begin(), series[s].end());
    }
    if (++rows_in_block_ == rows_per_block_) flush();
  }

  void flush() {
    if (rows_in_block_ == 0) return;
    out_.ensure_room(rows_in_block_ * times_ * sizeof(double) * datasets_.size());
    const hsize_t start[2] = {first_row_, 0}, count[2] = {rows_in_block_, times_};
    for (std::size_t s = 0; s < datasets_.size(); ++s) {
      const std::string ctx = out_.context("writing /sweep/series/" + names_[s]);
      hdf5::Dataspace file_space(H5Dget_space(datasets_[s].get()), ctx);
      hdf5::check(
          H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
          ctx);
      hdf5::Dataspace memory_space(H5Screate_simple(2, count, nullptr), ctx);
      hdf5::check(H5Dwrite(datasets_[s].get(), H5T_NATIVE_DOUBLE, memory_space.get(),
                           file_space.get(), H5P_DEFAULT, blocks_[s].data()),
                  ctx);
      blocks_[s].clear();
    }
    first_row_ += rows_in_block_;
    rows_in_block_ = 0;
  }

  void close() {
    flush();
    for (std::size_t s = 0; s < datasets_.size(); ++s)
      datasets_[s].close(out_.context("closing /sweep/series/" + names_[s]));
    group_.close(out_.context("closing /sweep/series"));
  }

 private:
  const OutputFile& out_;
  hsize_t times_;
  hsize_t rows_per_block_ = 1;
  hsize_t rows_in_block_ = 0;
  hsize_t first_row_ = 0;
  hdf5::Group group_;
  std::vector<std::string> names_;
  std::vector<hdf5::Dataset> datasets_;
  std::vector<std::vector<double>> blocks_;
};

// Everything but the file's creation and commit. Sets `file_intact` when what throws is not a
// write into the file (record_at, or a record that does not fit the layout).
void write_contents(OutputFile& out, const sweep::SweepLayout& layout, const SweepRecordSource& record_at,
                    const SweepFileAttributes& attrs, bool& file_intact) {
  const hid_t root = out.id();
  const std::uint64_t n = layout.runs;
  const bool deflate = filter_can_encode(H5Z_FILTER_DEFLATE);
  const bool shuffle = deflate && filter_can_encode(H5Z_FILTER_SHUFFLE);

  hdf5::Group sweep = create_group(root, "sweep", out.context("creating /sweep"));
  hdf5::Group inputs = create_group(sweep.get(), "inputs", out.context("creating /sweep/inputs"));
  hdf5::Group summary =
      create_group(sweep.get(), "summary", out.context("creating /sweep/summary"));

  // /sweep/run first: the scale every per-run dataset attaches as it is created.
  const std::string rctx = out.context("writing /sweep/run");
  const hsize_t rdims[1] = {n};
  hdf5::Dataspace rspace(H5Screate_simple(1, rdims, nullptr), rctx);
  hdf5::PropertyList rdcpl = dataset_properties(rctx);
  hdf5::Dataset run(H5Dcreate2(sweep.get(), "run", H5T_STD_U64LE, rspace.get(), H5P_DEFAULT,
                               rdcpl.get(), H5P_DEFAULT),
                    rctx);
  {
    out.ensure_room(n * sizeof(std::uint64_t));
    std::vector<std::uint64_t> index(n);
    for (std::uint64_t i = 0; i < n; ++i) index[i] = i;
    if (n > 0)
      hdf5::check(
          H5Dwrite(run.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index.data()),
          rctx);
  }
  hdf5::write_string_attribute(run.get(), "units", "1", rctx);
  hdf5::write_string_attribute(run.get(), "description",
                               "run index: row i of every /sweep dataset is run i", rctx);
  hdf5::check(H5DSset_scale(run.get(), "run"), rctx);

  std::unique_ptr<SeriesBlockWriter> series;
  if (!layout.series.empty())
    series =
        std::make_unique<SeriesBlockWriter>(sweep.get(), layout, run.get(), deflate, shuffle, out);

  // The per-run columns, filled in run order.
  const std::size_t n_inputs = layout.inputs.size(), n_summaries = layout.summaries.size();
  std::vector<std::vector<double>> input_numbers(n_inputs);
  std::vector<std::vector<std::string>> input_texts(n_inputs);
  for (std::size_t c = 0; c < n_inputs; ++c) {
    if (layout.inputs[c].numeric)
      input_numbers[c].reserve(n);
    else
      input_texts[c].reserve(n);
  }
  std::vector<std::vector<double>> summaries(n_summaries);
  for (auto& s : summaries) s.reserve(n);
  std::vector<std::string> status, message;
  std::vector<double> wall_time;
  status.reserve(n);
  message.reserve(n);
  wall_time.reserve(n);
  std::uint64_t ok = 0, failed = 0;

  const std::string where = out.context("writing the runs");
  for (std::uint64_t i = 0; i < n; ++i) {
    std::optional<sweep::RunRecord> r;
    try {
      r = record_at(i);
      if (r) check_record(*r, i, layout, where);
    } catch (...) {
      file_intact = true;
      throw;
    }
    const bool has_inputs = r && !r->inputs.empty();
    for (std::size_t c = 0; c < n_inputs; ++c) {
      if (layout.inputs[c].numeric)
        input_numbers[c].push_back(has_inputs ? r->inputs[c].number : kNaN);
      else
        input_texts[c].push_back(has_inputs ? r->inputs[c].text : std::string());
    }
    const bool has_summaries = r && !r->summaries.empty();
    for (std::size_t c = 0; c < n_summaries; ++c)
      summaries[c].push_back(has_summaries ? r->summaries[c] : kNaN);
    const sweep::RunStatus st = r ? r->status : sweep::RunStatus::NotRun;
    ok += st == sweep::RunStatus::Ok;
    failed += st == sweep::RunStatus::Failed;
    status.emplace_back(sweep::run_status_name(st));
    message.push_back(r ? r->message : std::string());
    wall_time.push_back(r && st != sweep::RunStatus::NotRun ? r->wall_time_s : kNaN);
    if (series) series->add(r ? r->series : std::vector<std::vector<double>>{});
  }
  if (series) series->close();

  for (std::size_t c = 0; c < n_inputs; ++c) {
    const sweep::SweepColumn& col = layout.inputs[c];
    const std::string ctx = out.context("writing /sweep/inputs/" + col.name);
    if (col.numeric)
      write_number_column(out, inputs.get(), col.name, input_numbers[c], col.unit, col.description,
                          run.get(), ctx);
    else
      write_text_column(out, inputs.get(), col.name, input_texts[c], col.unit, col.description,
                        run.get(), deflate, ctx);
    std::vector<double>().swap(input_numbers[c]);
    std::vector<std::string>().swap(input_texts[c]);
  }
  for (std::size_t c = 0; c < n_summaries; ++c) {
    const sweep::SweepColumn& col = layout.summaries[c];
    write_number_column(out, summary.get(), col.name, summaries[c], col.unit, col.description,
                        run.get(), out.context("writing /sweep/summary/" + col.name));
  }
  write_text_column(out, sweep.get(), "status", status, "",
                    "outcome of each run: ok, failed (see message) or not_run", run.get(), deflate,
                    out.context("writing /sweep/status"));
  write_text_column(out, sweep.get(), "message", message, "",
                    "why the run failed; empty if it did not", run.get(), deflate,
                    out.context("writing /sweep/message"));
  write_number_column(out, sweep.get(), "wall_time", wall_time, "s",
                      "wall-clock time the run took (NaN if not run)", run.get(),
                      out.context("writing /sweep/wall_time"));

  const std::string dctx = out.context("writing /sweep/definition");
  hdf5::Group definition = create_group(sweep.get(), "definition", dctx);
  write_scalar_text(definition.get(), "sweep_file", layout.sweep_text, dctx);
  write_scalar_text(definition.get(), "resolved", layout.sweep_resolved, dctx);
  definition.close(dctx);
  const std::string sctx = out.context("writing /scenario/base");
  hdf5::Group scenario = create_group(root, "scenario", sctx);
  write_scalar_text(scenario.get(), "base", layout.base_text, sctx);
  scenario.close(sctx);

  const std::string actx = out.context("writing root attributes");
  hdf5::write_string_attribute(
      root, "magsim_version", attrs.magsim_version.empty() ? kVersion : attrs.magsim_version, actx);
  hdf5::write_string_attribute(root, "fingerprint", layout.fingerprint, actx);
  write_u64_attribute(root, "runs", n, actx);
  write_u64_attribute(root, "runs_ok", ok, actx);
  write_u64_attribute(root, "runs_failed", failed, actx);
  write_u64_attribute(root, "runs_not_run", n - ok - failed, actx);
  hdf5::write_string_attribute(root, "shard", attrs.shard, actx);
  hdf5::write_string_attribute(root, "sweep_file", layout.sweep_file, actx);
  hdf5::write_string_attribute(root, "base_scenario", layout.base_file, actx);
  hdf5::write_double_attribute(root, "wall_time", attrs.wall_time_s, actx);
  hdf5::write_string_attribute(root, "wall_time_units", "s", actx);
  hdf5::write_string_attribute(root, "execution", attrs.execution, actx);
  for (const auto& a : attrs.extra) {
    if (const double* number = std::get_if<double>(&a.value)) {
      hdf5::write_double_attribute(root, a.name, *number, actx);
      if (!a.unit.empty()) hdf5::write_string_attribute(root, a.name + "_units", a.unit, actx);
    } else {
      hdf5::write_string_attribute(root, a.name, std::get<std::string>(a.value), actx);
    }
  }

  run.close(rctx);
  summary.close(out.context("closing /sweep/summary"));
  inputs.close(out.context("closing /sweep/inputs"));
  sweep.close(out.context("closing /sweep"));
}

// ---- reading ------------------------------------------------------------------------------------


std::vector<std::string> attribute_names(hid_t obj, const std::string& ctx) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Aiterate2(obj, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) < 0) {
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    hdf5::check(H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), ctx);
  }
  return names;
}

std::uint64_t read_u64_attribute(hid_t obj, const std::string& name, const std::string& ctx) {
  hdf5::Attribute attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), ctx + " (attribute " + name + ")");
  std::uint64_t v = 0;
  hdf5::check(H5Aread(attr.get(), H5T_NATIVE_UINT64, &v), ctx);
  return v;
}

bool has_attribute(hid_t obj, const std::string& name, const std::string& ctx) {
  const htri_t exists = H5Aexists(obj, name.c_str());
  if (exists < 0) hdf5::throw_error(ctx);
  return exists > 0;
}

// Length of a 1-D dataset; throws unless it is 1-D with `rows` rows.
void check_rows(hid_t ds, hsize_t rows, const std::string& ctx) {
  hdf5::Dataspace space(H5Dget_space(ds), ctx);
  hsize_t dims[1] = {0};
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw std::runtime_error(ctx + ": not 1-D");
  hdf5::check(H5Sget_simple_extent_dims(space.get(), dims, nullptr), ctx);
  if (dims[0] != rows)
    throw std::runtime_error(ctx + ": " + std::to_string(dims[0]) + " rows, the file has " +
                             std::to_string(rows) + " runs");
}

std::vector<double> read_number_column(hid_t ds, hsize_t rows, const std::string& ctx) {
  check_rows(ds, rows, ctx);
  std::vector<double> v(rows);
  if (rows > 0)
    hdf5::check(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), ctx);
  return v;
}

bool is_string_dataset(hid_t ds, const std::string& ctx) {
  hdf5::Datatype type(H5Dget_type(ds), ctx);
  return H5Tget_class(type.get()) == H5T_STRING;
}

// Reads a string column a block at a time: variable-length (this version) or fixed-length
// (sweep files of earlier versions).
std::vector<std::string> read_text_column(hid_t ds, hsize_t rows, const std::string& ctx) {
  check_rows(ds, rows, ctx);
  hdf5::Datatype file_type(H5Dget_type(ds), ctx);
  if (H5Tget_class(file_type.get()) != H5T_STRING)
    throw std::runtime_error(ctx + ": not a string column");
  const bool variable = H5Tis_variable_str(file_type.get()) > 0;
  const std::size_t width = variable ? sizeof(char*) : H5Tget_size(file_type.get());
  // Memory type = file type: no conversion (HDF5 does not convert between character sets).
  hdf5::Datatype mem_type(H5Tcopy(file_type.get()), ctx);
  const hsize_t block_rows = std::max<hsize_t>(1, kTextChunkBytes / width);
  std::vector<std::string> out;
  out.reserve(rows);
  std::vector<char> block;
  for (hsize_t first = 0; first < rows; first += block_rows) {
    const hsize_t count = std::min(block_rows, rows - first);
    block.assign(count * width, '\0');
    hdf5::Dataspace file_space(H5Dget_space(ds), ctx);
    hdf5::check(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr),
        ctx);
    hdf5::Dataspace memory_space(H5Screate_simple(1, &count, nullptr), ctx);
    hdf5::check(H5Dread(ds, mem_type.get(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                        block.data()),
                ctx);
    if (variable) {
      const auto* texts = reinterpret_cast<char* const*>(block.data());
      for (hsize_t i = 0; i < count; ++i) out.emplace_back(texts[i] ? texts[i] : "");
      (void)H5Dvlen_reclaim(mem_type.get(), memory_space.get(), H5P_DEFAULT, block.data());
    } else {
      for (hsize_t i = 0; i < count; ++i) {
        const char* p = block.data() + i * width;
        out.emplace_back(p, strnlen(p, width));
      }
    }
  }
  return out;
}

std::string read_scalar_text(hid_t loc, const std::string& name, const std::string& ctx) {
  if (!hdf5::has_link(loc, name)) return {};
  hdf5::Dataset ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), ctx);
  return hdf5::read_string(ds.get(), false, ctx);
}

sweep::RunStatus parse_status(const std::string& s, const std::string& ctx) {
  if (s == "ok") return sweep::RunStatus::Ok;
  if (s == "failed") return sweep::RunStatus::Failed;
  if (s == "not_run") return sweep::RunStatus::NotRun;
  throw std::runtime_error(ctx + ": unknown status '" + s + "'");
}

// An open sweep file: its layout, attributes and per-run columns in memory, its series read a
// run at a time.
class SweepFileReader {
 public:
  explicit SweepFileReader(std::string path) : path_(std::move(path)) {
    where_ = "cannot read sweep file '" + path_ + "'";
    std::error_code ec;
    if (!fs::exists(path_, ec)) throw std::runtime_error(where_ + ": no such file");
    if (H5Fis_hdf5(path_.c_str()) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      throw std::runtime_error(where_ + ": not an HDF5 file");
    }
    file_ = hdf5::File(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), where_);
    const hid_t root = file_.get();
    if (!hdf5::has_link(root, "sweep") || !has_attribute(root, "fingerprint", where_) ||
        !has_attribute(root, "runs", where_))
      throw std::runtime_error(where_ + ": not a magsim sweep file (no /sweep or no fingerprint)");
    read_attributes();
    sweep_ = hdf5::Group(H5Gopen2(root, "sweep", H5P_DEFAULT), where_ + ": opening /sweep");
    for (const char* name : {"run", "status", "message", "wall_time", "inputs", "summary"})
      if (!hdf5::has_link(sweep_.get(), name))
        throw std::runtime_error(where_ + ": not a magsim sweep file (no /sweep/" + name + ")");
    read_columns();
    read_series();
    read_texts();
  }

  const std::string& path() const { return path_; }
  const sweep::SweepLayout& layout() const { return layout_; }
  const SweepFileAttributes& attributes() const { return attrs_; }
  sweep::RunStatus status(std::uint64_t i) const { return status_[i]; }

  sweep::RunRecord record(std::uint64_t i, bool with_series) const {
    sweep::RunRecord r;
    r.index = i;
    r.status = status_[i];
    r.message = message_[i];
    r.inputs.resize(layout_.inputs.size());
    for (std::size_t c = 0; c < r.inputs.size(); ++c) {
      if (layout_.inputs[c].numeric)
        r.inputs[c].number = numbers_[c][i];
      else
        r.inputs[c].text = texts_[c][i];
    }
    r.summaries.resize(layout_.summaries.size());
    for (std::size_t c = 0; c < r.summaries.size(); ++c) r.summaries[c] = summaries_[c][i];
    r.wall_time_s = wall_time_[i];
    if (with_series) {
      const hsize_t times = layout_.series_time_h.size();
      r.series.resize(series_.size());
      for (std::size_t s = 0; s < series_.size(); ++s) {
        const std::string ctx = where_ + ": reading /sweep/series/" + layout_.series[s].name;
        r.series[s].resize(times);
        hdf5::Dataspace file_space(H5Dget_space(series_[s].get()), ctx);
        const hsize_t start[2] = {i, 0}, count[2] = {1, times};
        hdf5::check(
            H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
            ctx);
        hdf5::Dataspace memory_space(H5Screate_simple(2, count, nullptr), ctx);
        hdf5::check(H5Dread(series_[s].get(), H5T_NATIVE_DOUBLE, memory_space.get(),
                            file_space.get(), H5P_DEFAULT, r.series[s].data()),
                    ctx);
      }
    }
    return r;
  }

 private:
  void read_attributes() {
    const hid_t root = file_.get();
    const std::string ctx = where_ + ": reading root attributes";
    layout_.fingerprint = hdf5::read_string_attribute(root, "fingerprint", ctx);
    layout_.runs = read_u64_attribute(root, "runs", ctx);
    layout_.sweep_file = hdf5::read_string_attribute(root, "sweep_file", ctx);
    layout_.base_file = hdf5::read_string_attribute(root, "base_scenario", ctx);
    attrs_.shard = hdf5::read_string_attribute(root, "shard", ctx);
    attrs_.magsim_version = hdf5::read_string_attribute(root, "magsim_version", ctx);
    attrs_.execution = hdf5::read_string_attribute(root, "execution", ctx);
    if (has_attribute(root, "wall_time", ctx))
      attrs_.wall_time_s = hdf5::read_double_attribute(root, "wall_time", ctx);

    const std::vector<std::string> names = attribute_names(root, ctx);
    const std::set<std::string> all(names.begin(), names.end());
    for (const auto& name : names) {
      if (is_standard_attribute(name)) continue;
      hdf5::Attribute attr(H5Aopen(root, name.c_str(), H5P_DEFAULT), ctx);
      hdf5::Datatype type(H5Aget_type(attr.get()), ctx);
      const H5T_class_t cls = H5Tget_class(type.get());
      SweepFileAttribute a;
      a.name = name;
      if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
        a.value = hdf5::read_double_attribute(root, name, ctx);
        a.unit = hdf5::read_string_attribute(root, name + "_units", ctx);
      } else if (cls == H5T_STRING) {
        // `<x>_units` belongs to the number `x`.
        if (ends_with(name, "_units") && all.count(name.substr(0, name.size() - 6))) continue;
        a.value = hdf5::read_string(attr.get(), true, ctx);
      } else {
        continue;  // not written by magsim
      }
      attrs_.extra.push_back(std::move(a));
    }
  }

  // Reads a group of columns into `columns` (layout) and the matching value vectors.
  void read_column_group(const char* group_name, std::vector<sweep::SweepColumn>& columns,
                         std::vector<std::vector<double>>& numbers,
                         std::vector<std::vector<std::string>>* texts) {
    const std::string gctx = where_ + ": reading /sweep/" + group_name;
    hdf5::Group group(H5Gopen2(sweep_.get(), group_name, H5P_DEFAULT), gctx);
    for (const auto& name : hdf5::link_names(group.get(), gctx)) {
      const std::string ctx = gctx + "/" + name;
      hdf5::Dataset ds(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), ctx);
      sweep::SweepColumn col;
      col.name = name;
      col.unit = hdf5::read_string_attribute(ds.get(), "units", ctx);
      col.description = hdf5::read_string_attribute(ds.get(), "description", ctx);
      col.numeric = !is_string_dataset(ds.get(), ctx);
      if (!col.numeric && !texts)
        throw std::runtime_error(ctx + ": a text column where numbers are expected");
      numbers.push_back(col.numeric ? read_number_column(ds.get(), layout_.runs, ctx)
                                    : std::vector<double>{});
      if (texts)
        texts->push_back(col.numeric ? std::vector<std::string>{}
                                     : read_text_column(ds.get(), layout_.runs, ctx));
      columns.push_back(std::move(col));
    }
  }

  void read_columns() {
    const hsize_t n = layout_.runs;
    read_column_group("inputs", layout_.inputs, numbers_, &texts_);
    read_column_group("summary", layout_.summaries, summaries_, nullptr);
    auto open = [&](const char* name) {
      return hdf5::Dataset(H5Dopen2(sweep_.get(), name, H5P_DEFAULT),
                           where_ + ": opening /sweep/" + name);
    };
    {
      const std::string ctx = where_ + ": reading /sweep/run";
      hdf5::Dataset ds = open("run");
      check_rows(ds.get(), n, ctx);
      std::vector<std::uint64_t> run(n);
      if (n > 0)
        hdf5::check(H5Dread(ds.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, run.data()),
                    ctx);
      for (std::uint64_t i = 0; i < n; ++i)
        if (run[i] != i)
          throw std::runtime_error(ctx + ": row " + std::to_string(i) + " holds run " +
                                   std::to_string(run[i]));
    }
    {
      const std::string ctx = where_ + ": reading /sweep/status";
      hdf5::Dataset ds = open("status");
      for (const auto& s : read_text_column(ds.get(), n, ctx))
        status_.push_back(parse_status(s, ctx));
    }
    {
      hdf5::Dataset ds = open("message");
      message_ = read_text_column(ds.get(), n, where_ + ": reading /sweep/message");
    }
    {
      hdf5::Dataset ds = open("wall_time");
      wall_time_ = read_number_column(ds.get(), n, where_ + ": reading /sweep/wall_time");
    }
  }

  void read_series() {
    if (!hdf5::has_link(sweep_.get(), "series")) return;
    const std::string gctx = where_ + ": reading /sweep/series";
    hdf5::Group group(H5Gopen2(sweep_.get(), "series", H5P_DEFAULT), gctx);
    if (!hdf5::has_link(group.get(), "time"))
      throw std::runtime_error(gctx + ": no /sweep/series/time");
    {
      hdf5::Dataset time(H5Dopen2(group.get(), "time", H5P_DEFAULT), gctx + "/time");
      hdf5::Dataspace space(H5Dget_space(time.get()), gctx);
      const hssize_t t = H5Sget_simple_extent_npoints(space.get());
      if (t < 0) hdf5::throw_error(gctx);
      layout_.series_time_h.resize(static_cast<std::size_t>(t));
      if (t > 0)
        hdf5::check(H5Dread(time.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            layout_.series_time_h.data()),
                    gctx + "/time");
    }
    for (const auto& name : hdf5::link_names(group.get(), gctx)) {
      if (name == "time") continue;
      const std::string ctx = gctx + "/" + name;
      hdf5::Dataset ds(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), ctx);
      hdf5::Dataspace space(H5Dget_space(ds.get()), ctx);
      hsize_t dims[2] = {0, 0};
      if (H5Sget_simple_extent_ndims(space.get()) != 2 ||
          H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0 || dims[0] != layout_.runs ||
          dims[1] != layout_.series_time_h.size())
        throw std::runtime_error(ctx + ": not (" + std::to_string(layout_.runs) + ", " +
                                 std::to_string(layout_.series_time_h.size()) + ")");
      sweep::SweepColumn col;
      col.name = name;
      col.unit = hdf5::read_string_attribute(ds.get(), "units", ctx);
      col.description = hdf5::read_string_attribute(ds.get(), "description", ctx);
      layout_.series.push_back(std::move(col));
      series_.push_back(std::move(ds));
    }
  }

  void read_texts() {
    const std::string ctx = where_ + ": reading the sweep definition";
    if (hdf5::has_link(sweep_.get(), "definition")) {
      hdf5::Group def(H5Gopen2(sweep_.get(), "definition", H5P_DEFAULT), ctx);
      layout_.sweep_text = read_scalar_text(def.get(), "sweep_file", ctx);
      layout_.sweep_resolved = read_scalar_text(def.get(), "resolved", ctx);
    }
    if (hdf5::has_link(file_.get(), "scenario")) {
      hdf5::Group scenario(H5Gopen2(file_.get(), "scenario", H5P_DEFAULT), ctx);
      layout_.base_text = read_scalar_text(scenario.get(), "base", ctx);
    }
  }

  std::string path_;
  std::string where_;
  hdf5::File file_;
  hdf5::Group sweep_;
  sweep::SweepLayout layout_;
  SweepFileAttributes attrs_;
  std::vector<std::vector<double>> numbers_;     // per input column; empty for text columns
  std::vector<std::vector<std::string>> texts_;  // per input column; empty for numeric ones
  std::vector<std::vector<double>> summaries_;
  std::vector<sweep::RunStatus> status_;
  std::vector<std::string> message_;
  std::vector<double> wall_time_;
  std::vector<hdf5::Dataset> series_;
};

// ---- merging ------------------------------------------------------------------------------------

bool same_columns(const std::vector<sweep::SweepColumn>& a, const std::vector<sweep::SweepColumn>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const sweep::SweepColumn& x, const sweep::SweepColumn& y) {
                      return x.name == y.name && x.unit == y.unit &&
                             x.description == y.description && x.numeric == y.numeric;
                    });
}

bool same_result_layout(const sweep::SweepLayout& a, const sweep::SweepLayout& b) {
  return same_columns(a.inputs, b.inputs) && same_columns(a.summaries, b.summaries) &&
         same_columns(a.series, b.series) &&
         std::equal(a.series_time_h.begin(), a.series_time_h.end(), b.series_time_h.begin(),
                    b.series_time_h.end(), same_bits);
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// What differs between two records of the same run, or "" if they are the same result.
std::string difference(const sweep::RunRecord& a, const sweep::RunRecord& b, const sweep::SweepLayout& layout) {
  if (a.status != b.status)
    return std::string("status ") + sweep::run_status_name(a.status) + " vs " + sweep::run_status_name(b.status);
  if (a.message != b.message) return "message '" + a.message + "' vs '" + b.message + "'";
  for (std::size_t c = 0; c < a.inputs.size(); ++c) {
    const auto& col = layout.inputs[c];
    if (col.numeric && !same_bits(a.inputs[c].number, b.inputs[c].number))
      return "input '" + col.name + "' " + number_text(a.inputs[c].number) + " vs " +
             number_text(b.inputs[c].number);
    if (!col.numeric && a.inputs[c].text != b.inputs[c].text)
      return "input '" + col.name + "' '" + a.inputs[c].text + "' vs '" + b.inputs[c].text + "'";
  }
  for (std::size_t c = 0; c < a.summaries.size(); ++c)
    if (!same_bits(a.summaries[c], b.summaries[c]))
      return "summary '" + layout.summaries[c].name + "' " + number_text(a.summaries[c]) + " vs " +
             number_text(b.summaries[c]);
  for (std::size_t s = 0; s < a.series.size(); ++s)
    for (std::size_t t = 0; t < a.series[s].size(); ++t)
      if (!same_bits(a.series[s][t], b.series[s][t]))
        return "series '" + layout.series[s].name + "' at " + number_text(layout.series_time_h[t]) +
               " h: " + number_text(a.series[s][t]) + " vs " + number_text(b.series[s][t]);
  return {};
}

}  // namespace

void write_sweep_file(const std::string& path, const sweep::SweepLayout& layout,
                      const SweepRecordSource& record_at, const SweepFileAttributes& attrs) {
  hdf5::ErrorPrintingOff quiet;
  check_layout(layout, attrs);
  OutputFile out(path);
  bool file_intact = false;
  try {
    write_contents(out, layout, record_at, attrs, file_intact);
    out.commit();
  } catch (...) {
    // After a failed HDF5 write the file must not be closed the ordinary way (see OutputFile).
    if (!file_intact) out.mark_broken();
    throw;
  }
}

SweepFileContents read_sweep_file(const std::string& path, bool with_series) {
  hdf5::ErrorPrintingOff quiet;
  const SweepFileReader file(path);
  SweepFileContents contents;
  contents.layout = file.layout();
  contents.attributes = file.attributes();
  contents.records.reserve(contents.layout.runs);
  for (std::uint64_t i = 0; i < contents.layout.runs; ++i)
    contents.records.push_back(file.record(i, with_series));
  return contents;
}

MergeReport merge_sweep_files(const std::string& out, const std::vector<std::string>& inputs,
                              const std::string& magsim_version) {
  hdf5::ErrorPrintingOff quiet;
  if (inputs.empty()) throw std::invalid_argument("cannot merge sweep files: no input files");
  std::vector<std::unique_ptr<SweepFileReader>> files;
  for (const auto& p : inputs) files.push_back(std::make_unique<SweepFileReader>(p));
  const SweepFileReader& first = *files.front();
  const sweep::SweepLayout& layout = first.layout();
  for (std::size_t k = 1; k < files.size(); ++k) {
    const sweep::SweepLayout& other = files[k]->layout();
    const std::string pair = "cannot merge '" + inputs[k] + "' with '" + inputs[0] + "': ";
    if (other.fingerprint != layout.fingerprint || other.runs != layout.runs)
      throw std::runtime_error(pair + "they are results of different sweeps (fingerprint " +
                               other.fingerprint + ", " + std::to_string(other.runs) +
                               " runs in '" + inputs[k] + "'; fingerprint " + layout.fingerprint +
                               ", " + std::to_string(layout.runs) + " runs in '" + inputs[0] +
                               "')");
    if (!same_result_layout(layout, other))
      throw std::runtime_error(pair + "same fingerprint " + layout.fingerprint +
                               " but different columns or series times (written by different "
                               "magsim versions?)");
  }

  MergeReport report;
  report.inputs = files.size();
  auto record_at = [&](std::uint64_t i) -> std::optional<sweep::RunRecord> {
    std::optional<sweep::RunRecord> chosen;
    std::size_t from = 0;
    for (std::size_t k = 0; k < files.size(); ++k) {
      if (files[k]->status(i) == sweep::RunStatus::NotRun) continue;
      sweep::RunRecord r = files[k]->record(i, true);
      if (!chosen) {
        chosen = std::move(r);
        from = k;
      } else if (const std::string diff = difference(*chosen, r, layout); !diff.empty()) {
        throw std::runtime_error("cannot merge sweep files: run " + std::to_string(i) +
                                 " differs between '" + inputs[from] + "' and '" + inputs[k] +
                                 "' (" + diff + ")");
      }
    }
    if (!chosen)
      ++report.not_run;
    else if (chosen->status == sweep::RunStatus::Ok)
      ++report.ok;
    else
      ++report.failed;
    return chosen;
  };

  SweepFileAttributes attrs;
  attrs.magsim_version = magsim_version;
  attrs.wall_time_s = kNaN;
  std::vector<std::string> executions;
  for (const auto& f : files) {
    attrs.wall_time_s = std::fmax(attrs.wall_time_s, f->attributes().wall_time_s);
    const std::string& e = f->attributes().execution;
    if (!e.empty() && std::find(executions.begin(), executions.end(), e) == executions.end())
      executions.push_back(e);
  }
  attrs.execution = "merged from " + std::to_string(files.size()) + " files";
  for (std::size_t e = 0; e < executions.size(); ++e)
    attrs.execution += (e == 0 ? " (" : "; ") + executions[e];
  if (!executions.empty()) attrs.execution += ")";
  attrs.extra = first.attributes().extra;

  write_sweep_file(out, layout, record_at, attrs);
  return report;
}

}  // namespace magsim::engine::io
