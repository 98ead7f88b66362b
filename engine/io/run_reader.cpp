#include "engine/io/run_reader.hpp"

#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "engine/io/hdf5_handles.hpp"

namespace magsim::engine::io {

namespace {


std::vector<std::string> attribute_names(hid_t obj, const std::string& ctx) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hdf5::check(H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), ctx);
  return names;
}

std::vector<double> read_doubles(hid_t ds, const std::string& ctx) {
  hdf5::Dataspace space(H5Dget_space(ds), ctx);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) hdf5::throw_error(ctx);
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0)
    hdf5::check(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), ctx);
  return v;
}

double attribute_or(hid_t obj, const char* name, double fallback, const std::string& ctx) {
  const htri_t exists = H5Aexists(obj, name);
  if (exists < 0) hdf5::throw_error(ctx);
  return exists ? hdf5::read_double_attribute(obj, name, ctx) : fallback;
}

void read_series(hid_t file, RunFile& run, const std::string& where) {
  if (!hdf5::has_link(file, "series"))
    throw std::runtime_error(where + ": no /series group (not a magsim run file?)");
  const std::string gctx = where + ": reading /series";
  hdf5::Group group(H5Gopen2(file, "series", H5P_DEFAULT), gctx);
  if (!hdf5::has_link(group.get(), "time"))
    throw std::runtime_error(where + ": no /series/time (not a magsim run file?)");

  for (const auto& name : hdf5::link_names(group.get(), gctx)) {
    const std::string ctx = where + ": reading /series/" + name;
    hdf5::Dataset ds(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), ctx);
    std::vector<double> values = read_doubles(ds.get(), ctx);
    run.units[name] = hdf5::read_string_attribute(ds.get(), "units", ctx);
    run.descriptions[name] = hdf5::read_string_attribute(ds.get(), "description", ctx);
    if (name == "time") {
      run.time = std::move(values);
      continue;
    }
    hdf5::PropertyList dcpl(H5Dget_create_plist(ds.get()), ctx);
    std::size_t chunk = 0;
    if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
      hsize_t dims[1] = {0};
      if (H5Pget_chunk(dcpl.get(), 1, dims) < 0) hdf5::throw_error(ctx);
      chunk = static_cast<std::size_t>(dims[0]);
    }
    bool deflate = false;
    const int nfilters = H5Pget_nfilters(dcpl.get());
    for (int i = 0; i < nfilters; ++i) {
      unsigned flags = 0, config = 0;
      std::size_t nelmts = 0;
      if (H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelmts, nullptr, 0, nullptr,
                         &config) == H5Z_FILTER_DEFLATE)
        deflate = true;
    }
    run.chunk_rows[name] = chunk;
    run.compressed[name] = deflate;
    run.series_names.push_back(name);
    run.series[name] = std::move(values);
  }
  for (const auto& name : run.series_names) {
    if (run.series[name].size() != run.time.size())
      throw std::runtime_error(where + ": /series/" + name + " has " +
                               std::to_string(run.series[name].size()) + " values but time has " +
                               std::to_string(run.time.size()));
  }
}

void read_root_attributes(hid_t file, RunFile& run, const std::string& where) {
  const std::string ctx = where + ": reading root attributes";
  for (const auto& name : attribute_names(file, ctx)) {
    hdf5::Attribute attr(H5Aopen(file, name.c_str(), H5P_DEFAULT), ctx);
    hdf5::Datatype type(H5Aget_type(attr.get()), ctx);
    switch (H5Tget_class(type.get())) {
      case H5T_STRING:
        run.string_attributes[name] = hdf5::read_string(attr.get(), true, ctx);
        break;
      case H5T_FLOAT:
      case H5T_INTEGER:
        run.numeric_attributes[name] = hdf5::read_double_attribute(file, name, ctx);
        break;
      default:
        break;  // not written by magsim; ignored
    }
  }
}

