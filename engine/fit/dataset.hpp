// Event datasets: the pharmacometric CSV users already have (NONMEM/mrgsolve columns ID, TIME,
// EVID, AMT, RATE or DUR, II, ADDL, SS, CMT, DV, MDV, BLQ, LLOQ, plus covariates) and a small
// mapping file (YAML) that says what each CMT value means and the units of TIME, AMT and DV.
// Each ID becomes scenario text (for app::load_scenario_text) and a list of observations.
//
// The engine knows scenario keys (supplements, infusions, injections, medications, subject fields)
// but nothing about the model: salt forms, drugs and output series are checked against the
// Vocabulary and ModelInfo passed in. Mistakes in the CSV are ScenarioErrors at FILE:ROW:COL
// (ROW: 1-based line of the file where the record starts; COL: 1-based field number); mistakes
// in the mapping at its FILE:LINE:COL.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "engine/model/errors.hpp"
#include "engine/model/model.hpp"
#include "engine/fit/observation.hpp"
#include "engine/scenario/check.hpp"
#include "engine/model/vocabulary.hpp"

namespace magsim::engine::fit {

// Bounds that keep a hostile or mistaken dataset from exhausting memory. The CSV and mapping
// files are read whole up to 64 MiB (input_file.hpp); below that these cap what is built from
// them. Each is far above a clinical dataset (a supplement three times a day for 10 years is
// 11,000 doses).
namespace dataset_limits {
inline constexpr std::size_t max_rows = 1000000;                  // data rows in one file
inline constexpr std::size_t max_columns = 1000;                  // fields in one row
inline constexpr std::size_t max_doses_per_subject = 100000;      // after ADDL expansion
inline constexpr std::size_t max_doses = 1000000;                 // the whole dataset, expanded
inline constexpr std::size_t max_observations_per_subject = 100000;
inline constexpr std::size_t max_id_length = 64;                  // an ID is also a file name
}  // namespace dataset_limits


// Where a piece of a subject's scenario text came from: from (line, column) of the scenario text
// on, up to the next origin, the value was written from `file`:`file_line`:`file_column` (a
// CSV cell, a key of the mapping or of the base scenario).
struct TextOrigin {
  int line = 0;
  int column = 0;
  std::string file;
  int file_line = 0;
  int file_column = 0;
};

struct DatasetSubject {
  std::string id;
  std::string scenario_name;  // stands for the file in the scenario's messages: "DATA.csv[ID 3]"
  std::string scenario_yaml;
  std::vector<Observation> observations;
  std::vector<std::string> warnings;
  std::size_t doses = 0;  // dose events after ADDL expansion
  int first_row = 0, last_row = 0;  // lines of the CSV
  std::vector<TextOrigin> origins;  // in text order
};

struct Dataset {
  std::string file, mapping_file;
  std::string base_file;  // the mapping's base scenario, resolved; "" for none
  std::vector<DatasetSubject> subjects;
  std::vector<std::string> warnings;
  // Each observed series with its unit (the model's), in mapping order.
  std::vector<std::pair<std::string, std::string>> series_units;
};

// Reads the mapping file and the CSV (`csv_path_or_empty`; empty: the mapping's `dataset:`,
// relative to the mapping file). Throws ScenarioError for any mistake in either file or in the
// base scenario the mapping names.
Dataset read_dataset(const std::string& mapping_path, const std::string& csv_path_or_empty,
                     const ModelInfo& info, const Vocabulary& vocabulary);

// A ScenarioError or Diagnostic raised by a subject's scenario text, moved to the CSV cell (or
// mapping or base-scenario key) the offending value came from, with "(ID x)" added. Errors of
// other files are returned unchanged.
ScenarioError locate_in_dataset(const DatasetSubject& subject, const ScenarioError& e);
Diagnostic locate_in_dataset(const DatasetSubject& subject, const Diagnostic& d);

}  // namespace magsim::engine::fit
