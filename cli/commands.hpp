// The magsim command line: one function per command, each returning the process exit code
// (0 ok, 1 other failure, 2 bad input, 3 numerical failure; docs/commands.md).
#pragma once

#include <string>
#include <vector>

namespace magsim::cli {

enum ExitCode { kOk = 0, kFailure = 1, kBadInput = 2, kNumericalFailure = 3 };

using Args = std::vector<std::string>;

int run_command(const Args& args);
int check_command(const Args& args);
int params_command(const Args& args);
int validate_command(const Args& args);
int sensitivity_command(const Args& args);
int sweep_command(const Args& args);
int merge_command(const Args& args);
int fit_command(const Args& args);
int profile_command(const Args& args);
int dataset_command(const Args& args);
int docs_command(const Args& args);

// What `magsim --help` prints.
const char* main_usage();

// An input file's path with its extension replaced by .h5: the default output of run and sweep.
std::string default_output_path(const std::string& input_path, const std::string& extension = ".h5");

// True if args ask for help (-h / --help); prints `usage` to stdout then.
bool wants_help(const Args& args, const char* usage);

}  // namespace magsim::cli
