// A small table (a command's result: `magsim sensitivity -o`) written as TSV, CSV or HDF5 by
// the extension of its path, atomically (a temporary file beside it, renamed when complete).
//
//   .tsv / .csv   "# key: value" lines for the attributes, a row of column names, a row of
//                 units, then the rows (CSV fields quoted where needed)
//   .h5 / .hdf5   one dataset per column on the dimension "row" (a dimension scale 1..N),
//                 attributes units and description; the attributes as root attributes (numbers
//                 with a companion "<name>_units"); strings variable-length UTF-8, so that
//                 xarray.open_dataset reads it with either engine
#pragma once

#include <string>
#include <vector>

namespace magsim::engine::io {

struct TableColumn {
  std::string name, unit, description;
  bool text = false;
  std::vector<double> numbers;     // when !text
  std::vector<std::string> texts;  // when text
};

struct TableAttribute {
  std::string name;
  bool numeric = false;
  double number = 0;
  std::string unit;  // numbers; "" for none
  std::string text;
};

struct Table {
  std::vector<TableAttribute> attributes;
  std::vector<TableColumn> columns;  // all of one length
};

enum class TableFormat { Tsv, Csv, Hdf5 };

// The format of `path` by its extension; throws std::invalid_argument naming the known ones.
TableFormat table_format_for(const std::string& path);

// The table as TSV or CSV text (the attribute lines, names, units, rows).
std::string table_text(const Table& table, TableFormat format);

// Writes `table` to `path` in the format of its extension; errors "cannot write <what>
// '<path>': ...".
void write_table(const std::string& path, const Table& table, const std::string& what);

}  // namespace magsim::engine::io
