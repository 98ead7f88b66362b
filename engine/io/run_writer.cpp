#include "engine/io/run_writer.hpp"

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
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "engine/io/hdf5_handles.hpp"
#include "engine/io/hdf5_atomic.hpp"
#include "engine/version_info.hpp"

namespace magsim::engine::io {

namespace fs = std::filesystem;

namespace {

// Deflate level 1 with the shuffle filter: doubles of slowly varying series compress well
// already at the fastest level, and writing stays I/O-bound rather than CPU-bound.
constexpr unsigned kDeflateLevel = 1;

using hdf5::errno_text;
using hdf5::filter_can_encode;
using hdf5::kFinishReserveBytes;

void validate_dataset_name(const std::string& name, const std::string& what) {
  if (name.empty() || name == "." || name.find('/') != std::string::npos)
    throw std::invalid_argument("cannot use " + what + " name '" + name +
                                "' as an HDF5 dataset name (empty, '.' or contains '/')");
}

// /events rows hold fixed-length strings, each as long as its longest value: unlike
// variable-length strings they need no global heap, whose blocks HDF5 keeps in memory in
// proportion to the number of events.
struct EventLayout {
  size_t kind = 1, what = 1, unit = 1;  // string field sizes, with the terminating NUL
  size_t row() const { return 2 * sizeof(double) + kind + what + unit; }
  size_t kind_offset() const { return 2 * sizeof(double); }
  size_t what_offset() const { return kind_offset() + kind; }
  size_t unit_offset() const { return what_offset() + what; }
};

}  // namespace

struct Hdf5RunWriter::Impl {
  struct Series {
    std::string name;
    bool from_state = false;  // value taken from the state vector instead of the outputs
    int index = -1;
    hdf5::Dataset dataset;
    std::vector<double> buffer;
  };

  std::string path;
  std::string tmp_path;
  RunMetadata meta;
  std::size_t chunk_rows = kChunkRows;  // rows per series chunk and per buffer
  bool deflate = false;
  bool shuffle = false;

  RunFileLayout layout_kind = RunFileLayout::Hdf5;
  hdf5::File file;
  hdf5::Group series_group;  // empty in the netCDF layout: the series are at the root
  hid_t series_location() const { return series_group ? series_group.get() : file.get(); }
  hdf5::Dataset time_dataset;
  std::vector<double> time_buffer;
  std::vector<Series> series;
  hsize_t rows_on_disk = 0;
  // The envelope method's 0/1 "reconstructed" series (index -1 in `series`), and its value for
  // the sample being written.
  double reconstructed_flag = 0;

  bool created = false;  // tmp_path exists and is ours to delete
  bool begun = false;
  bool parameters_written = false;
  bool events_written = false;
  bool committed = false;
  bool broken = false;      // a write failed: the file may be inconsistent, commit() refuses
  bool flush_failed = false;  // a metadata flush failed (see hdf5::close_discarded_file)

  std::string context(const std::string& action) const {
    return "cannot write output '" + path + "': " + action;
  }

  ~Impl() {
    if (committed || !created) return;
    hdf5::ErrorPrintingOff quiet;
    for (auto& s : series) s.dataset.reset();
    time_dataset.reset();
    series_group.reset();
    if (broken)
      hdf5::close_discarded_file(file, flush_failed);
    else
      file.reset();
    std::remove(tmp_path.c_str());
  }

  void create_temporary_file() {
    hdf5::TemporaryFile t = hdf5::create_temporary_beside(path, "output");
    tmp_path = t.path;
    file = std::move(t.file);
    created = true;
  }


  static hdf5::PropertyList group_properties(const std::string& ctx) {
    hdf5::PropertyList gcpl(H5Pcreate(H5P_GROUP_CREATE), ctx);
    hdf5::check(
        H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), ctx);
    return gcpl;
  }