void read_parameters(hid_t file, RunFile& run, const std::string& where) {
  if (!hdf5::has_link(file, "parameters")) return;
  const std::string gctx = where + ": reading /parameters";
  hdf5::Group group(H5Gopen2(file, "parameters", H5P_DEFAULT), gctx);
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (const auto& name : hdf5::link_names(group.get(), gctx)) {
    const std::string ctx = where + ": reading /parameters/" + name;
    hdf5::Dataset ds(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), ctx);
    const std::vector<double> v = read_doubles(ds.get(), ctx);
    if (v.size() != 1) throw std::runtime_error(ctx + ": expected one value");
    StoredParameter p;
    p.name = name;
    p.value = v[0];
    p.default_value = attribute_or(ds.get(), "default", v[0], ctx);
    p.unit = hdf5::read_string_attribute(ds.get(), "units", ctx);
    p.min = attribute_or(ds.get(), "min", -inf, ctx);
    p.max = attribute_or(ds.get(), "max", inf, ctx);
    p.source = hdf5::read_string_attribute(ds.get(), "source", ctx);
    p.note = hdf5::read_string_attribute(ds.get(), "note", ctx);
    run.parameters.push_back(std::move(p));
  }
}

struct EventRowIn {
  double time_h;
  char* kind;
  char* what;
  double amount;
  char* unit;
};

// Size of the fixed-length string member `name` of a compound type; 0 if it is variable-length.
size_t fixed_string_member_size(hid_t compound, const char* name, const std::string& ctx) {
  const int index = H5Tget_member_index(compound, name);
  if (index < 0) throw std::runtime_error(ctx + ": no member '" + name + "'");
  hdf5::Datatype member(H5Tget_member_type(compound, static_cast<unsigned>(index)), ctx);
  if (H5Tget_class(member.get()) != H5T_STRING)
    throw std::runtime_error(ctx + ": member '" + name + "' is not a string");
  return H5Tis_variable_str(member.get()) > 0 ? 0 : H5Tget_size(member.get());
}

// /events with fixed-length strings (written by this version): one byte buffer, parsed row by row.
bool read_fixed_string_events(hid_t ds, RunFile& run, const std::string& ctx) {
  hdf5::Datatype file_type(H5Dget_type(ds), ctx);
  const size_t kind = fixed_string_member_size(file_type.get(), "kind", ctx);
  const size_t what = fixed_string_member_size(file_type.get(), "what", ctx);
  const size_t unit = fixed_string_member_size(file_type.get(), "unit", ctx);
  if (kind == 0 || what == 0 || unit == 0) return false;
  const size_t row_size = 2 * sizeof(double) + kind + what + unit;
  auto fixed = [&](size_t size) {
    hdf5::Datatype t(H5Tcopy(H5T_C_S1), ctx);
    hdf5::check(H5Tset_size(t.get(), size), ctx);
    hdf5::check(H5Tset_strpad(t.get(), H5T_STR_NULLTERM), ctx);
    hdf5::check(H5Tset_cset(t.get(), H5T_CSET_UTF8), ctx);
    return t;
  };
  hdf5::Datatype kind_t = fixed(kind), what_t = fixed(what), unit_t = fixed(unit);
  hdf5::Datatype row(H5Tcreate(H5T_COMPOUND, row_size), ctx);
  const size_t kind_at = 2 * sizeof(double), what_at = kind_at + kind, unit_at = what_at + what;
  hdf5::check(H5Tinsert(row.get(), "time_h", 0, H5T_NATIVE_DOUBLE), ctx);
  hdf5::check(H5Tinsert(row.get(), "amount", sizeof(double), H5T_NATIVE_DOUBLE), ctx);
  hdf5::check(H5Tinsert(row.get(), "kind", kind_at, kind_t.get()), ctx);
  hdf5::check(H5Tinsert(row.get(), "what", what_at, what_t.get()), ctx);
  hdf5::check(H5Tinsert(row.get(), "unit", unit_at, unit_t.get()), ctx);
  hdf5::Dataspace space(H5Dget_space(ds), ctx);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n <= 0) return true;
  std::vector<char> rows(static_cast<size_t>(n) * row_size);
  hdf5::check(H5Dread(ds, row.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), ctx);
  auto text = [](const char* p, size_t max) { return std::string(p, strnlen(p, max)); };
  run.events.reserve(static_cast<size_t>(n));
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    const char* r = rows.data() + i * row_size;
    EventRecord e;
    std::memcpy(&e.time_h, r, sizeof(double));
    std::memcpy(&e.amount, r + sizeof(double), sizeof(double));
    e.kind = text(r + kind_at, kind);
    e.what = text(r + what_at, what);
    e.unit = text(r + unit_at, unit);
    run.events.push_back(std::move(e));
  }
  return true;
}

