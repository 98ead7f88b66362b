#include "engine/io/table_file.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>

#include "engine/io/atomic_file.hpp"
#include "engine/io/csv_writer.hpp"
#include "engine/io/hdf5_atomic.hpp"

namespace magsim::engine::io {

TableFormat table_format_for(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".tsv") return TableFormat::Tsv;
  if (ext == ".csv") return TableFormat::Csv;
  if (ext == ".h5" || ext == ".hdf5") return TableFormat::Hdf5;
  throw std::invalid_argument("cannot tell the format of '" + path + "' from its extension" +
                              (ext.empty() ? std::string(" (it has none)") : " '" + ext + "'") +
                              ": use .tsv, .csv, .h5 or .hdf5");
}

namespace {

std::size_t rows_of(const Table& t) {
  if (t.columns.empty()) return 0;
  const auto size = [](const TableColumn& c) { return c.text ? c.texts.size() : c.numbers.size(); };
  const std::size_t n = size(t.columns.front());
  for (const auto& c : t.columns)
    if (size(c) != n) throw std::logic_error("table column '" + c.name + "' has another length");
  return n;
}

// TSV has no quoting: tabs and line breaks inside a field become spaces.
std::string tsv_field(std::string s) {
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return s;
}

void write_hdf5(const std::string& path, const Table& table, const std::string& what) {
  hdf5::ErrorPrintingOff quiet;
  const std::size_t n = rows_of(table);
  hdf5::TemporaryFile t = hdf5::create_temporary_beside(path, what);
  const std::string ctx = hdf5::cannot_write_prefix(what, path) + "writing the table";
  try {
    const hid_t root = t.file.get();
    for (const auto& a : table.attributes) {
      if (a.numeric) {
        hdf5::write_double_attribute(root, a.name, a.number, ctx);
        if (!a.unit.empty()) hdf5::write_string_attribute(root, a.name + "_units", a.unit, ctx);
      } else {
        hdf5::write_string_attribute(root, a.name, a.text, ctx);
      }
    }
    const hsize_t dims[1] = {n};
    hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr), ctx);
    std::vector<unsigned long long> numbers(n);
    for (std::size_t i = 0; i < n; ++i) numbers[i] = i + 1;
    hdf5::Dataset row(H5Dcreate2(root, "row", H5T_STD_U64LE, space.get(), H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT),
                      ctx);
    if (n > 0)
      hdf5::check(H5Dwrite(row.get(), H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           numbers.data()),
                  ctx);
    hdf5::check(H5DSset_scale(row.get(), "row"), ctx);
    hdf5::write_string_attribute(row.get(), "units", "1", ctx);
    hdf5::write_string_attribute(row.get(), "description", "row number, from 1", ctx);
    hdf5::Datatype text = hdf5::utf8_string_type();
    for (const auto& c : table.columns) {
      hdf5::Dataset ds(H5Dcreate2(root, c.name.c_str(), c.text ? text.get() : H5T_IEEE_F64LE,
                                  space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       ctx);
      if (n > 0 && c.text) {
        std::vector<const char*> p;
        for (const auto& s : c.texts) p.push_back(s.c_str());
        hdf5::check(H5Dwrite(ds.get(), text.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), ctx);
      } else if (n > 0) {
        hdf5::check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                             c.numbers.data()),
                    ctx);
      }
      if (!c.unit.empty()) hdf5::write_string_attribute(ds.get(), "units", c.unit, ctx);
      hdf5::write_string_attribute(ds.get(), "description", c.description, ctx);
      hdf5::check(H5DSattach_scale(ds.get(), row.get(), 0), ctx);
      ds.close(ctx);
    }
    row.close(ctx);
    t.file.close(ctx);
    hdf5::publish_temporary(t.path, path, what);
  } catch (...) {
    hdf5::close_discarded_file(t.file, false);
    std::remove(t.path.c_str());
    throw;
  }
}

}  // namespace

std::string table_text(const Table& table, TableFormat format) {
  const std::size_t n = rows_of(table);
  const bool csv = format == TableFormat::Csv;
  const auto field = [&](const std::string& s) { return csv ? csv_field(s) : tsv_field(s); };
  const char sep = csv ? ',' : '\t';
  std::string out;
  for (const auto& a : table.attributes) {
    out += "# " + a.name + ": ";
    out += a.numeric ? shortest_number(a.number) + (a.unit.empty() || a.unit == "1" ? "" : " " + a.unit)
                     : tsv_field(a.text);
    out += "\n";
  }
  std::string names, units;
  for (const auto& c : table.columns) {
    names += (names.empty() ? "" : std::string(1, sep)) + field(c.name);
    units += (&c == &table.columns.front() ? "" : std::string(1, sep)) + field(c.unit);
  }
  out += names + "\n" + units + "\n";
  for (std::size_t i = 0; i < n; ++i) {
    std::string line;
    for (const auto& c : table.columns) {
      if (&c != &table.columns.front()) line += sep;
      line += c.text ? field(c.texts[i]) : shortest_number(c.numbers[i]);
    }
    out += line + "\n";
  }
  return out;
}

void write_table(const std::string& path, const Table& table, const std::string& what) {
  const TableFormat format = table_format_for(path);
  if (format == TableFormat::Hdf5) return write_hdf5(path, table, what);
  AtomicTextFile file(path, what);
  file.write(table_text(table, format));
  file.commit();
}

}  // namespace magsim::engine::io