  hdf5::Group create_group(hid_t loc, const std::string& name) {
    const std::string ctx = context("creating group '" + name + "'");
    hdf5::PropertyList gcpl = group_properties(ctx);
    return hdf5::Group(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), ctx);
  }

  void write_string_dataset(hid_t loc, const std::string& name, const std::string& text) {
    const std::string ctx = context("writing string dataset '" + name + "'");
    hdf5::Datatype type = hdf5::utf8_string_type();
    hdf5::Dataspace space(H5Screate(H5S_SCALAR), ctx);
    hdf5::Dataset ds(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     ctx);
    const char* p = text.c_str();
    hdf5::check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), ctx);
    ds.close(ctx);
  }

  void write_metadata() {
    const hid_t root = file.get();
    const std::string ctx = context("writing root attributes");
    hdf5::write_string_attribute(root, "magsim_version", meta.magsim_version, ctx);
    hdf5::write_string_attribute(root, "git_revision", meta.git_revision, ctx);
    hdf5::write_string_attribute(root, "model", meta.model_name, ctx);
    hdf5::write_string_attribute(root, "model_version", meta.model_version, ctx);
    hdf5::write_string_attribute(root, "scenario_file", meta.scenario_file, ctx);
    hdf5::write_string_attribute(root, "solver_method", meta.solver_method, ctx);
    hdf5::write_double_attribute(root, "rtol", meta.rtol, ctx);
    hdf5::write_double_attribute(root, "atol", meta.atol, ctx);
    hdf5::write_double_attribute(root, "max_step", meta.max_step_h, ctx);
    hdf5::write_string_attribute(root, "max_step_units", "h", ctx);

    hdf5::Group scenario = create_group(root, "scenario");
    hdf5::write_string_attribute(scenario.get(), "file", meta.scenario_file, ctx);
    write_string_dataset(scenario.get(), "given", meta.scenario_given);
    write_string_dataset(scenario.get(), "resolved", meta.scenario_resolved);
    scenario.close(context("closing /scenario"));
  }

  hdf5::Dataset create_series_dataset(const std::string& name, const std::string& unit,
                                      const std::string& description) {
    const std::string ctx = context("creating series '/series/" + name + "'");
    const hsize_t dims[1] = {0};
    const hsize_t maxdims[1] = {H5S_UNLIMITED};
    hdf5::Dataspace space(H5Screate_simple(1, dims, maxdims), ctx);
    hdf5::PropertyList dcpl(H5Pcreate(H5P_DATASET_CREATE), ctx);
    const hsize_t chunk[1] = {chunk_rows};
    hdf5::check(H5Pset_chunk(dcpl.get(), 1, chunk), ctx);
    if (shuffle) hdf5::check(H5Pset_shuffle(dcpl.get()), ctx);
    if (deflate) hdf5::check(H5Pset_deflate(dcpl.get(), kDeflateLevel), ctx);
    hdf5::check(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED), ctx);
    // No chunk cache: rows arrive in whole chunks, so each H5Dwrite goes straight to disk and a
    // failing disk shows up in sample(), not as a pile of pending chunks at close.
    hdf5::PropertyList dapl(H5Pcreate(H5P_DATASET_ACCESS), ctx);
    hdf5::check(H5Pset_chunk_cache(dapl.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
                                   H5D_CHUNK_CACHE_W0_DEFAULT),
                ctx);
    hdf5::Dataset ds(H5Dcreate2(series_location(), name.c_str(), H5T_IEEE_F64LE, space.get(),
                                H5P_DEFAULT, dcpl.get(), dapl.get()),
                     ctx);
    hdf5::write_string_attribute(ds.get(), "units", unit, ctx);
    hdf5::write_string_attribute(ds.get(), "description", description, ctx);
    return ds;
  }

  void append_rows(hid_t ds, const std::vector<double>& rows, hsize_t new_size,
                   const std::string& name) {
    const std::string ctx = context("appending to '/series/" + name + "'");
    hdf5::check(H5Dset_extent(ds, &new_size), ctx);
    hdf5::Dataspace file_space(H5Dget_space(ds), ctx);
    const hsize_t start[1] = {rows_on_disk};
    const hsize_t count[1] = {rows.size()};
    hdf5::check(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), ctx);
    hdf5::Dataspace mem_space(H5Screate_simple(1, count, nullptr), ctx);
    hdf5::check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT,
                         rows.data()),
                ctx);
  }

  // Fails early if the final metadata flush might not fit on the disk or under the process's
  // file size limit (a flush that fails anyway, the disk filled by another writer meanwhile, is
  // handled by hdf5::close_discarded_file).
  void check_room_to_finish() const { hdf5::ensure_room(tmp_path, 0, "output", path); }


  void flush() {
    if (!begun || time_buffer.empty()) return;
    const hsize_t new_size = rows_on_disk + time_buffer.size();
    append_rows(time_dataset.get(), time_buffer, new_size, "time");
    for (auto& s : series) {
      append_rows(s.dataset.get(), s.buffer, new_size, s.name);
      s.buffer.clear();  // keeps its capacity: no reallocation for the next chunk
    }
    time_buffer.clear();
    rows_on_disk = new_size;
  }

  // A 1-D dataset of `count` rows of `type` in `loc`, chunked (when not empty) and compressed.
  hdf5::Dataset create_column(hid_t loc, const std::string& name, hid_t type, hsize_t count,
                              const std::string& ctx) const {
    const hsize_t dims[1] = {count};
    hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr), ctx);
    hdf5::PropertyList dcpl(H5Pcreate(H5P_DATASET_CREATE), ctx);
    hdf5::check(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED), ctx);
    const hsize_t chunk[1] = {std::max<hsize_t>(1, std::min<hsize_t>(kChunkRows, count))};
    if (count > 0) {
      hdf5::check(H5Pset_chunk(dcpl.get(), 1, chunk), ctx);
      if (deflate) hdf5::check(H5Pset_deflate(dcpl.get(), 1), ctx);
    }
    return hdf5::Dataset(
        H5Dcreate2(loc, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), ctx);
  }

  // Writes rows [first, first + n) of a 1-D dataset from `data`, laid out as `mem_type`.
  static void write_rows(hid_t ds, hid_t mem_type, hsize_t first, hsize_t n, const void* data,
                         const std::string& ctx) {
    if (n == 0) return;
    const hsize_t start[1] = {first}, count[1] = {n};
    hdf5::Dataspace file_space(H5Dget_space(ds), ctx);
    hdf5::check(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), ctx);
    hdf5::Dataspace memory_space(H5Screate_simple(1, count, nullptr), ctx);
    hdf5::check(H5Dwrite(ds, mem_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data), ctx);
  }

  // Two passes over the records (the count and string widths, then the rows), a chunk in memory
  // at a time: a schedule that unrolls to millions of doses is never held whole.
  //
  // RunFileLayout::Hdf5: /events is one compound table (fixed-length strings: unlike
  // variable-length ones they need no global heap, whose blocks HDF5 keeps in memory in
  // proportion to the number of events), with an index /event (0, 1, ...) as its dimension
  // scale so that netCDF readers see a named dimension. RunFileLayout::NetCdf: a group /events
  // of columns on the dimension "event" (event, time, kind, what, amount, unit; strings
  // variable-length), since netCDF-C does not show compound variables.
  void write_events(const EventSource& each) {
    const std::string ctx = context("writing /events");
    const bool netcdf = layout_kind == RunFileLayout::NetCdf;
    EventLayout layout;
    size_t count = 0;
    each([&](const EventRecord& e) {
      layout.kind = std::max(layout.kind, e.kind.size() + 1);
      layout.what = std::max(layout.what, e.what.size() + 1);
      layout.unit = std::max(layout.unit, e.unit.size() + 1);
      ++count;
    });
    auto fixed_string = [&](size_t size) {
      hdf5::Datatype t(H5Tcopy(H5T_C_S1), ctx);
      hdf5::check(H5Tset_size(t.get(), size), ctx);
      hdf5::check(H5Tset_strpad(t.get(), H5T_STR_NULLTERM), ctx);
      hdf5::check(H5Tset_cset(t.get(), H5T_CSET_UTF8), ctx);
      return t;
    };
    hdf5::Datatype kind_t = fixed_string(layout.kind), what_t = fixed_string(layout.what),
                   unit_t = fixed_string(layout.unit);
    hdf5::Datatype row(H5Tcreate(H5T_COMPOUND, layout.row()), ctx);
    hdf5::check(H5Tinsert(row.get(), "time_h", 0, H5T_NATIVE_DOUBLE), ctx);
    hdf5::check(H5Tinsert(row.get(), "kind", layout.kind_offset(), kind_t.get()), ctx);
    hdf5::check(H5Tinsert(row.get(), "what", layout.what_offset(), what_t.get()), ctx);
    hdf5::check(H5Tinsert(row.get(), "amount", sizeof(double), H5T_NATIVE_DOUBLE), ctx);
    hdf5::check(H5Tinsert(row.get(), "unit", layout.unit_offset(), unit_t.get()), ctx);
    hdf5::Datatype text = hdf5::utf8_string_type();

    hdf5::Group group;
    const hid_t loc = netcdf ? (group = create_group(file.get(), "events")).get() : file.get();
    hdf5::Dataset index = create_column(loc, "event", H5T_STD_U64LE, count, ctx);
    hdf5::check(H5DSset_scale(index.get(), "event"), ctx);
    hdf5::write_string_attribute(index.get(), "units", "1", ctx);
    hdf5::write_string_attribute(index.get(), "description", "event number, in time order", ctx);
    // HDF5 layout: the table; netCDF layout: time, kind, what, amount, unit.
    std::vector<hdf5::Dataset> columns;
    if (netcdf) {
      columns.push_back(create_column(loc, "time", H5T_IEEE_F64LE, count, ctx));
      columns.push_back(create_column(loc, "kind", text.get(), count, ctx));
      columns.push_back(create_column(loc, "what", text.get(), count, ctx));
      columns.push_back(create_column(loc, "amount", H5T_IEEE_F64LE, count, ctx));
      columns.push_back(create_column(loc, "unit", text.get(), count, ctx));
    } else {
      columns.push_back(create_column(loc, "events", row.get(), count, ctx));
    }

    // Chunked and written a chunk at a time, so the table needs one chunk of memory here.
    std::vector<char> rows;
    std::vector<std::uint64_t> numbers;
    std::vector<double> times, amounts;
    std::vector<std::string> kinds, whats, units;
    size_t first = 0, in_rows = 0;
    auto flush = [&] {
      if (in_rows == 0) return;
      write_rows(index.get(), H5T_NATIVE_UINT64, first, in_rows, numbers.data(), ctx);
      if (netcdf) {
        auto pointers = [](const std::vector<std::string>& v) {
          std::vector<const char*> p;
          for (const auto& x : v) p.push_back(x.c_str());
          return p;
        };
        write_rows(columns[0].get(), H5T_NATIVE_DOUBLE, first, in_rows, times.data(), ctx);
        write_rows(columns[1].get(), text.get(), first, in_rows, pointers(kinds).data(), ctx);
        write_rows(columns[2].get(), text.get(), first, in_rows, pointers(whats).data(), ctx);
        write_rows(columns[3].get(), H5T_NATIVE_DOUBLE, first, in_rows, amounts.data(), ctx);
        write_rows(columns[4].get(), text.get(), first, in_rows, pointers(units).data(), ctx);
      } else {
        write_rows(columns[0].get(), row.get(), first, in_rows, rows.data(), ctx);
      }
      first += in_rows;
      in_rows = 0;
      numbers.clear(), times.clear(), amounts.clear(), kinds.clear(), whats.clear(), units.clear();
    };
    size_t seen = 0;
    each([&](const EventRecord& e) {
      // The source must give the same records twice; more rows than counted is a logic error.
      if (++seen > count) throw std::logic_error("/events: the schedule gave more records than it counted");
      numbers.push_back(seen - 1);
      if (netcdf) {
        times.push_back(e.time_h);
        amounts.push_back(e.amount);
        kinds.push_back(e.kind);
        whats.push_back(e.what);
        units.push_back(e.unit);
      } else {
        if (in_rows == 0) rows.assign(std::min<size_t>(kChunkRows, count - first) * layout.row(), '\0');
        char* r = rows.data() + in_rows * layout.row();
        std::memcpy(r, &e.time_h, sizeof(double));
        std::memcpy(r + sizeof(double), &e.amount, sizeof(double));
        std::memcpy(r + layout.kind_offset(), e.kind.data(), e.kind.size());
        std::memcpy(r + layout.what_offset(), e.what.data(), e.what.size());
        std::memcpy(r + layout.unit_offset(), e.unit.data(), e.unit.size());
      }
      if (++in_rows == kChunkRows) flush();
    });
    flush();
    if (seen != count) throw std::logic_error("/events: the schedule gave fewer records than it counted");
    for (auto& c : columns) {
      hdf5::check(H5DSattach_scale(c.get(), index.get(), 0), ctx);
    }
    const char* kDescription = "dose, infusion and meal schedule";
    if (netcdf) {
      hdf5::write_string_attribute(columns[0].get(), "units", "h", ctx);
      hdf5::write_string_attribute(columns[0].get(), "description", "time since the start of the run", ctx);
      hdf5::write_string_attribute(columns[1].get(), "description", "dose, infusion, meal, ...", ctx);
      hdf5::write_string_attribute(columns[2].get(), "description", "route or item", ctx);
      hdf5::write_string_attribute(columns[3].get(), "description", "amount, in the unit of the same row", ctx);
      hdf5::write_string_attribute(columns[4].get(), "description", "unit of amount", ctx);
      hdf5::write_string_attribute(group.get(), "description", kDescription, ctx);
    } else {
      hdf5::write_string_attribute(
          columns[0].get(), "description",
          std::string(kDescription) + ": time_h (h since start), kind, what, amount (in unit)", ctx);
      hdf5::write_string_attribute(columns[0].get(), "time_h_units", "h", ctx);
    }
    for (auto& c : columns) c.close(ctx);
    index.close(ctx);
    if (netcdf) group.close(ctx);
    events_written = true;
  }
};