void read_events(hid_t file, RunFile& run, const std::string& where) {
  if (!hdf5::has_link(file, "events")) return;
  const std::string ctx = where + ": reading /events";
  hdf5::Dataset ds(H5Dopen2(file, "events", H5P_DEFAULT), ctx);
  if (read_fixed_string_events(ds.get(), run, ctx)) return;
  // Variable-length strings: files written by magsim before fixed-length event strings.
  hdf5::Datatype str = hdf5::utf8_string_type();
  hdf5::Datatype row(H5Tcreate(H5T_COMPOUND, sizeof(EventRowIn)), ctx);
  hdf5::check(H5Tinsert(row.get(), "time_h", HOFFSET(EventRowIn, time_h), H5T_NATIVE_DOUBLE), ctx);
  hdf5::check(H5Tinsert(row.get(), "kind", HOFFSET(EventRowIn, kind), str.get()), ctx);
  hdf5::check(H5Tinsert(row.get(), "what", HOFFSET(EventRowIn, what), str.get()), ctx);
  hdf5::check(H5Tinsert(row.get(), "amount", HOFFSET(EventRowIn, amount), H5T_NATIVE_DOUBLE), ctx);
  hdf5::check(H5Tinsert(row.get(), "unit", HOFFSET(EventRowIn, unit), str.get()), ctx);

  hdf5::Dataspace space(H5Dget_space(ds.get()), ctx);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n <= 0) return;
  std::vector<EventRowIn> rows(static_cast<std::size_t>(n),
                               EventRowIn{0, nullptr, nullptr, 0, nullptr});
  // Frees the strings HDF5 allocates, whatever happens while reading or copying them.
  struct Reclaim {
    hid_t type, space;
    void* buf;
    ~Reclaim() { H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf); }
  } reclaim{row.get(), space.get(), rows.data()};
  hdf5::check(H5Dread(ds.get(), row.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), ctx);

  auto text = [](const char* p) { return p ? std::string(p) : std::string(); };
  run.events.reserve(rows.size());
  for (const auto& r : rows) {
    EventRecord e;
    e.time_h = r.time_h;
    e.kind = text(r.kind);
    e.what = text(r.what);
    e.amount = r.amount;
    e.unit = text(r.unit);
    run.events.push_back(std::move(e));
  }
}

void read_scenario(hid_t file, RunFile& run, const std::string& where) {
  if (!hdf5::has_link(file, "scenario")) return;
  const std::string ctx = where + ": reading /scenario";
  hdf5::Group group(H5Gopen2(file, "scenario", H5P_DEFAULT), ctx);
  auto text = [&](const char* name) -> std::string {
    if (!hdf5::has_link(group.get(), name)) return {};
    hdf5::Dataset ds(H5Dopen2(group.get(), name, H5P_DEFAULT), ctx);
    return hdf5::read_string(ds.get(), false, ctx + "/" + name);
  };
  run.scenario_given = text("given");
  run.scenario_resolved = text("resolved");
}

}  // namespace

RunFile read_run_file(const std::string& path) {
  hdf5::ErrorPrintingOff quiet;
  const std::string where = "cannot read run file '" + path + "'";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::runtime_error(where + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw std::runtime_error(where + ": not an HDF5 file");
  }
  hdf5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), where);

  RunFile run;
  read_series(file.get(), run, where);
  read_root_attributes(file.get(), run, where);
  read_parameters(file.get(), run, where);
  read_events(file.get(), run, where);
  read_scenario(file.get(), run, where);
  return run;
}

}  // namespace magsim::engine::io
