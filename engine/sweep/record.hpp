// The data a sweep produces, independent of how its runs were computed: the layout of the result
// (known before any run: which inputs vary, which summaries and series each run gives) and one
// record per run. Records travel as bytes: appended to the resume journal as runs complete, sent
// between MPI ranks, and read back to write the HDF5 file in run order. Model-independent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace magsim::engine::sweep {

// One column of /sweep/inputs: a varied scenario path ("supplements[0].dose", "subject.sex",
// "parameters.renal.tal_tm_per_gfr") or a design coordinate ("arm", "patient").
struct SweepColumn {
  std::string name;
  std::string unit;         // numeric columns: the unit of the stored numbers ("1" if none)
  std::string description;  // one line for the file's `description` attribute
  bool numeric = true;      // false: a text column (sex, salt form, arm name)
};

// Everything about a sweep's result that is known before the first run.
struct SweepLayout {
  std::uint64_t runs = 0;                 // N: every dataset has N rows
  std::vector<SweepColumn> inputs;        // /sweep/inputs/<name>
  std::vector<SweepColumn> summaries;     // /sweep/summary/<name>, all numeric
  std::vector<SweepColumn> series;        // /sweep/series/<name> (N, T), empty without keep_series
  std::vector<double> series_time_h;      // T sample times of kept series, h
  std::string sweep_file;                 // path as given
  std::string sweep_text;                 // the sweep file as given
  std::string sweep_resolved;             // the resolved sweep (every default, every run count)
  std::string base_file;                  // the base scenario's path as given
  std::string base_text;                  // the base scenario as given
  std::string fingerprint;                // 16 hex digits identifying the sweep's results; files
                                          // with the same fingerprint may be merged/resumed
};

enum class RunStatus : std::uint8_t { NotRun = 0, Ok = 1, Failed = 2 };
const char* run_status_name(RunStatus s);  // "not_run", "ok", "failed"

// One input value: `number` for numeric columns, `text` for text columns.
struct InputValue {
  double number = 0;
  std::string text;
};

// The outcome of one run. Everything except wall_time_s is a pure function of (sweep, index):
// the same bytes whatever thread, rank, shard or resume computed it.
struct RunRecord {
  std::uint64_t index = 0;
  RunStatus status = RunStatus::NotRun;
  std::string message;                       // why it failed ("" when ok)
  std::vector<InputValue> inputs;            // one per layout.inputs
  std::vector<double> summaries;             // one per layout.summaries; NaN where not computed
  std::vector<std::vector<double>> series;   // one per layout.series, T values each
  double wall_time_s = 0;                    // not part of the result's identity
};

// Little-endian, length-prefixed bytes; decode throws std::runtime_error on truncated or
// malformed input (never reads past the end).
std::string encode_record(const RunRecord& r);
RunRecord decode_record(std::string_view bytes);

// FNV-1a-64 of `text`, as 16 lowercase hex digits.
std::string fingerprint_of(std::string_view text);

}  // namespace magsim::engine::sweep