Hdf5RunWriter::Hdf5RunWriter(std::string path, RunMetadata metadata, RunFileLayout layout)
    : impl_(std::make_unique<Impl>()) {
  hdf5::ErrorPrintingOff quiet;
  Impl& im = *impl_;
  im.layout_kind = layout;
  im.path = std::move(path);
  im.meta = std::move(metadata);
  if (im.meta.magsim_version.empty()) im.meta.magsim_version = kVersion;
  if (im.meta.git_revision.empty()) im.meta.git_revision = kGitRevision;
  im.deflate = filter_can_encode(H5Z_FILTER_DEFLATE);
  im.shuffle = im.deflate && filter_can_encode(H5Z_FILTER_SHUFFLE);
  if (im.path.empty()) throw std::runtime_error("cannot write output: empty output path");
  im.create_temporary_file();
  im.write_metadata();
  // If anything above throws, ~Impl (run by unique_ptr) deletes the temporary file.
}

Hdf5RunWriter::~Hdf5RunWriter() = default;
Hdf5RunWriter::Hdf5RunWriter(Hdf5RunWriter&&) noexcept = default;
Hdf5RunWriter& Hdf5RunWriter::operator=(Hdf5RunWriter&&) noexcept = default;

std::vector<RunSeries> select_run_series(const ModelInfo& info,
                                         const std::vector<std::string>& variables) {
  std::vector<RunSeries> picks;
  auto add_output = [&](int i) {
    const auto& o = info.outputs[static_cast<std::size_t>(i)];
    picks.push_back({o.name, o.unit, o.description, false, i});
  };
  if (variables.empty()) {
    for (int i = 0; i < static_cast<int>(info.outputs.size()); ++i) add_output(i);
    return picks;
  }
  for (const auto& name : variables) {
    const bool seen =
        std::any_of(picks.begin(), picks.end(), [&](const RunSeries& p) { return p.name == name; });
    if (seen) continue;
    if (const int i = info.find_output(name); i >= 0) {
      add_output(i);
    } else if (const int k = info.find_state(name); k >= 0) {
      const auto& st = info.states[static_cast<std::size_t>(k)];
      picks.push_back({st.name, st.unit, st.description, true, k});
    } else {
      std::string known;
      for (const auto& o : info.outputs) known += (known.empty() ? "" : ", ") + o.name;
      throw std::invalid_argument("unknown output variable '" + name + "' (model '" + info.name +
                                  "' has: " + known + ")");
    }
  }
  return picks;
}

