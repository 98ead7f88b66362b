// What a run will write and hold, estimated before it starts (issue 11 item 3): the number of
// samples, the size of the HDF5 file, and the memory a result kept in memory (Python) needs, so
// that a run that cannot fit is refused up front with the figures, instead of filling the disk
// or ending as std::bad_alloc hours later.
#pragma once

#include <string>

#include "app/scenario_loading.hpp"

namespace magsim::app {

struct OutputEstimate {
  double samples = 0;       // rows of every series (an upper bound: the grid, the end, lab draws)
  double series = 0;        // columns written to the file, time included
  double events = 0;        // rows of /events
  double file_bytes = 0;    // HDF5 file, uncompressed (deflate makes it smaller, never larger)
  double memory_bytes = 0;  // a result kept in memory: every output and state per sample
};

OutputEstimate estimate_output(const LoadedScenario& loaded);

// The same run written as CSV text ("magsim run -o x.csv"): up to 25 characters a number (the
// shortest round-trip form and a separator) instead of 8 bytes; file_bytes changes accordingly.
OutputEstimate as_text_table(OutputEstimate e);

// "" when the file fits in the free space of the output's folder; otherwise why not, with the
// figures. The free space is read from the file system (statvfs) at the time of the call.
std::string file_does_not_fit(const OutputEstimate& e, const std::string& output_path);

// "" when the result fits in the memory the system says is available (MemAvailable); otherwise
// why not, with the figures.
std::string memory_does_not_fit(const OutputEstimate& e);
// The same for `bytes` of anything, described by `what` ("the kept series of one run (...)").
std::string memory_does_not_fit(double bytes, const std::string& what);

// "12.3 MB", "4.1 GB": bytes in the largest unit under 1000.
std::string format_bytes(double bytes);

}  // namespace magsim::app