namespace {
// Runs `f` on a live, uncommitted writer, with HDF5's error printing off. A failure inside other
// than a rejected argument marks the file as broken, so commit() cannot publish it. (A template
// because the private Impl type cannot be named here.)
template <class Impl, class F>
void run_guarded(Impl* im, const char* what, F&& f) {
  if (!im)
    throw std::logic_error(std::string("Hdf5RunWriter::") + what + " on a moved-from writer");
  if (im->committed)
    throw std::logic_error(std::string("Hdf5RunWriter::") + what + " after commit() of '" +
                           im->path + "'");
  if (im->broken)
    throw std::runtime_error(
        im->context(std::string("an earlier write failed; ") + what + " refused"));
  hdf5::ErrorPrintingOff quiet;
  try {
    f(*im);
  } catch (const std::logic_error&) {
    throw;  // misuse or a bad argument, rejected before touching the file
  } catch (...) {
    im->broken = true;
    throw;
  }
}
}  // namespace

void Hdf5RunWriter::begin(const ModelInfo& info) {
  run_guarded(impl_.get(), "begin()", [&](Impl& im) {
    if (im.begun)
      throw std::logic_error("Hdf5RunWriter::begin() called twice for '" + im.path + "'");

    // Resolve the selection before creating anything, so a bad name leaves the file unchanged.
    const std::vector<RunSeries> picks = select_run_series(info, im.meta.variables);
    for (const auto& p : picks) {
      validate_dataset_name(p.name, "output");
      if (p.name == "time")
        throw std::invalid_argument(
            "an output may not be called 'time': /series/time is the "
            "time axis");
    }

    const hid_t root = im.file.get();
    const std::string ctx = im.context("writing root attributes");
    if (im.meta.model_name.empty()) hdf5::write_string_attribute(root, "model", info.name, ctx);
    if (im.meta.model_version.empty())
      hdf5::write_string_attribute(root, "model_version", info.version, ctx);

    if (im.meta.expected_rows > 0)
      im.chunk_rows = std::min<std::size_t>(kChunkRows, im.meta.expected_rows);
    if (im.layout_kind == RunFileLayout::Hdf5) im.series_group = im.create_group(root, "series");
    im.time_dataset = im.create_series_dataset("time", "h", "time since the start of the run");
    // The scale name is the dimension name xarray/netCDF-4 show: "time".
    hdf5::check(H5DSset_scale(im.time_dataset.get(), "time"),
                im.context("making /series/time a dimension scale"));
    im.time_buffer.reserve(im.chunk_rows);
    for (const auto& p : picks) {
      Impl::Series s;
      s.name = p.name;
      s.from_state = p.from_state;
      s.index = p.index;
      s.dataset = im.create_series_dataset(p.name, p.unit, p.description);
      hdf5::check(H5DSattach_scale(s.dataset.get(), im.time_dataset.get(), 0),
                  im.context("attaching /series/time to '/series/" + p.name + "'"));
      s.buffer.reserve(im.chunk_rows);
      im.series.push_back(std::move(s));
    }
    if (im.meta.solver_method == "envelope") {
      Impl::Series s;
      s.name = "reconstructed";
      s.dataset = im.create_series_dataset(
          s.name, "1",
          "1: reconstructed from the neighbouring exact days (envelope method), 0: integrated");
      hdf5::check(H5DSattach_scale(s.dataset.get(), im.time_dataset.get(), 0),
                  im.context("attaching /series/time to 'reconstructed'"));
      s.buffer.reserve(im.chunk_rows);
      im.series.push_back(std::move(s));
    }
    im.begun = true;
  });
}

void Hdf5RunWriter::sample(double t_h, const double* outputs, const double* state) {
  Impl* im = impl_.get();
  // The hot path: checks kept to what protects the file.
  if (!im || !im->begun || im->committed)
    throw std::logic_error("Hdf5RunWriter::sample() outside begin()..commit()");
  if (im->broken) throw std::runtime_error(im->context("an earlier write failed"));
  im->time_buffer.push_back(t_h);
  for (auto& s : im->series)
    s.buffer.push_back(s.index < 0 ? im->reconstructed_flag
                                   : s.from_state ? state[s.index] : outputs[s.index]);
  if (im->time_buffer.size() >= im->chunk_rows) {
    run_guarded(im, "sample()", [](Impl& i) { i.flush(); });
  }
}

void Hdf5RunWriter::sample_reconstructed(double t_h, const double* outputs, const double* state) {
  impl_->reconstructed_flag = 1;
  sample(t_h, outputs, state);
  impl_->reconstructed_flag = 0;
}

void Hdf5RunWriter::end() {
  run_guarded(impl_.get(), "end()", [](Impl& im) { im.flush(); });
}

void Hdf5RunWriter::write_parameters(const std::vector<ParameterInfo>& info,
                                     const std::vector<double>& values) {
  run_guarded(impl_.get(), "write_parameters()", [&](Impl& im) {
    if (im.parameters_written)
      throw std::logic_error("Hdf5RunWriter::write_parameters() called twice for '" + im.path +
                             "'");
    if (info.size() != values.size())
      throw std::invalid_argument("write_parameters: " + std::to_string(info.size()) +
                                  " parameters but " + std::to_string(values.size()) + " values");
    for (const auto& p : info) validate_dataset_name(p.name, "parameter");

    hdf5::Group group = im.create_group(im.file.get(), "parameters");
    for (std::size_t i = 0; i < info.size(); ++i) {
      const auto& p = info[i];
      const std::string ctx = im.context("writing parameter '" + p.name + "'");
      hdf5::Dataspace space(H5Screate(H5S_SCALAR), ctx);
      hdf5::PropertyList dcpl(H5Pcreate(H5P_DATASET_CREATE), ctx);
      hdf5::check(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED), ctx);
      // Compact: the 8 bytes live in the dataset's header, written with it, rather than in a
      // block of their own written at once (one small write per parameter).
      hdf5::check(H5Pset_layout(dcpl.get(), H5D_COMPACT), ctx);
      hdf5::Dataset ds(H5Dcreate2(group.get(), p.name.c_str(), H5T_IEEE_F64LE, space.get(),
                                  H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                       ctx);
      hdf5::check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &values[i]),
                  ctx);
      hdf5::write_string_attribute(ds.get(), "units", p.unit, ctx);
      hdf5::write_double_attribute(ds.get(), "min", p.min, ctx);
      hdf5::write_double_attribute(ds.get(), "max", p.max, ctx);
      hdf5::write_double_attribute(ds.get(), "default", p.value, ctx);
      hdf5::write_string_attribute(ds.get(), "source", p.source, ctx);
      hdf5::write_string_attribute(ds.get(), "note", p.note, ctx);
      ds.close(ctx);
    }
    group.close(im.context("closing /parameters"));
    im.parameters_written = true;
  });
}

void Hdf5RunWriter::write_events(const EventSource& each) {
  run_guarded(impl_.get(), "write_events()", [&](Impl& im) {
    if (im.events_written)
      throw std::logic_error("Hdf5RunWriter::write_events() called twice for '" + im.path + "'");
    im.write_events(each);
  });
}

void Hdf5RunWriter::write_events(const std::vector<EventRecord>& events) {
  write_events([&](const std::function<void(const EventRecord&)>& fn) {
    for (const auto& e : events) fn(e);
  });
}

void Hdf5RunWriter::set_attribute(const std::string& name, double value, const std::string& unit) {
  run_guarded(impl_.get(), "set_attribute()", [&](Impl& im) {
    const std::string ctx = im.context("writing root attribute '" + name + "'");
    hdf5::write_double_attribute(im.file.get(), name, value, ctx);
    if (unit.empty())
      hdf5::delete_attribute_if_present(im.file.get(), name + "_units", ctx);
    else
      hdf5::write_string_attribute(im.file.get(), name + "_units", unit, ctx);
  });
}

void Hdf5RunWriter::set_attribute(const std::string& name, const std::string& value) {
  run_guarded(impl_.get(), "set_attribute()", [&](Impl& im) {
    hdf5::write_string_attribute(im.file.get(), name, value,
                                 im.context("writing root attribute '" + name + "'"));
  });
}

void Hdf5RunWriter::commit() {
  run_guarded(impl_.get(), "commit()", [](Impl& im) {
    im.flush();
    // Readers can rely on /events and /parameters existing, empty when there was nothing.
    if (!im.events_written) im.write_events([](const std::function<void(const EventRecord&)>&) {});
    if (!im.parameters_written) {
      im.create_group(im.file.get(), "parameters").close(im.context("closing /parameters"));
      im.parameters_written = true;
    }
    // Everything reaches the disk here, while the file is still open.
    im.check_room_to_finish();
    if (H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL) < 0) {
      im.flush_failed = true;  // and broken, by run_guarded
      hdf5::throw_error(im.context("writing temporary file '" + im.tmp_path + "'"));
    }

    for (auto& s : im.series) s.dataset.close(im.context("closing '/series/" + s.name + "'"));
    im.time_dataset.close(im.context("closing /series/time"));
    im.series_group.close(im.context("closing /series"));
    im.file.close(im.context("closing temporary file '" + im.tmp_path + "'"));

    hdf5::publish_temporary(im.tmp_path, im.path, "output");
    im.committed = true;
  });
}

namespace {
template <class Impl>
const Impl& live(const std::unique_ptr<Impl>& impl) {
  if (!impl) throw std::logic_error("Hdf5RunWriter used after being moved from");
  return *impl;
}
}  // namespace

const std::string& Hdf5RunWriter::path() const { return live(impl_).path; }
const std::string& Hdf5RunWriter::temporary_path() const { return live(impl_).tmp_path; }
std::size_t Hdf5RunWriter::samples_written() const {
  const Impl& im = live(impl_);
  return static_cast<std::size_t>(im.rows_on_disk) + im.time_buffer.size();
}
std::size_t Hdf5RunWriter::buffer_capacity_rows() const {
  const Impl& im = live(impl_);
  std::size_t cap = im.time_buffer.capacity();
  for (const auto& s : im.series) cap = std::max(cap, s.buffer.capacity());
  return cap;
}

}  // namespace magsim::engine::io
